"""The one text cleaner: every free-text input (forms, API, CLI, services) goes through here.

    from traceobject.core.text import clean_line, clean_text

    title = clean_line(value, field="title", max_length=200, label=_("Title"))
    summary = clean_text(value, field="summary", max_length=10_000, required=False)

``clean_line`` is one line (a title, a name, a place); ``clean_text`` is text in lines (a
description, a tip, a note). Both take the raw value and return the text to store, or raise
:class:`~traceobject.core.errors.ServiceError` (``code``, a translated message naming the
field, ``fields={field: reason}``) and the caller changes nothing. The rules, in order:

1. ``None`` is ``""``; anything else that is not a ``str`` is refused.
2. Refused characters (never stored, never silently dropped from typed input):

   * lone surrogates (U+D800-U+DFFF: no UTF-8 form, no database can store them);
   * control characters (category Cc: U+0000-U+001F, U+007F-U+009F), NUL included, and in
     ``clean_line`` the line breaks too (LF, CR, U+2028, U+2029) and the tab. ``clean_text``
     keeps LF, reads CR LF and CR (and U+2028, U+2029) as LF and a tab as a space;
   * :data:`HOSTILE`: invisible characters that change how the text around them is shown
     or read: the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
     U+2066-U+2069: an RLO makes ``exe.txt`` look like ``txt.exe``), the deprecated format
     characters U+206A-U+206F, the interlinear annotation characters U+FFF9-U+FFFB, the
     byte order mark U+FEFF, the deprecated language tag U+E0001 and the 66
     noncharacters (U+FDD0-U+FDEF and the last two code points of every plane).

   Kept, because real scripts and emoji need them: the zero-width non-joiner and joiner
   (U+200C, U+200D: Persian, Hindi, emoji ZWJ sequences), the single direction marks LRM,
   RLM and ALM (U+200E, U+200F, U+061C: they carry no state that could leak past the
   field), the zero-width space U+200B (word breaks in Thai, Khmer), the soft hyphen,
   variation selectors, tag characters U+E0020-U+E007F (subdivision flags), combining marks
   and private-use characters.
3. Unicode NFC (a decomposed "é" is stored composed, so searches and lengths agree).
4. Spaces. ``clean_line``: every run of whitespace (Unicode spaces such as U+00A0, U+3000
   too) becomes one space, and the ends are trimmed. ``clean_text``: the writer's spacing
   inside a line is kept (indentation, aligned columns), spaces at the end of each line
   are removed, more than two blank lines in a row become two, and the text is trimmed at
   both ends.
5. Empty after cleaning and ``required``: refused. Longer than ``max_length`` characters
   (code points, after cleaning): refused.

Text that nobody typed (file names, EXIF fields, OCR of evidence, lists read from files) is
not refused for one stray character: :func:`strip_controls` removes what the cleaner would
refuse, and the caller then cleans or cuts the rest to length.

Only Django's translation utilities and core.errors are used here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext, gettext_noop

from traceobject.core.errors import ServiceError

#: Line breaks other than CR and LF (category Zl and Zp).
_SEPARATORS = "\u2028\u2029"

#: Invisible characters refused besides controls and surrogates (see the module's docstring).
HOSTILE = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + [chr(c) for c in range(0x206A, 0x2070)]  # deprecated format characters
    + ["\ufff9", "\ufffa", "\ufffb"]  # interlinear annotation
    + ["\ufeff", "\U000e0001"]  # byte order mark, language tag
    + [chr(c) for c in range(0xFDD0, 0xFDF0)]  # noncharacters
    + [chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)]
)

_HOSTILE_CLASS = "".join(sorted(f"\\U{ord(ch):08x}" for ch in HOSTILE))
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_SEPARATORS}]")
_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # all but \t \n \r
_BREAK = re.compile(f"[\n\r{_SEPARATORS}]")
_HOSTILE_RE = re.compile(f"[{_HOSTILE_CLASS}]")
_BLANK_LINES = re.compile(r"\n{4,}")  # more than two blank lines
# What strip_controls replaces by a space (it separates words) or removes (it does not).
_SPACING_CONTROL = re.compile(f"[\t\x0b\x0c\x1c-\x1f\x85{_SEPARATORS}]")
_STRIPPED = re.compile(f"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff{_HOSTILE_CLASS}]")


#: kind -> (message naming the field, the reason shown beside the field); translated when used.
_MESSAGES = {
    "not_text": (gettext_noop("%(label)s must be text."), gettext_noop("This must be text.")),
    "unstorable": (gettext_noop("%(label)s contains characters that cannot be stored."),
                   gettext_noop("This contains characters that cannot be stored.")),
    "line": (gettext_noop("%(label)s must be a single line."),
             gettext_noop("This must be a single line.")),
    "control": (gettext_noop("%(label)s contains control characters."),
                gettext_noop("This contains control characters.")),
    "hostile": (gettext_noop("%(label)s contains invisible characters that are not allowed "
                             "(such as text direction overrides)."),
                gettext_noop("This contains invisible characters that are not allowed.")),
    "required": (gettext_noop("%(label)s is required."), gettext_noop("This field is required.")),
    "too_long": (gettext_noop("%(label)s is too long: at most %(max)d characters."),
                 gettext_noop("This is too long: at most %(max)d characters.")),
}


def _refuse(kind: str, *, field: str, code: str, label: Any, maximum: int = 0) -> ServiceError:
    message, reason = _MESSAGES[kind]
    values = {"label": field if label is None else label, "max": maximum}
    return ServiceError(code, gettext(message) % values, fields={field: gettext(reason) % values})


def _checked(value: object, *, field: str, code: str, label: Any, multiline: bool) -> str:
    """The value as a str with its refused characters refused (rules 1 and 2)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _refuse("not_text", field=field, code=code, label=label)
    if _SURROGATE.search(value):
        raise _refuse("unstorable", field=field, code=code, label=label)
    if multiline:
        if _CONTROL_TEXT.search(value):
            raise _refuse("control", field=field, code=code, label=label)
    elif _CONTROL_LINE.search(value):
        kind = "line" if _BREAK.search(value) else "control"
        raise _refuse(kind, field=field, code=code, label=label)
    if _HOSTILE_RE.search(value):
        raise _refuse("hostile", field=field, code=code, label=label)
    return value


