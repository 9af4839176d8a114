from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from traceobject.demo import text
from traceobject.demo.barcode import QUIET_MODULES, ean13_image, ean13_modules, ean13_normalize
from traceobject.demo.images import KINDS, detail_crop, draw_object

SMALL = (240, 180)

# The EAN-13 tables, written out independently of the module under test.
L = {"0001101": 0, "0011001": 1, "0010011": 2, "0111101": 3, "0100011": 4,
     "0110001": 5, "0101111": 6, "0111011": 7, "0110111": 8, "0001011": 9}
G = {"0100111": 0, "0110011": 1, "0011011": 2, "0100001": 3, "0011101": 4,
     "0111001": 5, "0000101": 6, "0010001": 7, "0001001": 8, "0010111": 9}
R = {"1110010": 0, "1100110": 1, "1101100": 2, "1000010": 3, "1011100": 4,
     "1001110": 5, "1010000": 6, "1000100": 7, "1001000": 8, "1110100": 9}
FIRST_DIGIT = {"LLLLLL": 0, "LLGLGG": 1, "LLGGLG": 2, "LLGGGL": 3, "LGLLGG": 4,
               "LGGLLG": 5, "LGGGLL": 6, "LGLGLG": 7, "LGLGGL": 8, "LGGLGL": 9}


def test_kinds_cover_the_brief() -> None:
    for kind in ("tshirt", "carton", "bear", "toy_car", "blocks", "towel", "bedding", "curtain",
                 "flyer", "sticker", "ticket", "shop_bag", "bottle", "jar", "mug"):
        assert kind in KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_draws_a_non_blank_rgb_image(kind: str) -> None:
    image = draw_object(kind, 7, SMALL)
    assert image.mode == "RGB"
    assert image.size == SMALL
    pixels = np.asarray(image, dtype=np.float32)
    assert pixels.std() > 10  # not a flat colour
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 50


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_by_seed_and_seeds_differ(kind: str) -> None:
    first = draw_object(kind, 3, SMALL)
    assert first.tobytes() == draw_object(kind, 3, SMALL).tobytes()
    assert first.tobytes() != draw_object(kind, 4, SMALL).tobytes()


def test_default_size_and_other_sizes() -> None:
    assert draw_object("carton", 1).size == (1200, 900)
    assert draw_object("mug", 1, (300, 400)).size == (300, 400)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        draw_object("person", 1)


def test_detail_crop_keeps_the_size() -> None:
    image = draw_object("label", 2, SMALL)
    detail = detail_crop(image, 5)
    assert detail.size == SMALL
    assert detail.tobytes() != image.tobytes()


def test_text_never_draws_missing_glyph_boxes() -> None:
    # Every character is drawn from ASCII glyphs plus drawn accents.
    for phrase in ("Skład: bawełna 100%", "Zażółć gęślą jaźń", "Fabriqué en France",
                   "Größe ß", "Složení: cukr", "Äppeljuice", "¿Dónde?", "Øre – €"):
        drawn = text.ascii_text(phrase)
        assert all(" " <= ch <= "~" or ch in "©«°±´·»“”‘’" for ch in drawn), drawn
    assert text.ascii_text("Skład: bawełna") == "Sklad: bawelna"
    assert text.ascii_text("Zażółć") == "Zazolc"


def test_ean13_check_digit() -> None:
    assert ean13_normalize("400638133393") == "4006381333931"
    assert ean13_normalize("590123412345") == "5901234123457"
    assert ean13_normalize("4006381333931") == "4006381333931"


@pytest.mark.parametrize("bad", ["4006381333932", "40063813339", "40063813339X", "",
                                 "4006381333931 0", "٤٠٠٦٣٨١٣٣٣٩٣"])
def test_ean13_bad_input_raises(bad: str) -> None:
    with pytest.raises(ValueError):
        ean13_normalize(bad)
    with pytest.raises(ValueError):
        ean13_image(bad)


def _read_modules(image: Image.Image, module_px: int) -> str:
    """Sample the middle of each module column, a third of the way down the bars."""
    gray = np.asarray(image.convert("L"))
    row = gray[image.height // 3]
    start = QUIET_MODULES * module_px
    # The quiet zone is white.
    assert (row[:start] > 200).all()
    return "".join(
        "1" if row[start + i * module_px + module_px // 2] < 128 else "0" for i in range(95)
    )


def _decode(modules: str) -> str:
    assert len(modules) == 95
    assert modules[:3] == "101" and modules[45:50] == "01010" and modules[92:] == "101"
    left = [modules[3 + 7 * i: 10 + 7 * i] for i in range(6)]
    right = [modules[50 + 7 * i: 57 + 7 * i] for i in range(6)]
    parity = "".join("L" if chunk in L else "G" for chunk in left)
    digits = [L[c] if c in L else G[c] for c in left]
    return str(FIRST_DIGIT[parity]) + "".join(map(str, digits)) + "".join(
        str(R[c]) for c in right
    )


@pytest.mark.parametrize("code,module_px", [("4006381333931", 3), ("590123412345", 2),
                                            ("012345678905", 1), ("871234567890", 4)])
def test_ean13_image_decodes_back(code: str, module_px: int) -> None:
    full = ean13_normalize(code)
    image = ean13_image(code, module_px=module_px)
    assert image.mode == "RGB"
    assert image.width == (95 + 2 * QUIET_MODULES) * module_px
    modules = _read_modules(image, module_px)
    assert modules == ean13_modules(full)
    assert _decode(modules) == full
    # Bars are exactly module_px wide: one pixel left of the first bar is white.
    gray = np.asarray(image.convert("L"))
    assert gray[image.height // 3, QUIET_MODULES * module_px - 1] > 200


def test_ean13_known_pattern() -> None:
    # 5901234123457: first digit 5 -> LGGLLG.
    modules = ean13_modules("5901234123457")
    assert modules[3:10] == "0001011"  # 9, L
    assert modules[10:17] == "0100111"  # 0, G
    assert modules[50:57] == "1100110"  # 1, R
