"""Two videos' vPDQ features compared as the reference's brute-force matcher does (Django-free)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from traceobject.vision.hashing import hexes_to_array


def _codes(features: Sequence[Any], quality: int) -> np.ndarray:
    kept = [f.pdq for f in features if f.quality >= quality]
    if not kept:
        return np.zeros((0, 256), dtype=bool)
    return np.unpackbits(hexes_to_array(kept), axis=1).astype(bool)


def vpdq_match(query: Sequence[Any], target: Sequence[Any], *, distance: int = 31,
               quality: int = 50) -> tuple[float, float]:
    """(percent of the query's features matched in the target, percent of the target's
    matched in the query); features below `quality` are left out on both sides."""
    q, t = _codes(query, quality), _codes(target, quality)
    if not len(q) or not len(t):
        return 0.0, 0.0
    distances = (q[:, None, :] != t[None, :, :]).sum(axis=2)
    close = distances <= distance
    return (100.0 * float(close.any(axis=1).sum()) / len(q),
            100.0 * float(close.any(axis=0).sum()) / len(t))
