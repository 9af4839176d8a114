"""Language of a text (lingua) and where a language is used (CLDR via Babel).

Django-free. Detection runs offline on lingua's bundled n-gram models, restricted to the
languages below: the 24 official EU languages that lingua knows (all but Maltese) and the
languages objects in this field most often carry besides them. Restricting the set makes
detection faster and short texts less ambiguous.

High-accuracy mode (the default) is best on short texts, which is what OCR of a label gives,
but loads every model: ~0.8 GB of memory and ~3 s the first time. Set
``TRACEOBJECT_GEO_LANGUAGE_MODE=low`` for the low-accuracy mode (~0.1 GB, 0.3 s, worse
on texts under ~120 characters).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from traceobject.geo._text import WORD_RE
from traceobject.geo.countries import country_codes, populations

# lingua Language names -> ISO 639-1 (lowercase), in detection order of preference.
DETECTED_LANGUAGES: dict[str, str] = {
    # the 24 EU languages (Maltese is not supported by lingua)
    "BULGARIAN": "bg", "CZECH": "cs", "DANISH": "da", "GERMAN": "de", "GREEK": "el",
    "ENGLISH": "en", "SPANISH": "es", "ESTONIAN": "et", "FINNISH": "fi", "FRENCH": "fr",
    "IRISH": "ga", "CROATIAN": "hr", "HUNGARIAN": "hu", "ITALIAN": "it", "LITHUANIAN": "lt",
    "LATVIAN": "lv", "DUTCH": "nl", "POLISH": "pl", "PORTUGUESE": "pt", "ROMANIAN": "ro",
    "SLOVAK": "sk", "SLOVENE": "sl", "SWEDISH": "sv",
    # Europe beyond the EU
    "BOKMAL": "nb", "NYNORSK": "nn", "ICELANDIC": "is", "TURKISH": "tr", "RUSSIAN": "ru",
    "UKRAINIAN": "uk", "BELARUSIAN": "be", "SERBIAN": "sr", "BOSNIAN": "bs", "ALBANIAN": "sq",
    "MACEDONIAN": "mk", "CATALAN": "ca",
    # the rest of the world
    "CHINESE": "zh", "JAPANESE": "ja", "KOREAN": "ko", "VIETNAMESE": "vi", "THAI": "th",
    "INDONESIAN": "id", "MALAY": "ms", "TAGALOG": "fil", "ARABIC": "ar", "HEBREW": "he",
    "PERSIAN": "fa", "HINDI": "hi", "URDU": "ur", "SWAHILI": "sw", "AFRIKAANS": "af",
}

# Written variants lingua tells apart that point at the same countries: their confidences
# are added up (a Norwegian label splits its confidence between Bokmål and Nynorsk).
_MERGED = {"nn": "nb"}

# Below this many letters a text says too little about its language.
MIN_LETTERS = 12
# Detection looks at no more than this many characters (a label, a page of OCR).
MAX_CHARS = 2000

# How much a use of the language in a territory counts, by CLDR official status: a label
# is written in the languages of the market; second languages (English in Germany) count
# a little, regional official languages half.
_STATUS_FACTOR = {
    "official": 1.0,
    "de_facto_official": 1.0,
    "official_regional": 0.5,
    "official_minority": 0.3,
}
_OTHER_FACTOR = 0.15


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    code: str  # ISO 639-1 (or 639-3 where there is no 639-1, e.g. "fil")
    confidence: float  # lingua's relative confidence, 0..1


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in DETECTED_LANGUAGES if hasattr(Language, name)]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if os.environ.get("TRACEOBJECT_GEO_LANGUAGE_MODE", "").strip().lower() == "low":
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


_WORD_RE = WORD_RE  # letters with their combining marks: "धन्यवाद" is one word
_NO_SPACES_RE = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def looks_like_language(text: str) -> bool:
    """Words of plausible length, not a run of letters ("ÀÁÂÃÄÅ...") or letter soup."""
    if _NO_SPACES_RE.search(text):
        return True  # Thai, Japanese, Chinese, Korean: no spaces between words
    words = _WORD_RE.findall(text)
    plausible = [w for w in words if 2 <= len(w) <= 20]
    letters = sum(len(w) for w in words)
    if len(plausible) < 2 or letters == 0:
        return False
    if sum(len(w) for w in plausible) < 0.6 * letters:
        return False
    # letter soup: words in real text have vowels (a long run without any is noise)
    vowels = sum(1 for w in plausible for ch in w.lower() if ch in _VOWEL_CHARS)
    return vowels >= 0.15 * sum(len(w) for w in plausible) or not text.isascii()


_VOWEL_CHARS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿąęėįųūōő")


def detect_languages(text: str, *, limit: int = 3) -> list[DetectedLanguage]:
    """The most likely languages of ``text``, most likely first; [] if it is too short.

    Never raises: garbage, digits and emoji give [] or low confidences.
    """
    if not isinstance(text, str):
        return []
    text = text[:MAX_CHARS]
    if letter_count(text) < MIN_LETTERS or not looks_like_language(text):
        return []
    try:
        with _lock:  # the detector is shared; build it once
            detector = _detector()
        values = detector.compute_language_confidence_values(text)
    except Exception:  # a detector failure must not break clue extraction
        return []
    merged: dict[str, float] = {}
    for value in values:
        code = DETECTED_LANGUAGES.get(value.language.name)
        if code and value.value > 0:
            code = _MERGED.get(code, code)
            merged[code] = merged.get(code, 0.0) + float(value.value)
    ranked = sorted(merged.items(), key=lambda item: -item[1])[:limit]
    return [DetectedLanguage(code, min(conf, 1.0)) for code, conf in ranked]


def _base(code: str) -> str:
    return code.split("_", 1)[0].split("-", 1)[0].lower()


# Text in a language says which countries write it, not which of them: under the uniform
# prior of the estimate, a language counts for each country by its share of the country's
# population alone, so English text is as likely from Ireland or Australia as from the
# United States, and Portuguese as likely from Portugal as from Brazil. Only very small
# territories (under MARKET_SIZE_FULL people, where CLDR's shares are rough and few objects
# are made or sold) are discounted by (population / MARKET_SIZE_FULL) ** MARKET_SIZE_EXPONENT,
# so that German text does not rank Liechtenstein above Germany.
MARKET_SIZE_EXPONENT = 0.3
MARKET_SIZE_FULL = 1_000_000


@lru_cache(maxsize=1)
def _usage_table() -> dict[str, dict[str, tuple[float, int]]]:
    """language -> {country: (status-weighted share of the population, population)}."""
    territory_languages = get_global("territory_languages")
    pops = populations()
    table: dict[str, dict[str, tuple[float, int]]] = {}
    for country in country_codes():
        for lang, info in territory_languages.get(country, {}).items():
            share = float(info.get("population_percent") or 0.0) / 100.0
            factor = _STATUS_FACTOR.get(info.get("official_status") or "", _OTHER_FACTOR)
            weighted = min(share, 1.0) * factor
            if weighted <= 0:
                continue
            base = _base(lang)
            if base == "no":  # CLDR lists Norwegian as "no", "nb" and "nn"
                continue
            row = table.setdefault(base, {})
            if weighted > row.get(country, (0.0, 0))[0]:
                row[country] = (weighted, pops[country])
    return table


@lru_cache(maxsize=256)
def language_countries(code: str, *, min_share: float = 0.002) -> dict[str, float]:
    """Where language ``code`` is used: {country: relative likelihood, the largest = 1.0}.

    The likelihood of seeing text in the language on an object from a country is the
    language's share of the country's population (CLDR ``territory_languages`` via Babel,
    weighted by official status: official 1, regional 0.5, other 0.15); territories under
    :data:`MARKET_SIZE_FULL` people are discounted by their size to the power
    :data:`MARKET_SIZE_EXPONENT`. Countries below ``min_share`` of the largest are left
    out (they get the clue's floor).
    """
    row = _usage_table().get(_base(code), {})
    if not row:
        return {}
    raw = {
        c: share * min(pop / MARKET_SIZE_FULL, 1.0) ** MARKET_SIZE_EXPONENT
        for c, (share, pop) in row.items()
    }
    top = max(raw.values())
    return {c: v / top for c, v in raw.items() if v / top >= min_share}


@lru_cache(maxsize=256)
def language_name(code: str, locale: str = "en") -> str:
    try:
        name = Locale.parse(locale).languages.get(code)
    except (ValueError, TypeError, UnknownLocaleError):
        name = None
    return str(name) if name else code

