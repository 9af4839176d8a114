"""vPDQ video matching, the reference's brute-force rule (Django-free).

As ThreatExchange's ``vpdq_brute_matcher.match_VPDQ_hash_brute``: both feature lists lose
their repeated hashes, then their features of quality below ``quality``; a feature matches when
some feature of the other list is within ``distance`` bits (inclusive). The result is the
percentage of the query's features found in the target and of the target's found in the
query. Two videos are taken as the same when the query percentage is at least
:data:`VPDQ_QUERY_MATCH_PERCENT` (the reference's default of 80).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from traceobject.vision.hashing import POPCOUNT_TABLE, hexes_to_array

VPDQ_DISTANCE = 31
VPDQ_QUALITY = 50
VPDQ_QUERY_MATCH_PERCENT = 80.0


class _Feature(Protocol):
    @property
    def pdq(self) -> str: ...

    @property
    def quality(self) -> int: ...


def _prepared(features: Iterable[_Feature], quality: int) -> npt.NDArray[np.uint8]:
    # The reference's order: repeated hashes go first (the first feature with a hash is kept,
    # whatever its quality), then features below the quality.
    first: dict[str, int] = {}
    for feature in features:
        first.setdefault(feature.pdq.lower(), feature.quality)
    kept = [pdq for pdq, q in first.items() if q >= quality]
    return hexes_to_array(kept) if kept else np.zeros((0, 32), np.uint8)


def _found(rows: npt.NDArray[np.uint8], other: npt.NDArray[np.uint8], distance: int) -> int:
    found = 0
    for start in range(0, len(rows), 256):  # bounded memory: 256 x len(other) distances
        block = rows[start:start + 256]
        xor = np.bitwise_xor(block[:, None, :], other[None, :, :])
        distances = POPCOUNT_TABLE[xor].sum(axis=2, dtype=np.int32)
        found += int((distances <= distance).any(axis=1).sum())
    return found


def vpdq_match(query: Sequence[_Feature], target: Sequence[_Feature], *,
               distance: int = VPDQ_DISTANCE, quality: int = VPDQ_QUALITY) -> tuple[float, float]:
    """(percent of the query's features matched in the target, percent of the target's
    matched in the query); (0.0, 0.0) when either side has no feature of enough quality."""
    q, t = _prepared(query, quality), _prepared(target, quality)
    if len(q) == 0 or len(t) == 0:
        return 0.0, 0.0
    return _found(q, t, distance) * 100.0 / len(q), _found(t, q, distance) * 100.0 / len(t)
