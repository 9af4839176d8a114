"""PdqIndex: exact range search over PDQ hashes, checked against brute force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traceobject.search import pdq_index
from traceobject.search.pdq_index import (
    INDEX_FILE,
    PdqIndex,
    _key_bits,
    _radii,
    brute_force_search,
    hamming_distances,
)
from traceobject.vision.hashing import array_to_hex, hamming


def _random_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def _flip(code: np.ndarray, positions: np.ndarray | list[int]) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[np.asarray(positions, dtype=np.int64)] ^= 1
    return np.packbits(bits)


def _at_distance(rng: np.random.Generator, code: np.ndarray, d: int) -> np.ndarray:
    return _flip(code, rng.choice(256, d, replace=False))


def _indexed_segment(index: PdqIndex) -> pdq_index._Segment:
    segments = index._state.segments
    assert len(segments) == 1 and segments[0].indexed
    return segments[0]


# --------------------------------------------------------------------------- the guarantee


@pytest.mark.parametrize("n", [20_000, 200_000])
def test_planted_near_duplicates_all_found(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdq_index, "_SCAN_ROWS_PER_PROBE", 0.0)  # probe tables even when small
    rng = np.random.default_rng(n)
    codes = _random_codes(rng, n)
    ids = np.arange(n, dtype=np.int64) * 3 + 1
    # plant, for each distance 0..40, a near-duplicate of a random query
    queries = _random_codes(rng, 41)
    planted = np.stack([_at_distance(rng, queries[d], d) for d in range(41)])
    planted_ids = np.arange(41, dtype=np.int64) + 10 * n
    all_codes = np.concatenate([codes, planted])
    all_ids = np.concatenate([ids, planted_ids])
    order = rng.permutation(all_codes.shape[0])
    index = PdqIndex()
    assert index.add(all_ids[order], all_codes[order]) == n + 41
    segment = _indexed_segment(index)
    assert segment._plan(31) is not None, "multi-index hashing must be used, not a scan"

    results = index.search_many(queries, threshold=31)
    for d in range(41):
        expected = [(int(planted_ids[d]), d)] if d <= 31 else []
        assert results[d] == expected, d
        assert results[d] == brute_force_search(all_codes, queries[d], 31, ids=all_ids)
    assert index.search(queries[5]) == results[5]
    assert index.search(array_to_hex(queries[5])) == results[5]


def test_worst_case_spread_over_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flips spread so that every chunk but one is just outside its probe radius."""
    monkeypatch.setattr(pdq_index, "_SCAN_ROWS_PER_PROBE", 0.0)
    rng = np.random.default_rng(7)
    n = 50_000
    codes = _random_codes(rng, n)
    index = PdqIndex()
    index.add(np.arange(n), codes)
    index.compact()
    segment = _indexed_segment(index)
    assert segment._plan(31) is not None
    radii, _ = _radii(segment.key_widths, 31, n)
    assert sum(r + 1 for r in radii) == 32
    target = codes[123]
    for spared in range(len(segment.widths)):
        flips: list[int] = []
        for c, (start, width) in enumerate(zip(segment.starts, segment.widths, strict=True)):
            k = radii[c] + 1 - (1 if c == spared else 0)
            flips.extend(start + int(b) for b in rng.choice(width, k, replace=False))
        query = _flip(target, flips)
        assert hamming(query, target) == 31
        assert (123, 31) in index.search(query), spared
    # one more flip in the spared chunk: distance 32, every chunk outside its radius
    flips = []
    for c, (start, width) in enumerate(zip(segment.starts, segment.widths, strict=True)):
        flips.extend(start + int(b) for b in rng.choice(width, radii[c] + 1, replace=False))
    query = _flip(target, flips)
    assert hamming(query, target) == 32
    assert 123 not in [i for i, _ in index.search(query)]
    assert (123, 32) in index.search(query, threshold=32)


@pytest.mark.parametrize("threshold", [0, 1, 5, 16, 31, 32, 48, 70])
def test_thresholds_match_brute_force(threshold: int) -> None:
    rng = np.random.default_rng(threshold)
    n = 30_000
    codes = _random_codes(rng, n)
    index = PdqIndex()
    index.add(np.arange(n), codes)
    queries = np.stack(
        [_at_distance(rng, codes[i], int(d)) for i, d in enumerate(rng.integers(0, 80, 30))]
    )
    for q, got in zip(queries, index.search_many(queries, threshold=threshold), strict=True):
        assert got == brute_force_search(codes, q, threshold)


