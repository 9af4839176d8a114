"""Country hints in text: phone numbers, web domains, postal codes, currencies and prices.

Worldwide: international numbers of every calling code, national numbers of 60 regions
after a context word in any of a dozen scripts; ccTLDs, IDN ccTLDs and second-level
forms; postcode formats of Europe and of RU, CN, IN, KR, TH, JP, AU, MX, BR, ID, PH, US,
CA (digits only with the script or a place word on the same line, not after an article
or lot word; Australian ones in their state's range); currency symbols and
ISO codes of every country (non-ASCII symbols derived from CLDR, the rest a hand table),
with the price formats 1.234,56 / 1,234.56 / 1 234,56 / 1,23,456 / ۱۲۰٬۰۰۰.

Django-free; every function takes a str, caps its length and never raises on bad input.
Each returns hits with the countries they point to as relative likelihoods (largest 1.0).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from traceobject.geo._text import clean
from traceobject.geo.countries import EU_COUNTRIES, is_country
from traceobject.geo.reference import currency_countries
from traceobject.geo.script import SCRIPT_NAMES, script_countries, text_script


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
    "NZ", "JP", "CN", "IN", "BR", "MX", "VN", "ID", "PH", "MY", "AR", "ZA",
    # tried only after a context word in their scripts (전화, 電話, โทร, טל, هاتف, тел.)
    "KR", "TW", "HK", "SG", "TH", "IL", "EG", "SA", "AE", "KZ", "BY", "MK",
)
_LATIN_CONTEXT_REGIONS = NATIONAL_REGIONS[: NATIONAL_REGIONS.index("KR")]
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
_PHONE_WORDS = (
    r"(?i)(?:\btel|phone|fon\b|t[ée]l[ée]?f|tlf|puh|infolinia|hotline|helpline|call|zadzwo"
    r"|kontakt|contact|mob|gsm|handy|numer|número|numero|nummer|☎|📞|✆"
    # other scripts: Russian/Bulgarian/Ukrainian, Greek, Chinese/Japanese, Korean, Thai,
    # Hindi, Arabic, Hebrew, Vietnamese, Turkish, Indonesian/Malay
    r"|\bтел|телефон|τηλ|電話|电话|전화|연락처|โทร|फ़ोन|फोन|दूरभाष|هاتف|ھاتف|جوال|טל|טלפון"
    r"|điện thoại|đt|sđt|\btelp|telefon)"
)
_PHONE_CONTEXT_RE = re.compile(_PHONE_WORDS + r"[^\n\d]{0,15}$")
_PHONE_WORD_RE = re.compile(_PHONE_WORDS)
# National numbers are looked for in this many places after a context word, each this
# many characters long (the matchers of 60 regions over a whole page would be slow).
_MAX_PHONE_PLACES = 10
_PHONE_REACH = 45


def _national_numbers(text: str) -> list[Hit]:
    """National numbers just after a context word. A word in a script other than Latin
    ("тел.", "電話", "โทร") limits the regions tried to those writing that script."""
    import phonenumbers as pn

    groups: dict[str, list[str]] = {}  # context script ("" for Latin) -> places
    for m in itertools.islice(_PHONE_WORD_RE.finditer(text), _MAX_PHONE_PLACES):
        info = text_script(m.group(0))
        groups.setdefault(info.script if info else "", []).append(
            text[m.start() : m.end() + _PHONE_REACH])
    found: dict[str, set[str]] = {}
    notes: dict[str, str] = {}
    for script, places in groups.items():
        regions: tuple[str, ...] = _LATIN_CONTEXT_REGIONS
        if script:
            writing = script_countries(script)
            regions = tuple(r for r in NATIONAL_REGIONS if writing.get(r, 0.0) >= 0.05)
            regions = regions or _LATIN_CONTEXT_REGIONS
        joined = "\n".join(places)
        for region in regions:
            for match in pn.PhoneNumberMatcher(joined, region, leniency=pn.Leniency.VALID):
                raw = match.raw_string.strip()
                if raw.startswith("+") or _DIGITS_ONLY_RE.match(raw):
                    continue
                before = joined[max(0, match.start - 30) : match.start]
                if not _PHONE_CONTEXT_RE.search(before):
                    continue
                if pn.region_code_for_number(match.number) != region:
                    continue
                found.setdefault(raw, set()).add(region)
                if script and regions is not _LATIN_CONTEXT_REGIONS:
                    notes[raw] = f"national, {SCRIPT_NAMES.get(script, script)} context"
    return [
        Hit("phone", raw, dict.fromkeys(sorted(regions), 1.0), strong=False,
            note=notes.get(raw, "national"))
        for raw, regions in list(found.items())[:3]
        if len(regions) <= 20
    ]


# --------------------------------------------------------------------------- web domains

# ccTLDs widely used for other things than their country.
VANITY_TLDS = frozenset(
    {"io", "co", "tv", "me", "ai", "ly", "fm", "ws", "cc", "to", "gg", "so", "sh", "ac",
     "nu", "tk", "ml", "ga", "cf", "gq", "la", "am", "im", "vc", "ms", "su", "st", "gs",
     "ag", "bz", "cx", "re", "sc", "ps"}
)
_TLD_COUNTRY = {"uk": "GB"}
# Internationalised country-code TLDs (IANA root zone), as written and in Punycode.
IDN_TLDS: dict[str, str] = {
    "рф": "RU", "укр": "UA", "бг": "BG", "ελ": "GR", "ευ": "", "срб": "RS", "мкд": "MK",
    "бел": "BY", "қаз": "KZ", "мон": "MN", "中国": "CN", "中國": "CN", "台灣": "TW",
    "台湾": "TW", "香港": "HK", "澳門": "MO", "新加坡": "SG", "한국": "KR", "ไทย": "TH",
    "भारत": "IN", "مصر": "EG", "السعودية": "SA", "امارات": "AE", "ایران": "IR", "قطر": "QA",
    "الاردن": "JO", "المغرب": "MA", "الجزائر": "DZ", "تونس": "TN", "عمان": "OM",
    "پاکستان": "PK", "ישראל": "IL", "ලංකා": "LK", "இலங்கை": "LK", "বাংলা": "BD",
    "გე": "GE", "հայ": "AM",
    "xn--p1ai": "RU", "xn--j1amh": "UA", "xn--90ae": "BG", "xn--qxam": "GR",
    "xn--90a3ac": "RS", "xn--d1alf": "MK", "xn--90ais": "BY", "xn--80ao21a": "KZ",
    "xn--fiqs8s": "CN", "xn--fiqz9s": "CN", "xn--kpry57d": "TW", "xn--kprw13d": "TW",
    "xn--j6w193g": "HK", "xn--3e0b707e": "KR", "xn--o3cw4h": "TH", "xn--h2brj9c": "IN",
    "xn--wgbh1c": "EG", "xn--mgberp4a5d4ar": "SA", "xn--mgbaam7a8h": "AE",
    "xn--mgba3a4f16a": "IR", "xn--4dbrk0ce": "IL",
}
_DOMAIN_RE = re.compile(
    r"(?<![\w@.\-/])"
    r"(?P<prefix>https?://|www\.|[\w.+\-]+@)?"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+"
    r"(?P<tld>[a-z]{2,24}|xn--[a-z0-9]{2,30}))"
    r"(?![\w\-])(?!\.[a-z0-9])",
    re.IGNORECASE,
)
# Letters of a host name in any script, with the combining vowel signs of Indic, Thai and
# Arabic script (not word characters to the re module).
_IDN_LABEL = r"[\w\-\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0900-\u0dff\u0e00-\u0eff]{1,63}"


@lru_cache(maxsize=1)
def _idn_domain_re() -> re.Pattern[str]:
    tlds = "|".join(re.escape(t) for t in sorted(IDN_TLDS, key=len, reverse=True)
                    if not t.isascii())
    return re.compile(
        rf"(?<![\w@.\-/])(?P<prefix>https?://|www\.)?"
        rf"(?P<host>(?:{_IDN_LABEL}\.)+(?P<tld>{tlds}))(?![\w\-])"
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
    matches = list(itertools.islice(_DOMAIN_RE.finditer(text), 50))
    if not text.isascii():
        matches += list(itertools.islice(_idn_domain_re().finditer(text), 20))
    for m in matches:
        host = m.group("host").lower()
        tld = m.group("tld").lower()
        labels = host.split(".")
        explicit = bool(m.group("prefix"))
        if tld in IDN_TLDS:
            code = IDN_TLDS[tld]
            if host in seen or not is_country(code) or not labels[-2]:
                continue
            seen.add(host)
            hits.append(Hit("domain", m.group(0), {code: 1.0}, strong=True, note=f".{tld}"))
            if len(hits) >= limit:
                break
            continue
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
# Digit-only formats shared by many countries count only with context on the same line:
# (label, code pattern, context that must be there, countries, context that makes the
# hit strong). Letters of a script say which country's 6 or 5 digits these are; words
# such as "г." (city), "邮编" (postcode), "PIN", "CEP", "Kode Pos" say it is a postcode.
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_SIX = re.compile(r"(?<![\d№#\-])\d{6}(?![\d\-]|[,.]\d)")
_FIVE = re.compile(r"(?<![\d#\-])\d{5}(?![\d\-]|[,.]\d)")
# Six digits are a Chinese postcode only on a line with a postcode word or an address
# word (province, city, district, county, town, road, street): Han letters alone are
# not enough (article numbers, dates and prices without a currency are six digits too).
_CN_ADDRESS_RE = re.compile(r"邮编|郵編|邮政编码|[省市区區县縣镇鎮路街]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_CONTEXT_POSTAL: tuple[tuple[str, re.Pattern[str], re.Pattern[str], dict[str, float],
                             re.Pattern[str] | None], ...] = (
    ("Russian NNNNNN", re.compile(r"(?<![\d№#\-])\d{6}(?![\d\-]|[,.]\d)"), _CYRILLIC_RE,
     {"RU": 1.0, "BY": 0.4, "KZ": 0.4, "KG": 0.2, "TJ": 0.2},
     re.compile(r"(?:^|[\s,])(?:г\.|ул\.|обл\.|Россия|РФ|Москва|Санкт-Петербург)")),
    ("Chinese NNNNNN", re.compile(r"(?<![\d№#\-])\d{6}(?![\d\-]|[,.]\d)"), _CN_ADDRESS_RE,
     {"CN": 1.0}, re.compile(r"邮编|郵編|邮政编码|省|市")),
    ("Indian PIN", re.compile(r"(?<![\d#\-])\d{3}\s?\d{3}(?![\d\-]|[,.]\d)"),
     re.compile(r"(?i)\bPIN\b|पिन|[\u0900-\u097f]"), {"IN": 1.0},
     re.compile(r"(?i)\bPIN(?:\s?code)?\b|पिन")),
    ("Korean NNNNN", _FIVE, re.compile(r"[\uac00-\ud7af]"),
     {"KR": 1.0}, re.compile(r"우편번호|특별시|광역시|[가-힣]+[시도구]\b")),
    ("Thai NNNNN", _FIVE, re.compile(r"[\u0e00-\u0e7f]"),
     {"TH": 1.0}, re.compile(r"จังหวัด|จ\.|อำเภอ|อ\.|เขต|กรุงเทพ")),
    ("Japanese NNN-NNNN", re.compile(r"(?<![\d\-])\d{3}-\d{4}(?![\d\-])"),
     re.compile(r"[\u3040-\u30ff]|[都道府県]"), {"JP": 1.0}, re.compile(r"[都道府県]")),
    ("Australian state NNNN", re.compile(r"\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)\s+\d{4}\b"),
     re.compile(r"."), {"AU": 1.0}, re.compile(r"\b(?:NSW|VIC|QLD|TAS|ACT)\b")),
    ("Mexican C.P.", re.compile(r"\bC\.\s?P\.\s?\d{5}\b"), re.compile(r"."),
     {"MX": 1.0, "ES": 0.4}, re.compile(r"(?i)México|Mexico|CDMX|Jal\.|N\.L\.")),
    ("Brazilian CEP", re.compile(r"\bCEP:?\s?\d{5}-?\d{3}\b"), re.compile(r"."), {"BR": 1.0},
     re.compile(r".")),
    ("Indonesian kode pos", re.compile(r"(?<![\d#\-])\d{5}(?![\d\-]|[,.]\d)"),
     re.compile(r"(?i)kode\s?pos|Jakarta|Kota|Kab\.|Jawa|Indonesia"), {"ID": 1.0},
     re.compile(r"(?i)kode\s?pos|Indonesia")),
    ("Philippine NNNN", re.compile(r"(?<![\d#\-])\d{4}(?![\d\-]|[,.]\d)"),
     re.compile(r"(?i)Philippines|Pilipinas|Metro Manila"), {"PH": 1.0}, None),
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
    """Distinctive postal-code formats (weak: formats repeat across countries).

    Digits-only formats need context on their line: 6 digits are Russian (weak) on a line
    with Cyrillic letters and strong with "г.", "ул.", "Москва"...; they are Chinese only
    with a postcode or address word (邮编, 省, 市, 区, 县, 路, 街...: Han letters alone are
    not enough) and never on a line with kana. Numbers right after an article, lot or
    model word (品番, 貨號, 型号, 商品コード, Артикул, арт., LOT, ロット, Art.-Nr., REF, SKU,
    Model) or a number sign are no postcodes. "SA 8802" is an Australian postcode only
    when the number is in the state's range (SA 5000-5999), not a company's "SA" before
    a Swiss postcode.
    """
    text = clean(text, 5000)
    if sum(ch.isdigit() for ch in text) < 2:
        return []
    hits: list[Hit] = []
    for m in _PREFIXED_RE.finditer(text):
        code = _VEHICLE_CODES[m.group(1)]
        hits.append(Hit("postal_code", m.group(0), {code: 1.0}, strong=False,
                        note=f"{m.group(1)}- prefix"))
    prices = _spans(text, find_currencies(text)) if _FIVE.search(text) or _SIX.search(text) else []
    for label, pattern, context, countries, strong_context in _CONTEXT_POSTAL:
        for m in itertools.islice(pattern.finditer(text), 20):
            spans = _spans(text, hits) + prices  # "12500원" is a price, not a postcode
            if any(m.start() < h_end and h_start < m.end() for h_start, h_end in spans):
                continue
            if _NUMBER_SIGN_RE.search(text[max(0, m.start() - 4) : m.start()]):
                continue  # "Чек № 123456", "Order #12345": a number, not a postcode
            if _ARTICLE_RE.search(text[max(0, m.start() - 16) : m.start()]):
                continue  # "品番 123456", "Артикул 123456", "LOT 12345": a product number
            window = _line_around(text, m.start(), m.end())
            if not context.search(window):
                continue
            if label.startswith("Chinese") and _KANA_RE.search(window):
                continue  # a Japanese line ("商品コード 123456"): Japan writes 〒NNN-NNNN
            if label.startswith("Australian") and not _australian_postcode(m.group(0)):
                continue  # "Lindt SA 8802 Kilchberg": a Swiss company, not South Australia
            strong = bool(strong_context is not None and strong_context.search(window))
            hits.append(Hit("postal_code", m.group(0).strip(), dict(countries), strong,
                            note=label))
            break
    for label, pattern, countries, strong in _POSTAL_PATTERNS:
        for m in pattern.finditer(text):
            if any(h.text in m.group(0) or m.group(0) in h.text for h in hits):
                continue
            hits.append(Hit("postal_code", m.group(0).strip(), dict(countries), strong,
                            note=label))
            break
    return hits[:limit]


_NUMBER_SIGN_RE = re.compile(r"(?:№|#|\bNo\.?|\bNr\.?)\s*$", re.IGNORECASE)
# Words before an article, lot or model number: the digits after them are no postcode.
_ARTICLE_RE = re.compile(
    r"(?:品番|型番|貨號|货号|型号|型號|商品コード|品號|品号|ロット|批号|批號"
    r"|\bАрт(?:икул)?\b\.?|\bарт\.|\bLOT\b|\bArt\.?\s?-?\s?Nr\b\.?|\bArt\."
    r"|\bREF\b\.?|\bSKU\b|\bModel\b|\bEAN\b|\bJAN\b)"
    r"[\s:：.#№\-]*$",
    re.IGNORECASE,
)
# Postcode ranges of the Australian states and territories (Australia Post).
_AU_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "NSW": ((1000, 2599), (2619, 2899), (2921, 2999)),
    "ACT": ((200, 299), (2600, 2618), (2900, 2920)),
    "VIC": ((3000, 3999), (8000, 8999)),
    "QLD": ((4000, 4999), (9000, 9999)),
    "SA": ((5000, 5999),),
    "WA": ((6000, 6999),),
    "TAS": ((7000, 7999),),
    "NT": ((800, 999),),
}


def _australian_postcode(found: str) -> bool:
    """"NSW 2000" is one; "SA 8802" (a company's SA and a Swiss postcode) is not."""
    m = re.match(r"([A-Z]+)\s+(\d{4})$", found)
    if m is None:
        return False
    code = int(m.group(2))
    return any(low <= code <= high for low, high in _AU_RANGES.get(m.group(1), ()))


def _line_around(text: str, start: int, end: int, reach: int = 60) -> str:
    """The text of the line holding text[start:end], at most ``reach`` characters either side."""
    left = text.rfind("\n", max(0, start - reach), start) + 1 or max(0, start - reach)
    right = text.find("\n", end, end + reach)
    return text[max(left, start - reach) : right if right >= 0 else end + reach]


def _spans(text: str, hits: list[Hit]) -> list[tuple[int, int]]:
    out = []
    for h in hits:
        i = text.find(h.text)
        if i >= 0:
            out.append((i, i + len(h.text)))
    return out


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
    "RON": ({"RO": 1.0}, True), "RMB": ({"CN": 1.0}, True), "CN¥": ({"CN": 1.0}, True),
    "JP¥": ({"JP": 1.0}, True), "￥": ({"JP": 1.0, "CN": 1.0}, False),
    "人民币": ({"CN": 1.0}, True), "人民幣": ({"CN": 1.0}, True),
    "新台幣": ({"TW": 1.0}, True), "台幣": ({"TW": 1.0}, True), "港幣": ({"HK": 1.0}, True),
    "港元": ({"HK": 1.0}, True), "đ": ({"VN": 1.0}, True), "VNĐ": ({"VN": 1.0}, True),
    "ש\"ח": ({"IL": 1.0, "PS": 0.3}, True), "ש״ח": ({"IL": 1.0, "PS": 0.3}, True),
    "﷼": ({"IR": 1.0, "SA": 1.0, "OM": 0.5, "YE": 0.5, "QA": 0.5}, False),
    "ريال": ({"SA": 1.0, "IR": 0.5, "OM": 0.5, "YE": 0.5, "QA": 0.5}, False),
    "ر.س": ({"SA": 1.0}, True), "د.إ": ({"AE": 1.0}, True), "درهم": ({"AE": 1.0, "MA": 1.0}, False),
    "ج.م": ({"EG": 1.0}, True), "جنيه": ({"EG": 1.0, "SD": 0.3, "SS": 0.2}, False),
    "रु": ({"IN": 1.0, "NP": 0.5}, False), "रू": ({"NP": 1.0, "IN": 0.5}, False),
    "сом": ({"KG": 1.0}, True), "₼": ({"AZ": 1.0}, True), "TRY": ({"TR": 1.0}, True),
}
# Word-like symbols also matched in other letter case ("LEI", "Lei", "ГРН"); not "Ft"
# (5 ft), "TL", "RM" or "din" (DIN 5008), which are words in other letter cases.
_ANY_CASE = frozenset({"lei", "zł", "kč", "лв", "лв.", "руб", "грн", "дин", "ден", "lek"})
# Currency symbols of each country's official languages, derived from CLDR (Babel)
# besides the table above: only symbols with a non-ASCII character ("ج.م.", "₦", "৳"),
# so that no common word ("Le", "Br", "K") becomes a currency.
# Left out: the shared signs the hand table spreads itself, and "КМ" (BAM), which in
# capitals is also "km" ("5 КМ").
_SKIP_DERIVED = frozenset({"€", "£", "¥", "￥", "$", "КМ"})

