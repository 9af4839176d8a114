"""Language detection and where a language is used (CLDR via Babel)."""

from __future__ import annotations

from traceobject.geo import clues_from_text, estimate
from traceobject.geo.language import detect_languages, language_countries


def test_detects_the_language_of_a_label() -> None:
    [top, *_] = detect_languages("Skład: cukier, mąka pszenna, olej rzepakowy.")
    assert top.code == "pl" and top.confidence > 0.9


def test_short_text_has_no_language() -> None:
    assert detect_languages("29,99 zł") == []


def test_norwegian_variants_are_merged() -> None:
    [top, *_] = detect_languages("Ingredienser: sukker, hvetemel, rapsolje. Oppbevares tørt.")
    assert top.code == "nb"


def _ranked(text: str) -> list[tuple[str, float]]:
    return estimate(clues_from_text(text)).ranked(8)


def test_polish_text_points_at_poland() -> None:
    ranked = _ranked("Skład: cukier, mąka pszenna, olej rzepakowy. Przechowywać w suchym miejscu.")
    assert ranked[0][0] == "PL"


def test_german_text_points_at_germany_then_austria_and_switzerland() -> None:
    ranked = dict(_ranked("Zutaten: Zucker, Weizenmehl, Rapsöl. Trocken lagern und vor Wärme "
                          "schützen."))
    assert max(ranked, key=lambda c: ranked[c]) == "DE"
    assert "AT" in ranked and "CH" in ranked
    assert ranked["AT"] < ranked["DE"] and ranked["CH"] < ranked["DE"]


def test_dutch_text_points_at_netherlands_and_belgium() -> None:
    ranked = _ranked("Ingrediënten: suiker, tarwebloem, koolzaadolie. Droog bewaren.")
    assert ranked[0][0] == "NL"
    assert "BE" in [c for c, _p in ranked[:3]]


def test_swedish_text_points_at_sweden_finland_small() -> None:
    ranked = dict(_ranked("Ingredienser: socker, vetemjöl, rapsolja. Förvaras torrt."))
    assert max(ranked, key=lambda c: ranked[c]) == "SE"
    assert 0 < ranked.get("FI", 0.0) < ranked["SE"] / 2


def test_language_table_shapes() -> None:
    assert language_countries("pl")["PL"] == 1.0
    german = language_countries("de")
    assert german["DE"] == 1.0 and german["AT"] > 0.2 and german["CH"] > 0.2
    assert language_countries("xx") == {}
