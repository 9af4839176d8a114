"""Writing system of a text and the countries that write it (Django-free, offline).

The letters of a text name its script even when the text is too short for language
detection ("감사합니다", "धन्यवाद"): Hangul points at Korea, Thai at Thailand, Hebrew at
Israel, kana at Japan, Cyrillic at the countries that write Cyrillic.

Where each script is used is derived, not typed: CLDR's ``territory_languages`` (via
Babel) gives each language's share of a country's population and its official status;
CLDR's ``likely_subtags`` gives each language's usual script (``ru`` -> Cyrillic, ``sr``
-> Cyrillic, ``sr_Latn`` -> Latin, ``zh_Hant`` -> Traditional Han). A country's
likelihood for a script is the status-weighted share of its population writing it
(official 1, regional 0.5, minority 0.3, other 0.15; capped at 1), times its population
relative to the largest such country to the power
:data:`traceobject.geo.language.MARKET_SIZE_EXPONENT`, as for languages.

Han characters alone are split into Simplified (China, Singapore) and Traditional
(Taiwan, Hong Kong, Macao) with ``hanzidentifier`` (CC-CEDICT character lists, offline);
text with kana is Japanese, text with Hangul Korean. Latin script says nothing (it is
written everywhere) and gives no script.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel.core import get_global

from traceobject.geo.countries import country_codes, populations
from traceobject.geo.language import MARKET_SIZE_EXPONENT

__all__ = ["LANGUAGE_SCRIPTS", "SCRIPT_NAMES", "ScriptInfo", "language_script", "script_countries",
           "text_script"]

# (first code point, last code point, ISO 15924 script code)
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"), (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"), (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"),
    (0x08A0, 0x08FF, "Arab"), (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"), (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"), (0x0D80, 0x0DFF, "Sinh"), (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"), (0x0F00, 0x0FFF, "Tibt"), (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"),
    (0x1780, 0x17FF, "Khmr"), (0x1C90, 0x1CBF, "Geor"), (0x1F00, 0x1FFF, "Grek"),
    (0x2D00, 0x2D2F, "Geor"), (0x2DE0, 0x2DFF, "Cyrl"), (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hang"), (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"), (0xA640, 0xA69F, "Cyrl"), (0xAC00, 0xD7AF, "Hang"),
    (0xF900, 0xFAFF, "Hani"), (0xFB1D, 0xFB4F, "Hebr"), (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"), (0xFF66, 0xFF9F, "Kana"), (0xFFA0, 0xFFDC, "Hang"),
)
_STARTS = [r[0] for r in _RANGES]

SCRIPT_NAMES = {
    "Grek": "Greek", "Cyrl": "Cyrillic", "Armn": "Armenian", "Hebr": "Hebrew",
    "Arab": "Arabic", "Deva": "Devanagari", "Beng": "Bengali", "Guru": "Gurmukhi",
    "Gujr": "Gujarati", "Orya": "Odia", "Taml": "Tamil", "Telu": "Telugu",
    "Knda": "Kannada", "Mlym": "Malayalam", "Sinh": "Sinhala", "Thai": "Thai", "Laoo": "Lao",
    "Tibt": "Tibetan", "Mymr": "Myanmar", "Geor": "Georgian", "Ethi": "Ethiopic",
    "Khmr": "Khmer", "Jpan": "Japanese (kana)", "Kore": "Hangul", "Hans": "Simplified Han",
    "Hant": "Traditional Han", "Hani": "Han",
}

# Countries whose market is closed to ordinary trade count this much of what their
# population would give (North Korea writes Hangul, but objects rarely come from there).
_CLOSED_MARKETS = {"KP": 0.15}
_STATUS_FACTOR = {"official": 1.0, "de_facto_official": 1.0, "official_regional": 0.5,
                  "official_minority": 0.3}
_OTHER_FACTOR = 0.15
# A text's script counts when it has this many letters of it.
MIN_SCRIPT_LETTERS = 2


def char_script(ch: str) -> str | None:
    """ISO 15924 code of a letter's script ("Kana" for both kana), None for Latin and the rest."""
    cp = ord(ch)
    i = bisect.bisect_right(_STARTS, cp) - 1
    if i >= 0 and cp <= _RANGES[i][1]:
        script = _RANGES[i][2]
        return script
    return None


