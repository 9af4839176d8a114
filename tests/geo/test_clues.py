"""Clue builders: text, barcodes, tips, investigator tags and notes."""

from __future__ import annotations

import pytest

from traceobject.geo import (
    TRIAGE_WEIGHTS,
    Clue,
    TagError,
    clue_from_gs1,
    clue_from_gs1_info,
    clue_from_note,
    clue_from_tag,
    clues_from_ocr,
    clues_from_text,
    clues_from_tip,
)


def _best(clue: Clue) -> str:
    return clue.top(1)[0][0]


def test_text_clues_with_reasons() -> None:
    clues = clues_from_text("Skład: cukier, mąka pszenna. Cena 29,99 zł. www.sklep.pl "
                            "tel. +48 22 123 45 67")
    kinds = {c.kind: c for c in clues}
    assert {"language", "phone", "domain", "currency"} <= set(kinds)
    assert all(_best(c) == "PL" for c in kinds.values())
    assert kinds["language"].reason.startswith("text is Polish (OCR, ")
    assert "+48" in kinds["phone"].reason


def test_made_in_text_names_a_country() -> None:
    [clue] = [c for c in clues_from_text("Made in Poland") if c.kind == "place_mention"]
    assert _best(clue) == "PL"


def test_gs1_clue() -> None:
    clue = clue_from_gs1("PL", code="5901234123457")
    assert clue is not None and _best(clue) == "PL" and clue.kind == "barcode_gs1"
    assert "590" in clue.reason
    confirmed = clue_from_gs1("PL", weak=False, code="5901234123457")
    assert confirmed is not None and confirmed.weight > clue.weight
    shared = clue_from_gs1("BE", countries=("BE", "LU"), code="5401234567890")
    assert shared is not None and shared.likelihood("LU") > shared.floor


@pytest.mark.parametrize(
    "kwargs",
    [
        {"country": "DE", "book": True, "code": "9783161484100"},
        {"country": None, "store_internal": True, "code": "2001234567893"},
        {"country": None},
        {"country": "XX"},
    ],
)
def test_gs1_without_country(kwargs: dict) -> None:
    country = kwargs.pop("country")
    assert clue_from_gs1(country, **kwargs) is None


def test_gs1_info_and_ocr_lines_duck_typed() -> None:
    from types import SimpleNamespace as NS

    info = NS(country="PL", weak=False, store_internal=False, book=False, valid=True)
    clue = clue_from_gs1_info(info, code="5901234123457")
    assert clue is not None and _best(clue) == "PL"
    assert clue_from_gs1_info(NS(country="PL", valid=False)) is None
    assert clue_from_gs1_info(None) is None
    lines = [NS(text="Skład: cukier, mąka pszenna,", confidence=0.97, box=None),
             NS(text="olej rzepakowy. Cena 29,99 zł", confidence=0.9, box=None),
             NS(text="Zutaten Zucker Weizenmehl", confidence=0.1, box=None)]
    kinds = {c.kind: _best(c) for c in clues_from_ocr(lines)}
    assert kinds["language"] == "PL" and kinds["currency"] == "PL"


def test_with_vision_barcodes_gs1_country() -> None:
    barcodes = pytest.importorskip("traceobject.vision.barcodes")
    try:
        pl = barcodes.gs1_country("5901234123457")
        book = barcodes.gs1_country("9783161484100")
        bad = barcodes.gs1_country("5901234123458")
    except ImportError:
        pytest.skip("biip is not installed")
    clue = clue_from_gs1_info(pl, code="5901234123457")
    assert clue is not None and _best(clue) == "PL"
    assert clue_from_gs1_info(book) is None
    assert clue_from_gs1_info(bad) is None


def test_tip_clues_share_an_id_and_follow_triage() -> None:
    clues = clues_from_tip("gekauft in Krakau", country_field="PL", state="useful", tip_id=7)
    assert {c.kind for c in clues} == {"tip_country", "tip_mention"}
    assert {c.id for c in clues} == {"tip:7"}
    assert all(_best(c) == "PL" for c in clues)
    weights = {}
    for state in TRIAGE_WEIGHTS:
        [field] = clues_from_tip("", country_field="PL", state=state)
        weights[state] = field.weight
    assert weights["useful"] == 1.0 and weights["new"] == 0.5
    assert weights["not_useful"] == 0.2
    assert weights["spam"] == weights["duplicate"] == weights["off_topic"] == 0.0


def test_tip_domains_phones_brands_language() -> None:
    clues = clues_from_tip("Widziałem to na www.sklep.pl, tel +48 22 123 45 67, sklep Żabka",
                           brands={"Żabka": "PL"}, language="pl", tip_id="x")
    assert {c.kind for c in clues} == {"tip_mention", "tip_language"}
    assert len(clues) >= 4
    assert all(_best(c) == "PL" for c in clues)


def test_tip_with_unknown_state_and_bad_country() -> None:
    clues = clues_from_tip("vendu en Belgique", country_field="ZZ", state="weird")
    assert [c.kind for c in clues] == ["tip_mention"]
    assert clues[0].weight == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("tag", "value", "inside", "outside"),
    [
        ("plug", "G", {"GB", "IE", "MT", "CY"}, {"DE", "US"}),
        ("plug", "type C F", {"DE", "PL"}, {"GB", "US"}),
        ("voltage", "120 V", {"US", "CA"}, {"DE", "GB"}),
        ("frequency", "60 Hz", {"US", "KR", "BR"}, {"DE", "CN"}),
        ("driving_side", "left", {"GB", "JP", "AU", "IE"}, {"DE", "US"}),
        ("currency", "PLN", {"PL"}, {"DE"}),
        ("currency", "€", {"DE", "FR", "HR"}, {"PL", "GB"}),
        ("paper", "Letter", {"US", "CA", "MX"}, {"DE", "GB"}),
        ("paper", "A4", {"DE", "GB", "PL"}, {"US"}),
        ("date_format", "MDY", {"US"}, {"DE", "JP"}),
        ("date_format", "31/12/2024", {"GB", "DE", "FR"}, {"US"}),
        ("decimal_separator", ",", {"DE", "PL", "FR"}, {"GB", "US", "JP"}),
        ("language", "pl", {"PL"}, {"DE"}),
    ],
)
def test_investigator_tags(tag: str, value: str, inside: set, outside: set) -> None:
    clue = clue_from_tag(tag, value)
    for country in inside:
        assert clue.likelihood(country) >= 0.5, (country, clue.reason)
    for country in outside:
        assert clue.likelihood(country) <= 0.1, (country, clue.reason)


@pytest.mark.parametrize(
    ("tag", "value"),
    [("plug", "Z"), ("voltage", "lots"), ("colour", "red"), ("paper", "B5"), ("currency", "XYZ"),
     ("date_format", "yesterday"), ("plug", "")],
)
def test_bad_tags_raise_a_value_error(tag: str, value: str) -> None:
    with pytest.raises(TagError):
        clue_from_tag(tag, value)
    assert issubclass(TagError, ValueError)


def test_notes_for_and_against() -> None:
    for_pl = clue_from_note("pl", True, "the shop bag is from Biedronka")
    assert _best(for_pl) == "PL" and "because the shop bag" in for_pl.reason
    against = clue_from_note("CZ", for_=False)
    assert against.likelihood("CZ") < against.likelihood("PL")
    with pytest.raises(ValueError):
        clue_from_note("Poland")


def test_clue_serialises() -> None:
    clue = clue_from_note("PL")
    data = clue.to_dict()
    assert data["kind"] == "investigator_note" and data["likelihoods"] == {"PL": 1.0}
