"""Fusion: behaviour of the estimate as clues are added, merged and conflict."""

from __future__ import annotations

import math

import pytest

from traceobject.geo import (
    Clue,
    clue_from_gs1,
    clue_from_note,
    clues_from_text,
    clues_from_tip,
    estimate,
)
from traceobject.geo.countries import country_codes
from traceobject.geo.fusion import ESTIMATED, INCONCLUSIVE, NO_CLUES, listing_threshold
from traceobject.geo.language import language_countries


def _tips(n: int, text: str = "Kupiłem to w Polsce", state: str = "useful", prefix: str = "t"):
    return [c for i in range(n) for c in clues_from_tip(text, state=state, tip_id=f"{prefix}{i}")]


def test_no_clues_no_estimate() -> None:
    result = estimate([])
    probabilities = list(result.probabilities.values())
    assert len(probabilities) == len(country_codes()) > 200
    assert max(probabilities) == pytest.approx(min(probabilities))
    assert math.isclose(sum(probabilities), 1.0)
    assert result.best is None and result.status == NO_CLUES
    assert result.ranked() == [] and result.ranked(5) == []  # no alphabetical "estimate"
    assert len(result.ranked(unlisted=True)) == len(probabilities)
    assert result.entropy() == pytest.approx(math.log2(len(probabilities)))
    assert result.reasons == ["no clues yet"]
    data = result.to_dict()
    assert data["status"] == "no_clues" and data["best"] is None and data["ranked"] == []


def test_probabilities_sum_to_one_and_rank() -> None:
    result = estimate(_tips(3))
    assert math.isclose(sum(result.probabilities.values()), 1.0)
    ranked = result.ranked()
    assert ranked[0][0] == "PL" and result.best == "PL" and result.status == ESTIMATED
    assert all(a[1] >= b[1] for a, b in zip(ranked, ranked[1:], strict=False))
    everything = result.ranked(unlisted=True)
    assert everything[: len(ranked)] == ranked and len(everything) > len(ranked)


def test_only_countries_clearly_above_no_information_are_listed() -> None:
    threshold = listing_threshold()
    assert threshold >= 0.01 and threshold >= 2 / len(country_codes())
    # German text: the German-speaking countries, none of the rest
    result = estimate([Clue("language", language_countries("de"), "text is German",
                            weight=0.9, floor=0.01)])
    listed = dict(result.ranked())
    assert {"DE", "AT", "CH"} <= set(listed)
    assert all(p >= threshold for p in listed.values())
    assert all(not result.listed(c) for c in ("PL", "FR", "AD", "AF", "US"))
    # a weak clue moves no country that far: clues, but no estimate
    weak = estimate([clue_from_gs1("PL", code="5901234123457")], temperature=1.0)
    assert weak.evidence_count == 1 and weak.ranked() == [] and weak.best is None
    assert weak.status == INCONCLUSIVE


def test_seven_agreeing_tips_make_a_country_clearly_first() -> None:
    # seven independent, untriaged tips for Poland, one for Germany, one for Czechia: once
    # Poland came out at 0.29 followed by every other country at 0.4 %
    texts = ["Kupiłem to w Polsce", "I bought this in Poland", "Das gibt es in Polen",
             "Seen in a shop in Warsaw", "Polska", "seen in Kraków", "from Poland, I'm sure"]
    clues = [c for i, t in enumerate(texts)
             for c in clues_from_tip(t, country_field="PL", state="new", tip_id=i,
                                     language="en")]
    agreeing = estimate(clues)
    assert agreeing.probability("PL") > 0.9, agreeing.ranked(3)
    clues += clues_from_tip("Gekauft in Deutschland", country_field="DE", state="new",
                            tip_id=100, language="de")
    clues += clues_from_tip("I think Czech Republic", state="new", tip_id=101, language="en")
    result = estimate(clues)
    assert result.best == "PL" and result.probability("PL") > 0.75, result.ranked(3)
    assert result.probability("PL") > 10 * max(
        p for c, p in result.probabilities.items() if c != "PL")
    # seven copies of one tip in a cluster still count once
    one = estimate(clues_from_tip("Kupiłem to w Polsce", state="new", tip_id="x"))
    copies = [c for i in range(7) for c in clues_from_tip("Kupiłem to w Polsce", state="new",
                                                          tip_id=i)]
    clustered = estimate(copies, cluster_of={str(i): "c" for i in range(7)})
    assert clustered.probability("PL") == pytest.approx(one.probability("PL"))
    assert one.probability("PL") < 0.6 < estimate(copies).probability("PL")