def _language_script(lang: str, likely: Mapping[str, Any]) -> str:
    parts = lang.split("_")
    if len(parts) > 1 and len(parts[1]) == 4:
        return parts[1]
    full = str(likely.get(parts[0], ""))
    bits = full.split("_")
    return bits[1] if len(bits) > 1 and len(bits[1]) == 4 else ""


# CLDR script codes of languages -> the script text_script reports for their text.
LANGUAGE_SCRIPTS = {"Jpan": "Jpan", "Kore": "Kore"}


@lru_cache(maxsize=256)
def language_script(code: str) -> str:
    """The usual script of a language ("ru" -> "Cyrl", "zh" -> "Hans", "ja" -> "Jpan")."""
    return _language_script(str(code).replace("-", "_"), get_global("likely_subtags"))


@lru_cache(maxsize=1)
def _script_table() -> dict[str, dict[str, float]]:
    """CLDR script code -> {country: relative likelihood, the largest 1.0}."""
    territory_languages = get_global("territory_languages")
    likely = get_global("likely_subtags")
    pops = populations()
    shares: dict[str, dict[str, float]] = {}
    for country in country_codes():
        for lang, info in territory_languages.get(country, {}).items():
            script = _language_script(lang, likely)
            if not script or script == "Latn":
                continue
            share = float(info.get("population_percent") or 0.0) / 100.0
            factor = _STATUS_FACTOR.get(info.get("official_status") or "", _OTHER_FACTOR)
            row = shares.setdefault(script, {})
            row[country] = min(1.0, row.get(country, 0.0) + min(share, 1.0) * factor)
    table: dict[str, dict[str, float]] = {}
    for script, row in shares.items():
        row = {c: v for c, v in row.items() if v > 0}
        if not row:
            continue
        biggest = max(pops[c] for c in row)
        raw = {c: v * (pops[c] / biggest) ** MARKET_SIZE_EXPONENT * _CLOSED_MARKETS.get(c, 1.0)
               for c, v in row.items()}
        top = max(raw.values())
        table[script] = {c: v / top for c, v in raw.items() if v / top >= 0.002}
    return table


@lru_cache(maxsize=64)
def script_countries(script: str) -> dict[str, float]:
    """Where a script is written: {country: relative likelihood, the largest 1.0}.

    ``script`` is an ISO 15924 code as in CLDR ("Cyrl", "Arab", "Hans", "Hant", "Jpan",
    "Kore"); "Hani" (Han of undecided variant) is the union of Simplified and Traditional.
    """
    table = _script_table()
    if script == "Hani":
        out: dict[str, float] = {}
        for part in ("Hans", "Hant"):
            for c, v in table.get(part, {}).items():
                out[c] = max(out.get(c, 0.0), v)
        script = "Hani"
    else:
        out = dict(table.get(script, {}))
    if script in _KANJI_SHARE:
        # Han without kana may still be Japanese (a label of kanji only: 東京都, 日本製);
        # Japanese kanji mostly look Traditional to a Simplified/Traditional test
        for c, v in table.get("Jpan", {}).items():
            out[c] = max(out.get(c, 0.0), _KANJI_SHARE[script] * v)
    return out


# Japan counts this much for Han text without kana: Japanese kanji mostly pass a
# Simplified/Traditional test as Traditional, and Japan is the larger market.
_KANJI_SHARE = {"Hani": 0.7, "Hant": 0.6, "Hans": 0.15}
# Japanese-only character forms, one of which makes Han text Japanese: kokuji (畑, 込,
# 働) and common shinjitai whose Chinese forms differ in both Traditional and Simplified
# writing (駅: 驛/驿, 売: 賣/卖, 円: 圓/圆). A hand list of frequent label and receipt
# characters, not a full table (hanzidentifier's CC-CEDICT lists hold these as variants).
JAPANESE_ONLY_HAN = frozenset(
    "売駅円県広図楽沢気蔵実単戦転鉄辺対応検験読続変歳黒様関払込畑峠働枠匂辻栃雫"
    "挙拠桜渋巣涙稲縄薬隣恵悪価仏伝営済斎弐絵継総覚観労"
)