# A price: 1.234,56 / 1,234.56 / 1 234,56 / 1'234.50 / Indian 1,23,456.00 / 125.000.
# Arabic-script prices use U+066C (thousands) and U+066B (decimal): ۱۲۰٬۰۰۰.
_NUMBER = (r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"
           r"|\d{1,3}(?:[ \u00a0\u202f.,'’\u066c]\d{3})*(?:[.,\u066b]\d{1,2})?"
           r"|\d+(?:[.,\u066b]\d{1,2})?")


@lru_cache(maxsize=1)
def _derived_symbols() -> dict[str, tuple[dict[str, float], bool]]:
    """Non-ASCII currency symbols of the countries' official-language locales (CLDR)."""
    try:
        from babel import Locale
        from babel.core import get_global
        from babel.localedata import locale_identifiers

        known = set(locale_identifiers())
        currencies = get_global("territory_currencies")
        languages = get_global("territory_languages")
    except Exception:  # Babel's data is a dependency; without it the table above still works
        return {}
    found: dict[str, dict[str, float]] = {}
    for territory, rows in currencies.items():
        current = [row[0] for row in rows if row[2] is None and row[3]]
        if not current or not is_country(territory):
            continue
        for lang, info in languages.get(territory, {}).items():
            status = info.get("official_status") or ""
            if status not in ("official", "de_facto_official", "official_regional"):
                continue
            locale_id = f"{lang}_{territory}"
            if locale_id not in known:
                continue
            symbols = Locale.parse(locale_id).currency_symbols
            for code in current:
                symbol = _clean_symbol(symbols.get(code) or "")
                if not symbol or symbol.isascii() or symbol in _SKIP_DERIVED:
                    continue
                row = found.setdefault(symbol, {})
                for country in currency_countries(code) or {territory: 1.0}:
                    row[country] = 1.0
    return {sym: (countries, len(countries) <= 2) for sym, countries in found.items()}