def _finished(text: str, *, field: str, max_length: int, required: bool, code: str,
              label: Any) -> str:
    if required and not text:
        raise _refuse("required", field=field, code=code, label=label)
    if len(text) > max_length:
        raise _refuse("too_long", field=field, code=code, label=label, maximum=max_length)
    return text


def clean_line(value: object, *, field: str, max_length: int, required: bool = True,
               code: str = "invalid_input", label: Any = None) -> str:
    """One line of text, cleaned (see the module's docstring), or ServiceError.

    ``field`` names the input in ``fields``; ``label`` (translatable) names it in the
    message (default: ``field``)."""
    text = _checked(value, field=field, code=code, label=label, multiline=False)
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return _finished(text, field=field, max_length=max_length, required=required, code=code,
                     label=label)


def clean_text(value: object, *, field: str, max_length: int, required: bool = True,
               code: str = "invalid_input", label: Any = None) -> str:
    """Text in lines, cleaned (see the module's docstring), or ServiceError."""
    text = _checked(value, field=field, code=code, label=label, multiline=True)
    text = _BREAK.sub("\n", text.replace("\r\n", "\n")).replace("\t", " ")
    text = "\n".join(line.rstrip() for line in unicodedata.normalize("NFC", text).split("\n"))
    text = _BLANK_LINES.sub("\n\n\n", text).strip()
    return _finished(text, field=field, max_length=max_length, required=required, code=code,
                     label=label)


def strip_controls(value: object, *, multiline: bool = False) -> str:
    """Text read from a file, EXIF or OCR, not typed by anyone: every character the cleaner
    refuses is removed instead (a control that separates words, such as a tab or a line
    break in one-line text, becomes a space). ``None`` and non-text are ``""``.

    The result holds nothing clean_line (or, with ``multiline``, clean_text) would refuse;
    the caller still cleans it or cuts it to length."""
    if not isinstance(value, str):
        return ""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = _SPACING_CONTROL.sub(lambda m: "\n" if m.group() in _SEPARATORS else " ",
                                     value)
    else:
        value = _SPACING_CONTROL.sub(" ", value.replace("\r\n", " "))
        value = value.replace("\n", " ").replace("\r", " ")
    return _STRIPPED.sub("", value)