@dataclass(frozen=True, slots=True)
class ScriptInfo:
    script: str  # CLDR code: "Cyrl", "Hans", "Hant", "Hani", "Jpan", "Kore", "Thai", ...
    letters: int  # letters of that script in the text
    share: float  # of all letters in the text (Latin included)

    @property
    def name(self) -> str:
        return SCRIPT_NAMES.get(self.script, self.script)


def text_script(text: str) -> ScriptInfo | None:
    """The main non-Latin script of ``text``, or None (Latin only, or too few letters).

    Kana anywhere makes Han text Japanese; Hangul makes it Korean; Han alone is
    Simplified, Traditional, or undecided ("Hani") when its characters exist in both.
    """
    if not isinstance(text, str):
        return None
    counts: dict[str, int] = {}
    letters = 0
    for ch in text[:20_000]:
        if not (ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc")):
            continue
        letters += 1
        script = char_script(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    han = counts.pop("Hani", 0)
    if counts.get("Kana"):
        counts["Jpan"] = counts.pop("Kana") + han
        han = 0
    elif counts.get("Hang"):
        counts["Kore"] = counts.pop("Hang") + han
        han = 0
    if han:
        japanese = any(ch in JAPANESE_ONLY_HAN for ch in text[:20_000])
        counts["Jpan" if japanese else _han_variant(text)] = han
    script, n = max(counts.items(), key=lambda item: (item[1], item[0]))
    if n < MIN_SCRIPT_LETTERS:
        return None
    return ScriptInfo(script, n, n / max(letters, 1))


def _han_variant(text: str) -> str:
    han = "".join(ch for ch in text[:20_000] if char_script(ch) == "Hani")[:2000]
    try:
        import hanzidentifier
    except ImportError:
        return "Hani"
    kind = hanzidentifier.identify(han)
    if kind == hanzidentifier.SIMPLIFIED:
        return "Hans"
    if kind == hanzidentifier.TRADITIONAL:
        return "Hant"
    return "Hani"


# Latin letters that only one language of the detected set uses (ISO 639-1). Vietnamese
# is the block of Latin Extended Additional letters with a tone mark (U+1EA0..U+1EF9).
LATIN_LETTERS: dict[str, str] = {
    **dict.fromkeys("șțȘȚ", "ro"), **dict.fromkeys("őűŐŰ", "hu"), **dict.fromkeys("łŁ", "pl"),
    **dict.fromkeys("řůŘŮ", "cs"), **dict.fromkeys("ğıĞİ", "tr"), **dict.fromkeys("ơưƠƯ", "vi"),
    **dict.fromkeys("ėųįĖŲĮ", "lt"), **dict.fromkeys("ķļņģĶĻŅĢ", "lv"),
    **dict.fromkeys("ðþÐÞ", "is"),
}
# Letters of that block that Yoruba and Igbo write too (ẹ, ọ, ị, ụ): not Vietnamese alone.
_SHARED_TONE_LETTERS = frozenset("ẸẹỌọỊịỤụ")


def distinctive_letters(text: str) -> tuple[str, str] | None:
    """(language, letters found) for Latin letters only one language writes ("ț" ->
    Romanian, "ő" -> Hungarian, "ư" -> Vietnamese), the language with most such letters;
    None when there are none."""
    if not isinstance(text, str):
        return None
    found: dict[str, dict[str, None]] = {}
    for ch in text[:20_000]:
        lang = LATIN_LETTERS.get(ch)
        if lang is None and 0x1EA0 <= ord(ch) <= 0x1EF9 and ch not in _SHARED_TONE_LETTERS:
            lang = "vi"
        if lang is not None:
            found.setdefault(lang, {})[ch] = None
    if not found:
        return None
    lang, letters = max(found.items(), key=lambda item: (len(item[1]), item[0]))
    return lang, "".join(letters)
