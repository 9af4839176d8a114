"""Calibration: the probability an estimate states for its best country matches how often
that country is right, on a fixed set of generated clue scenarios; and the reliability
table / ECE helper itself."""

from __future__ import annotations

import math
import random

import phonenumbers
import pytest

from traceobject.geo import Clue, clue_from_gs1, clues_from_text, clues_from_tip, estimate
from traceobject.geo.calibration import (
    expected_calibration_error,
    fit_temperature,
    reliability,
    top_predictions,
)
from traceobject.geo.countries import country_codes
from traceobject.geo.fusion import CALIBRATION_TEMPERATURE, listing_threshold
from traceobject.geo.language import DETECTED_LANGUAGES, language_countries


def _main_languages() -> dict[str, str]:
    """country -> the language most of its people write (CLDR, as geo.language reads it),
    for every country of the estimate that has one."""
    main: dict[str, tuple[float, str]] = {}
    for code in DETECTABLE:
        for country, share in language_countries(code).items():
            if share > main.get(country, (0.0, ""))[0]:
                main[country] = (share, code)
    return {c: code for c, (share, code) in main.items() if share >= 0.5 and c in country_codes()}


# The languages the OCR language detector knows (geo.language.DETECTED_LANGUAGES).
DETECTABLE = sorted(set(DETECTED_LANGUAGES.values()) - {"nn"})
# Countries objects come from in the scenarios (every country of the estimate whose main
# language the detector knows, drawn alike, as the estimate's prior assumes), with the
# language of their labels. Many share a language (English, Spanish, Arabic, French,
# Portuguese, German), so text alone often cannot decide.
POOL: dict[str, str] = _main_languages()
# Tips by triage state: (state, share of tips, share right).
STATES = (("useful", 0.3, 0.75), ("new", 0.5, 0.4), ("not_useful", 0.2, 0.2))
# Where wrong guesses and foreign brand owners often are.
USUAL_SUSPECTS = ("CN", "DE", "US", "GB", "FR", "IT", "NL", "JP", "TR", "IN")


def _language_clue(code: str, confidence: float) -> Clue:
    """As geo.clues builds it from detected text (the detector itself is too slow to run
    hundreds of times here): CLDR shares, weight = confidence (x0.3 for English)."""
    weight = confidence * (0.3 if code == "en" else 1.0)
    return Clue("language", language_countries(code), f"text is {code}", weight=weight,
                floor=0.01, source="ocr", value=code)


def _wrong_country(rng: random.Random, truth: str) -> str:
    """A plausible mistake: a country that writes the same language, a usual suspect, or
    any other."""
    r = rng.random()
    if r < 0.3:
        same = [c for c, v in language_countries(POOL[truth]).items()
                if v > 0.3 and c != truth and c in POOL]
        if same:
            return rng.choice(sorted(same))
    elif r < 0.6:
        return rng.choice([c for c in USUAL_SUSPECTS if c != truth])
    return rng.choice(sorted(set(POOL) - {truth}))


def scenarios(n: int, seed: int = 20261207) -> list[tuple[list[Clue], str]]:
    """``n`` generated objects: a true country, and clues drawn with realistic noise."""
    rng = random.Random(seed)
    out: list[tuple[list[Clue], str]] = []
    for k in range(n):
        truth = rng.choice(sorted(POOL))
        clues: list[Clue] = []
        if rng.random() < 0.6:  # text on the label
            # mostly the market's language; English labels are sold everywhere, and
            # multilingual or export labels show another country's language
            r = rng.random()
            code = POOL[truth] if r < 0.6 else "en" if r < 0.8 else POOL[
                _wrong_country(rng, truth)]
            clues.append(_language_clue(code, rng.uniform(0.55, 1.0)))
        if rng.random() < 0.35:  # a barcode: the brand owner's GS1 member, often abroad
            gs1 = truth if rng.random() < 0.5 else _wrong_country(rng, truth)
            clue = clue_from_gs1(gs1)
            if clue is not None:
                clues.append(clue)
        if rng.random() < 0.12:  # a printed phone number, almost always the market's
            region = truth if rng.random() < 0.9 else _wrong_country(rng, truth)
            number = phonenumbers.example_number(region)
            if number is not None:
                text = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
                clues += clues_from_text(f"Tel. {text}")
        said: list[str] = []
        for t in range(min(int(rng.expovariate(0.45)), 9)):  # tips: often none, a few
            r = rng.random()
            state, right = STATES[-1][0], STATES[-1][2]
            for name, share, accuracy in STATES:
                if r < share:
                    state, right = name, accuracy
                    break
                r -= share
            if said and rng.random() < 0.25:  # tipsters repeat what others said
                country = rng.choice(said)
            else:
                country = truth if rng.random() < right else _wrong_country(rng, truth)
            said.append(country)
            clues += clues_from_tip("", country_field=country, state=state,
                                    tip_id=f"s{k}t{t}")
        out.append((clues, truth))
    return out


