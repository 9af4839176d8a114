"""Text that identifies someone, found in a crop before it is published (Django-free).

The safety gate (:mod:`traceobject.vision.gate`) looks for people. A readable street
address, a name, a phone number, a school's name or a number plate in a published crop
can point at a victim as surely as a face. :func:`identifying_text` reads the crop's
text with the project's OCR engine (:func:`traceobject.vision.ocr.read_text`) and
:func:`classify_line` sorts each line by these rules; a finding asks a reviewer to
redact the text or to let it through in writing.

What is flagged (``what``), and the rules:

``address``
    A street word of one of the EU's languages (standalone: rue, avenue, Straße/Str.,
    via, calle, rua, straat, ulica/ul., ulice, utca, iela, gatvė/g., tänav/mnt, katu,
    οδός/οδ., улица/ул., triq, sráid, street/road...; or the end of a compound:
    Hauptstraße, Storgatan, Kirkevej, Mannerheimintie...) next to a capitalised name and
    with a house number (1-4 digits, maybe a letter; not a quantity such as "500 g") in
    the same line; or a postcode of a European format followed by a capitalised town:
    ``75011 Paris``, ``00-950 Warszawa``, ``1012 AB Amsterdam``, ``1000-001 Lisboa``,
    ``114 55 Stockholm``, ``D-10115 Berlin``, an Irish Eircode, a Maltese code. Four-digit
    postcodes without a country prefix (``1000 София``) count only when another line of
    the crop is an address (alone they are too often a year or a quantity).
``phone``
    A number that Google's libphonenumber (the ``phonenumbers`` package) finds valid:
    international (``+49 30 1234567``, ``0049...``) or national in an EU country,
    Switzerland, Norway or the United Kingdom. A national number needs a phone word on the
    line (Tel, Tél, Telefon, Handy, Mob, Kontakt, τηλ, тел...) or separators
    (``06 12 34 56 78``). Dates, barcode digits and numbers on a line with a label word
    (lot, EAN, Art.-Nr....) are not phones unless international. A company's number is not
    flagged: toll-free, shared-cost, premium-rate and universal access numbers, and any number
    on a line naming a customer service (Infolinia, Hotline, Kundenservice, service client,
    servizio clienti, atención al cliente, klantenservice...), as product labels print them.
``email``
    Anything shaped ``name@domain.tld``.
``plate``
    A line that is wholly a number plate of an EU format (``B-AB 1234``, ``AB-123-CD``,
    ``1234 BCD``, ``WA 12345``, ``1-ABC-123``, ``CA 1234 AB``...), maybe after a
    country code; its letter groups are at most three letters long and not a label
    word (LOT, REF, EAN, ISO...).
``id_number``
    An IBAN; an Italian codice fiscale; a number after an identity word (PESEL, DNI,
    NIF, CNP, EGN/ЕГН, BSN, ΑΜΚΑ, passport, Ausweis, ID...); any run of nine digits or
    more (spaces, dashes and dots between groups allowed) that is neither a phone, a
    date, nor barcode digits (8 to 14 digits unseparated, EAN grouping, or a valid check
    digit), on a line without a label word (lot, batch, EAN, best before, kcal...).
``name``
    A courtesy title (Mr, Mrs, Mme, M., Herr, Frau, Pan, Pani, Sig., Sra., Dhr., Mevr.,
    κ., г-н, г-жа, Familie, Famille...) before a capitalised word; or a given name from
    ``data/given_names.txt`` (common given names in the EU's languages and scripts)
    before a capitalised surname. Brands shaped like names (Mr Muscle, Dr. Oetker...) and
    a given name before a product word (Marie Biscuits) are not names.
``institution``
    A school, nursery or hospital word (school, école, Schule/Grundschule, szkoła,
    przedszkole, scuola, escuela, colegio, escola, gymnasium, lycée, liceum, Kita,
    kindergarten, σχολείο, училище, iskola, koulu, hospital, Krankenhaus, szpital...)
    written with a capital, with a name or a number beside it (Przedszkole nr 7) or as
    part of a compound.
``unread``
    A line of text the reader could find but not read: its box is much wider than the
    characters it read (the recogniser knows Latin-script languages, Chinese and
    Japanese; Cyrillic comes out as a few digits and stops, Greek as Latin look-alikes).
    What cannot be read cannot be cleared; a reviewer looks.
``error``
    The text reader could not run: the crop asks for review (fails closed).

Greek and Cyrillic words read with Latin look-alike letters (``Oδó``) are matched after
folding: lower case, without diacritics, look-alikes mapped to the script of the word.

Not flagged: brand names, weights and volumes ("500 g", "1,5 l"), "Made in ...",
ingredients, barcode digits (EAN/UPC lengths), dates, lot numbers, sizes. So an ID
number of 8 to 14 digits written unseparated without an identity word is missed: on
labels such runs are barcode digits far more often.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "WHAT",
    "TextFinding",
    "classify_line",
    "find_identifying_text",
    "fold",
    "identifying_text",
]

#: Every ``what`` a finding can have.
WHAT: Final = (
    "address", "name", "phone", "email", "plate", "id_number", "institution", "unread",
    "error",
)

_DATA = Path(__file__).resolve().parent / "data"

# --------------------------------------------------------------------------- folding

_GREEK_LOOKALIKES: Final = str.maketrans({
    "a": "α", "b": "β", "e": "ε", "h": "η", "i": "ι", "k": "κ", "m": "μ", "n": "ν",
    "o": "ο", "p": "ρ", "t": "τ", "x": "χ", "y": "υ", "z": "ζ", "v": "ν", "u": "υ",
})
_CYRILLIC_LOOKALIKES: Final = str.maketrans({
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о",
    "p": "р", "t": "т", "x": "х", "y": "у",
})


def _script(token: str) -> str:
    for ch in token:
        if "\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff":
            return "greek"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
    return "latin"


def fold(token: str) -> str:
    """``token`` in lower case, without diacritics, with ß as ss and ł as l, and Latin
    look-alike letters inside a Greek or Cyrillic word mapped to that script."""
    text = unicodedata.normalize("NFKD", token.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss").replace("ł", "l").replace("đ", "d").replace("ø", "o")
    text = text.replace("æ", "ae").replace("ς", "σ").replace("ı", "i")
    script = _script(text)
    if script == "greek":
        text = text.translate(_GREEK_LOOKALIKES)
    elif script == "cyrillic":
        text = text.translate(_CYRILLIC_LOOKALIKES)
    return text


# --------------------------------------------------------------------------- word lists

#: Street words that stand alone (folded). Abbreviations of one or two letters need
#: their dot in the text (``ul.``, ``g.``, ``u.``), see :data:`_NEEDS_DOT`.
_STREET_WORDS: Final = frozenset({
    # fr, be, lu
    "rue", "avenue", "av", "boulevard", "bd", "bld", "chemin", "allee", "impasse", "quai",
    "route", "place", "cours", "ruelle",
    # de, at, lu
    "strasse", "str", "gasse", "platz", "weg", "ring", "damm",
    # nl, be
    "straat", "laan", "plein", "gracht", "kade", "singel", "steenweg",
    # it, mt
    "via", "viale", "piazza", "piazzale", "corso", "vicolo", "largo", "triq",
    # es
    "calle", "c", "avenida", "avda", "plaza", "paseo", "carrer", "camino", "ronda",
    # pt
    "rua", "travessa", "praca", "estrada", "alameda",
    # pl
    "ulica", "ul", "aleja", "al", "plac", "os", "osiedle",
    # cs, sk
    "ulice", "nam", "namesti", "namestie", "trida", "trieda",
    # hu
    "utca", "u", "ut", "ter", "korut",
    # ro
    "strada", "bulevardul", "calea", "piata", "aleea", "sos", "soseaua",
    # sl, hr
    "cesta", "trg",
    # sv, da, fi
    "gatan", "vagen", "gata", "gade", "vej", "katu", "tie", "kuja",
    # et, lv, lt
    "tanav", "mnt", "maantee", "puiestee", "iela", "gatve", "g", "prospektas", "pr",
    "bulvaris",
    # el (Greek script and transliterated)
    "οδοσ", "οδ", "οδο", "λεωφοροσ", "λεωφ", "πλατεια", "odos", "leoforos",
    # bg (Cyrillic and transliterated)
    "улица", "ул", "булевард", "бул", "площад", "ulitsa", "bulevard",
    # ga, en (ie, mt)
    "sraid", "bothar", "street", "st", "road", "rd", "lane", "drive", "square",
})
#: Short abbreviations that count only with their dot (``ul.`` but not ``ul``).
_NEEDS_DOT: Final = frozenset({
    "c", "u", "g", "al", "os", "pr", "st", "rd", "av", "bd", "ul", "ut", "nam", "str", "οδ",
    "ул", "бул", "sos", "λεωφ",
})
#: Endings of compound street names (folded): Hauptstraße, Storgatan, Kirkevej.
_STREET_SUFFIXES: Final = (
    "strasse", "str.", "gasse", "weg", "platz", "allee", "damm", "ufer", "straat", "laan",
    "plein", "gracht", "gatan", "vagen", "gata", "gade", "vej", "katu", "tie", "kuja",
    "polku", "tanav", "utca", "ucica",
)
#: Lower-case words that may stand between a street word and the name.
_PARTICLES: Final = frozenset({
    "de", "des", "du", "la", "le", "les", "del", "della", "delle", "dei", "di", "da", "do",
    "dos", "das", "van", "der", "den", "het", "von", "am", "an", "im", "zum", "zur", "of",
    "the", "d", "l", "sw", "sv", "st", "sainte", "saint", "y", "e", "i",
})
#: Words that follow a number as a quantity or unit: not a house number.
_UNITS: Final = frozenset({
    "g", "gr", "kg", "mg", "µg", "ug", "ml", "l", "cl", "dl", "%", "cm", "mm", "m", "km",
    "kcal", "kj", "x", "pcs", "pz", "st", "stk", "szt", "db", "ks", "tk", "kpl", "oz",
    "lb", "lbs", "w", "v", "mah", "ah", "h", "min", "s", "°c", "c", "f", "pack", "tabs",
    "caps", "sheets", "feuilles", "blatt", "rolls", "ct", "kom", "buc", "gab", "vnt",
})

#: Phone words (folded) that make a national number a phone.
_PHONE_CUES: Final = re.compile(
    r"\b(tel|tél|tele|telefon|telephone|telefono|telefone|teléfono|phone|tfn|tlf|puh|"
    r"puhelin|mob|mobil|mobile|handy|gsm|cell|fax|τηλ|τηλεφωνο|тел|телефон|kom|komorka|"
    r"mobiel|numer|nr tel|call|kontakt|contact|contacto|contatto|kontaktai)\b",
    re.IGNORECASE,
)
#: Words (folded) naming a company's customer line: a phone number on their line is printed on
#: every copy of a product, not one person's.
_SERVICE_LINE: Final = re.compile(
    r"(infolinia|infolinka|hotline|helpline|careline|service ?line|customer (service|care)|"
    r"consumer|kundenservice|kundendienst|verbraucher|service client|servizio clienti|"
    r"numero verde|num[ée]ro vert|atenci[óo]n al (cliente|consumidor)|atendimento|"
    r"klantenservice|consumentenservice|zákaznick|zakaznick|ügyfélszolgálat|"
    r"asiakaspalvelu|kundtjänst|kundeservice|kundservice|klienditeenindus|"
    r"obsługa klienta|obsluga klienta|linia klienta|служба за клиенти|εξυπηρέτηση)",
    re.IGNORECASE,
)
#: Words on product labels: a long number on their line is a lot, batch or barcode.
_LABEL_WORDS: Final = re.compile(
    r"\b(lot|lote|lotto|batch|ch\.?-?b|charge|partie|serie|series|ean|gtin|upc|isbn|issn|"
    r"ref|réf|art|art\.-?nr|sku|exp|best before|bbe|mhd|bb|use by|à consommer|"
    r"mindestens haltbar|najlepiej|kcal|kj|energy|energie|reg|model|modell|mod|p/n|pn)\b",
    re.IGNORECASE,
)
#: Identity words (folded) before an ID number.
_ID_CUES: Final = re.compile(
    r"\b(pesel|nip|nif|dni|nie|cnp|egn|егн|bsn|cpr|amka|αμκα|afm|αφμ|ausweis|"
    r"personalausweis|ausweisnummer|passport|passeport|pasaporte|passaporto|paszport|"
    r"reisepass|id|id-nr|id no|ssn|codice fiscale|steuer-id|rodne cislo|rc|personnummer|"
    r"henkilotunnus|hetu|isikukood|asmens kodas|oib|emso|emšo|cedula|carte d'identite)"
    r"\b[\s:.#-]*([A-Z0-9][A-Z0-9 ./-]{5,})",
    re.IGNORECASE,
)
_CODICE_FISCALE: Final = re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")
_IBAN: Final = re.compile(r"\b([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)\b")
_EMAIL: Final = re.compile(r"[\w.+-]+\s?@\s?[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_DATE: Final = re.compile(
    r"^\s*(\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2})\s*$"
)
_DIGIT_RUN: Final = re.compile(r"(?<![\w+])\d(?:[ .\-/]?\d){8,}(?![\w])")

#: Courtesy titles (folded, dots removed) before a name.
_TITLES: Final = frozenset({
    "mr", "mrs", "ms", "miss", "mister", "dr", "m", "mme", "mlle", "monsieur", "madame",
    "herr", "frau", "hr", "fr", "fam", "familie", "famille", "family", "pan", "pani",
    "panna", "sig", "sigra", "signor", "signora", "sr", "sra", "srta", "senor", "senora",
    "don", "dona", "dhr", "mevr", "heer", "mevrouw", "κοσ", "κα", "κ", "κυριοσ", "κυρια",
    "г-н", "г-жа", "господин", "госпожа", "gospodin", "gospozha", "ing", "mgr", "dott",
    "dottssa", "sn", "pn", "hra", "fru", "rouva", "herra", "ponas", "ponia", "kungs",
    "kundze", "hr.", "frk", "úr", "ur", "asszony", "dna", "dl", "domnul", "doamna",
})
#: Titles of one letter or that are also ordinary words count only with a dot.
_TITLES_NEED_DOT: Final = frozenset({"m", "hr", "fr", "sr", "pn", "sn", "dl", "κ", "ing",
                                     "don", "dona", "pan"})
#: Brand names shaped like a title and a name.
_BRANDS: Final = frozenset({
    "mr muscle", "mr proper", "mr clean", "mr kipling", "mr brain", "dr oetker",
    "dr martens", "dr beckmann", "dr scholl", "dr pepper", "monsieur cuisine",
    "mrs crimble", "frau antje", "don simon", "dona", "dr hauschka", "mr tom",
})
#: Product words: a given name before one of these is a product (Marie Biscuits).
_PRODUCT_WORDS: Final = frozenset({
    "biscuits", "biscuit", "cookies", "chocolate", "chocolat", "schokolade", "collection",
    "edition", "classic", "original", "premium", "gold", "light", "extra", "bio", "cream",
    "creme", "milk", "tea", "coffee", "kaffee", "cafe", "wine", "vin", "beer", "bier",
    "sauce", "pasta", "soap", "shampoo", "perfume", "parfum", "eau", "toilette", "spray",
    "baby", "kids", "junior", "sport", "plus", "max", "mini", "home", "style", "fashion",
    "made", "design", "brand", "shop", "store", "market", "marche", "club", "line",
})
#: School, nursery and hospital words (folded), standalone.
_INSTITUTION_WORDS: Final = frozenset({
    "school", "schule", "ecole", "college", "lycee", "gymnasium", "gymnasio", "gimnazjum",
    "gimnazija", "gimnazium", "gymnazium", "liceum", "liceo", "lyceum", "scuola", "asilo",
    "escuela", "colegio", "instituto", "institut", "escola", "agrupamento", "skola", "skole",
    "koulu", "kool", "mokykla", "iskola", "scoala", "sola", "kindergarten", "kita",
    "kindergarden", "creche", "nursery", "przedszkole", "szkola", "skolan", "basisschool",
    "academy", "akademie", "academie", "universiteit", "university", "universitat",
    "universite", "universidad", "universita", "universidade", "hospital", "hopital",
    "krankenhaus", "klinik", "klinikum", "clinic", "clinique", "ziekenhuis", "ospedale",
    "szpital", "nemocnice", "nemocnica", "korhaz", "spital", "sjukhus", "sygehus",
    "sairaala", "haigla", "slimnica", "ligonine", "bolnica", "bolnisnica", "kinderheim",
    "internat", "orphanage", "σχολειο", "γυμνασιο", "λυκειο", "νηπιαγωγειο", "νοσοκομειο",
    "училище", "гимназия", "детска", "градина", "болница", "grundschule",
    "volksschule", "hauptschule", "realschule", "gesamtschule", "mittelschule",
    "förderschule", "primaria", "elementary", "infantil", "maternelle", "materna",
    "ovoda", "zakladni", "zakladna", "osnovna", "lasteaed", "bornehave", "forskola",
    "paivakoti", "vrtec", "vrtic", "gradinita", "bölcsőde", "detsad",
})
#: Endings of compound school names (folded): Lindenschule, Grundskola, Ala-aste koulu.
_INSTITUTION_SUFFIXES: Final = ("schule", "skola", "skolan", "skole", "koulu", "school",
                                "kool", "iskola", "gymnasium", "krankenhaus", "klinikum")
#: "Number" before the number of a school (Przedszkole nr 7, Școala nr. 3, Škola br. 2).
_NUMBER_WORDS: Final = frozenset({"nr", "no", "n", "n°", "no°", "c", "br", "num", "αρ", "№"})
_INSTITUTION_NOT: Final = re.compile(
    r"\b(back to school|school ?bags?|school supplies|schoolbag|schulranzen|schultasche|"
    r"rentrée|vuelta al cole|school edition|high school musical|old school)\b",
    re.IGNORECASE,
)
#: Letters of a plate that are label words instead.
_PLATE_NOT: Final = frozenset({
    "LOT", "REF", "SKU", "ART", "NET", "EAN", "UPC", "EXP", "MHD", "BBE", "CE", "ISO",
    "EN", "DIN", "NR", "NO", "TEL", "FAX", "XL", "XXL", "XS", "EU", "UK", "US", "SIZE",
    "GR", "KG", "ML", "CM", "MM", "KCAL", "KJ", "PET", "HDPE", "LDPE", "PP", "PS", "PVC",
    "ABS", "USB", "LED", "AC", "DC", "HD", "TV", "PC", "ID", "DVD", "MP", "IP",
    "PIN", "SN", "BIO", "ECO", "TYP", "TYPE", "VOL", "ALC", "NEW", "SALE", "TOP", "AAA",
    "AA", "LR", "CR", "BATCH", "CH", "PZN", "RSD", "ISBN", "DE", "FR", "IT", "ES", "PL",
})
_PLATE_COUNTRY: Final = re.compile(
    r"^(?:EU\s*)?(?:A|B|BG|CY|CZ|D|DK|EST|E|F|FIN|GR|H|HR|I|IRL|L|LT|LV|M|NL|P|PL|RO|S|"
    r"SK|SLO)\s+(?=\S)"
)
_PLATES: Final = tuple(re.compile(p) for p in (
    r"^[A-ZÄÖÜ]{1,3}[ -][A-Z]{1,2} ?\d{1,4}[EH]?$",          # de
    r"^[A-Z]{2}[ -]?\d{3}[ -]?[A-Z]{2}$",                    # fr, it, sk
    r"^\d{4}[ -]?[BCDFGHJKLMNPRSTVWXYZ]{3}$",                # es
    r"^[A-Z]{2,3}[ -]?(?=[0-9A-Z]*\d[0-9A-Z]*\d)[0-9A-Z]{4,5}$",  # pl
    r"^(?=.*\d)(?=.*[A-Z])[0-9A-Z]{1,3}-[0-9A-Z]{2,3}-[0-9A-Z]{1,3}$",  # nl, pt
    r"^\d-[A-Z]{3}-\d{3}$",                                  # be
    r"^\d[A-Z][0-9A-Z][ -]?\d{4}$",                          # cz
    r"^[A-Z]{3}[ -]?(?:\d{3}|\d{2}[A-Z])$",                   # se, lt, fi, hu, cy, mt
    r"^\d{3}[ -]?[A-Z]{3}$",                                 # ee
    r"^[A-Z]{2} ?\d{2} ?\d{3}$",                             # dk
    r"^[A-Z]{1,2} ?\d{2,4} ?[A-Z]{2,3}$",                    # bg, ro, hr, at
    r"^[A-Z]{3}[ -]?\d{4}$",                                 # gr
    r"^\d{2,3}[ -][A-Z]{1,2}[ -]\d{1,6}$",                   # ie
    r"^[A-Z]{2}-\d{1,4}$",                                   # lv
    r"^[A-Z]{2} [0-9A-Z]{2}-[0-9A-Z]{2,3}$",                 # si
))

#: Postcode followed by a capitalised town (the town is checked separately).
_POSTCODES_STRONG: Final = tuple(re.compile(p) for p in (
    r"(?<![\d-])\d{2}-\d{3}(?![\d-])",                  # pl
    r"(?<![\d-])\d{4}-\d{3}(?![\d-])",                  # pt
    r"(?<!\d)\d{4} ?[A-Z]{2}(?![A-Za-z])",              # nl
    r"(?<![\d.,])\d{5}(?![\d.,%])",                     # de, fr, it, es, fi, ee, hr, lt
    r"(?<![\d.,])\d{6}(?![\d.,%])",                     # ro
    r"(?<!\d)\d{3} \d{2}(?!\d)",                        # se, cz, sk, gr
    r"\b(?:A|B|D|F|I|L|CH|BG|LV|LT|HR|SI|SK|CZ|PL|EE|RO|GR|CY|MT|FI|DK|S|NL|H|HU|E|P)"
    r"-\d{3,5}(?!\d)",                                  # with a country prefix
    r"\b[AC-FHKNPRTV-Y]\d{2} ?[0-9AC-FHKNPRTV-Y]{4}\b",  # ie (Eircode)
    r"\b[A-Z]{3} ?\d{4}\b",                             # mt
))
_POSTCODE_WEAK: Final = re.compile(r"(?<![\d.,])\d{4}(?![\d.,%])")
_WORD: Final = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)

_names_lock = threading.Lock()
_names: frozenset[str] | None = None


def given_names() -> frozenset[str]:
    """The given names of ``data/given_names.txt``, folded."""
    global _names
    with _names_lock:
        if _names is None:
            lines = (_DATA / "given_names.txt").read_text(encoding="utf-8").splitlines()
            _names = frozenset(fold(s.strip()) for s in lines
                               if s.strip() and not s.startswith("#"))
        return _names


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str  # as read, punctuation around words stripped
    folded: str  # folded, without a trailing dot
    dotted: bool  # the raw token ended with a dot
    start: int


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in re.finditer(r"\S+", text):
        raw = m.group().strip(",;:()[]\"'«»„“”")
        if not raw:
            continue
        dotted = raw.endswith(".")
        core = raw.rstrip(".")
        out.append(_Token(core, fold(core), dotted, m.start()))
    return out


#: Articles written joined to the name: Maltese il-Kbira, Italian dell'Orso, French l'Église.
_JOINED_ARTICLE: Final = re.compile(r"^(?:il|l|ix|it|iż|is|ir|in|id|iċ|d|l|dell|dall|all)['’-]")


def _capitalised(token: _Token) -> bool:
    """A name-like word: starts with a capital letter, has two letters or more."""
    raw = _JOINED_ARTICLE.sub("", token.raw)
    letters = [ch for ch in raw if ch.isalpha()]
    return len(letters) >= 2 and letters[0].isupper() and raw[:1].isalpha()


def _is_number(token: _Token) -> bool:
    return bool(re.fullmatch(r"\d{1,4}[a-zA-Z]?(?:[/-]\d{1,4}[a-zA-Z]?)?", token.raw))


def _house_number(tokens: Sequence[_Token], i: int) -> bool:
    """tokens[i] is a house number: 1-4 digits (maybe a letter), not a quantity."""
    if not _is_number(tokens[i]):
        return False
    nxt = tokens[i + 1].folded if i + 1 < len(tokens) else ""
    return nxt not in _UNITS


def _street_word(token: _Token) -> bool:
    word = token.folded
    if word in _STREET_WORDS:
        return token.dotted or word not in _NEEDS_DOT
    if not token.raw[:1].isupper():
        return False
    full = word + ("." if token.dotted else "")
    return any(full.endswith(s) and len(full) >= len(s) + 3 for s in _STREET_SUFFIXES)


def _gtin_valid(digits: str) -> bool:
    if len(digits) not in (8, 12, 13, 14) or not digits.isdigit():
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _barcode_like(raw: str) -> bool:
    """The digits printed under a barcode: 8 to 14 digits in one run (EAN-8, UPC-A,
    EAN-13, GTIN-14, and the reader often drops a digit or two of them), or grouped as on
    EAN-13 and EAN-8 labels (``5 901234 123457``, ``9638 5074``). The check digit is not
    required: the reader often gets one digit of a barcode wrong."""
    raw = raw.strip()
    if raw.isdigit():
        return 8 <= len(raw) <= 14
    return bool(re.fullmatch(r"\d \d{6} \d{6}|\d{4} \d{4}|\d \d{5} \d{5} \d", raw))


def _iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


# --------------------------------------------------------------------------- the rules


def _address(text: str, tokens: Sequence[_Token]) -> str | None:
    for i, tok in enumerate(tokens):
        if not _street_word(tok):
            continue
        compound = tok.folded not in _STREET_WORDS
        # a name beside the street word (after it, past particles; or before it)
        j = i + 1
        while j < len(tokens) and tokens[j].folded in _PARTICLES and not _capitalised(
            tokens[j]
        ):
            j += 1
        named = compound or (j < len(tokens) and _capitalised(tokens[j])) or (
            i > 0 and _capitalised(tokens[i - 1])
        )
        if not named:
            continue
        if any(_house_number(tokens, k) for k in range(len(tokens)) if k != i):
            return "street and house number"
    town = _postcode_town(text, _POSTCODES_STRONG)
    if town:
        return f"postcode and town ({town})"
    return None


def _postcode_town(text: str, patterns: Iterable[re.Pattern[str]]) -> str | None:
    for pattern in patterns:
        for m in pattern.finditer(text):
            rest = _tokens(text[m.end():])
            if rest and _capitalised(rest[0]) and rest[0].folded not in _UNITS and (
                rest[0].folded not in _PRODUCT_WORDS
            ):
                return m.group().strip()
    return None


def _phone(text: str) -> tuple[str | None, bool]:
    """(the phone number on the line or None, whether it may be a person's): a company's
    number is found too (so that it is not read as an ID number) but is not a person's."""
    if sum(ch.isdigit() for ch in text) < 6:
        return None, False
    import phonenumbers

    service = bool(_SERVICE_LINE.search(text))  # a company's customer line
    cue = bool(_PHONE_CUES.search(text)) or service
    company = {phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST,
               phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.UAN}
    for region in _REGIONS:
        try:
            matcher = phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
            matches = list(matcher)
        except Exception:  # noqa: S112  (a malformed line: try the next region)
            continue
        for match in matches:
            raw = match.raw_string.strip()
            international = raw.startswith("+") or raw.startswith("00")
            if _DATE.match(raw) or (not (international or cue) and _barcode_like(raw)):
                continue
            separated = bool(re.search(r"\d[ \-/.()]+\d", raw))
            if not international and _LABEL_WORDS.search(text):
                continue  # an article, lot or barcode number on a label
            if international or cue or separated:
                personal = not service and phonenumbers.number_type(match.number) not in company
                return raw, personal
    return None, False


#: Regions whose national numbers are tried (the EU's, Switzerland, Norway, the UK).
_REGIONS: Final = (
    "DE", "FR", "IT", "ES", "PL", "NL", "BE", "AT", "PT", "CZ", "SK", "HU", "RO", "BG",
    "GR", "SE", "DK", "FI", "EE", "LV", "LT", "SI", "HR", "IE", "LU", "MT", "CY", "CH",
    "NO", "GB",
)


def _plate(text: str) -> str | None:
    line = text.strip().strip(".,;:")
    if not 4 <= len(line) <= 14 or line != line.upper():
        return None
    candidates = [line]
    stripped = _PLATE_COUNTRY.sub("", line)
    if stripped != line:
        candidates.append(stripped)
    for cand in candidates:
        letters = re.findall(r"[A-ZÄÖÜ]+", cand)
        if any(word in _PLATE_NOT or len(word) > 3 for word in letters):
            continue  # a label word, or a word longer than a plate's letter groups
        if not re.search(r"\d", cand) or not re.search(r"[A-Z]", cand):
            continue
        if any(p.match(cand) for p in _PLATES):
            return cand
    return None


def _id_number(text: str, phone: str | None) -> str | None:
    m = _IBAN.search(text.upper())
    # an IBAN, also one the reader got a character of wrong (the check then fails)
    if m and (_iban_valid(m.group(1)) or len(m.group(1).replace(" ", "")) >= 18):
        return m.group(1)
    m = _CODICE_FISCALE.search(text)
    if m:
        return m.group()
    m = _ID_CUES.search(text)
    if m and sum(ch.isdigit() for ch in m.group(2)) >= 5:
        return m.group(2).strip()
    if _LABEL_WORDS.search(text):
        return None
    phone_digits = re.sub(r"\D", "", phone or "")
    for m in _DIGIT_RUN.finditer(text):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        if _DATE.match(raw) or _barcode_like(raw) or _gtin_valid(digits):
            continue
        if phone_digits and (digits in phone_digits or phone_digits in digits):
            continue
        if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+", raw):
            continue  # a grouped quantity or price: 1 000 000, 12.500.000
        return raw
    return None


def _name(tokens: Sequence[_Token]) -> str | None:
    names = given_names()
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if not _capitalised(nxt) or nxt.folded in _PRODUCT_WORDS:
            continue
        pair = f"{tok.folded} {nxt.folded}"
        if pair in _BRANDS or tok.folded in _BRANDS:
            continue
        title = tok.folded.replace(".", "")
        if title in _TITLES and (tok.dotted or title not in _TITLES_NEED_DOT) and (
            tok.raw[:1].isupper()
        ):
            return " ".join([f"{tok.raw}{'.' if tok.dotted else ''}",
                             *_following_names(tokens, i + 1)])
        if tok.folded in names and _capitalised(tok) and not _street_word(nxt) and (
            nxt.folded not in _INSTITUTION_WORDS
        ):
            return " ".join([tok.raw, *_following_names(tokens, i + 1)])
    return None


def _following_names(tokens: Sequence[_Token], start: int) -> list[str]:
    """The capitalised words from ``start`` on (a given name and surnames)."""
    out = []
    for tok in tokens[start:start + 3]:
        if not _capitalised(tok):
            break
        out.append(tok.raw)
    return out


def _institution(text: str, tokens: Sequence[_Token]) -> str | None:
    if _INSTITUTION_NOT.search(text):
        return None
    for i, tok in enumerate(tokens):
        if not tok.raw[:1].isupper():
            continue
        word = tok.folded
        compound = any(word.endswith(s) and len(word) >= len(s) + 3
                       for s in _INSTITUTION_SUFFIXES)
        if word not in _INSTITUTION_WORDS and not compound:
            continue
        around = [t for t in (tokens[i - 1] if i > 0 else None,
                              tokens[i + 1] if i + 1 < len(tokens) else None) if t]
        # a name beside it, also past one particle ("École de la Paix", "Schule am Park")
        j = i + 1
        while j < len(tokens) and tokens[j].folded in _PARTICLES:
            j += 1
        if j < len(tokens):
            around.append(tokens[j])
        numbered = j < len(tokens) and (
            _is_number(tokens[j])
            or (tokens[j].folded in _NUMBER_WORDS and j + 1 < len(tokens)
                and _is_number(tokens[j + 1]))
        )
        if compound or numbered or any(_capitalised(t) and t.folded not in _PRODUCT_WORDS
                                       for t in around):
            return tok.raw
    return None


def classify_line(text: str) -> list[tuple[str, str, str]]:
    """What ``text`` (one line) holds that identifies someone: ``(what, matched, why)``
    for each kind found; ``[]`` for a clean line. See the module docstring for the
    rules."""
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        return []
    tokens = _tokens(text)
    found: list[tuple[str, str, str]] = []
    email = _EMAIL.search(text)
    if email:
        found.append(("email", email.group(), "e-mail address"))
    address = _address(text, tokens)
    if address:
        found.append(("address", text, address))
    phone, personal = _phone(text)
    if phone and personal:
        found.append(("phone", phone, "phone number"))
    plate = _plate(text)
    if plate:
        found.append(("plate", plate, "number plate"))
    ident = _id_number(text, phone)
    if ident and not (plate and ident in plate):
        found.append(("id_number", ident, "identity or account number"))
    name = _name(tokens)
    if name:
        found.append(("name", name, "person's name"))
    institution = _institution(text, tokens)
    if institution:
        found.append(("institution", institution, "school or institution"))
    return found


# --------------------------------------------------------------------------- crops


@dataclass(frozen=True)
class TextFinding:
    """One line of identifying text in a crop; ``box`` is (x, y, w, h) in its pixels."""

    what: str
    text: str  # the line as read
    matched: str  # the part that identifies
    box: tuple[int, int, int, int]
    confidence: float
    why: str

    def to_dict(self) -> dict[str, Any]:
        """The gate's finding shape (kind ``identifying_text``), with ``what`` and ``text``."""
        return {
            "kind": "identifying_text",
            "what": self.what,
            "text": self.text,
            "matched": self.matched,
            "score": round(float(self.confidence), 4),
            "box": [int(v) for v in self.box],
            "detail": f"{self.what}: {self.why}",
        }


#: A line counts as unread when it read fewer characters than this share of what its
#: box holds (characters about 0.55 of the line's height wide). On the generated labels
#: of ``bench/idtext_samples.py`` the Latin lines read 0.85-1.3 of that, a Greek label
#: 0.81, a Greek name 0.59 and a Bulgarian address 0.38-0.42.
UNREAD_SHARE: Final = 0.65
_CHAR_WIDTH: Final = 0.55


def _unread(text: str, rect: tuple[int, int, int, int]) -> bool:
    _x, _y, w, h = rect
    if h <= 0 or w < 4 * h:
        return False
    expected = w / (_CHAR_WIDTH * h)
    return len(text.strip()) < UNREAD_SHARE * expected


def find_identifying_text(lines: Sequence[Any]) -> list[TextFinding]:
    """Findings for OCR ``lines`` (:class:`traceobject.vision.ocr.TextLine`, or anything
    with ``text``, ``confidence`` and ``rect``), one per kind and line."""
    found: list[TextFinding] = []
    for line in lines:
        rect = tuple(int(v) for v in line.rect)
        kinds = classify_line(line.text)
        for what, matched, why in kinds:
            found.append(TextFinding(what, line.text, matched, rect,  # type: ignore[arg-type]
                                     float(line.confidence), why))
        if not kinds and _unread(line.text, rect):  # type: ignore[arg-type]
            found.append(TextFinding("unread", line.text, line.text, rect,  # type: ignore[arg-type]
                                     float(line.confidence),
                                     "text in a script the reader does not know"))
    if any(f.what == "address" for f in found):
        for line in lines:
            if any(f.text == line.text and f.what == "address" for f in found):
                continue
            town = _postcode_town(line.text, (_POSTCODE_WEAK,))
            if town:
                rect = tuple(int(v) for v in line.rect)
                found.append(TextFinding("address", line.text, town, rect,  # type: ignore[arg-type]
                                         float(line.confidence),
                                         f"postcode and town beside an address ({town})"))
    return found


def identifying_text(rgb: npt.NDArray[np.uint8]) -> list[dict[str, Any]]:
    """Identifying text in the crop ``rgb`` as gate findings (dictionaries of kind
    ``identifying_text``). Fails closed: if the text reader cannot run, one finding
    with ``what`` ``error`` covering the crop."""
    try:
        from traceobject.vision.ocr import read_text

        lines = read_text(rgb)
    except Exception as error:  # fail closed: unread text cannot be cleared
        h, w = (rgb.shape[:2] if isinstance(rgb, np.ndarray) and rgb.ndim >= 2 else (0, 0))
        return [{
            "kind": "identifying_text", "what": "error", "text": "", "matched": "",
            "score": 1.0, "box": [0, 0, int(w), int(h)],
            "detail": f"the text reader could not run: {type(error).__name__}",
        }]
    return [f.to_dict() for f in find_identifying_text(lines)]
