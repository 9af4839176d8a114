"""Fusion: behaviour of the estimate as clues are added, merged and conflict."""

from __future__ import annotations

import math
import time

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


def _tips(n: int, text: str = "Kupiłem to w Polsce", state: str = "useful", prefix: str = "t"):
    return [c for i in range(n) for c in clues_from_tip(text, state=state, tip_id=f"{prefix}{i}")]


def test_no_clues_is_flat() -> None:
    result = estimate([])
    probabilities = list(result.probabilities.values())
    assert len(probabilities) == len(country_codes()) > 200
    assert max(probabilities) == pytest.approx(min(probabilities))
    assert math.isclose(sum(probabilities), 1.0)
    assert result.best is None
    assert result.entropy() == pytest.approx(math.log2(len(probabilities)))
    assert result.reasons == ["no clues: every country equally likely"]


def test_probabilities_sum_to_one_and_rank() -> None:
    result = estimate(_tips(3))
    assert math.isclose(sum(result.probabilities.values()), 1.0)
    ranked = result.ranked()
    assert ranked[0][0] == "PL" and result.best == "PL"
    assert all(a[1] >= b[1] for a, b in zip(ranked, ranked[1:], strict=False))


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
    entropies = [estimate(_tips(n)).entropy() for n in (1, 2, 4, 8, 16)]
    assert all(a > b for a, b in zip(entropies, entropies[1:], strict=False)), entropies
    assert estimate(_tips(16)).probability("PL") > 0.9


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
    assert estimate([], prior="population").best is None
    assert estimate([], prior="population").ranked(1)[0][0] in {"CN", "IN"}
    custom = estimate([], prior={"PL": 3, "DE": 1})
    assert custom.ranked(1)[0] == ("PL", pytest.approx(0.75, abs=0.01))


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


def test_recomputing_10000_tip_clues_is_fast() -> None:
    countries = ["PL", "PL", "CZ", "DE", "SK", "UA", "PL"]
    clues = [
        Clue("tip_country", {countries[i % 7]: 1.0}, "tip", weight=0.5, floor=0.02,
             id=f"tip:{i}")
        for i in range(10_000)
    ]
    estimate(clues)
    start = time.perf_counter()
    result = estimate(clues, cluster_of={f"tip:{i}": i // 3 for i in range(10_000)})
    elapsed = time.perf_counter() - start
    assert result.best == "PL"
    assert elapsed < 1.0, elapsed


def test_to_dict() -> None:
    data = estimate(_tips(2)).to_dict(top=3)
    assert data["best"] == "PL" and len(data["ranked"]) == 3
    assert data["ranked"][0]["name"] == "Poland"
