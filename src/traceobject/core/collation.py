"""Sorting names the way each UI language's alphabet does (a small CLDR-like tailoring).

Accents are ignored at first (French É sorts with E), except for letters that a language
treats as letters of their own: they sort after their base letter (Polish Ł after L, Czech
Č after C) or after Z (Swedish Å Ä Ö, Danish Æ Ø Å). Ties are broken by the accents.
Non-Latin scripts (Greek, Cyrillic) sort by code point, which follows their alphabets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Letters of their own, in alphabet order, per language: each sorts after the letter before
# it in the string's base letter ("ł" after "l"), or, when listed in AFTER_Z, after "z".
OWN_LETTERS: dict[str, str] = {
    "pl": "ąćęłńóśźż",
    "cs": "čřšž",
    "sk": "äčôšž",
    "hr": "čćđšž",
    "sl": "čšž",
    "lt": "čšž",
    "lv": "āčēģīķļņšūž",
    "hu": "öőüű",
    "ro": "ăâîșțşţ",
    "mt": "ċġħż",
    "es": "ñ",
    "et": "šž",
}
AFTER_Z: dict[str, str] = {
    "sv": "åäö",
    "fi": "åäö",
    "da": "æøå",
    "et": "õäöü",
}
# Letters with no decomposition, mapped to what they sort as when not letters of their own.
_FOLD = {"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ß": "ss", "ħ": "h", "ı": "i"}


def _plain(ch: str) -> str:
    if ch in _FOLD:
        return _FOLD[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or ch


@lru_cache(maxsize=64)
def sort_key_for(language: str) -> Callable[[str], tuple[tuple[tuple[int, int], ...], str]]:
    own = OWN_LETTERS.get(language, "")
    tail = AFTER_Z.get(language, "")

    def weights(ch: str) -> list[tuple[int, int]]:
        if ch in tail:
            return [(ord("z"), 1 + tail.index(ch))]
        if ch in own:
            return [(ord(_plain(ch)[0]), 1 + own.index(ch))]
        return [(ord(c), 0) for c in _plain(ch)]

    def key(name: str) -> tuple[tuple[tuple[int, int], ...], str]:
        text = unicodedata.normalize("NFC", name).casefold()
        primary = tuple(w for ch in text if ch.isalnum() or ch == " " for w in weights(ch))
        return primary, text

    return key
