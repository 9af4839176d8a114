"""Exact near-duplicate search over PDQ hashes (Django-free).

:class:`PdqIndex` returns **every** indexed hash within the Hamming threshold of a
query (recall 1.0 by construction, not by tuning), much faster than a scan.

How (multi-index hashing, Norouzi, Punjani & Fleet, CVPR 2012): the 256 bits are
cut into 8 disjoint chunks of 32 bits. If two hashes differ in ``d`` bits, those bits are
spread over the chunks, so ``d = sum_c d_c``. Give each chunk a probe radius ``r_c`` with
``sum_c (r_c + 1) >= t + 1``: a hash with ``d_c > r_c`` in *every* chunk has
``d >= sum_c (r_c + 1) > t``, so every hash with ``d <= t`` has at least one chunk
within its radius (pigeonhole). Each chunk has a bucket table keyed on its first ``b``
bits only (``b`` = 19 at 1 M hashes, 22 at 10 M, from the segment size): the key differs
in at most ``d_c`` bits, so looking up every key within ``r_c`` of the query's key still
finds every hash with ``d_c <= r_c``, and the guarantee holds. We take the union of the
buckets and verify each candidate's full 256-bit distance. For the ThreatExchange
threshold 31 that is radius 3 in all 8 chunks (8 * 4 = 32 = t + 1): ~14,000 bucket
probes and ~34,000 candidates per query at 10 M hashes instead of 10 M distance
computations. When the probe count would not beat a scan (small segments, large
thresholds) a segment is scanned instead; the answer is the same.

Memory (<= 64 bytes per hash; :class:`_Segment` has the layout): fewer tables than the
~11 that need the fewest candidates, because each table costs a row number per hash:
the hashes are sorted by table 0's key (no row numbers there), tables 1..7 hold 3-byte
row numbers, ids are uint32 offsets, bucket starts take 1.25 bytes a bucket. About 62
bytes per hash, against ~138 with 11 tables of 4-byte rows and offsets (which answered
a query about 5x faster).

faiss's ``IndexBinaryMultiHash`` implements the same idea but with one radius for all
tables, hash-map buckets and a hash-set shortlist: with the configuration the
ThreatExchange matcher uses (16 tables of 16 bits, ``nflip = 1``) it is only ~3x
faster than a numpy scan at 1 M hashes, and its 11 x 23-bit configuration costs
~900 bytes per hash. ``bench/bench_pdq.py`` measures both.

Incremental adds: new hashes land in a small *tail* that is scanned; when the tail is
full it becomes an indexed segment, and segments of similar size are merged (LSM
style), so there are O(log n) segments. :meth:`PdqIndex.compact` merges everything.

Quality: hashes of quality below ``min_quality`` (default 50, ThreatExchange guidance)
are neither indexed nor matched *when the caller passes qualities*: ``add(...,
qualities=q)`` skips rows below ``min_quality``, ``search(..., quality=q)`` returns
nothing for a low-quality query. Without qualities every row is taken as given.

Thread safety: any number of concurrent searches; adds are serialised by a lock and
publish a new immutable state, so a search sees the index before or after an add.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from traceobject.vision.hashing import (
    PDQ_BYTES,
    PDQ_MATCH_THRESHOLD,
    PDQ_MIN_QUALITY,
    POPCOUNT_TABLE,
    as_code,
    hex_to_bytes,
)

__all__ = [
    "INDEX_FILE",
    "PREVIOUS_FILE",
    "PdqIndex",
    "brute_force_search",
    "hamming_distances",
]

INDEX_FILE: Final = "pdq_index.npz"
#: The generation before the last save (kept by ``save(..., keep_previous=True)``).
PREVIOUS_FILE: Final = "pdq_index.prev.npz"
_FORMAT: Final = "traceobject-pdq-index"
#: 2: segments with their bucket tables (1: hashes and ids only, tables built on load).
_VERSION: Final = 2

#: Eight chunks of 32 bits; each table is keyed on the first ``b`` bits of its chunk.
_CHUNKS: Final = 8
_CHUNK_BITS: Final = 32
_MIN_KEY_BITS: Final = 8
_MAX_KEY_BITS: Final = 24
#: Bytes per hash the eight bucket tables may take at most.
_TABLE_BYTES_PER_HASH: Final = 6.4
#: Bucket tables, narrowest first; a segment takes the first that holds its buckets:
#: (name, bytes a bucket, relative offset type, log2 of buckets per uint32 base).
#: "nibble": each bucket's size in 4 bits (16 to a uint64 word), a base per word.
_LAYOUTS: Final = (("nibble", 0.75, None, 4), ("rel", 1.25, np.uint8, 4),
                   ("rel", 2.0, np.uint16, 12), ("rel", 4.0, np.uint32, 64))
_NIBBLES: Final = np.uint64(0x0F0F0F0F0F0F0F0F)
_BYTE_SUM: Final = np.uint64(0x0101010101010101)
_NIBBLE_SHIFTS: Final = np.arange(0, 64, 4, dtype=np.uint64)
_NIBBLE_MASKS: Final = (np.uint64(1) << _NIBBLE_SHIFTS) - np.uint64(1)
#: Row numbers in the tables take 3 bytes: a segment holds at most this many hashes.
_MAX_SEGMENT: Final = 1 << 24
#: Relative cost of verifying one candidate vs probing one bucket (measured, roughly).
_CANDIDATE_COST: Final = 3.0
#: A probe costs about this many scanned rows; above that a scan is cheaper.
_SCAN_ROWS_PER_PROBE: Final = 8.0
_DEFAULT_TAIL: Final = 16_384
_SCAN_BLOCK: Final = 32_768
_QUERY_BATCH: Final = 8

IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.uint8]

_bitwise_count: Any = getattr(np, "bitwise_count", None)


# --------------------------------------------------------------------------- brute force


def _popcount_u64(x: npt.NDArray[np.uint64], out: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if _bitwise_count is not None:
        result: npt.NDArray[np.uint8] = _bitwise_count(x, out=out)
        return result
    lut = POPCOUNT_TABLE[x.view(np.uint8)].reshape(*x.shape, 8)  # numpy < 2.0
    return np.sum(lut, axis=-1, dtype=np.uint8, out=out)


def _as_codes(hashes: Any) -> CodeArray:
    """(n, 32) uint8 C-contiguous array from an array, or from an iterable of hex strings."""
    if isinstance(hashes, np.ndarray):
        arr = hashes
    else:
        items = list(hashes)
        if items and isinstance(items[0], str):
            raw = b"".join(hex_to_bytes(h) for h in items)
            arr = np.frombuffer(raw, dtype=np.uint8).reshape(-1, PDQ_BYTES)
        else:
            arr = np.asarray(items, dtype=np.uint8).reshape(-1, PDQ_BYTES)
    if arr.dtype != np.uint8 or arr.ndim != 2 or arr.shape[1] != PDQ_BYTES:
        raise ValueError(
            f"expected uint8 hashes of shape (n, {PDQ_BYTES}), got {arr.dtype} {arr.shape}"
        )
    return np.ascontiguousarray(arr)


def hamming_distances(hashes: CodeArray, query: Any) -> npt.NDArray[np.uint16]:
    """Distance from ``query`` to every row of ``hashes`` ((n, 32) uint8): a blocked numpy scan.

    This is the brute-force baseline: column-wise XOR + popcount on 64-bit words, in
    cache-sized blocks (~12x faster than the naive row-wise expression).
    """
    codes = _as_codes(hashes)
    words = codes.view(np.uint64)
    q = as_code(query).view(np.uint64)
    n = words.shape[0]
    out = np.empty(n, dtype=np.uint16)
    tmp = np.empty(min(n, _SCAN_BLOCK), dtype=np.uint64)
    acc = np.empty(min(n, _SCAN_BLOCK), dtype=np.uint8)
    part = np.empty(min(n, _SCAN_BLOCK), dtype=np.uint8)
    for lo in range(0, n, _SCAN_BLOCK):
        block = words[lo : lo + _SCAN_BLOCK]
        k = block.shape[0]
        t, a, p = tmp[:k], acc[:k], part[:k]
        np.bitwise_xor(block[:, 0], q[0], out=t)
        _popcount_u64(t, a)
        for j in range(1, 4):
            np.bitwise_xor(block[:, j], q[j], out=t)
            _popcount_u64(t, p)
            a += p  # at most 4 x 64 = 256 would overflow uint8 only for distance 256
        out[lo : lo + k] = a
        # distance 256 (all bits differ) wraps to 0 in uint8: fix the rare exact complements
        zero = np.flatnonzero(a == 0)
        if zero.size:
            exact = (block[zero] == q).all(axis=1)
            out[lo + zero[~exact]] = 256
    return out


def brute_force_search(
    hashes: CodeArray,
    query: Any,
    threshold: int = PDQ_MATCH_THRESHOLD,
    *,
    ids: npt.ArrayLike | None = None,
) -> list[tuple[int, int]]:
    """Every row within ``threshold`` of ``query``: ``[(row or id, distance)]`` by distance.

    The reference the index is tested and benchmarked against.
    """
    dist = hamming_distances(hashes, query)
    rows = np.flatnonzero(dist <= threshold)
    keys = rows if ids is None else np.asarray(ids, dtype=np.int64)[rows]
    order = np.lexsort((keys, dist[rows]))
    return [(int(keys[i]), int(dist[rows[i]])) for i in order]


# --------------------------------------------------------------------------- layout maths


def _radii(widths: Sequence[int], threshold: int, n: int) -> tuple[list[int], float]:
    """Cheapest per-chunk radii with ``sum(r + 1) >= threshold + 1``; ``(radii, cost)``.

    Radius -1 means the chunk is not probed. Each step raises the radius of the chunk
    whose extra probes (and expected random candidates) cost least; the marginal costs
    grow with the radius, so greedy is optimal.
    """
    radii = [-1] * len(widths)
    cost = 0.0
    for _ in range(threshold + 1):
        best, best_cost = -1, math.inf
        for c, w in enumerate(widths):
            if radii[c] >= w:
                continue
            extra = math.comb(w, radii[c] + 1) * (1.0 + _CANDIDATE_COST * n / 2.0**w)
            if extra < best_cost:
                best, best_cost = c, extra
        if best < 0:
            return radii, math.inf
        radii[best] += 1
        cost += best_cost
    return radii, cost


def _key_bits(n: int, bucket_bytes: float = 0.75) -> int:
    """Key bits ``b`` of each of the 8 tables for a segment of ``n`` hashes: the most whose
    bucket tables (2**b buckets of ``bucket_bytes``) stay within _TABLE_BYTES_PER_HASH per
    hash."""
    b = _MIN_KEY_BITS
    while (b < _MAX_KEY_BITS
           and _CHUNKS * bucket_bytes * 2 ** (b + 1) <= _TABLE_BYTES_PER_HASH * n):
        b += 1
    return b


def _chunk_keys(codes: CodeArray, start: int, width: int) -> npt.NDArray[np.uint32]:
    """Bits ``[start, start + width)`` of each hash (MSB-first) as integers."""
    first = start // 8
    nbytes = (start % 8 + width + 7) // 8
    acc = codes[:, first].astype(np.uint32)
    for k in range(1, nbytes):
        acc <<= np.uint32(8)
        acc |= codes[:, first + k]
    acc >>= np.uint32(nbytes * 8 - start % 8 - width)
    acc &= np.uint32((1 << width) - 1)
    return acc


@cache
def _flip_masks(width: int, radius: int) -> npt.NDArray[np.int64]:
    masks = [0]
    for r in range(1, min(radius, width) + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(width), r))
    return np.array(masks, dtype=np.int64)


# --------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class _Plan:
    chunk: IntArray  # chunk of each probe
    mask: IntArray  # XOR mask of each probe
    base: IntArray  # offset of each probe's chunk table
    zero: int = 0  # probes of table 0 (the first ones)


class _Segment:
    """An immutable set of hashes with one bucket table per chunk (or none: scanned).

    Layout of an indexed segment of ``n`` hashes (bytes per hash at 10 M in brackets):
    the hashes sorted by the key of table 0 [32], so table 0 needs no row numbers; the ids
    as uint32 offsets from the smallest [4] (int64 when they span more); for tables 1..7 the
    row numbers sorted by key, 3 bytes each [21]; for each table the start of each of its
    ``2**b`` buckets (b = 22 at 10 M) as uint8 relative to a uint32 base every 16 buckets
    [5.2] (uint16 per 4,096 or uint32 when a group holds more rows, e.g. clumpy hashes).
    """

    def __init__(self, codes: CodeArray, ids: IntArray, *, indexed: bool,
                 saved: dict[str, Any] | None = None) -> None:
        self.n = int(codes.shape[0])
        self.widths: tuple[int, ...] = ()
        self.starts: tuple[int, ...] = ()
        self.key_widths: tuple[int, ...] = ()
        self._plans: dict[int, _Plan | None] = {}
        self._lock = threading.Lock()
        if saved is not None:  # as :meth:`state` gave them, read back from a file
            self._restore(codes, ids, saved)
            return
        codes = np.ascontiguousarray(codes)
        ids = np.asarray(ids, dtype=np.int64)
        if indexed and self.n:
            # by the first 24 bits: sorted by the key of any table 0 of b <= 24 bits
            order = np.argsort(_chunk_keys(codes, 0, _MAX_KEY_BITS), kind="stable")
            codes, ids = np.ascontiguousarray(codes[order]), ids[order]
        self.codes = codes
        self.words = self.codes.view(np.uint64)
        self.id_base = int(ids.min()) if self.n else 0
        if self.n and int(ids.max()) - self.id_base < 2**32:
            self._ids: npt.NDArray[Any] = (ids - self.id_base).astype(np.uint32)
        else:
            self._ids, self.id_base = np.ascontiguousarray(ids), 0
        if indexed and self.n:
            self._build()

    @property
    def ids(self) -> IntArray:
        """The id of each row (int64)."""
        return self.ids_at(slice(None))

    def ids_at(self, rows: Any) -> IntArray:
        result: IntArray = self._ids[rows].astype(np.int64)
        if self.id_base:
            result += self.id_base
        return result

    @property
    def indexed(self) -> bool:
        return bool(self.widths)

    def _build(self) -> None:
        n = self.n
        if n > _MAX_SEGMENT:  # row numbers are 3 bytes
            raise ValueError(f"a segment holds at most {_MAX_SEGMENT} hashes, not {n}")
        rows3 = np.empty((_CHUNKS - 1, n, 3), dtype=np.uint8)
        for c in range(1, _CHUNKS):  # sorted by 24 bits: by the key of any b <= 24 bits
            order = np.argsort(_chunk_keys(self.codes, c * _CHUNK_BITS, _MAX_KEY_BITS),
                               kind="stable").astype(np.uint32)
            rows3[c - 1] = order.view(np.uint8).reshape(n, 4)[:, :3]
            del order
        for layout, bucket_bytes, dtype, group_bits in _LAYOUTS:
            b = _key_bits(n, bucket_bytes)
            g = min(group_bits, b)
            words, bases = [], []
            for c in range(_CHUNKS):
                counts = np.bincount(_chunk_keys(self.codes, c * _CHUNK_BITS, b),
                                     minlength=1 << b)
                base = np.zeros((1 << (b - g)) + 1, dtype=np.int64)
                np.cumsum(counts.reshape(-1, 1 << g).sum(axis=1), out=base[1:])
                if layout == "nibble":
                    if int(counts.max()) > 15:
                        break
                    nibbles = counts.astype(np.uint64).reshape(-1, 16)
                    nibbles <<= np.arange(0, 64, 4, dtype=np.uint64)
                    words.append(np.bitwise_or.reduce(nibbles, axis=1))
                else:
                    assert dtype is not None
                    offsets = np.zeros((1 << b) + 1, dtype=np.int64)
                    np.cumsum(counts, out=offsets[1:])
                    rel = offsets - np.repeat(base, 1 << g)[: (1 << b) + 1]
                    if int(rel.max()) > np.iinfo(dtype).max:
                        break
                    words.append(rel.astype(dtype))
                bases.append(base)
            else:
                break
        self.layout = layout
        self.table = np.concatenate(words)  # per table: nibble words, or relative offsets
        self.bases = np.concatenate(bases).astype(np.uint32 if n < 2**32 else np.int64)
        self.rows3 = rows3.reshape(-1)  # 3-byte little-endian row numbers
        self._finish(b, g)

    def _finish(self, b: int, g: int) -> None:
        self.entries, self.groups, self.group_shift = 1 << b, (1 << (b - g)) + 1, g
        self.table_stride = self.table.shape[0] // _CHUNKS
        self.widths = (_CHUNK_BITS,) * _CHUNKS
        self.starts = tuple(c * _CHUNK_BITS for c in range(_CHUNKS))
        self.key_widths = (b,) * _CHUNKS
        self.key_byte = np.array([st // 8 for st in self.starts], dtype=np.int64)
        self.key_shift = np.full(_CHUNKS, 32 - b, dtype=np.int64)
        self.key_mask = np.full(_CHUNKS, (1 << b) - 1, dtype=np.int64)

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What a file needs to hold to give this segment back without building it:
        ``(parameters, arrays)``."""
        params: dict[str, Any] = {"n": self.n, "id_base": self.id_base,
                                  "indexed": self.indexed}
        arrays: dict[str, np.ndarray] = {"codes": self.codes, "ids": self._ids}
        if self.indexed:
            params.update(layout=self.layout, b=self.key_widths[0], g=self.group_shift)
            arrays.update(table=self.table, bases=self.bases, rows3=self.rows3)
        return params, arrays

    def _restore(self, codes: CodeArray, ids: Any, saved: dict[str, Any]) -> None:
        """Take saved arrays after checking that they fit together (ValueError if not)."""
        n = self.n
        codes = _as_codes(codes)
        if ids.shape != (n,) or ids.dtype not in (np.uint32, np.int64):
            raise ValueError("ids do not fit the hashes")
        self.codes, self.words, self._ids = codes, codes.view(np.uint64), ids
        self.id_base = int(saved["id_base"])
        if not saved["indexed"]:
            return
        layout, b, g = saved["layout"], int(saved["b"]), int(saved["g"])
        table, bases, rows3 = saved["table"], saved["bases"], saved["rows3"]
        groups = ((1 << (b - g)) + 1) if _MIN_KEY_BITS <= b <= _MAX_KEY_BITS and 0 < g <= b else 0
        widths = {"nibble": (np.uint64, groups - 1), "rel": (None, (1 << b) + 1)}.get(layout)
        if (not groups or widths is None or n > _MAX_SEGMENT
                or (widths[0] is not None and table.dtype != widths[0])
                or table.dtype not in (np.uint64, np.uint8, np.uint16, np.uint32)
                or table.shape != (_CHUNKS * widths[1],)
                or bases.dtype not in (np.uint32, np.int64)
                or bases.shape != (_CHUNKS * groups,)
                or rows3.dtype != np.uint8 or rows3.shape != ((_CHUNKS - 1) * n * 3,)):
            raise ValueError("bucket tables do not fit the hashes")
        per_table = bases.astype(np.int64).reshape(_CHUNKS, groups)
        if (per_table[:, 0] != 0).any() or (per_table[:, -1] != n).any() or (
                np.diff(per_table, axis=1) < 0).any():
            raise ValueError("bucket tables do not add up")
        triples = rows3.reshape(-1, 3)
        for lo in range(0, triples.shape[0], 1 << 20):
            part = triples[lo : lo + (1 << 20)].astype(np.int32)
            if int((part[:, 0] | (part[:, 1] << 8) | (part[:, 2] << 16)).max()) >= n:
                raise ValueError("row numbers out of range")
        self.layout, self.table, self.bases, self.rows3 = layout, table, bases, rows3
        self._finish(b, g)

    @property
    def nbytes(self) -> int:
        total = self.codes.nbytes + self._ids.nbytes
        if self.indexed:
            total += self.table.nbytes + self.bases.nbytes + self.rows3.nbytes
        return total

    def _plan(self, threshold: int) -> _Plan | None:
        """Probe list for ``threshold`` (cached), or None when scanning is cheaper."""
        with self._lock:
            if threshold in self._plans:
                return self._plans[threshold]
        plan: _Plan | None = None
        if self.indexed:
            radii, cost = _radii(self.key_widths, threshold, self.n)
            if cost * _SCAN_ROWS_PER_PROBE < self.n:
                chunks, masks = [], []
                for c, (w, r) in enumerate(zip(self.key_widths, radii, strict=True)):
                    if r < 0:
                        continue
                    fm = _flip_masks(w, r)
                    chunks.append(np.full(fm.shape[0], c, dtype=np.int64))
                    masks.append(fm)
                chunk = np.concatenate(chunks)
                plan = _Plan(chunk=chunk, mask=np.concatenate(masks),
                             base=chunk * self.table_stride,
                             zero=int(np.count_nonzero(chunk == 0)))
        with self._lock:
            self._plans[threshold] = plan
        return plan

    def _buckets(self, pos: IntArray, chunk: IntArray) -> tuple[IntArray, IntArray]:
        """(first entry, size) of bucket ``pos`` of each probe's table ``chunk``."""
        group = pos >> self.group_shift
        if self.layout == "nibble":  # in uint64 throughout, viewed as int64 at the end
            word = self.table.take(group + chunk * self.table_stride)
            slot = pos & 15
            size = (word >> _NIBBLE_SHIFTS.take(slot)) & np.uint64(15)
            below = word & _NIBBLE_MASKS.take(slot)
            below = (below & _NIBBLES) + ((below >> np.uint64(4)) & _NIBBLES)
            below *= _BYTE_SUM
            below >>= np.uint64(56)
            below += self.bases.take(group + chunk * self.groups)
            return below.view(np.int64), size.view(np.int64)
        begin: IntArray = self.bases.take(group + chunk * self.groups).astype(np.int64)
        at = pos + chunk * self.table_stride
        first = self.table.take(at).astype(np.int64)
        end = self.bases.take(((pos + 1) >> self.group_shift) + chunk * self.groups).astype(
            np.int64) + self.table.take(at + 1)
        return begin + first, end - (begin + first)

    def search(
        self, qcodes: CodeArray, threshold: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.uint16]]:
        """All (query index, row, distance) with distance <= threshold; rows may repeat."""
        if self.n == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0, dtype=np.uint16)
        plan = self._plan(threshold)
        if plan is None:
            return self._scan(qcodes, threshold)
        nq = qcodes.shape[0]
        keys = self._query_keys(qcodes)  # (nq, m)
        # probe-major: every query's probe 0, then probe 1, ...; table 0's probes come first
        pos = (keys.take(plan.chunk, axis=1) ^ plan.mask).T.ravel()
        chunk = np.repeat(plan.chunk, nq)
        begin, counts = self._buckets(pos, chunk)
        ends = np.cumsum(counts)
        total = int(ends[-1])
        if total == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0, dtype=np.uint16)
        # candidate k of probe j is entry begin[j] + (k - first output slot of j) of its
        # table; the entries of tables 1..7 are numbered on through one row-number array
        begin += np.maximum(chunk - 1, 0) * self.n
        cand = np.arange(total, dtype=np.int64) + np.repeat(begin - (ends - counts), counts)
        zero = plan.zero * nq  # probes of table 0: their entries are rows (sorted by its key)
        first = int(ends[zero - 1]) if zero else 0
        if first < total:
            at = cand[first:] * 3
            cand[first:] = (self.rows3.take(at).astype(np.int64)
                            | (self.rows3.take(at + 1).astype(np.int64) << 8)
                            | (self.rows3.take(at + 2).astype(np.int64) << 16))
        qidx = np.repeat(np.tile(np.arange(nq, dtype=np.int64), plan.chunk.shape[0]), counts)
        x = self.words.take(cand, axis=0)
        qwords = qcodes.view(np.uint64)
        if nq == 1:
            x ^= qwords[0]
        else:
            x ^= qwords.take(qidx, axis=0)
        dist = _popcount_rows(x)
        keep = np.flatnonzero(dist <= threshold)
        return qidx[keep], cand[keep], dist[keep]

    def _query_keys(self, qcodes: CodeArray) -> IntArray:
        """Chunk keys of each query, (nq, m): a 4-byte big-endian window per chunk, shifted."""
        padded = np.zeros((qcodes.shape[0], PDQ_BYTES + 3), dtype=np.int64)
        padded[:, :PDQ_BYTES] = qcodes
        window = (
            (padded.take(self.key_byte, axis=1) << 24)
            | (padded.take(self.key_byte + 1, axis=1) << 16)
            | (padded.take(self.key_byte + 2, axis=1) << 8)
            | padded.take(self.key_byte + 3, axis=1)
        )
        result: IntArray = (window >> self.key_shift) & self.key_mask
        return result

    def _scan(
        self, qcodes: CodeArray, threshold: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.uint16]]:
        qs, rs, ds = [], [], []
        for i in range(qcodes.shape[0]):
            dist = hamming_distances(self.codes, qcodes[i])
            rows = np.flatnonzero(dist <= threshold)
            qs.append(np.full(rows.shape[0], i, dtype=np.int64))
            rs.append(rows.astype(np.int64))
            ds.append(dist[rows])
        return np.concatenate(qs), np.concatenate(rs), np.concatenate(ds)


