"""The persisted PDQ indexes, kept in step with the database: one of evidence images (ids
are EvidenceImage ids) and one of the vPDQ features of videos (ids are VideoHash ids)."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings

from traceobject.evidence.models import EvidenceImage, VideoHash
from traceobject.search.pdq_index import INDEX_FILE, PdqIndex
from traceobject.vision.hashing import hexes_to_array

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cached: tuple[int, PdqIndex] | None = None
_video_cached: tuple[int, PdqIndex] | None = None


def _folder(name: str = "pdq") -> Path:
    return Path(settings.INDEX_DIR) / name


@contextmanager
def _exclusive(name: str = "pdq") -> Iterator[None]:
    """One writer at a time across processes (ingest runs, workers)."""
    folder = Path(settings.INDEX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _load(name: str = "pdq") -> PdqIndex:
    folder = _folder(name)
    if folder.exists():
        try:
            return PdqIndex.load(folder)
        except Exception:  # damaged: rebuilt from the database below
            logger.warning("PDQ index at %s is unreadable; rebuilding it", folder)
    return PdqIndex()


def _indexable() -> tuple[np.ndarray, list[str]]:
    rows = list(
        EvidenceImage.objects.filter(pdq_quality__gte=settings.PDQ_MIN_QUALITY)
        .exclude(pdq="").order_by("id").values_list("id", "pdq")
    )
    return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]


def pdq_index_sync() -> int:
    """Add every indexable evidence image the persisted index lacks; return how many.

    The database is the truth: an interrupted run leaves rows the index does not have yet,
    and the next sync (every ingest run ends with one) adds them.
    """
    global _cached
    with _exclusive():
        index = _load()
        _codes, known_ids = index.arrays()
        have = set(known_ids.tolist())
        ids, hexes = _indexable()
        missing = [i for i, value in enumerate(ids.tolist()) if value not in have]
        if missing:
            index.add(ids[missing], hexes_to_array([hexes[i] for i in missing]))
        if missing or not _folder().exists():
            index.save(_folder())
        with _lock:
            _cached = None
        return len(missing)


def pdq_index() -> PdqIndex:
    """The index for searching (reloaded when a writer saved a newer one)."""
    global _cached
    folder = _folder()
    target = folder / INDEX_FILE
    stamp = target.stat().st_mtime_ns if target.exists() else 0
    with _lock:
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
    index = _load()
    with _lock:
        _cached = (stamp, index)
    return index


def _video_indexable(after: int = 0) -> tuple[np.ndarray, list[str]]:
    rows = list(
        VideoHash.objects.filter(quality__gte=settings.PDQ_MIN_QUALITY, id__gt=after)
        .order_by("id").values_list("id", "pdq")
    )
    return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]


def video_hash_index_sync() -> int:
    """Add every indexable vPDQ feature (VideoHash row) the persisted index lacks; return
    how many. Rows past the highest id indexed are added; if the count still differs from
    the database's (rows of concurrent runs committed out of id order), every row is
    compared, as pdq_index_sync does."""
    global _video_cached
    with _exclusive("vpdq"):
        index = _load("vpdq")
        _codes, known_ids = index.arrays()
        watermark = int(known_ids.max()) if len(known_ids) else 0
        ids, hexes = _video_indexable(watermark)
        added = 0
        if len(ids):
            added += index.add(ids, hexes_to_array(hexes))
        expected = VideoHash.objects.filter(quality__gte=settings.PDQ_MIN_QUALITY).count()
        if len(index) != expected:
            _codes, known_ids = index.arrays()
            have = set(known_ids.tolist())
            ids, hexes = _video_indexable()
            missing = [i for i, value in enumerate(ids.tolist()) if value not in have]
            if missing:
                added += index.add(ids[missing], hexes_to_array([hexes[i] for i in missing]))
        if added or not _folder("vpdq").exists():
            index.save(_folder("vpdq"))
        with _lock:
            _video_cached = None
        return added


def video_hash_index() -> PdqIndex:
    """The index of vPDQ features for searching (reloaded when a writer saved a newer one)."""
    global _video_cached
    target = _folder("vpdq") / INDEX_FILE
    stamp = target.stat().st_mtime_ns if target.exists() else 0
    with _lock:
        if _video_cached is not None and _video_cached[0] == stamp:
            return _video_cached[1]
    index = _load("vpdq")
    with _lock:
        _video_cached = (stamp, index)
    return index
