"""Reference tables for investigator tags: plugs, mains, traffic side, currency, paper, formats.

Django-free. The tables are data files in ``geo/data/`` whose header comments name their
sources:

* ``electrical_traffic.csv``: plug types (IEC World Plugs letters A..O), nominal mains
  voltage and frequency (IEC World Plugs; Wikipedia "Mains electricity by country"),
  driving side (Wikipedia "Left- and right-hand traffic");
* ``paper.csv``: US Letter countries (ISO 216 vs US Letter; Wikipedia "Paper size");
* ``cldr_formats.csv``: currencies in use (ISO 4217 codes, CLDR territory currencies),
  date order and decimal separator (CLDR locale data), generated from Babel by
  ``bench/tools/geo_build_data.py``.

:func:`tag_likelihoods` turns an observation ("the plug is type G", "the price has a
decimal comma") into relative likelihoods over countries: 1.0 where the table says the
observation fits, a low value where it does not, and a middle value where the table has no
entry for the country (unknown is not a mismatch).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from traceobject.geo.countries import country_codes

MISMATCH = 0.05  # likelihood of a country whose table entry contradicts the observation
UNKNOWN = 0.4  # likelihood of a country the table does not cover


def _read_csv(name: str) -> list[dict[str, str]]:
    try:
        text = resources.files("traceobject.geo").joinpath(f"data/{name}").read_text("utf-8")
    except OSError:
        return []
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@dataclass(frozen=True, slots=True)
class CountryFacts:
    plugs: frozenset[str] = frozenset()
    voltages: tuple[int, ...] = ()
    frequencies: tuple[int, ...] = ()
    driving: str = ""  # "left" / "right" / ""
    paper: str = ""  # "A4" / "Letter" / ""
    currencies: tuple[str, ...] = ()
    date_orders: tuple[str, ...] = ()  # "DMY", "MDY", "YMD"
    decimals: tuple[str, ...] = ()  # "," / "."


def _ints(value: str) -> tuple[int, ...]:
    return tuple(int(v) for v in value.split() if v.isdigit())


@lru_cache(maxsize=1)
def facts() -> dict[str, CountryFacts]:
    """Per-country reference facts (countries without any entry are absent)."""
    electrical = {row["country"]: row for row in _read_csv("electrical_traffic.csv")}
    paper = {row["country"]: row["paper"] for row in _read_csv("paper.csv")}
    formats = {row["country"]: row for row in _read_csv("cldr_formats.csv")}
    out: dict[str, CountryFacts] = {}
    for code in country_codes():
        e = electrical.get(code, {})
        f = formats.get(code, {})
        out[code] = CountryFacts(
            plugs=frozenset((e.get("plugs") or "").split()),
            voltages=_ints(e.get("voltage") or ""),
            frequencies=_ints(e.get("frequency") or ""),
            driving=(e.get("driving") or "").strip(),
            # ISO 216 is the default: paper.csv lists the exceptions
            paper=paper.get(code, "A4"),
            currencies=tuple((f.get("currencies") or "").split()),
            date_orders=tuple((f.get("date_order") or "").split()),
            decimals=tuple((f.get("decimal") or "").split()),
        )
    return out


@lru_cache(maxsize=512)
def currency_countries(code: str) -> dict[str, float]:
    """Countries where ISO 4217 ``code`` is legal tender now: {country: 1.0}."""
    code = code.upper()
    return {c: 1.0 for c, f in facts().items() if code in f.currencies}


# Tag names investigators use, with the values they take (for forms and validation).
TAGS: dict[str, str] = {
    "plug": "plug type letter(s) A..O, e.g. 'G' or 'C F'",
    "voltage": "mains voltage in volts, e.g. '230' or '120'",
    "frequency": "mains frequency in hertz: '50' or '60'",
    "driving_side": "'left' or 'right'",
    "currency": "ISO 4217 code (PLN) or a symbol (zł, £, €)",
    "paper": "'A4' or 'Letter'",
    "date_format": "'DMY', 'MDY' or 'YMD', or an example date such as '31/12/2024'",
    "decimal_separator": "',' or '.'",
}
_TAG_ALIASES = {
    "plugs": "plug", "plug_type": "plug", "socket": "plug", "mains_voltage": "voltage",
    "hz": "frequency", "mains_frequency": "frequency", "driving": "driving_side",
    "traffic": "driving_side", "paper_size": "paper", "date": "date_format",
    "date_order": "date_format", "decimal": "decimal_separator",
}


class TagError(ValueError):
    """An unknown tag or a value the tag cannot take."""


@dataclass(frozen=True, slots=True)
class TagMatch:
    tag: str
    value: str  # normalised: "G", "230", "left", "PLN", "A4", "DMY", ","
    likelihoods: dict[str, float]  # every country
    matching: tuple[str, ...]  # countries that fit


def normalise_tag(tag: str) -> str:
    key = re.sub(r"[\s\-]+", "_", str(tag).strip().lower())
    key = _TAG_ALIASES.get(key, key)
    if key not in TAGS:
        raise TagError(f"unknown tag {tag!r}; known: {', '.join(sorted(TAGS))}")
    return key


def tag_likelihoods(tag: str, value: object) -> TagMatch:
    """Relative likelihoods over all countries of observing ``tag = value``.

    Raises :class:`TagError` for an unknown tag or a value it cannot parse.
    """
    key = normalise_tag(tag)
    raw = str(value).strip()
    if not raw:
        raise TagError(f"empty value for tag {key!r}")
    table = facts()
    fits: dict[str, float | None]  # country -> 1.0 fit, 0.0 mismatch, None unknown
    if key == "plug":
        letters = {ch for ch in re.sub(r"(?i)\btype\b", " ", raw).upper() if ch.isalpha()}
        if not letters or not letters <= set("ABCDEFGHIJKLMNO"):
            raise TagError(f"plug types are letters A..O, not {raw!r}")
        norm = " ".join(sorted(letters))

        def plug_fit(f: CountryFacts) -> float | None:
            if not f.plugs:
                return None
            if not letters & f.plugs:
                return 0.0
            # a type is likelier to be seen where it is one of few in use
            return 1.0 / (1.0 + 0.15 * (len(f.plugs) - 1))

        fits = {c: plug_fit(f) for c, f in table.items()}
    elif key == "voltage":
        m = re.search(r"\d{2,3}", raw)
        if not m:
            raise TagError(f"voltage must be a number of volts, not {raw!r}")
        volts = int(m.group(0))
        norm = str(volts)
        fits = {
            c: (None if not f.voltages else float(any(abs(v - volts) <= 15 for v in f.voltages)))
            for c, f in table.items()
        }
    elif key == "frequency":
        m = re.search(r"50|60", raw)
        if not m:
            raise TagError(f"frequency is 50 or 60 Hz, not {raw!r}")
        hz = int(m.group(0))
        norm = str(hz)
        fits = {
            c: (None if not f.frequencies else float(hz in f.frequencies))
            for c, f in table.items()
        }
    elif key == "driving_side":
        side = raw.lower()
        side = {"l": "left", "lhd": "right", "r": "right", "rhd": "left",
                "left-hand": "left", "right-hand": "right"}.get(side, side)
        if side not in ("left", "right"):
            raise TagError(f"driving side is 'left' or 'right', not {raw!r}")
        norm = side
        fits = {c: (None if not f.driving else float(f.driving == side)) for c, f in table.items()}
    elif key == "currency":
        code = _currency_code(raw)
        norm = code
        using = currency_countries(code) if len(code) == 3 else {}
        if not using:
            raise TagError(f"unknown currency {raw!r}")
        fits = {c: (None if not f.currencies else float(c in using)) for c, f in table.items()}
    elif key == "paper":
        size = raw.strip().lower()
        if size in ("a4", "a3", "a5", "iso", "iso 216"):
            norm = "A4"
        elif size in ("letter", "us letter", "legal", "us legal", "ansi a"):
            norm = "Letter"
        else:
            raise TagError(f"paper is 'A4' or 'Letter', not {raw!r}")
        fits = {c: float(f.paper == norm) for c, f in table.items()}
    elif key == "date_format":
        norm = _date_order(raw)
        fits = {
            c: (None if not f.date_orders else float(norm in f.date_orders))
            for c, f in table.items()
        }
    else:  # decimal_separator
        sep = {"comma": ",", "point": ".", "dot": ".", "period": ".", "full stop": "."}.get(
            raw.lower(), raw
        )
        if sep not in (",", "."):
            raise TagError(f"decimal separator is ',' or '.', not {raw!r}")
        norm = sep
        fits = {c: (None if not f.decimals else float(sep in f.decimals)) for c, f in table.items()}
    likelihoods = {
        c: (UNKNOWN if fit is None else max(MISMATCH, fit)) for c, fit in fits.items()
    }
    matching = tuple(sorted(c for c, fit in fits.items() if fit))
    return TagMatch(key, norm, likelihoods, matching)


_CURRENCY_SYMBOLS = {
    "zł": "PLN", "zl": "PLN", "kč": "CZK", "ft": "HUF", "lei": "RON", "лв": "BGN",
    "£": "GBP", "€": "EUR", "$": "USD", "us$": "USD", "a$": "AUD", "c$": "CAD",
    "nz$": "NZD", "r$": "BRL", "¥": "JPY", "円": "JPY", "元": "CNY", "₹": "INR", "₽": "RUB",
    "₴": "UAH", "₺": "TRY", "₩": "KRW", "₪": "ILS", "฿": "THB", "₫": "VND", "₱": "PHP",
    "fr.": "CHF", "sfr": "CHF", "chf": "CHF",
}


def _currency_code(raw: str) -> str:
    key = raw.strip().lower()
    if key in _CURRENCY_SYMBOLS:
        return _CURRENCY_SYMBOLS[key]
    return raw.strip().upper()


def _date_order(raw: str) -> str:
    value = raw.strip().upper()
    if value in ("DMY", "MDY", "YMD"):
        return value
    parts = [int(p) for p in re.findall(r"\d+", raw)]
    if len(parts) == 3:
        a, b, c = parts
        if a > 31 or len(re.findall(r"\d+", raw)[0]) == 4:
            return "YMD"
        if a > 12 and b <= 12:
            return "DMY"
        if b > 12 and a <= 12:
            return "MDY"
        del c
    raise TagError(f"date format is DMY, MDY or YMD (or an unambiguous date), not {raw!r}")
