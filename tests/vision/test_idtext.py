"""Identifying text (vision/idtext.py): the rules on text lines (fast, many languages),
and a small smoke sample of drawn crops through the real OCR engine (the larger set and
its rates are in bench/bench_idtext.py)."""

from __future__ import annotations

import numpy as np
import pytest
from bench.idtext_samples import CLEAN, IDENTIFYING, render

from traceobject.vision.idtext import classify_line, find_identifying_text, fold, identifying_text


def _whats(lines: tuple[str, ...]) -> set[str]:
    return {what for line in lines for what, _m, _w in classify_line(line)}


@pytest.mark.parametrize(("kind", "lines"), IDENTIFYING, ids=lambda v: str(v)[:30])
def test_identifying_lines_are_flagged_with_their_kind(kind, lines):
    assert kind in _whats(lines)


@pytest.mark.parametrize("lines", CLEAN, ids=lambda v: str(v)[:30])
def test_product_labels_are_not_flagged(lines):
    assert _whats(lines) == set()


@pytest.mark.parametrize(("line", "kind"), [
    ("Storgatan 3B", "address"),
    ("Kirkevej 12", "address"),
    ("Triq il-Kbira 21", "address"),
    ("Pärnu mnt 10", "address"),
    ("Mr. John Smith", "name"),
    ("Sig. Marco Rossi", "name"),
    ("г-жа Иванка Петрова", "name"),
    ("E-mail: info@skola.cz", "email"),
    ("+420 601 123 456", "phone"),
    ("0049 30 1234567", "phone"),
    ("Tel. +48 22 123 45 67", "phone"),
    ("Mobil: 0151 23456789", "phone"),
    ("FR76 3000 6000 0112 3456 7890 189", "id_number"),
    ("PESEL: 44051401359", "id_number"),
    ("RSSMRA85T10A562S", "id_number"),
    ("Gymnasium Dresden-Plauen", "institution"),
    ("Lindenschule", "institution"),
    ("Scuola Primaria Dante Alighieri", "institution"),
    ("Przedszkole nr 7", "institution"),
    ("1-ABC-123", "plate"),
    ("ABC 123", "plate"),
])
def test_more_lines(line, kind):
    assert kind in {w for w, _m, _y in classify_line(line)}


@pytest.mark.parametrize("line", [
    "Ring 500 g", "Via Lattea chocolate bar", "Place settings for 6", "LOT 2024051201",
    "Best before 2025-05-12", "Net weight 1 000 g", "Tel Aviv style hummus",
    "School bag with 3 pockets", "Back to School Collection", "Size EU 42", "ISO 9001",
    "CE 0123", "Made in EU", "Marie Biscuits 200 g", "Dr. Oetker Vanillin-Zucker",
    "1 234 567 units sold", "5 901234 123457", "EAN 4006381333931", "500 kcal / 2100 kJ",
    "", "   ", "\x00\x01", "a" * 10_000, "🙂 Bonjour 🙂",
    # a company's customer line, printed on every copy of a product
    "Infolinia: +48 22 123 45 67", "Kundenservice: 0049 30 1234567",
    "Service client 01 23 45 67 89", "Freephone 0800 123 4567", "Tel. 0800 123 456",
])
def test_ordinary_and_odd_lines_are_not_flagged(line):
    assert classify_line(line) == []


def test_folding_reads_look_alike_letters_in_the_word_s_script():
    assert fold("Oδός") == fold("ΟΔΟΣ") == "οδοσ"
    assert fold("Straße") == "strasse" and fold("Łódź") == "lodz"
    assert fold("ул.") == fold("yл.")  # a Latin y for the Cyrillic у


class _Line:
    def __init__(self, text: str, rect: tuple[int, int, int, int]) -> None:
        self.text, self.rect, self.confidence = text, rect, 0.9


def test_a_line_the_reader_could_not_read_asks_for_review():
    # a 600 x 40 box holds ~27 characters; three were read (Cyrillic comes out so)
    found = find_identifying_text([_Line(".  15", (0, 0, 600, 40))])
    assert [f.what for f in found] == ["unread"]
    assert find_identifying_text([_Line("Made in Poland 500 g", (0, 0, 430, 40))]) == []


def test_a_four_digit_postcode_counts_beside_an_address_only():
    lines = [_Line("Váci utca 19", (0, 0, 260, 40)), _Line("1052 Budapest", (0, 50, 280, 40))]
    assert [f.what for f in find_identifying_text(lines)] == ["address", "address"]
    assert find_identifying_text([_Line("2024 Collection", (0, 0, 320, 40))]) == []


def test_the_reader_failing_is_a_finding_fail_closed():
    found = identifying_text(np.zeros((10, 10), dtype=np.float64))  # type: ignore[arg-type]
    assert [(f["kind"], f["what"]) for f in found] == [("identifying_text", "error")]


# -------------------------------------------------------- through the OCR engine (slow)

SMOKE_IDENTIFYING = (0, 15, 16, 18, 31)  # Paris address, Greek, Bulgarian, phone, plate
SMOKE_CLEAN = (0, 8, 20, 30)  # Made in Poland, EAN-13 digits, Marie Biscuits, Bulgarian


def test_drawn_crops_through_the_reader():
    for i in SMOKE_IDENTIFYING:
        kind, lines = IDENTIFYING[i]
        found = identifying_text(render(lines, 500 + i))
        assert found, lines
        for f in found:
            x, y, w, h = f["box"]
            assert f["kind"] == "identifying_text" and w > 0 and h > 0
    paris = identifying_text(render(IDENTIFYING[0][1], 500))
    assert {"address", "name"} <= {f["what"] for f in paris}
    assert any(f["text"] == "Rue des Lilas 12" for f in paris)
    for i in SMOKE_CLEAN:
        assert identifying_text(render(CLEAN[i], 900 + i)) == [], CLEAN[i]
