"""Bad input gives empty clues or a flat estimate, never an error."""

from __future__ import annotations

import pytest

from traceobject.geo import clues_from_text, clues_from_tip, estimate
from traceobject.geo.gazetteer import find_mentions
from traceobject.geo.textscan import all_hits

BAD = [
    "",
    "   \n\t ",
    "😀😀🔥🔥 👍👍👍 🎉🎉",
    "\x00\x01\x02\xff\xfe garbage \x1b[31m",
    bytes(range(256)).decode("latin-1"),
    "12 34 56 78 90",
    "!!!???...,,,;;;",
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("text", BAD)
def test_bad_text_gives_no_clues_and_a_flat_estimate(text: str) -> None:
    clues = clues_from_text(text)
    assert clues == []
    assert estimate(clues).best is None
    assert clues_from_tip(text, state="new") == []


@pytest.mark.parametrize("value", [None, 42, b"\x00\xff\xfe binary", ["list"], {"a": 1}])
def test_non_text_input(value: object) -> None:
    assert clues_from_text(value) == []
    assert clues_from_tip(value) == []


def test_huge_text_is_capped() -> None:
    huge = ("Kupiłem to w Polsce. " * 60_000)[:1_200_000]
    clues = clues_from_text(huge)
    tip = clues_from_tip(huge, tip_id="huge")
    hits = all_hits(huge)
    assert estimate([*clues, *tip]).best == "PL"
    assert len(find_mentions(huge)) <= 50
    assert isinstance(hits, list)


def test_huge_binary_garbage() -> None:
    import random

    rng = random.Random(4)
    blob = bytes(rng.randrange(256) for _ in range(1_000_000))
    clues = clues_from_text(blob)
    result = estimate(clues)
    assert max(result.probabilities.values()) < 0.05