SCENARIOS = scenarios(600)


def test_stated_probability_matches_accuracy() -> None:
    stated, right, silent = top_predictions(SCENARIOS)
    table = reliability(stated, right)
    assert table.count >= 350, (table.count, silent)  # most scenarios give an estimate
    # 0.14 measured: what is left is mostly GS1 prefixes, weighted alike whether the prefix
    # is a small country's (telling) or a big brand country's (not), and tip crowds
    assert table.ece <= 0.16, table.format()
    as_computed = reliability(*top_predictions(SCENARIOS, temperature=1.0)[:2])
    assert as_computed.ece > table.ece + 0.05  # the temperature is worth having
    # neither systematically over- nor underconfident
    assert abs(table.confidence - table.accuracy) <= 0.08, table.format()
    # and the estimate is worth having: more right than not where it speaks
    assert table.accuracy > 0.5, table.format()


def test_temperature_changes_the_sharpness() -> None:
    clues = [c for i in range(3) for c in clues_from_tip("", country_field="PL", state="new",
                                                         tip_id=f"t{i}")]
    default = estimate(clues)
    assert default.temperature == CALIBRATION_TEMPERATURE
    assert estimate(clues, temperature=CALIBRATION_TEMPERATURE).probability("PL") == \
        pytest.approx(default.probability("PL"))
    flat = estimate(clues, temperature=3.0)
    sharp = estimate(clues, temperature=CALIBRATION_TEMPERATURE / 2)
    assert sharp.probability("PL") > default.probability("PL") > flat.probability("PL")
    assert sharp.entropy() < default.entropy() < flat.entropy()
    for bad in (0, -1, float("nan"), float("inf"), 100, "warm"):
        with pytest.raises(ValueError):
            estimate(clues, temperature=bad)  # type: ignore[arg-type]


def test_a_too_sharp_temperature_is_worse_calibrated() -> None:
    cases = SCENARIOS[:200]
    fitted, table = fit_temperature(cases, grid=(0.25, CALIBRATION_TEMPERATURE, 1.0))
    assert fitted == CALIBRATION_TEMPERATURE
    stated, right, _silent = top_predictions(cases, temperature=0.25)
    assert expected_calibration_error(stated, right) > table.ece


def test_reliability_table() -> None:
    table = reliability([0.95, 0.85, 0.85, 0.35, 0.25], [True, True, False, False, True])
    assert table.count == 5 and len(table.bins) == 10
    top = table.bins[9]
    assert top.count == 1 and top.accuracy == 1.0 and top.confidence == pytest.approx(0.95)
    eight = table.bins[8]
    assert eight.count == 2 and eight.accuracy == 0.5
    # ECE by hand: (1*0.05 + 2*0.35 + 1*0.35 + 1*0.75) / 5
    assert table.ece == pytest.approx((0.05 + 0.7 + 0.35 + 0.75) / 5)
    assert table.mce == pytest.approx(0.75)
    assert "ECE 0.370" in table.format()
    assert reliability([1.0], [True]).bins[-1].count == 1  # 1.0 lands in the last bin
    assert reliability([], []).ece == 0.0
    perfect = reliability([0.75] * 4, [True, True, True, False])
    assert perfect.ece == pytest.approx(0.0)
    assert perfect.to_dict()["bins"][7]["count"] == 4


@pytest.mark.parametrize("args", [
    ([0.5, 0.6], [True]),
    ([1.2], [True]),
    ([-0.1], [False]),
    ([math.nan], [True]),
    (["x"], [True]),
    ([None], [True]),
])
def test_reliability_refuses_bad_input(args) -> None:
    with pytest.raises(ValueError):
        reliability(*args)


@pytest.mark.parametrize("bins", [0, -3, 1001, 2.5, True, "10"])
def test_reliability_refuses_bad_bins(bins) -> None:
    with pytest.raises(ValueError):
        reliability([0.5], [True], bins=bins)


def test_silent_estimates_count_when_asked() -> None:
    """A case whose estimate lists no country is left out of the stated probabilities, or
    counted at its most likely country with ``silent_too`` (what the temperature fit uses,
    so that every temperature is judged on the same cases)."""
    weak = (clues_from_text("100% cotton, wash at 30 degrees"), "GB")
    strong = (clues_from_text("Kontakt: +48 22 123 45 67"), "PL")
    stated, right, silent = top_predictions([weak, strong])
    assert (len(stated), silent) == (1, 1) and right == [True]
    stated, right, silent = top_predictions([weak, strong], silent_too=True)
    assert len(stated) == 2 and silent == 1 and right[1] is True
    assert stated[0] < listing_threshold()