def test_far_hashes_not_returned() -> None:
    rng = np.random.default_rng(3)
    base = _random_codes(rng, 1)[0]
    codes = np.stack([_at_distance(rng, base, d) for d in range(0, 64)])
    index = PdqIndex(tail_limit=16)
    index.add(np.arange(64), codes)
    got = index.search(base)
    assert got == [(d, d) for d in range(32)]
    assert [d for _, d in got] == sorted(d for _, d in got)


def test_layouts_are_valid() -> None:
    for n in (1, 100, 16_384, 10**5, 10**6, 10**7, 2**24):
        b = _key_bits(n)
        assert 8 <= b <= 24
        radii, cost = _radii((b,) * 8, 31, n)  # 8 chunks of 32 bits, keyed on b bits each
        assert sum(r + 1 for r in radii) >= 32 and cost < float("inf")
    assert _key_bits(10**7) == 23 and _key_bits(10**6) == 20


def test_memory_is_at_most_64_bytes_per_hash() -> None:
    rng = np.random.default_rng(5)
    for n in (50_000, 300_000):
        index = PdqIndex()
        index.add(np.arange(n) + 10**9, _random_codes(rng, n))
        index.compact()
        assert index.nbytes / n <= 64, n


# --------------------------------------------------------------------------- behaviour


def test_incremental_add_and_segments() -> None:
    rng = np.random.default_rng(11)
    index = PdqIndex(tail_limit=1000)
    batches = [_random_codes(rng, int(k)) for k in rng.integers(1, 2500, 30)]
    all_codes = np.concatenate(batches)
    all_ids = np.arange(all_codes.shape[0]) + 5
    start = 0
    for batch in batches:
        index.add(all_ids[start : start + batch.shape[0]], batch)
        start += batch.shape[0]
    assert len(index) == all_codes.shape[0]
    sizes = index.segment_sizes
    assert sum(sizes) == len(index) and len(sizes) >= 2
    queries = np.stack([_at_distance(rng, all_codes[i], int(i % 35)) for i in range(0, start, 997)])
    expected = [brute_force_search(all_codes, q, 31, ids=all_ids) for q in queries]
    assert index.search_many(queries) == expected
    index.compact()
    assert len(index.segment_sizes) == 2 and index.segment_sizes[1] == 0
    assert index.search_many(queries) == expected


