"""Small text helpers shared by the clue extractors (Django-free)."""

from __future__ import annotations

import re
import unicodedata

# Every extractor looks at no more than this many characters of one text: a tip, an OCR
# page. A 1 MB paste is cut, not processed (clue extraction must stay cheap and bounded).
MAX_TEXT_CHARS = 20_000

_EXTRA_FOLD = str.maketrans(
    {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "æ": "ae", "Æ": "ae",
     "œ": "oe", "Œ": "oe", "ı": "i", "ħ": "h", "Ħ": "h", "þ": "th", "ð": "d", "ς": "σ",
     "’": "'", "ʼ": "'"}
)


def clean(text: object, limit: int = MAX_TEXT_CHARS) -> str:
    """A str of at most ``limit`` characters with control characters blanked.

    "" for anything that is not text: other types, and bytes or strings that look like
    binary data (more than 10 % replacement or control characters).
    """
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    text = text[:limit]
    if _plain(text):
        return text  # the common case: no control, format or replacement character
    if not looks_like_text(text):
        return ""
    # invisible format characters (zero-width joiners and spaces, direction marks) go
    # without a trace, so that "Моск\u200bва" stays one word; other controls become spaces
    return "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " "
        for ch in text if unicodedata.category(ch) != "Cf"
    )


_LINE_BREAKS = str.maketrans("", "", "\n\t")


def _plain(text: str) -> bool:
    """Text without control, format, separator (but space) or replacement characters."""
    return bool(text) and "\ufffd" not in text and text.translate(_LINE_BREAKS).isprintable()


def looks_like_text(text: str) -> bool:
    """False for binary data decoded as text: many replacement or control characters."""
    sample = text[:5000]
    if not sample:
        return False
    if _plain(sample):
        return True
    bad = sum(
        1 for ch in sample
        if ch == "\ufffd"
        or (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\r\t")
    )
    return bad <= 0.1 * len(sample)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching names: "Kraków" -> "krakow"."""
    text = text.translate(_EXTRA_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# Words: runs of letters (any script); apostrophes and hyphens separate words, so
# "d'Italie" gives "d", "Italie" and "Aix-en-Provence" three words.
# Combining marks count as letters (Devanagari and Thai vowel signs, Arabic vowel marks,
# decomposed accents): "भारत" is one word, not "भ" and "रत".
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
_INDIC_THAI_MARKS = (
    "\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
    "\u0981-\u0983\u09bc-\u09d7\u0a01-\u0a03\u0a3c-\u0a51\u0b82\u0bbe-\u0bd7"
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u3099\u309a"
)
WORD_RE = re.compile(rf"(?:[^\W\d_]|[{_MARKS}{_INDIC_THAI_MARKS}])+")
SENTENCE_END_RE = re.compile(r"[.!?:;\n\"«»„“”()\[\]]\s*$")


def words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for every word in ``text``."""
    return [(m.group(0), m.start(), m.end()) for m in WORD_RE.finditer(text)]
