"""Country hints in text: phone numbers, web domains, postal codes, currencies and prices.

Django-free; every function takes a str, caps its length and never raises on bad input.
Each returns hits with the countries they point to as relative likelihoods (largest 1.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from traceobject.geo._text import clean
from traceobject.geo.countries import EU_COUNTRIES, is_country
from traceobject.geo.reference import currency_countries


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # "phone", "domain", "postal_code", "currency"
    text: str  # as found
    countries: dict[str, float]  # relative likelihoods, the largest 1.0
    strong: bool = False  # an unambiguous marker (+48 number, .pl domain, PLN price)
    note: str = ""  # human-readable detail: "+48", ".pl", "PLN"


# --------------------------------------------------------------------------- phone numbers

# Regions whose national number formats are tried when a text has no international number.
NATIONAL_REGIONS = (
    *sorted(EU_COUNTRIES), "GB", "CH", "NO", "IS", "UA", "TR", "RU", "RS", "US", "CA", "AU",
    "NZ", "JP", "CN", "IN", "BR", "MX",
)
_IDD_RE = re.compile(r"(?<![\d+])00[\s.]?(?=[1-9])")
_DIGITS_ONLY_RE = re.compile(r"^\d+$")


def find_phone_numbers(text: str, *, national: bool = True, limit: int = 10) -> list[Hit]:
    """Phone numbers in ``text``.

    International numbers (``+48 ...`` or ``0048 ...``) give their country (for shared
    calling codes such as +1 the region of the area code); they are strong. With
    ``national=True`` numbers written without a country code, after a word such as "Tel."
    or "Infolinia", are tried against the formats of :data:`NATIONAL_REGIONS`; such a
    number is valid in several countries, so the hit is weak and lists all of them. Bare
    digit strings (EAN codes, ids) are not phone numbers.
    """
    text = clean(text, 5000)
    if sum(ch.isdigit() for ch in text) < 7:
        return []
    try:
        import phonenumbers
    except ImportError:
        return []
    hits: list[Hit] = []
    seen: set[str] = set()
    probe = _IDD_RE.sub("+", text)
    try:
        if "+" in probe:
            # with a country code even a number phonenumbers cannot validate (a made-up
            # subscriber number) still names its country
            for match in phonenumbers.PhoneNumberMatcher(
                probe, "ZZ", leniency=phonenumbers.Leniency.POSSIBLE
            ):
                number = match.number
                region = phonenumbers.region_code_for_number(number)
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                if e164 in seen:
                    continue
                seen.add(e164)
                countries = _calling_code_countries(number.country_code or 0, region)
                if not countries:
                    continue
                hits.append(
                    Hit("phone", match.raw_string.strip(), countries, strong=True,
                        note=f"+{number.country_code}")
                )
                if len(hits) >= limit:
                    return hits
        if national and not hits:
            hits += _national_numbers(text)
    except Exception:  # phonenumbers is robust, but clue extraction must never raise
        return hits
    return hits[:limit]


def _calling_code_countries(code: int, region: str | None) -> dict[str, float]:
    import phonenumbers

    regions = [r for r in phonenumbers.region_codes_for_country_code(code) if is_country(r)]
    if region and is_country(region):
        out = dict.fromkeys(regions, 0.05)
        out[region] = 1.0
        return out
    if not regions:
        return {}
    main = phonenumbers.region_code_for_country_code(code)
    out = dict.fromkeys(regions, 0.3)
    if main in out:
        out[main] = 1.0
    return out


# A number without a country code counts only after a word that says it is one.
_PHONE_CONTEXT_RE = re.compile(
    r"(?i)(?:\btel|phone|fon\b|t[ée]l[ée]?f|tlf|puh|infolinia|hotline|helpline|call|zadzwo"
    r"|kontakt|contact|mob|gsm|handy|numer|número|numero|nummer|☎|📞|✆)[^\n\d]{0,15}$"
)


def _national_numbers(text: str) -> list[Hit]:
    import phonenumbers as pn

    found: dict[str, set[str]] = {}
    for region in NATIONAL_REGIONS:
        for match in pn.PhoneNumberMatcher(text, region, leniency=pn.Leniency.VALID):
            raw = match.raw_string.strip()
            if raw.startswith("+") or _DIGITS_ONLY_RE.match(raw):
                continue
            if not _PHONE_CONTEXT_RE.search(text[max(0, match.start - 30) : match.start]):
                continue
            if pn.region_code_for_number(match.number) != region:
                continue
            found.setdefault(raw, set()).add(region)
    return [
        Hit("phone", raw, dict.fromkeys(sorted(regions), 1.0), strong=False, note="national")
        for raw, regions in list(found.items())[:3]
        if len(regions) <= 12
    ]


# --------------------------------------------------------------------------- web domains

# ccTLDs widely used for other things than their country.
VANITY_TLDS = frozenset(
    {"io", "co", "tv", "me", "ai", "ly", "fm", "ws", "cc", "to", "gg", "so", "sh", "ac",
     "nu", "tk", "ml", "ga", "cf", "gq", "la", "am", "im", "vc", "ms", "su", "st", "gs",
     "ag", "bz", "cx", "re", "sc", "ps"}
)
_TLD_COUNTRY = {"uk": "GB"}
_DOMAIN_RE = re.compile(
    r"(?<![\w@.\-/])"
    r"(?P<prefix>https?://|www\.|[\w.+\-]+@)?"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?P<tld>[a-z]{2,24}))"
    r"(?![\w\-])(?!\.[a-z0-9])",
    re.IGNORECASE,
)
# "Co.KG", "z.o.o", "e.g": abbreviations that look like host names.
_NOT_HOSTS = frozenset(
    {"co", "nr", "str", "tel", "fax", "no", "art", "ca", "zb", "bzw", "inkl", "usw", "etc",
     "mr", "mrs", "dr", "st", "ul", "al", "pl", "os", "sp", "ag", "kg", "ltd", "inc", "vs",
     "ref", "approx", "min", "max", "ok"}
)


def find_domains(text: str, *, limit: int = 10) -> list[Hit]:
    """Web and e-mail domains under a country-code TLD (``sklep.pl``, ``shop.co.uk``).

    Generic TLDs (.com, .org, ...) and ccTLDs used as vanity names (.io, .tv, .co, ...)
    say nothing about a country and are ignored; ``.eu`` points weakly at the EU.
    """
    text = clean(text)
    if "." not in text:
        return []
    hits: list[Hit] = []
    seen: set[str] = set()
    for m in _DOMAIN_RE.finditer(text):
        host = m.group("host").lower()
        tld = m.group("tld").lower()
        labels = host.split(".")
        explicit = bool(m.group("prefix"))
        if not explicit:
            if len(labels) == 2 and (len(labels[0]) < 3 or labels[0] in _NOT_HOSTS):
                continue
            if not any(ch.isalpha() for ch in labels[-2]):
                continue
            if m.group("tld") != tld and m.group("tld") != tld.upper():
                continue  # "Berlin.De" is a typo, not a host
        if host in seen:
            continue
        countries: dict[str, float]
        if tld == "eu":
            countries = dict.fromkeys(sorted(EU_COUNTRIES), 1.0)
            strong = False
        elif len(tld) == 2 and tld not in VANITY_TLDS:
            code = _TLD_COUNTRY.get(tld, tld.upper())
            if not is_country(code):
                continue
            countries = {code: 1.0}
            strong = True
        else:
            continue
        seen.add(host)
        hits.append(Hit("domain", m.group(0), countries, strong=strong, note=f".{tld}"))
        if len(hits) >= limit:
            break
    return hits


# --------------------------------------------------------------------------- postal codes

_CITY = r"\s+[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-žA-Z\-]{2,}"
_POSTAL_PATTERNS: tuple[tuple[str, re.Pattern[str], dict[str, float], bool], ...] = (
    ("PL NN-NNN", re.compile(r"(?<![\d-])\d{2}-\d{3}(?![\d-])" + _CITY), {"PL": 1.0}, False),
    ("PT NNNN-NNN", re.compile(r"(?<![\d-])\d{4}-\d{3}(?![\d-])" + _CITY), {"PT": 1.0}, False),
    ("NL NNNN AA", re.compile(r"(?<![\d-])[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}" + _CITY),
     {"NL": 1.0}, False),
    ("UK postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[ABD-HJLNP-UW-Z]{2}\b"),
     {"GB": 1.0, "GG": 0.05, "JE": 0.05, "IM": 0.05}, True),
    ("Canadian A1A 1A1", re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d"
                                    r"[ABCEGHJ-NPRSTV-Z]\d\b"), {"CA": 1.0}, True),
    ("US ZIP+4", re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])"), {"US": 1.0}, False),
    ("US state + ZIP", re.compile(
        r"\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT"
        r"|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY),?\s+"
        r"\d{5}(?:-\d{4})?\b"), {"US": 1.0}, True),
    ("Brazilian CEP", re.compile(r"(?<![\d-])\d{5}-\d{3}(?![\d-])"), {"BR": 1.0}, False),
    ("Japanese 〒", re.compile(r"〒\s?\d{3}-?\d{4}"), {"JP": 1.0}, True),
    ("CZ/SK/SE/GR NNN NN", re.compile(r"(?<![\d\s])\d{3}\s\d{2}(?![\d,.])" + _CITY),
     {"CZ": 1.0, "SK": 1.0, "SE": 1.0, "GR": 1.0}, False),
)
# International vehicle codes used as postal-code prefixes ("D-80331", "CH-8001").
_PREFIXED_RE = re.compile(
    r"\b(D|A|CH|F|I|B|NL|L|PL|CZ|SK|H|S|N|DK|FIN|FL|E|P|GR|SLO|HR|RO|BG|LT|LV|EST|IS|M)"
    r"-(\d{2}-\d{3}|\d{4,5})\b"
)
_VEHICLE_CODES = {
    "D": "DE", "A": "AT", "CH": "CH", "F": "FR", "I": "IT", "B": "BE", "NL": "NL", "L": "LU",
    "PL": "PL", "CZ": "CZ", "SK": "SK", "H": "HU", "S": "SE", "N": "NO", "DK": "DK",
    "FIN": "FI", "FL": "LI", "E": "ES", "P": "PT", "GR": "GR", "SLO": "SI", "HR": "HR",
    "RO": "RO", "BG": "BG", "LT": "LT", "LV": "LV", "EST": "EE", "IS": "IS", "M": "MT",
}


def find_postal_codes(text: str, *, limit: int = 5) -> list[Hit]:
    """Distinctive postal-code formats (weak: formats repeat across countries)."""
    text = clean(text, 5000)
    if sum(ch.isdigit() for ch in text) < 2:
        return []
    hits: list[Hit] = []
    for m in _PREFIXED_RE.finditer(text):
        code = _VEHICLE_CODES[m.group(1)]
        hits.append(Hit("postal_code", m.group(0), {code: 1.0}, strong=False,
                        note=f"{m.group(1)}- prefix"))
    for label, pattern, countries, strong in _POSTAL_PATTERNS:
        for m in pattern.finditer(text):
            if any(h.text in m.group(0) or m.group(0) in h.text for h in hits):
                continue
            hits.append(Hit("postal_code", m.group(0).strip(), dict(countries), strong,
                            note=label))
            break
    return hits[:limit]


# --------------------------------------------------------------------------- currencies

# Symbols and local abbreviations -> (countries with relative likelihoods, unambiguous?).
_SYMBOLS: dict[str, tuple[dict[str, float], bool]] = {
    "zł": ({"PL": 1.0}, True), "zl": ({"PL": 1.0}, True), "Kč": ({"CZ": 1.0}, True),
    "Ft": ({"HU": 1.0}, True), "lei": ({"RO": 1.0, "MD": 0.3}, True),
    "лв": ({"BG": 1.0}, True), "лв.": ({"BG": 1.0}, True),
    "kr": ({"SE": 1.0, "DK": 1.0, "NO": 1.0, "IS": 1.0}, False),
    "kr.": ({"DK": 1.0, "IS": 1.0, "SE": 0.5, "NO": 0.5}, False),
    "Fr.": ({"CH": 1.0, "LI": 1.0}, True), "£": ({"GB": 1.0, "GI": 0.1, "IM": 0.1,
                                               "JE": 0.1, "GG": 0.1, "FK": 0.1}, True),
    "$": ({"US": 1.0, "CA": 0.5, "AU": 0.5, "MX": 0.4, "NZ": 0.3, "SG": 0.3, "HK": 0.3,
           "AR": 0.3, "CL": 0.3, "CO": 0.3, "EC": 0.3, "SV": 0.2, "PA": 0.2}, False),
    "US$": ({"US": 1.0}, True), "A$": ({"AU": 1.0}, True), "AU$": ({"AU": 1.0}, True),
    "C$": ({"CA": 1.0}, True), "CA$": ({"CA": 1.0}, True), "NZ$": ({"NZ": 1.0}, True),
    "HK$": ({"HK": 1.0}, True), "S$": ({"SG": 1.0}, True), "R$": ({"BR": 1.0}, True),
    "NT$": ({"TW": 1.0}, True), "MX$": ({"MX": 1.0}, True),
    "¥": ({"JP": 1.0, "CN": 1.0}, False), "円": ({"JP": 1.0}, True),
    "元": ({"CN": 1.0}, True), "₹": ({"IN": 1.0}, True),
    "Rs": ({"IN": 1.0, "PK": 0.7, "LK": 0.4, "NP": 0.4}, False),
    "Rs.": ({"IN": 1.0, "PK": 0.7, "LK": 0.4, "NP": 0.4}, False),
    "₽": ({"RU": 1.0}, True), "руб": ({"RU": 1.0, "BY": 0.3}, True),
    "₴": ({"UA": 1.0}, True), "грн": ({"UA": 1.0}, True), "₺": ({"TR": 1.0}, True),
    "TL": ({"TR": 1.0}, True), "₩": ({"KR": 1.0}, True), "원": ({"KR": 1.0}, True),
    "₪": ({"IL": 1.0, "PS": 0.3}, True), "฿": ({"TH": 1.0}, True), "บาท": ({"TH": 1.0}, True),
    "₫": ({"VN": 1.0}, True), "₱": ({"PH": 1.0}, True), "Rp": ({"ID": 1.0}, True),
    "RM": ({"MY": 1.0}, True), "kn": ({"HR": 1.0}, False), "din": ({"RS": 1.0}, True),
    "дин": ({"RS": 1.0}, True), "ден": ({"MK": 1.0}, True), "KM": ({"BA": 1.0}, True),
    "Lek": ({"AL": 1.0}, True), "₾": ({"GE": 1.0}, True), "₸": ({"KZ": 1.0}, True),
}
_NUMBER = r"\d{1,3}(?:[ \u00a0.,'’]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"


@lru_cache(maxsize=1)
def _currency_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    symbols = sorted(_SYMBOLS, key=len, reverse=True)
    alternatives = "|".join(re.escape(s) for s in symbols)
    after = re.compile(
        rf"(?<![\w.,])(?P<num>{_NUMBER})\s?(?P<sym>{alternatives}|€|[A-Z]{{3}})(?![^\W\d_])"
    )
    before = re.compile(
        rf"(?<![^\W\d_])(?P<sym>{alternatives}|€|[A-Z]{{3}})\s?(?P<num>{_NUMBER})(?![\d])"
    )
    return after, before


def find_currencies(text: str, *, limit: int = 5) -> list[Hit]:
    """Prices with a currency: "29,99 zł", "PLN 29.99", "£5", "12 €", "1 290 Ft".

    A currency symbol or ISO 4217 code counts only next to a number. The euro points at
    every country that uses it; "kr" at the Nordic crowns; "$" mostly at the US.
    """
    text = clean(text, 5000)
    if not any(ch.isdigit() for ch in text):
        return []
    after, before = _currency_regexes()
    found: dict[str, Hit] = {}
    for pattern in (after, before):
        for m in pattern.finditer(text):
            symbol = m.group("sym")
            hit = _currency_hit(symbol, m.group(0).strip())
            if hit is not None and hit.note not in found:
                found[hit.note] = hit
            if len(found) >= limit:
                break
    return list(found.values())


def _currency_hit(symbol: str, raw: str) -> Hit | None:
    if symbol == "€":
        countries = currency_countries("EUR")
        return Hit("currency", raw, countries, strong=False, note="EUR") if countries else None
    if symbol in _SYMBOLS:
        countries, strong = _SYMBOLS[symbol]
        return Hit("currency", raw, dict(countries), strong=strong, note=symbol)
    if len(symbol) == 3 and symbol.isupper():
        countries = dict(currency_countries(symbol))
        if not countries:
            return None
        # ISO 4217 codes start with the issuing country's code (USD, CHF): that country
        # first, the others that use the currency less
        issuer = symbol[:2]
        if issuer in countries and len(countries) > 1:
            countries = {c: (1.0 if c == issuer else 0.3) for c in countries}
        strong = len(countries) <= 3
        return Hit("currency", raw, countries, strong=strong, note=symbol)
    return None


def all_hits(text: str, *, national_phones: bool = True) -> list[Hit]:
    """Every phone, domain, postal-code and currency hit in ``text``."""
    return [
        *find_phone_numbers(text, national=national_phones),
        *find_domains(text),
        *find_postal_codes(text),
        *find_currencies(text),
    ]