def test_one_add_larger_than_a_segment_becomes_several(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments number their rows in 3 bytes (at most 2**24 hashes): one add of more (a
    rebuild or catch-up of a large table in one call) is cut, and what is saved loads."""
    monkeypatch.setattr(pdq_index, "_MAX_SEGMENT", 1000)
    rng = np.random.default_rng(12)
    codes = _random_codes(rng, 2500)
    ids = np.arange(2500) + 1
    index = PdqIndex(tail_limit=10)
    index.add(ids, codes)
    assert all(0 < n <= 1000 for n in index.segment_sizes[:-1]) and len(index) == 2500
    queries = np.stack([_at_distance(rng, codes[i], int(i % 32)) for i in range(0, 2500, 101)])
    expected = [brute_force_search(codes, q, 31, ids=ids) for q in queries]
    assert index.search_many(queries) == expected
    index.save(tmp_path)
    assert PdqIndex.load(tmp_path).search_many(queries) == expected
    with pytest.raises(ValueError, match="at most 1000 hashes"):
        pdq_index._Segment(codes[:1001], ids[:1001], indexed=True)


def test_save_load_round_trip_and_add_after_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    codes = _random_codes(rng, 25_000)
    index = PdqIndex()
    index.add(np.arange(20_000), codes[:20_000])
    index.add(np.arange(20_000, 25_000), codes[20_000:])  # a segment plus a tail
    queries = np.stack([_at_distance(rng, codes[i], i % 32) for i in range(0, 25_000, 500)])
    before = index.search_many(queries)

    folder = tmp_path / "pdq"
    written = index.save(folder)
    assert written == folder / INDEX_FILE
    assert [p.name for p in folder.iterdir()] == [INDEX_FILE]  # no temp file left behind
    loaded = PdqIndex.load(folder)
    assert len(loaded) == 25_000
    assert loaded.search_many(queries) == before
    assert PdqIndex.load(written).search_many(queries[:3]) == before[:3]

    # incremental add after load, then save over the old file
    extra = _random_codes(rng, 3)
    loaded.add([900_001, 900_002, 900_003], extra)
    assert loaded.search(extra[1]) == [(900_002, 0)]
    loaded.save(folder)
    again = PdqIndex.load(folder)
    assert len(again) == 25_003 and again.search(extra[2]) == [(900_003, 0)]
    assert [p.name for p in folder.iterdir()] == [INDEX_FILE]


def test_load_rejects_foreign_files(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.npz"
    np.savez(
        bogus, codes=np.zeros((1, 32), np.uint8), ids=np.zeros(1, np.int64), meta=np.array("{}")
    )
    with pytest.raises(ValueError):
        PdqIndex.load(bogus)
    broken = tmp_path / "broken"
    PdqIndex().save(broken)
    (broken / INDEX_FILE).write_bytes((broken / INDEX_FILE).read_bytes()[:100])
    with pytest.raises(ValueError):
        PdqIndex.load(broken)
    with pytest.raises(FileNotFoundError):
        PdqIndex.load(tmp_path / "missing")


def test_empty_index(tmp_path: Path) -> None:
    index = PdqIndex()
    assert len(index) == 0 and index.search("0" * 64) == []
    assert index.search_many(np.zeros((0, 32), np.uint8)) == []
    index.save(tmp_path)
    assert len(PdqIndex.load(tmp_path)) == 0


def test_quality_filter() -> None:
    rng = np.random.default_rng(9)
    codes = _random_codes(rng, 4)
    index = PdqIndex()
    added = index.add([1, 2, 3, 4], codes, qualities=[100, 49, 50, 0])
    assert added == 2 and len(index) == 2
    assert index.search(codes[0]) == [(1, 0)]
    assert index.search(codes[1]) == []  # never indexed
    assert index.search(codes[2]) == [(3, 0)]
    assert index.search(codes[0], quality=10) == []  # low-quality query matches nothing
    assert index.search(codes[0], quality=10, min_quality=0) == [(1, 0)]
    assert index.search_many(codes[:3], qualities=[100, 100, 20]) == [[(1, 0)], [], []]
    assert index.add([7], codes[1:2], qualities=[10], min_quality=5) == 1


def test_repeated_ids_reported_once_at_smallest_distance() -> None:
    rng = np.random.default_rng(2)
    base = _random_codes(rng, 1)[0]
    near, nearer = _at_distance(rng, base, 9), _at_distance(rng, base, 3)
    index = PdqIndex()
    index.add([42, 42, 7], np.stack([near, nearer, near]))
    assert index.search(base) == [(42, 3), (7, 9)]


def test_bad_input() -> None:
    index = PdqIndex()
    with pytest.raises(ValueError):
        index.add([1, 2], np.zeros((1, 32), np.uint8))
    with pytest.raises(ValueError):
        index.add([1], np.zeros((1, 31), np.uint8))
    with pytest.raises(ValueError):
        index.search("abc")
    with pytest.raises(ValueError):
        index.search("0" * 64, threshold=300)


def test_hex_input() -> None:
    index = PdqIndex()
    index.add([1, 2], ["0" * 64, "f" * 64])
    assert index.search("0" * 63 + "7") == [(1, 3)]


def test_brute_force_helpers() -> None:
    zero = np.zeros(32, np.uint8)
    codes = np.stack(
        [zero, np.full(32, 255, np.uint8), np.unpackbits(zero)[:256].reshape(32, 8)[:, 0]]
    )
    assert hamming_distances(codes, zero).tolist() == [0, 256, 0]
    assert brute_force_search(codes, zero, 0) == [(0, 0), (2, 0)]
    assert brute_force_search(codes, zero, 256, ids=[9, 8, 7]) == [(7, 0), (9, 0), (8, 256)]


# --------------------------------------------------------------------------- property


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    tail_limit=st.integers(1, 120),
    threshold=st.integers(0, 80),
    near=st.lists(st.integers(0, 80), max_size=12),
)
def test_index_equals_brute_force(
    seed: int, n: int, tail_limit: int, threshold: int, near: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    codes = _random_codes(rng, n)
    if n:  # plant near-duplicates of existing rows
        extra = [_at_distance(rng, codes[int(rng.integers(n))], d) for d in near]
        if extra:
            codes = np.concatenate([codes, np.stack(extra)])
    ids = np.asarray(rng.integers(0, 50, size=codes.shape[0]), dtype=np.int64)  # repeats happen
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdq_index, "_SCAN_ROWS_PER_PROBE", 0.0)  # probe tables even when tiny
        index = PdqIndex(tail_limit=tail_limit)
        for lo in range(0, codes.shape[0], 37):
            index.add(ids[lo : lo + 37], codes[lo : lo + 37])
        queries = [codes[i] for i in range(0, codes.shape[0], 7)] + [_random_codes(rng, 1)[0]]
        queries = [_at_distance(rng, q, int(rng.integers(0, 40))) for q in queries]
        got = index.search_many(np.stack(queries), threshold=threshold)
    for q, result in zip(queries, got, strict=True):
        best: dict[int, int] = {}
        for ident, d in brute_force_search(codes, q, threshold, ids=ids):
            best[ident] = min(d, best.get(ident, 999))
        assert result == sorted(best.items(), key=lambda item: (item[1], item[0]))


@pytest.mark.parametrize(("copies", "layout"), [(1, "nibble"), (40, "rel"), (600, "rel")])
def test_clumpy_hashes_take_wider_bucket_tables_and_stay_exact(
    copies: int, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many equal hashes (blank-ish pictures, variants of one image) overflow the 4-bit
    bucket sizes, then the 8-bit relative offsets: the segment takes the next layout."""
    monkeypatch.setattr(pdq_index, "_SCAN_ROWS_PER_PROBE", 0.0)
    rng = np.random.default_rng(copies)
    n = 60_000
    codes = _random_codes(rng, n)
    codes[:copies] = codes[0]
    index = PdqIndex()
    index.add(np.arange(n), codes)
    index.compact()
    segment = _indexed_segment(index)
    assert segment.layout == layout
    queries = np.stack([_at_distance(rng, codes[i], int(d)) for i, d in
                        [(0, 0), (0, 20), (5_000, 31), (7_000, 12)]])
    for q, got in zip(queries, index.search_many(queries), strict=True):
        assert got == brute_force_search(codes, q, 31)
    assert len(index.search(codes[0])) == copies


def _saved(folder: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(folder / INDEX_FILE) as data:
        return json.loads(str(data["meta"])), {k: data[k] for k in data.files if k != "meta"}


def _resave(folder: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    np.savez(folder / INDEX_FILE, meta=np.array(json.dumps(meta)), **arrays)


def test_tables_are_saved_and_read_back_without_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(9)
    codes = _random_codes(rng, 40_000)
    index = PdqIndex()
    index.add(np.arange(40_000) + 5 * 10**9, codes)  # ids past 2**32: still exact
    index.compact()
    queries = np.stack([_at_distance(rng, codes[i], i % 32) for i in range(0, 40_000, 997)])
    before = index.search_many(queries)
    index.save(tmp_path)

    def no_build(self: Any) -> None:
        raise AssertionError("tables built on load")

    monkeypatch.setattr(pdq_index._Segment, "_build", no_build)
    loaded = PdqIndex.load(tmp_path)
    assert loaded.search_many(queries) == before and loaded.nbytes == index.nbytes
    # on disk as in memory: at most 64 bytes a hash plus the zip's headers
    assert (tmp_path / INDEX_FILE).stat().st_size <= 64 * 40_000 + 4096


def test_version_1_files_are_read_and_built(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    codes = _random_codes(rng, 20_000)
    meta = {"format": "traceobject-pdq-index", "version": 1, "count": 20_000}
    np.savez(tmp_path / INDEX_FILE, codes=codes, ids=np.arange(20_000, dtype=np.int64),
             meta=np.array(json.dumps(meta)))
    loaded = PdqIndex.load(tmp_path)
    assert loaded.search(codes[77]) == [(77, 0)]


@pytest.mark.parametrize("damage", [
    "rows_out_of_range", "bases_do_not_add_up", "table_too_short", "wrong_layout",
    "wrong_bits", "count", "segment_size", "ids_dtype", "not_a_list",
])
def test_saved_tables_that_do_not_fit_are_refused(tmp_path: Path, damage: str) -> None:
    rng = np.random.default_rng(11)
    index = PdqIndex()
    index.add(np.arange(30_000), _random_codes(rng, 30_000))
    index.compact()
    index.save(tmp_path)
    meta, arrays = _saved(tmp_path)
    segment = meta["segments"][0]
    if damage == "rows_out_of_range":
        arrays["s0_rows3"] = arrays["s0_rows3"].copy()
        arrays["s0_rows3"][-1] = 255
    elif damage == "bases_do_not_add_up":
        arrays["s0_bases"] = arrays["s0_bases"].copy()
        arrays["s0_bases"][-1] += 1
    elif damage == "table_too_short":
        arrays["s0_table"] = arrays["s0_table"][:-1]
    elif damage == "wrong_layout":
        segment["layout"] = "magic"
    elif damage == "wrong_bits":
        segment["b"] = 40
    elif damage == "count":
        meta["count"] += 1
    elif damage == "segment_size":
        segment["n"] -= 1
    elif damage == "ids_dtype":
        arrays["s0_ids"] = arrays["s0_ids"].astype(np.float64)
    else:
        meta["segments"] = {"0": segment}
    _resave(tmp_path, meta, arrays)
    with pytest.raises(ValueError):
        PdqIndex.load(tmp_path)
