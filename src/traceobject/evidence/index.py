"""The persisted PDQ indexes, kept in step with the database: one of evidence images (ids
are EvidenceImage ids) and one of the vPDQ features of videos (ids are VideoHash ids)."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from traceobject.evidence.models import EvidenceImage, VideoHash
from traceobject.search.pdq_index import INDEX_FILE, PdqIndex
from traceobject.vision.hashing import hexes_to_array

logger = logging.getLogger(__name__)
_lock = threading.Lock()


class _PersistedIndex:
    """One index under $TRACEOBJECT_HOME/index/<name>/, the database its truth: `rows` gives
    the indexable rows as (id, pdq hex) pairs."""

    def __init__(self, name: str, rows: Callable[[], QuerySet[Any]], *,
                 watermark: bool) -> None:
        self.name, self.rows, self.watermark = name, rows, watermark
        self.cached: tuple[int, PdqIndex] | None = None

    @property
    def folder(self) -> Path:
        return Path(settings.INDEX_DIR) / self.name

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One writer at a time across processes (ingest runs, workers)."""
        folder = Path(settings.INDEX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{self.name}.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _load(self) -> PdqIndex:
        if self.folder.exists():
            try:
                return PdqIndex.load(self.folder)
            except Exception:  # damaged: rebuilt from the database below
                logger.warning("PDQ index at %s is unreadable; rebuilding it", self.folder)
        return PdqIndex()

    def _indexable(self, after: int = 0) -> tuple[np.ndarray, list[str]]:
        rows = list(self.rows().filter(id__gt=after).order_by("id"))
        return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]

    def sync(self) -> int:
        """Add every indexable row the persisted index lacks; return how many. With a
        watermark, the rows past the highest id indexed are added first, and every row is
        compared only if the count still differs from the database's (rows of concurrent
        runs committed out of id order); without, every row is compared."""
        with self._exclusive():
            index = self._load()
            added = 0
            if self.watermark:
                _codes, known_ids = index.arrays()
                ids, hexes = self._indexable(int(known_ids.max()) if len(known_ids) else 0)
                if len(ids):
                    added += index.add(ids, hexes_to_array(hexes))
            if not self.watermark or len(index) != self.rows().count():
                _codes, known_ids = index.arrays()
                have = set(known_ids.tolist())
                ids, hexes = self._indexable()
                missing = [i for i, value in enumerate(ids.tolist()) if value not in have]
                if missing:
                    index.add(ids[missing], hexes_to_array([hexes[i] for i in missing]))
                added += len(missing)
            if added or not self.folder.exists():
                index.save(self.folder)
            with _lock:
                self.cached = None
            return added

    def get(self) -> PdqIndex:
        """The index for searching (reloaded when a writer saved a newer one)."""
        target = self.folder / INDEX_FILE
        stamp = target.stat().st_mtime_ns if target.exists() else 0
        with _lock:
            if self.cached is not None and self.cached[0] == stamp:
                return self.cached[1]
        index = self._load()
        with _lock:
            self.cached = (stamp, index)
        return index


_IMAGES = _PersistedIndex("pdq", lambda: (
    EvidenceImage.objects.filter(pdq_quality__gte=settings.PDQ_MIN_QUALITY).exclude(pdq="")
    .values_list("id", "pdq")), watermark=False)
_VIDEO_HASHES = _PersistedIndex("vpdq", lambda: (
    VideoHash.objects.filter(quality__gte=settings.PDQ_MIN_QUALITY)
    .values_list("id", "pdq")), watermark=True)


def pdq_index_sync() -> int:
    """Add every indexable evidence image the persisted index lacks; return how many.

    The database is the truth: an interrupted run leaves rows the index does not have yet,
    and the next sync (every ingest run ends with one) adds them.
    """
    return _IMAGES.sync()


def pdq_index() -> PdqIndex:
    """The index of evidence images for searching."""
    return _IMAGES.get()


def video_hash_index_sync() -> int:
    """Add every indexable vPDQ feature (VideoHash row) the persisted index lacks; return
    how many (caught up from the highest id indexed)."""
    return _VIDEO_HASHES.sync()


def video_hash_index() -> PdqIndex:
    """The index of vPDQ features for searching."""
    return _VIDEO_HASHES.get()
