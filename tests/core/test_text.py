"""The one text cleaner (traceobject.core.text): every rule, hostile input, real scripts."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.conf import settings
from django.utils import translation

from tests.core.locales import translation_of
from traceobject.core.errors import ServiceError
from traceobject.core.text import HOSTILE, clean_line, clean_text, strip_controls

LINE = {"field": "title", "max_length": 50}
TEXT = {"field": "text", "max_length": 200}


def _refused(clean, value, *, reason: str, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        clean(value, **{**(LINE if clean is clean_line else TEXT), **kwargs})
    error = info.value
    field = kwargs.get("field", (LINE if clean is clean_line else TEXT)["field"])
    assert error.status == 400 and error.message
    assert error.fields == {field: reason}, error.fields
    return error


# --------------------------------------------------------------------------- kept text

@pytest.mark.parametrize("value", [
    "می\u200cخواهم",  # Persian: "I want", with a zero-width non-joiner
    "क्\u200dष",  # Devanagari with a zero-width joiner
    "हिन्दी में लिखा",  # Hindi
    "مرحبا بالعالم",  # Arabic
    "\u05e9\u05dc\u05d5\u05dd \u200fעולם",  # Hebrew with a right-to-left mark
    "北京市朝阳区",  # Chinese
    "👩\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈 👍🏽",  # emoji ZWJ sequences, skin tone
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England (tag chars)
    "Zażółć gęślą jaźń",  # Polish
    "ภาษา\u200bไทย",  # Thai with a zero-width space between words
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0651\u0629",  # Arabic with a shadda (combining)
])
@pytest.mark.parametrize("clean", [clean_line, clean_text])
def test_real_scripts_are_kept_as_they_are(clean, value) -> None:
    assert clean(value, field="f", max_length=100) == unicodedata.normalize("NFC", value)
    assert clean(value, field="f", max_length=100) == value  # they are NFC already


@pytest.mark.parametrize("clean", [clean_line, clean_text])
def test_nfd_input_is_stored_nfc(clean) -> None:
    decomposed = "Cafe\u0301 Malmo\u0308"
    assert unicodedata.is_normalized("NFD", decomposed)
    cleaned = clean(decomposed, field="f", max_length=100)
    assert cleaned == "Café Malmö" and len(cleaned) == 10
    assert unicodedata.is_normalized("NFC", cleaned)


def test_line_collapses_every_kind_of_space() -> None:
    value = "  Blue \u00a0 bag\u3000with\u2003 \u202fstars  "
    assert clean_line(value, **LINE) == "Blue bag with stars"


def test_text_keeps_lines_and_the_writers_spacing() -> None:
    value = ("\n\n  First line   \r\n"
             "\tindented line\t\r"
             "third\u2028fourth\u2029\n\n\n\n\n\nafter six blank lines  \n\n")
    assert clean_text(value, **TEXT) == (
        "First line\n"
        " indented line\n"
        "third\nfourth\n\n\n"
        "after six blank lines")


def test_two_blank_lines_stay() -> None:
    assert clean_text("a\n\n\nb", **TEXT) == "a\n\n\nb"
    assert clean_text("a\n \n\t\n \nb", **TEXT) == "a\n\n\nb"


def test_cleaning_twice_changes_nothing() -> None:
    line = clean_line(" a\u00a0 b  c\u0301 ", field="f", max_length=100)
    assert clean_line(line, field="f", max_length=100) == line == "a b ć"
    text = clean_text(" a\u00a0 b \r\n\r\n\r\n\r\n\r\n c\td ", field="f", max_length=100)
    assert clean_text(text, field="f", max_length=100) == text == "a\u00a0 b\n\n\n c d"


# --------------------------------------------------------------------------- refused input

@pytest.mark.parametrize("clean", [clean_line, clean_text])
@pytest.mark.parametrize("value", ["a\x00b", "\x00", "bell\x07", "\x1b[31mred", "del\x7f",
                                   "next\x85line", "csi\x9b", "vt\x0bff", "form\x0cfeed"])
def test_control_characters_are_refused(clean, value) -> None:
    error = _refused(clean, value, reason="This contains control characters.")
    assert error.code == "invalid_input"
    assert "control characters" in error.message


@pytest.mark.parametrize("value", ["one\ntwo", "one\r\ntwo", "one\rtwo", "one\u2028two",
                                   "one\u2029two", "trailing\n"])
def test_a_line_refuses_line_breaks(value) -> None:
    _refused(clean_line, value, reason="This must be a single line.")


def test_a_line_refuses_a_tab() -> None:
    _refused(clean_line, "a\tb", reason="This contains control characters.")


@pytest.mark.parametrize("clean", [clean_line, clean_text])
@pytest.mark.parametrize("value", ["\ud800", "lone \udfff surrogate", "\udbff\udc00"])
def test_lone_surrogates_are_refused(clean, value) -> None:
    _refused(clean, value, reason="This contains characters that cannot be stored.")


@pytest.mark.parametrize("clean", [clean_line, clean_text])
@pytest.mark.parametrize("value", [
    "invoice\u202egpj.exe",  # RLO: shows as "invoiceexe.jpg"
    "\u202aembedded\u202c", "\u202bembedded\u202c", "\u202doverride\u202c",
    "\u2066isolate\u2069", "\u2067isolate\u2069", "\u2068first strong\u2069",
    "\u206adeprecated", "\ufff9annotated\ufffaruby\ufffb", "\ufeffbom",
    "non\ufdd0character", "non\uffffcharacter", "astral \U0010fffe", "\U000e0001tag",
])
def test_hostile_invisible_characters_are_refused(clean, value) -> None:
    error = _refused(clean, value, reason="This contains invisible characters that are not "
                                          "allowed.")
    assert "direction" in error.message


def test_the_hostile_set() -> None:
    assert len(HOSTILE) == 5 + 4 + 6 + 3 + 2 + 32 + 34
    for kept in "\u200b\u200c\u200d\u200e\u200f\u061c\u00ad\u2060\ufe0f\U000e0067":
        assert kept not in HOSTILE


@pytest.mark.parametrize("clean", [clean_line, clean_text])
@pytest.mark.parametrize("value", [42, 4.2, True, b"bytes", ["a list"], {"a": "dict"}, object()])
def test_non_text_is_refused(clean, value) -> None:
    _refused(clean, value, reason="This must be text.")


@pytest.mark.parametrize(("clean", "value"), [
    *((clean, value) for clean in (clean_line, clean_text)
      for value in (None, "", "   ", "\u00a0\u3000")),
    (clean_text, "\n\n \r\n"),
])
def test_empty_is_refused_when_required(clean, value) -> None:
    _refused(clean, value, reason="This field is required.")
    assert clean(value, field="f", max_length=5, required=False) == ""


@pytest.mark.parametrize("clean", [clean_line, clean_text])
def test_length_is_counted_after_cleaning_in_characters(clean) -> None:
    assert clean("  " + "é" * 50 + "  ", field="title", max_length=50) == "é" * 50
    assert clean("e\u0301" * 50, field="title", max_length=50) == "é" * 50  # NFC first
    assert clean("😀" * 50, field="title", max_length=50) == "😀" * 50  # code points
    error = _refused(clean, "x" * 51, field="title", max_length=50,
                     reason="This is too long: at most 50 characters.")
    assert "50" in error.message


def test_oversized_input_is_refused_without_trouble() -> None:
    _refused(clean_text, "word " * 1_000_000, max_length=10_000,
             reason="This is too long: at most 10000 characters.")
    _refused(clean_line, "\u202e" + "x" * 1_000_000, reason="This contains invisible "
                                                            "characters that are not allowed.")


def test_code_field_and_label() -> None:
    error = _refused(clean_line, "\x00", field="place", code="invalid_tip", label="Place or shop",
                     reason="This contains control characters.")
    assert error.code == "invalid_tip"
    assert error.message == "Place or shop contains control characters."
    error = _refused(clean_line, "", field="place", reason="This field is required.")
    assert error.message == "place is required."  # the field's name without a label


@pytest.mark.django_db
def test_messages_and_reasons_are_translated(use_compiled_locales) -> None:
    reason = translation_of("de", "This contains control characters.")
    message = translation_of("de", "%(label)s contains control characters.")
    assert reason and message and "%(label)s" in message
    with translation.override("de"), pytest.raises(ServiceError) as info:
        clean_text("a\x00b", field="text", max_length=10, label="Text")
    assert info.value.fields == {"text": reason}
    assert info.value.message == message % {"label": "Text"}


# --------------------------------------------------------------------------- strip_controls

def test_strip_controls_removes_what_the_cleaner_refuses() -> None:
    raw = "Canon\x00 EOS\tR5\nMark\u202eII\ud800 \x1b[0m\ufeff\u200dok"
    stripped = strip_controls(raw)
    assert stripped == "Canon EOS R5 MarkII [0m\u200dok"
    assert clean_line(stripped, field="f", max_length=100) == "Canon EOS R5 MarkII [0m\u200dok"


def test_strip_controls_keeps_lines_in_multiline_text() -> None:
    raw = "line one\r\nline\ttwo\rthree\u2029four\x00\x07"
    stripped = strip_controls(raw, multiline=True)
    assert stripped == "line one\nline two\nthree\nfour"
    assert clean_text(stripped, field="f", max_length=100) == stripped


@pytest.mark.parametrize("value", [None, 42, b"bytes"])
def test_strip_controls_of_non_text_is_empty(value) -> None:
    assert strip_controls(value) == ""


@pytest.mark.parametrize("codepoint", [*range(0x00, 0x20), *range(0x7F, 0xA0),
                                       *sorted(ord(ch) for ch in HOSTILE), 0xD800, 0xDFFF])
@pytest.mark.parametrize("multiline", [False, True])
def test_strip_controls_leaves_nothing_the_cleaner_refuses(codepoint, multiline) -> None:
    stripped = strip_controls(f"a{chr(codepoint)}b", multiline=multiline)
    clean = clean_text if multiline else clean_line
    assert clean(stripped, field="f", max_length=10)


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES
                                      if code != "en"])
def test_every_message_is_translated_in_every_language(language) -> None:
    """The public sees the reasons and the staff the messages: all in the 24 languages,
    with the same placeholders."""
    from traceobject.core.text import _MESSAGES

    for msgid in [text for pair in _MESSAGES.values() for text in pair]:
        translated = translation_of(language, msgid)
        assert translated, f"{language}: no translation of {msgid!r}"
        assert sorted(re.findall(r"%\(\w+\)[sd]", translated)) == sorted(
            re.findall(r"%\(\w+\)[sd]", msgid)), (language, msgid, translated)
