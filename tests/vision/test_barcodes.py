"""Barcodes: EAN-13 drawn by the project's own encoder, decoded back with zxing-cpp, and
GS1 prefixes mapped to countries (biip's bundled table)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import zxingcpp
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.vision.labels import ean13_array, label_image, photo_of
from traceobject.demo.barcode import ean13_check_digit
from traceobject.vision.barcodes import (
    BARCODE_MAX_SIDE,
    GTIN_FORMATS,
    Barcode,
    Gs1Info,
    gs1_country,
    read_barcodes,
)


def ean13(prefix: str, body: str = "1234567890") -> str:
    twelve = (prefix + body)[:12]
    return twelve + str(ean13_check_digit(twelve))


def with_wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


# --------------------------------------------------------------------------- reading

COUNTRY_PREFIXES = [
    ("590", "PL"), ("400", "DE"), ("421", "DE"), ("440", "DE"), ("300", "FR"),
    ("379", "FR"), ("800", "IT"), ("839", "IT"), ("840", "ES"), ("849", "ES"),
    ("870", "NL"), ("879", "NL"), ("730", "SE"), ("739", "SE"),
]


@pytest.mark.parametrize(("prefix", "country"), COUNTRY_PREFIXES)
def test_ean13_round_trip_to_country(prefix: str, country: str) -> None:
    code = ean13(prefix)
    (barcode,) = read_barcodes(ean13_array(code))
    assert (barcode.format, barcode.text, barcode.gtin) == ("EAN13", code, code)
    info = gs1_country(code)
    assert info.valid and info.kind == "member"
    assert info.country == country and country in info.countries
    assert info.weak and not (info.store_internal or info.book or info.issn)
    assert info.prefix == prefix and info.organisation and info.organisation.startswith("GS1 ")
    assert "not where the product was made or sold" in info.reason


@pytest.mark.parametrize(
    ("prefix", "flag"),
    [("978", "book"), ("979", "book"), ("977", "issn"), ("200", "store_internal"),
     ("250", "store_internal"), ("299", "store_internal"), ("020", "store_internal"),
     ("029", "store_internal"), ("040", "store_internal"), ("049", "store_internal")],
)
def test_special_prefixes_round_trip(prefix: str, flag: str) -> None:
    code = ean13(prefix)
    (barcode,) = read_barcodes(ean13_array(code))
    info = gs1_country(barcode.text)
    assert info.valid and info.kind == flag and getattr(info, flag)
    assert info.country is None and info.countries == () and not info.weak


def test_product_photo_with_two_barcodes_rotated() -> None:
    a, b = ean13("590"), ean13("730", "9876543210")
    left, right = ean13_array(a), ean13_array(b)
    pair = np.full((left.shape[0], left.shape[1] + right.shape[1] + 60, 3), 255, np.uint8)
    pair[:, : left.shape[1]] = left
    pair[:, left.shape[1] + 60:] = right
    photo = photo_of(pair, angle=7.0, seed=2)
    assert sorted(bc.text for bc in read_barcodes(photo)) == sorted([a, b])


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_barcode(turn: int) -> None:
    code = ean13("871")
    image = np.ascontiguousarray(np.rot90(ean13_array(code), k=turn // 90))
    assert [bc.text for bc in read_barcodes(image)] == [code]


def test_box_is_in_input_coordinates() -> None:
    code = ean13("841")
    drawn = ean13_array(code, margin=0)
    canvas = np.full((700, 900, 3), 255, np.uint8)
    top, left = 400, 500
    canvas[top:top + drawn.shape[0], left:left + drawn.shape[1]] = drawn
    (barcode,) = read_barcodes(canvas)
    x, y, w, h = barcode.rect
    assert left <= x <= left + drawn.shape[1] and top <= y <= top + drawn.shape[0]
    assert w > drawn.shape[1] // 2
    assert barcode.to_dict()["text"] == code


def test_huge_image_is_downscaled_and_box_maps_back() -> None:
    code = ean13("590")
    big = Image.fromarray(ean13_array(code, margin=0)).resize(
        (ean13_array(code, margin=0).shape[1] * 6, ean13_array(code, margin=0).shape[0] * 6),
        Image.Resampling.NEAREST,
    )
    canvas = Image.new("RGB", (8000, 8000), "white")
    canvas.paste(big, (5000, 6000))
    pixels = np.asarray(canvas)
    assert max(pixels.shape) > BARCODE_MAX_SIDE
    (barcode,) = read_barcodes(pixels)
    assert barcode.text == code
    x, y, _w, _h = barcode.rect
    assert 4900 < x < 5400 and 5900 < y < 6400


def test_qr_code_is_read_but_is_no_gtin() -> None:
    qr = np.asarray(zxingcpp.create_barcode("https://example.org/p/1", zxingcpp.QRCode)
                    .to_image(scale=5))
    (barcode,) = read_barcodes(np.pad(qr, 30, constant_values=255))
    assert (barcode.format, barcode.text, barcode.gtin) == ("QRCode", "https://example.org/p/1",
                                                            None)


def test_grayscale_and_rgba_are_accepted() -> None:
    code = ean13("400")
    rgb = ean13_array(code)
    assert [bc.text for bc in read_barcodes(rgb[:, :, 0])] == [code]
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert [bc.text for bc in read_barcodes(rgba)] == [code]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("not an image", TypeError),
        (np.zeros((10, 10, 3), np.float64), TypeError),
        (np.zeros((10, 10, 5), np.uint8), ValueError),
        (np.zeros((10, 0, 3), np.uint8), ValueError),
    ],
)
def test_bad_input_is_rejected(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_barcodes(value)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1, 3), np.uint8),
        np.full((400, 600, 3), 255, np.uint8),
        np.random.default_rng(3).integers(0, 256, (400, 600, 3), dtype=np.uint8),
        np.asarray(label_image(["Hecho en España", "Prodotto in Italia"])),
    ],
    ids=["1x1", "white", "noise", "text"],
)
def test_no_barcode_gives_empty_list(image: np.ndarray) -> None:
    assert read_barcodes(image) == []


def _draw_modules(modules: str, m: int = 3) -> np.ndarray:
    from traceobject.demo import barcode as encoder

    image = np.full((80 * m, (encoder.QUIET_MODULES * 2 + len(modules)) * m, 3), 255, np.uint8)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = (encoder.QUIET_MODULES + i) * m
            image[4 * m: 64 * m, x: x + m] = 0
    return image


def test_damaged_check_digit_is_not_decoded() -> None:
    """zxing-cpp verifies the check digit: bars with a wrong one decode to nothing."""
    from traceobject.demo import barcode as encoder

    code = ean13("590")
    modules = encoder.ean13_modules(code)
    assert [bc.text for bc in read_barcodes(_draw_modules(modules))] == [code]  # control
    wrong_digit = int(with_wrong_check_digit(code)[-1])
    # the check digit is the last right-hand symbol, before the 3-module end guard
    damaged = modules[:-10] + encoder.R_CODES[wrong_digit] + modules[-3:]
    assert read_barcodes(_draw_modules(damaged)) == []


# --------------------------------------------------------------------------- GS1


def test_wrong_check_digit_is_invalid() -> None:
    info = gs1_country(with_wrong_check_digit(ean13("590")))
    assert not info.valid and info.kind == "invalid" and info.country is None
    assert "check digit" in info.reason


@pytest.mark.parametrize(
    "code",
    ["", "abc", "12345", "590123412345678", "590 1234\t12345 x",
     "\uff15\uff19\uff10\uff11\uff12\uff13\uff14\uff11\uff12\uff13\uff14\uff15\uff17"],
)
def test_not_a_gtin_is_invalid(code: str) -> None:
    info = gs1_country(code)
    assert not info.valid and info.kind == "invalid" and info.country is None


def test_spaces_and_hyphens_are_ignored() -> None:
    assert gs1_country(" 590-1234-12345-7 ").country == "PL"


@pytest.mark.parametrize(
    ("code", "kind", "country"),
    [
        ("036000291452", "member", "US"),  # UPC-A
        ("73513537", "member", "SE"),  # EAN-8
        ("96212349", "member", "GB"),  # EAN-8 from GS1 UK's GTIN-8 range
        ("15901234123454", "member", "PL"),  # GTIN-14 (packaging level 1)
        ("9771234567003", "issn", None),
        ("9801234567892", "refund_receipt", None),
        ("9901234567899", "coupon", None),
        ("9501234567891", "global_office", None),
        ("9521234567899", "global_office", None),
        ("0521234567898", "unassigned", None),
        ("01234565", "store_internal", None),  # GTIN-8 restricted circulation
    ],
)
def test_other_gtins(code: str, kind: str, country: str | None) -> None:
    info = gs1_country(code)
    assert info.valid and (info.kind, info.country) == (kind, country)
    assert info.weak == (kind == "member")


def test_one_organisation_two_countries() -> None:
    info = gs1_country(ean13("540"))
    assert (info.organisation, info.country, info.countries) == (
        "GS1 Belgium & Luxembourg", "BE", ("BE", "LU"))


def test_upc_e_is_expanded_to_upc_a() -> None:
    barcode = Barcode("UPCE", "01234565", ((0, 0), (9, 0), (9, 9), (0, 9)))
    assert barcode.gtin == "012345000065"
    assert gs1_country(barcode.gtin).country == "US"
    assert Barcode("Code128", "590123412345", barcode.box).gtin is None
    assert {"EAN13", "EAN8", "UPCA", "UPCE"} <= GTIN_FORMATS


def test_every_prefix_is_classified() -> None:
    """Each of the 1000 three-digit prefixes (13 and 8 digits): no error, every GS1
    member organisation biip knows maps to an ISO country (catches a biip upgrade that
    renames an organisation)."""
    for n in (13, 8):
        for prefix in range(1000):
            body = f"{prefix:03d}" + "1" * (n - 4)
            info = gs1_country(body + str(gs1_standard_check_digit(body)))
            assert info.valid, info
            if info.kind == "member":
                assert info.country and len(info.country) == 2 and info.country.isupper(), info
            else:
                assert info.country is None and not info.weak, info
            if 200 <= prefix <= 299 or (n == 13 and (20 <= prefix <= 29 or 40 <= prefix <= 49)):
                assert info.store_internal, info


@given(st.text(max_size=20))
def test_gs1_country_never_raises(text: str) -> None:
    info = gs1_country(text)
    assert isinstance(info, Gs1Info)
    assert info.valid == (info.kind != "invalid")
    assert set(info.to_dict()) >= {"code", "valid", "kind", "country", "weak", "reason"}