def test_an_english_tip_does_not_favour_one_english_speaking_country() -> None:
    result = estimate(clues_from_tip("I saw this bag somewhere, no idea where", state="useful",
                                     tip_id=1, language="en"))
    assert result.evidence_count == 1 and result.best is None  # language alone: no estimate
    assert result.reasons == ["1 tip names no country"]  # not "says: United Kingdom"
    p = result.probabilities
    for other in ("GB", "IE", "AU", "NZ"):
        assert p["US"] <= p[other] * 1.02, (other, p["US"], p[other])
    assert p["IN"] < p["GB"]  # India: by English's share there
    assert p["PL"] >= 1 / len(p) * 0.9  # and no country is pushed below the rest
    # a tip's language barely counts next to what it says
    german_tip = estimate(clues_from_tip("Kupiłem to w Polsce", state="useful", tip_id=2,
                                         language="de"))
    assert german_tip.best == "PL"
    assert german_tip.probability("DE") < 2 / len(p)


def test_one_strong_clue_beats_many_weak_ones() -> None:
    phone = clues_from_text("Kontakt: +48 22 123 45 67")
    barcodes = [clue_from_gs1("DE", code=f"400{i:010d}") for i in range(20)]
    tips = _tips(20, "Ich glaube, das ist aus Deutschland", state="not_useful", prefix="w")
    assert estimate([*phone, *barcodes]).best == "PL"
    assert estimate([*phone, *tips]).best == "PL"
    # both crowds together roughly balance it: uncertain between the two, nothing else
    both = estimate([*phone, *barcodes, *tips])
    assert {c for c, _p in both.ranked(2)} == {"PL", "DE"}


def test_more_independent_tips_sharpen_the_estimate() -> None:
    tips = [_tips(n, state="new") for n in (1, 2, 4, 8, 16)]
    entropies = [estimate(t, temperature=1.0).entropy() for t in tips]
    assert all(a > b for a, b in zip(entropies, entropies[1:], strict=False)), entropies
    assert estimate(_tips(16)).probability("PL") > 0.9
    # but a crowd of one kind weighs like at most 1 / dependence of its members
    crowd = estimate(_tips(200, state="not_useful"), temperature=1.0)
    five = estimate(_tips(5, state="not_useful"), dependence=0.0, temperature=1.0)
    assert crowd.probability("PL") <= five.probability("PL")


def test_duplicate_tips_in_one_cluster_count_once() -> None:
    one = estimate(_tips(1))
    clues = _tips(10)
    clustered = estimate(clues, cluster_of={f"tip:t{i}": "c1" for i in range(10)})
    assert clustered.entropy() == pytest.approx(one.entropy())
    assert clustered.probability("PL") == pytest.approx(one.probability("PL"))
    # bare tip ids work as keys too
    bare = estimate(clues, cluster_of={f"t{i}": "c1" for i in range(10)})
    assert bare.probability("PL") == pytest.approx(one.probability("PL"))
    assert "10 tips (1 after merging near-duplicates)" in clustered.reasons[0]


def test_repeated_statements_within_a_tip_count_once() -> None:
    single = estimate(clues_from_tip("Polen", state="useful", tip_id=1))
    repeated = estimate(clues_from_tip("Polen, Polen, Polska, Poland!", country_field="PL",
                                       state="useful", tip_id=1))
    assert repeated.probability("PL") == pytest.approx(single.probability("PL"), rel=0.8)
    assert repeated.evidence_count == 1


def test_spam_and_duplicates_do_not_count() -> None:
    result = estimate([*_tips(3), *_tips(30, "Made in Germany", state="spam", prefix="s")])
    assert result.best == "PL"
    assert result.ignored_count > 0
    assert "30 more not counted" in result.reasons[0]


def test_conflicting_tips_give_an_uncertain_estimate() -> None:
    result = estimate([*_tips(5, "Kupiłem to w Polsce", prefix="a"),
                       *_tips(5, "Gekauft in Deutschland", prefix="b")])
    top = dict(result.ranked(2))
    assert set(top) == {"PL", "DE"}
    assert abs(top["PL"] - top["DE"]) < 0.05
    assert result.entropy() > 0.9


