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


def test_german_text_points_at_the_german_speaking_countries() -> None:
    ranked = dict(_ranked("Zutaten: Zucker, Weizenmehl, Rapsöl. Trocken lagern und vor Wärme "
                          "schützen."))
    # by German's share of each country's people, not by the size of the country
    assert set(list(ranked)[:2]) == {"DE", "AT"}
    assert abs(ranked["DE"] - ranked["AT"]) < 0.25 * ranked["DE"]
    assert "CH" in ranked and ranked["CH"] < ranked["DE"]
    assert ranked.get("LI", 0.0) < ranked["CH"]  # very small territories are discounted


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
    assert german["DE"] > 0.9 and german["AT"] > 0.9 and german["CH"] > 0.5
    english = language_countries("en")
    for country in ("GB", "IE", "AU", "NZ"):  # English is not American
        assert english["US"] <= english[country] * 1.1, country
    assert 0.1 < english["IN"] < 0.3  # by English's share of India's people
    for code in ("es", "fr", "pt", "ar", "ru"):  # every world language spread, never one
        spread = language_countries(code)
        assert sum(1 for v in spread.values() if v > 0.5) >= 3, code
    assert language_countries("xx") == {}