def _popcount_rows(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint16]:
    """Row-wise popcount of a (k, 4) uint64 array (column adds: far faster than sum(axis=1))."""
    counts = np.empty(x.shape, dtype=np.uint8)
    _popcount_u64(x, counts)
    dist = counts[:, 0].astype(np.uint16)
    for j in range(1, x.shape[1]):
        dist += counts[:, j]
    return dist


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class _State:
    segments: tuple[_Segment, ...]
    tail: _Segment


def _empty_segment() -> _Segment:
    return _Segment(
        np.empty((0, PDQ_BYTES), dtype=np.uint8), np.empty(0, dtype=np.int64), indexed=False
    )


class PdqIndex:
    """Exact range search over PDQ hashes; ids are caller-chosen int64 (e.g. evidence ids).

    The same id may be added more than once (several hashes per image, e.g. the 8
    dihedral variants); a search reports each id once, with its smallest distance.
    """

    def __init__(self, *, tail_limit: int = _DEFAULT_TAIL) -> None:
        if tail_limit < 1:
            raise ValueError("tail_limit must be positive")
        self._tail_limit = tail_limit
        self._state = _State(segments=(), tail=_empty_segment())
        self._write_lock = threading.Lock()
        #: What the caller stored with :meth:`save` (``extra``), read back by :meth:`load`.
        self.extra: dict[str, Any] = {}

    # ----------------------------------------------------------------- size

    def __len__(self) -> int:
        state = self._state
        return sum(s.n for s in state.segments) + state.tail.n

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids and bucket tables)."""
        state = self._state
        return sum(s.nbytes for s in state.segments) + state.tail.nbytes

    @property
    def segment_sizes(self) -> list[int]:
        """Sizes of the indexed segments, then the scanned tail (for diagnostics)."""
        state = self._state
        return [s.n for s in state.segments] + [state.tail.n]

    # ----------------------------------------------------------------- writes

    def add(
        self,
        ids: npt.ArrayLike,
        hashes: CodeArray | Iterable[str],
        *,
        qualities: npt.ArrayLike | None = None,
        min_quality: int = PDQ_MIN_QUALITY,
    ) -> int:
        """Add hashes ((n, 32) uint8 or hex strings) under ``ids``; return how many were added.

        With ``qualities``, rows of quality below ``min_quality`` are skipped.
        """
        codes = _as_codes(hashes)
        id_arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if id_arr.shape[0] != codes.shape[0]:
            raise ValueError(f"{id_arr.shape[0]} ids for {codes.shape[0]} hashes")
        if qualities is not None:
            q = np.asarray(qualities).reshape(-1)
            if q.shape[0] != codes.shape[0]:
                raise ValueError(f"{q.shape[0]} qualities for {codes.shape[0]} hashes")
            keep = q >= min_quality
            codes, id_arr = codes[keep], id_arr[keep]
        if codes.shape[0] == 0:
            return 0
        with self._write_lock:
            state = self._state
            tail_codes = np.concatenate([state.tail.codes, codes])
            tail_ids = np.concatenate([state.tail.ids, id_arr])
            if tail_codes.shape[0] < self._tail_limit:
                self._state = _State(state.segments, _Segment(tail_codes, tail_ids, indexed=False))
                return int(codes.shape[0])
            # A segment numbers its rows in 3 bytes: a larger batch becomes several.
            segments = [*state.segments, *(
                _segments(tail_codes, tail_ids) if tail_codes.shape[0] > _MAX_SEGMENT
                else (_Segment(tail_codes, tail_ids, indexed=True),))]
            # LSM-style: merge while the newest segment is not much smaller than the previous.
            while (len(segments) >= 2 and segments[-1].n * 4 >= segments[-2].n
                   and segments[-1].n + segments[-2].n <= _MAX_SEGMENT):
                newer, older = segments.pop(), segments.pop()
                segments.append(_merge([older, newer]))
            self._state = _State(tuple(segments), _empty_segment())
        return int(codes.shape[0])

    def compact(self) -> None:
        """Merge all segments and the tail into one indexed segment (fastest searches)."""
        with self._write_lock:
            state = self._state
            parts = [*state.segments, state.tail]
            if len(state.segments) == 1 and state.tail.n == 0:
                return
            total = sum(p.n for p in parts)
            if total == 0:
                return
            codes = np.concatenate([p.codes for p in parts])
            ids = np.concatenate([p.ids for p in parts])
            self._state = _State(_segments(codes, ids), _empty_segment())

    # ----------------------------------------------------------------- reads

    def search(
        self,
        query: str | bytes | CodeArray,
        threshold: int = PDQ_MATCH_THRESHOLD,
        *,
        quality: int | None = None,
        min_quality: int = PDQ_MIN_QUALITY,
    ) -> list[tuple[int, int]]:
        """``[(id, distance)]`` of every hash within ``threshold``, nearest first (ties by id).

        A query of ``quality`` below ``min_quality`` matches nothing.
        """
        if quality is not None and quality < min_quality:
            return []
        return self.search_many(as_code(query).reshape(1, PDQ_BYTES), threshold)[0]

    def search_many(
        self,
        queries: CodeArray | Iterable[str],
        threshold: int = PDQ_MATCH_THRESHOLD,
        *,
        qualities: npt.ArrayLike | None = None,
        min_quality: int = PDQ_MIN_QUALITY,
    ) -> list[list[tuple[int, int]]]:
        """:meth:`search` for each query ((n, 32) uint8 or hex strings), in order."""
        if not 0 <= threshold <= 256:
            raise ValueError("threshold must be within 0..256")
        qcodes = _as_codes(queries)
        nq = qcodes.shape[0]
        active = np.ones(nq, dtype=bool)
        if qualities is not None:
            q = np.asarray(qualities).reshape(-1)
            if q.shape[0] != nq:
                raise ValueError(f"{q.shape[0]} qualities for {nq} queries")
            active = q >= min_quality
        state = self._state  # one consistent snapshot
        results: list[list[tuple[int, int]]] = [[] for _ in range(nq)]
        pending = np.flatnonzero(active)
        for lo in range(0, pending.shape[0], _QUERY_BATCH):
            batch = pending[lo : lo + _QUERY_BATCH]
            self._search_batch(state, qcodes[batch], batch, threshold, results)
        return results

    @staticmethod
    def _search_batch(
        state: _State,
        qcodes: CodeArray,
        query_numbers: IntArray,
        threshold: int,
        results: list[list[tuple[int, int]]],
    ) -> None:
        qs, ids, ds = [], [], []
        for seg in (*state.segments, state.tail):
            if seg.n == 0:
                continue
            qidx, rows, dist = seg.search(qcodes, threshold)
            qs.append(qidx)
            ids.append(seg.ids_at(rows))
            ds.append(dist)
        if not qs:
            return
        q_all = np.concatenate(qs)
        if q_all.shape[0] == 0:
            return
        id_all, d_all = np.concatenate(ids), np.concatenate(ds).astype(np.int64)
        # keep each (query, id) once, at its smallest distance ...
        o = np.lexsort((d_all, id_all, q_all))
        q_all, id_all, d_all = q_all[o], id_all[o], d_all[o]
        first = np.ones(o.shape[0], dtype=bool)
        first[1:] = (q_all[1:] != q_all[:-1]) | (id_all[1:] != id_all[:-1])
        q_all, id_all, d_all = q_all[first], id_all[first], d_all[first]
        # ... then nearest first, ties by id
        o = np.lexsort((id_all, d_all, q_all))
        for qi, ident, d in zip(
            q_all[o].tolist(), id_all[o].tolist(), d_all[o].tolist(), strict=True
        ):
            results[int(query_numbers[qi])].append((ident, d))

    # ----------------------------------------------------------------- persistence

    def arrays(self) -> tuple[CodeArray, IntArray]:
        """All ``(hashes, ids)`` in the index, as two arrays (a copy)."""
        state = self._state
        parts = [*state.segments, state.tail]
        return (
            np.concatenate([p.codes for p in parts]),
            np.concatenate([p.ids for p in parts]),
        )

    def save(self, path: str | os.PathLike[str], *, extra: dict[str, Any] | None = None,
             keep_previous: bool = False) -> Path:
        """Write the index into folder ``path`` (created if needed); return the file written.

        The file is written under a temporary name, flushed to disk and renamed over the
        previous one, so a crash leaves either the old or the new index, never half of one.
        The bucket tables are stored too (a load does not build them). ``extra``
        (JSON) is stored alongside and read back into :attr:`extra`; with ``keep_previous``
        the file replaced stays as ``PREVIOUS_FILE`` (a hard link, so there is always a
        current file).
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        state = self._state
        params, arrays = [], {}
        for i, segment in enumerate((*state.segments, state.tail)):
            seg_params, seg_arrays = segment.state()
            params.append(seg_params)
            arrays.update({f"s{i}_{name}": a for name, a in seg_arrays.items()})
        meta = json.dumps({"format": _FORMAT, "version": _VERSION, "count": len(self),
                           "segments": params, "extra": extra or {}})
        target = folder / INDEX_FILE
        if keep_previous and target.exists():
            link = folder / f".{PREVIOUS_FILE}.tmp"
            link.unlink(missing_ok=True)
            os.link(target, link)
            os.replace(link, folder / PREVIOUS_FILE)
        fd, tmp_name = tempfile.mkstemp(prefix=".pdq_index-", suffix=".npz.tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                savez: Any = np.savez  # (numpy's type hints take **arrays for its keywords)
                savez(fh, meta=np.array(meta), **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        fsync_dir(folder)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, tail_limit: int = _DEFAULT_TAIL) -> PdqIndex:
        """Read an index written by :meth:`save` (folder or file path).

        Raises ``FileNotFoundError`` when there is none and ``ValueError`` when the file is
        damaged (zip CRC, arrays that do not fit together) or not an index. A version 1 file
        (hashes and ids only) has its tables built, which takes as long as the first build.
        """
        file = Path(path)
        if file.is_dir():
            file = file / INDEX_FILE
        index = cls(tail_limit=tail_limit)
        try:
            with np.load(file, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
                    raise ValueError("not an index")
                if meta.get("version") == 1:
                    codes = _as_codes(data["codes"])
                    ids = np.asarray(data["ids"], dtype=np.int64)
                    if ids.shape != (codes.shape[0],) or meta.get("count") != ids.shape[0]:
                        raise ValueError("inconsistent arrays")
                    if ids.shape[0] >= tail_limit:
                        index._state = _State(_segments(codes, ids), _empty_segment())
                    elif ids.shape[0]:
                        index._state = _State((), _Segment(codes, ids, indexed=False))
                elif meta.get("version") == _VERSION:
                    index._state = _read_segments(data, meta)
                else:
                    raise ValueError(f"not a {_FORMAT} v1 or v{_VERSION} file")
        except (zipfile.BadZipFile, KeyError, EOFError, json.JSONDecodeError, OSError,
                ValueError, TypeError, AttributeError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise ValueError(f"{file}: unreadable index ({exc})") from exc
        extra = meta.get("extra", {})
        index.extra = extra if isinstance(extra, dict) else {}
        return index


def _read_segments(data: Any, meta: dict[str, Any]) -> _State:
    """The segments (the last one the tail) of a version 2 file."""
    params = meta["segments"]
    if not isinstance(params, list) or not params:
        raise ValueError("no segments")
    segments = []
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            raise ValueError("bad segment")
        codes = data[f"s{i}_codes"]
        if codes.shape[0] != p["n"]:
            raise ValueError("segment sizes do not fit")
        saved = dict(p)
        if p["indexed"]:
            saved.update(table=data[f"s{i}_table"], bases=data[f"s{i}_bases"],
                         rows3=data[f"s{i}_rows3"])
        segments.append(_Segment(codes, data[f"s{i}_ids"], indexed=bool(p["indexed"]),
                                 saved=saved))
    tail = segments.pop()
    if tail.indexed or sum(s.n for s in segments) + tail.n != meta.get("count"):
        raise ValueError("inconsistent segments")
    return _State(tuple(segments), tail)


def _merge(parts: Sequence[_Segment]) -> _Segment:
    codes = np.concatenate([p.codes for p in parts])
    ids = np.concatenate([p.ids for p in parts])
    return _Segment(codes, ids, indexed=True)


def _segments(codes: CodeArray, ids: IntArray) -> tuple[_Segment, ...]:
    """Indexed segments of at most _MAX_SEGMENT hashes, of equal sizes."""
    pieces = -(-codes.shape[0] // _MAX_SEGMENT)
    bounds = np.linspace(0, codes.shape[0], pieces + 1).astype(np.int64)
    return tuple(_Segment(codes[lo:hi], ids[lo:hi], indexed=True)
                 for lo, hi in zip(bounds[:-1], bounds[1:], strict=True))


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a rename into it) durable; a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not supported on this platform
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