def test_majority_wins_and_reasons_count_tips() -> None:
    result = estimate([*_tips(14, "Kupiłem to w Polsce", prefix="p"),
                       *_tips(2, "I think it is from Czechia", prefix="c")])
    assert result.best == "PL"
    assert "16 tips say: Poland 14, Czechia 2" in result.reasons[0]


def test_no_clue_can_zero_a_country() -> None:
    phone = clues_from_text("+48 22 123 45 67")
    result = estimate([*_tips(50), clue_from_note("DE", False), *phone])
    assert all(p > 0 for p in result.probabilities.values())
    comeback = estimate([clue_from_note("DE", False), clue_from_note("DE", True)])
    assert comeback.probability("DE") > 0


def test_reasons_are_ordered_by_influence() -> None:
    clues = [*clues_from_text("Skład: cukier, mąka pszenna, olej rzepakowy. Przechowywać w "
                              "suchym miejscu."),
             clue_from_gs1("PL", code="5901234123457")]
    reasons = estimate(clues).reasons
    assert reasons[0].startswith("text is Polish (OCR, ") and "-> PL" in reasons[0]
    assert reasons[-1].startswith("GS1 prefix 590")


def test_population_prior_and_custom_prior() -> None:
    # a prior alone is no estimate: nothing is listed
    population = estimate([], prior="population")
    assert population.best is None and population.ranked() == []
    assert population.ranked(1, unlisted=True)[0][0] in {"CN", "IN"}
    custom = estimate([], prior={"PL": 3, "DE": 1})
    assert custom.probability("PL") == pytest.approx(0.75, abs=0.01)
    assert custom.ranked() == []
    # with clues, a country is listed by how far they lifted it above its own prior
    tipped = estimate(_tips(1, state="new"), prior="population")
    assert "CN" not in dict(tipped.ranked())


def test_odd_clues_never_raise() -> None:
    odd = [
        Clue("x", {"PL": float("nan")}, "nan"),
        Clue("x", {"PL": float("inf")}, "inf"),
        Clue("x", {"ZZ": 1.0, "pl": 1.0}, "unknown codes"),
        Clue("x", {}, "empty"),
        Clue("x", {"PL": 0.0}, "zero", floor=0.0),
        Clue("x", {"PL": 1.0}, "negative weight", weight=-1),
        Clue("x", {"PL": 1.0}, "nan weight", weight=float("nan")),
        "not a clue",  # type: ignore[list-item]
        None,  # type: ignore[list-item]
    ]
    result = estimate(odd)  # type: ignore[arg-type]
    assert math.isclose(sum(result.probabilities.values()), 1.0)
    assert all(math.isfinite(p) for p in result.probabilities.values())


def test_10000_tip_clues_in_clusters_of_three_still_point_at_their_country() -> None:
    """(Its speed is bench/bench_fusion.py's: `estimate_clustered`.)"""
    countries = ["PL", "PL", "CZ", "DE", "SK", "UA", "PL"]
    clues = [
        Clue("tip_country", {countries[i % 7]: 1.0}, "tip", weight=0.5, floor=0.02,
             id=f"tip:{i}")
        for i in range(10_000)
    ]
    alone = estimate(clues)
    result = estimate(clues, cluster_of={f"tip:{i}": i // 3 for i in range(10_000)})
    assert alone.best == result.best == "PL"


def test_to_dict() -> None:
    data = estimate(_tips(2)).to_dict(top=3)
    assert data["best"] == "PL" and data["status"] == "estimate"
    assert 1 <= len(data["ranked"]) <= 3 and data["ranked"][0]["name"] == "Poland"
    assert all(item["probability"] >= 0.01 for item in data["ranked"])


def test_with_a_chosen_prior_the_first_listed_country_is_the_most_likely() -> None:
    """A country the clues lifted is not listed ahead of one the prior makes more likely:
    English text under a population prior leaves India (a large prior, barely lifted) more
    likely than the United States (lifted), so neither is put forward as the best."""
    clues = clues_from_text("English text only here for you")
    result = estimate(clues, prior="population")
    top = result.ranked(1, unlisted=True)[0][0]
    assert result.best in (None, top)
    if result.best is None:
        assert result.ranked() == [] and result.status == "inconclusive"
    # under the uniform prior the same text lists the countries writing English, best first
    uniform = estimate(clues)
    assert uniform.ranked() == uniform.ranked(len(uniform.ranked()), unlisted=True)