def _clean_symbol(symbol: str) -> str:
    symbol = "".join(ch for ch in symbol if ch not in "\u200e\u200f\u200b\u061c").strip()
    return symbol[:-1] if symbol.endswith(".") and len(symbol) > 2 else symbol


@lru_cache(maxsize=1)
def _all_symbols() -> dict[str, tuple[dict[str, float], bool]]:
    table = dict(_derived_symbols())
    table.update(_SYMBOLS)  # the hand table decides where the two differ
    return table


@lru_cache(maxsize=1)
def _folded_symbols() -> dict[str, str]:
    return {s.casefold(): s for s in _SYMBOLS if s in _ANY_CASE}


@lru_cache(maxsize=1)
def _currency_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    symbols = sorted(_all_symbols(), key=len, reverse=True)
    exact = "|".join(re.escape(s) for s in symbols if s not in _ANY_CASE)
    any_case = "|".join(re.escape(s) for s in sorted(_ANY_CASE, key=len, reverse=True))
    alternatives = f"(?i:{any_case})|{exact}"
    after = re.compile(
        rf"(?<![\w.,\u066b\u066c])(?P<num>{_NUMBER})\s?(?P<sym>{alternatives}|€|[A-Z]{{3}})\.?"
        r"(?![^\W\d_])"
    )
    before = re.compile(
        rf"(?<![^\W\d_])(?P<sym>{alternatives}|€|[A-Z]{{3}})\.?\s?(?P<num>{_NUMBER})(?![\d])"
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
            if hit is None or hit.note in found:
                continue
            if any(h.countries == hit.countries for h in found.values()):
                continue  # "人民币 128元": one price, one piece of evidence
            found[hit.note] = hit
            if len(found) >= limit:
                break
    return list(found.values())


def _currency_hit(symbol: str, raw: str) -> Hit | None:
    if symbol == "€":
        countries = currency_countries("EUR")
        return Hit("currency", raw, countries, strong=False, note="EUR") if countries else None
    symbol = _folded_symbols().get(symbol.casefold(), symbol)
    table = _all_symbols()
    if symbol in table:
        countries, strong = table[symbol]
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


def warm_up() -> None:
    """Build the currency tables (CLDR symbols of ~400 locales, about half a second) and
    the script table now instead of on the first text."""
    _currency_regexes()
    script_countries("Cyrl")
