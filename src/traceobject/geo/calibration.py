"""Calibration of country estimates: does "PL 80 %" come true 80 % of the time?

Django-free. Given the probability each estimate stated for its best country and whether
that country was right, :func:`reliability` sorts the estimates into equal-width bins of
stated probability and compares, per bin, the mean stated probability with the share that
was right (a reliability table). Its weighted mean gap is the expected calibration error
(ECE): 0 for a perfectly calibrated estimator; "PL 80 %" that is right half the time
contributes 0.3 for its bin.

    from traceobject.geo.calibration import reliability
    table = reliability([0.9, 0.8, 0.35], [True, True, False])
    table.ece, print(table.format())

:func:`fit_temperature` chooses the ``temperature`` of :func:`traceobject.geo.estimate`
that minimises the ECE over labelled clue sets; the default,
:data:`traceobject.geo.fusion.CALIBRATION_TEMPERATURE`, is fitted that way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from traceobject.geo.clues import Clue
from traceobject.geo.fusion import estimate

__all__ = ["Bin", "Reliability", "expected_calibration_error", "fit_temperature",
           "reliability", "top_predictions"]

DEFAULT_BINS = 10
MAX_BINS = 1000


@dataclass(frozen=True)
class Bin:
    """Estimates whose stated probability fell in [lower, upper) (the last bin: [lower, 1])."""

    lower: float
    upper: float
    count: int
    confidence: float  # mean stated probability (0 when empty)
    accuracy: float  # share right (0 when empty)

    @property
    def gap(self) -> float:
        return abs(self.confidence - self.accuracy)


@dataclass(frozen=True)
class Reliability:
    """A reliability table and its expected calibration error."""

    bins: list[Bin] = field(default_factory=list)
    count: int = 0
    ece: float = 0.0  # sum over bins of count / total * |confidence - accuracy|
    mce: float = 0.0  # the largest gap of a non-empty bin
    confidence: float = 0.0  # mean stated probability
    accuracy: float = 0.0  # share right

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count, "ece": round(self.ece, 4), "mce": round(self.mce, 4),
            "confidence": round(self.confidence, 4), "accuracy": round(self.accuracy, 4),
            "bins": [{"lower": round(b.lower, 4), "upper": round(b.upper, 4), "count": b.count,
                      "confidence": round(b.confidence, 4), "accuracy": round(b.accuracy, 4)}
                     for b in self.bins],
        }

    def format(self) -> str:
        """The table as text, one line per non-empty bin."""
        lines = [f"{'stated':>11}  {'n':>5}  {'mean p':>6}  {'right':>6}  gap"]
        for b in self.bins:
            if b.count:
                lines.append(f"{b.lower:4.2f}-{b.upper:4.2f}  {b.count:5d}  {b.confidence:6.3f}"
                             f"  {b.accuracy:6.3f}  {b.gap:.3f}")
        lines.append(f"ECE {self.ece:.3f}, MCE {self.mce:.3f} over {self.count} estimates "
                     f"(mean p {self.confidence:.3f}, right {self.accuracy:.3f})")
        return "\n".join(lines)


def reliability(confidences: Iterable[float], correct: Iterable[bool | int], *,
                bins: int = DEFAULT_BINS) -> Reliability:
    """The reliability table of stated probabilities ``confidences`` (0..1) against
    ``correct`` (whether each estimate's best country was right).

    Raises ValueError for sequences of different lengths, probabilities that are not
    finite numbers within 0..1, or ``bins`` outside 1 .. 1000. No estimates: an empty
    table with ECE 0.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= MAX_BINS:
        raise ValueError(f"bins must be a whole number 1 .. {MAX_BINS}, not {bins!r}")
    stated = [_probability(c) for c in confidences]
    right = [bool(r) for r in correct]
    if len(stated) != len(right):
        raise ValueError(f"{len(stated)} probabilities but {len(right)} outcomes")
    counts = [0] * bins
    sums = [0.0] * bins
    hits = [0] * bins
    for p, ok in zip(stated, right, strict=True):
        k = min(int(p * bins), bins - 1)
        counts[k] += 1
        sums[k] += p
        hits[k] += ok
    total = len(stated)
    table = [Bin(lower=k / bins, upper=(k + 1) / bins, count=counts[k],
                 confidence=sums[k] / counts[k] if counts[k] else 0.0,
                 accuracy=hits[k] / counts[k] if counts[k] else 0.0) for k in range(bins)]
    if not total:
        return Reliability(bins=table)
    return Reliability(
        bins=table,
        count=total,
        ece=sum(b.count * b.gap for b in table) / total,
        mce=max((b.gap for b in table if b.count), default=0.0),
        confidence=sum(stated) / total,
        accuracy=sum(right) / total,
    )


def expected_calibration_error(confidences: Iterable[float], correct: Iterable[bool | int], *,
                               bins: int = DEFAULT_BINS) -> float:
    """The ECE of :func:`reliability`."""
    return reliability(confidences, correct, bins=bins).ece


def _probability(value: object) -> float:
    try:
        p = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"not a probability: {value!r}") from None
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ValueError(f"not a probability within 0..1: {value!r}")
    return p


def top_predictions(cases: Iterable[tuple[Sequence[Clue], str]], *,
                    temperature: float | None = None, silent_too: bool = False,
                    ) -> tuple[list[float], list[bool], int]:
    """(stated probabilities, right or not, estimates without a best country) of
    :func:`traceobject.geo.estimate` over ``cases`` of (clues, true country code).

    An estimate that lists no country states nothing and is left out of the first two
    lists (it is counted in the third), unless ``silent_too``: then its most likely country,
    unlisted, counts too, so that every temperature is judged on the same cases (which
    estimates list nothing depends on the temperature)."""
    stated: list[float] = []
    right: list[bool] = []
    silent = 0
    for clues, truth in cases:
        result = estimate(clues, temperature=temperature)
        best = result.best
        if best is None:
            silent += 1
            if not silent_too:
                continue
            best = result.ranked(1, unlisted=True)[0][0]
        stated.append(result.probability(best))
        right.append(best == str(truth).upper())
    return stated, right, silent


def fit_temperature(cases: Sequence[tuple[Sequence[Clue], str]], *,
                    grid: Iterable[float] | None = None, bins: int = DEFAULT_BINS
                    ) -> tuple[float, Reliability]:
    """The temperature of ``grid`` (default 0.5 .. 3 in steps of 0.1) with the lowest ECE
    over ``cases`` (ties: the one closest to 1), and its reliability table. Every case
    counts at every temperature, also those whose estimate lists no country (at their most
    likely country): otherwise a temperature that silences the hard cases would look
    better calibrated."""
    values = sorted(grid if grid is not None else (round(0.5 + 0.1 * k, 2) for k in range(26)),
                    key=lambda t: abs(math.log(t)) if t > 0 else math.inf)
    best: tuple[float, Reliability] | None = None
    for t in values:
        stated, right, _silent = top_predictions(cases, temperature=t, silent_too=True)
        table = reliability(stated, right, bins=bins)
        if best is None or table.ece < best[1].ece - 1e-12:
            best = (t, table)
    if best is None:
        raise ValueError("no temperature to try")
    return best
