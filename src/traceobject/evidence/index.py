"""The persisted PDQ indexes, kept in step with the database by watermark: one of evidence
images (ids are EvidenceImage ids, kind "pdq") and one of the vPDQ features of videos (ids
are VideoHash ids, kind "vpdq").

**Why a log, not "id > highest id indexed".** PostgreSQL hands out ids from a sequence when
a row is inserted, not when it is committed: an ingest run (or worker) may commit id 100
after another committed id 101, so an index that read up to 101 would never see 100. A
window of recent ids to check again is only safe if no transaction can stay open longer
than the window, which nothing guarantees. So:

1. a database trigger (migration 0009) writes each inserted EvidenceImage / VideoHash id to
   ``IndexPending`` *in the inserting transaction* (a rolled-back insert leaves nothing);
2. a *publisher* moves pending rows to ``IndexLog`` while holding the row lock of the one
   ``IndexPublisher`` row (on SQLite, the database's write lock). Publishers run one after
   the other, each in one transaction, so a later publisher's ``seq`` values are all
   larger than an earlier one's *and* committed after them: ``seq`` grows in commit order.
   A rolled-back publisher leaves a gap that is never filled (its rows are pending again).
   This needs the log's id sequence to hand out values in call order: CACHE 1, PostgreSQL's
   default (with a per-session cache a later publisher could take smaller values);
3. every copy of an index (per process, saved under its own ``$TRACEOBJECT_HOME/index/``)
   remembers the last ``seq`` it read (its *watermark*) and catches up with
   ``seq > watermark`` through the ``(kind, seq)`` index: the cost is the new rows, never
   the table. Any process publishes before it catches up (ingest's sync, a search process
   that sees pending rows), so rows of a run that died before its sync are found too.

The log has one row per indexed table row; a fresh copy (a new search machine) reads all of
it once. The migration logs the rows that existed before it.

**Stale or damaged copies.** A saved copy records the database's log ``epoch`` and the row
at its watermark; a copy made from another log (the database was restored or replaced)
fails that check and is *stale*. An unreadable file (zip CRC, format) is *damaged*. Each
save keeps the generation it replaces as ``pdq_index.prev.npz``. A search process whose
current file is damaged or stale answers from the previous generation caught up from the
log (the same answers), and when no copy is usable, from a scan of the indexable rows read
from the database (the same answers again, slowly: all rows are read for each search);
meanwhile ``index_rebuild_task`` (evidence.tasks) rebuilds the copy of the worker's home in
the background, and with ``PDQ_INDEX_REBUILD_HERE`` (a search machine whose home no worker
shares) a thread of the search process rebuilds its own. A search process keeps its copy in
memory, catches it up at most every ``PDQ_INDEX_REFRESH_SECONDS`` and saves it when it is
``PDQ_INDEX_SAVE_ROWS`` rows ahead of its file, so a restart reads the file and only the rows since.

Rows deleted from the database stay in the index (as before); searches look their ids up
and drop those that are gone.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F

from traceobject.evidence.models import IndexLog, IndexPending, IndexPublisher
from traceobject.search.pdq_index import INDEX_FILE, PREVIOUS_FILE, PdqIndex
from traceobject.vision.hashing import hexes_to_array

logger = logging.getLogger(__name__)

#: Pending rows one publisher transaction moves at most.
_PUBLISH_BATCH = 100_000
#: Log rows read per query when catching up.
_READ_BATCH = 50_000
#: A process asks again for a rebuild of a copy it cannot use after this many seconds.
_REBUILD_AGAIN_SECONDS = 600.0


@contextmanager
def index_lock(name: str) -> Iterator[None]:
    """One writer at a time across processes (ingest runs, workers, the command line) of the
    index ``name`` under $TRACEOBJECT_HOME/index/."""
    folder = Path(settings.INDEX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- the log


def _publisher_turn() -> None:
    """Take the publisher lock for the current transaction (creating its row if missing)."""
    if IndexPublisher.objects.filter(pk=1).update(turns=F("turns") + 1):
        return
    try:
        with transaction.atomic():
            IndexPublisher.objects.create(pk=1, epoch=uuid.uuid4().hex)
    except IntegrityError:  # another process created it: wait for its lock like anyone
        pass
    IndexPublisher.objects.filter(pk=1).update(turns=F("turns") + 1)


def index_log_publish() -> int:
    """Move every pending row to the index log, in commit order; return how many.

    Each batch is one statement's snapshot on PostgreSQL (DELETE ... RETURNING feeding the
    INSERT), so a pending row committed meanwhile is neither logged nor deleted; on SQLite
    the publisher holds the database's only write lock, so nothing commits meanwhile.
    """
    pending, log = IndexPending._meta.db_table, IndexLog._meta.db_table
    moved = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            _publisher_turn()
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {pending} WHERE id IN"  # noqa: S608
                    f" (SELECT id FROM {pending} ORDER BY id LIMIT %s)"
                    " RETURNING id, kind, row_id)"
                    f" INSERT INTO {log} (kind, row_id)"
                    " SELECT kind, row_id FROM moved ORDER BY id", [_PUBLISH_BATCH])
                count = cursor.rowcount
            else:
                cursor.execute(f"SELECT max(id), count(*) FROM (SELECT id FROM {pending}"  # noqa: S608
                               " ORDER BY id LIMIT %s)", [_PUBLISH_BATCH])
                last, count = cursor.fetchone()
                if count:
                    cursor.execute(f"INSERT INTO {log} (kind, row_id) SELECT kind, row_id"  # noqa: S608
                                   f" FROM {pending} WHERE id <= %s ORDER BY id", [last])
                    cursor.execute(f"DELETE FROM {pending} WHERE id <= %s", [last])  # noqa: S608
        moved += count
        if count < _PUBLISH_BATCH:
            return moved


def _epoch() -> str:
    epoch = IndexPublisher.objects.filter(pk=1).values_list("epoch", flat=True).first()
    if epoch is None:
        with transaction.atomic():
            _publisher_turn()
        epoch = IndexPublisher.objects.values_list("epoch", flat=True).get(pk=1)
    return str(epoch)


@dataclass(frozen=True)
class _Source:
    """An indexed table: its log kind, table and quality column."""

    kind: str
    table: str
    quality: str

    def read(self, after: int, upto: int) -> tuple[int, int, np.ndarray, list[str], int]:
        """Log rows with ``after < seq <= upto`` (a range of the (kind, seq) index, whatever
        plan the database picks): ``(rows read, last seq read, ids of the indexable ones,
        their hex hashes, row id at the last seq)``."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT l.seq, l.row_id, r.pdq, r.{self.quality}"  # noqa: S608 (constants)
                f" FROM {IndexLog._meta.db_table} l LEFT JOIN {self.table} r ON r.id = l.row_id"
                " WHERE l.kind = %s AND l.seq > %s AND l.seq <= %s ORDER BY l.seq",
                [self.kind, after, upto])
            rows = cursor.fetchall()
        if not rows:
            return 0, after, np.empty(0, dtype=np.int64), [], -1
        minimum = settings.PDQ_MIN_QUALITY
        good = [(r[1], r[2]) for r in rows
                if r[2] and r[3] is not None and r[3] >= minimum]
        ids = np.array([g[0] for g in good], dtype=np.int64)
        return len(rows), int(rows[-1][0]), ids, [g[1] for g in good], int(rows[-1][1])

    def ranges(self, after: int) -> Iterator[tuple[int, int]]:
        """``(after, upto)`` ranges of _READ_BATCH seqs up to the last one logged now: every
        seq up to it that will ever be logged is (publishers commit in seq order)."""
        last = self.last_seq()
        while after < last:
            upto = min(after + _READ_BATCH, last)
            yield after, upto
            after = upto

    def row_at(self, seq: int) -> int | None:
        """The row id logged at ``seq`` for this kind, None when there is none."""
        return IndexLog.objects.filter(seq=seq, kind=self.kind).values_list(
            "row_id", flat=True).first()

    def last_seq(self) -> int:
        seq = IndexLog.objects.filter(kind=self.kind).order_by("-seq").values_list(
            "seq", flat=True).first()
        return int(seq or 0)


# --------------------------------------------------------------------------- copies


@dataclass
class _Copy:
    """An index with the log position it has read up to."""

    index: PdqIndex
    epoch: str
    folder: Path | None = None  # where it is saved (a copy of another home is not used)
    mark: int = 0  # last seq read
    check: int = -1  # the row id logged at `mark` (-1 at 0)
    saved_mark: int = 0  # the mark of the file it was read from or saved as
    from_current: bool = False  # read from the current file (not the previous one)
    file_stamp: int | None = None  # the current file's mtime when read or saved
    refreshed: float = field(default_factory=time.monotonic)

    def valid(self, source: _Source, epoch: str) -> bool:
        """Made from this database's log (not stale)."""
        return self.epoch == epoch and (self.mark == 0 or source.row_at(self.mark) == self.check)

    def catch_up(self, source: _Source) -> int:
        """Add the indexable rows logged past the watermark; return how many."""
        ids_parts, code_parts = [], []
        mark, check = self.mark, self.check
        for after, upto in source.ranges(self.mark):
            count, last, ids, hexes, last_row = source.read(after, upto)
            if len(ids):
                ids_parts.append(ids)
                code_parts.append(hexes_to_array(hexes))
            if count:  # the watermark is a logged row of this kind (checked by `valid`)
                mark, check = last, last_row
        added = 0
        if ids_parts:  # one add: segments built once, not merged batch after batch
            added = self.index.add(np.concatenate(ids_parts), np.concatenate(code_parts))
        self.mark, self.check = mark, check
        return added

    def position(self, kind: str) -> dict[str, Any]:
        return {"kind": kind, "epoch": self.epoch, "mark": self.mark, "check": self.check}


class _PersistedIndex:
    """One index under $TRACEOBJECT_HOME/index/<name>/, the database (its log) its truth."""

    def __init__(self, name: str, source: _Source) -> None:
        self.name, self.source = name, source
        self.copy: _Copy | None = None
        self._lock = threading.RLock()
        self._failed: tuple[float, tuple[int, int]] | None = None  # when, file stamps
        self.rebuilding: threading.Thread | None = None  # PDQ_INDEX_REBUILD_HERE

    @property
    def folder(self) -> Path:
        return Path(settings.INDEX_DIR) / self.name

    # ----------------------------------------------------------------- files

    def _read(self, file: Path, epoch: str) -> _Copy | None:
        """The copy in ``file`` when it is readable and made from this log, else None."""
        try:
            index = PdqIndex.load(file)
        except FileNotFoundError:
            return None
        except ValueError as exc:
            logger.warning("PDQ index file %s is damaged (%s)", file, exc)
            return None
        extra = index.extra
        try:
            copy = _Copy(index, epoch=str(extra["epoch"]), folder=self.folder,
                         mark=int(extra["mark"]), file_stamp=self._stamps()[0]
                         if file.name == INDEX_FILE else None,
                         check=int(extra["check"]), saved_mark=int(extra["mark"]),
                         from_current=file.name == INDEX_FILE)
        except (KeyError, TypeError, ValueError):
            logger.warning("PDQ index file %s has no log position: rebuilt", file)
            return None
        if extra.get("kind") != self.source.kind or not copy.valid(self.source, epoch):
            logger.warning("PDQ index file %s was made from another database: stale", file)
            return None
        return copy

    def _open(self, epoch: str) -> tuple[_Copy | None, bool]:
        """The newest usable saved copy, and whether the current file was unusable."""
        current = self._read(self.folder / INDEX_FILE, epoch)
        if current is not None:
            return current, False
        unusable = (self.folder / INDEX_FILE).exists()
        previous = self._read(self.folder / PREVIOUS_FILE, epoch)
        return previous, unusable or previous is not None

    def _stamps(self) -> tuple[int, int]:
        def stamp(file: Path) -> int:
            try:
                return file.stat().st_mtime_ns
            except OSError:
                return 0

        return stamp(self.folder / INDEX_FILE), stamp(self.folder / PREVIOUS_FILE)

    def _save(self, copy: _Copy) -> None:
        """Save ``copy`` as the current file (the caller holds the index lock); a current
        file that was usable stays as the previous generation."""
        copy.index.save(self.folder, extra=copy.position(self.source.kind),
                        keep_previous=copy.from_current)
        copy.saved_mark, copy.from_current = copy.mark, True
        copy.file_stamp = self._stamps()[0]

    # ----------------------------------------------------------------- writers

    def sync(self) -> int:
        """Publish pending rows, bring the saved copy of this home up to the log and save
        it; return how many hashes were added. A damaged or stale copy is read again from
        the previous generation, or from the whole log when there is none."""
        index_log_publish()
        epoch = _epoch()
        with self._lock, index_lock(self.name):
            copy = self.copy
            if (copy is None or copy.folder != self.folder or copy.file_stamp is None
                    or copy.file_stamp != self._stamps()[0] or not copy.valid(self.source, epoch)):
                copy, _unusable = self._open(epoch)  # the file changed: another process saved
            if copy is None:
                copy = _Copy(PdqIndex(), epoch=epoch, folder=self.folder)
            added = copy.catch_up(self.source)
            if added or not copy.from_current or copy.mark != copy.saved_mark:
                self._save(copy)
            copy.refreshed = time.monotonic()
            self.copy, self._failed = copy, None
        return added

    # ----------------------------------------------------------------- searchers

    def get(self) -> PdqIndex:
        """The index for searching, caught up with the log (at most every
        PDQ_INDEX_REFRESH_SECONDS). While no saved copy is usable, an index of the
        indexable rows read from the database now (every search reads them all)."""
        with self._lock:
            copy = self.copy
            if copy is not None and copy.folder != self.folder:  # INDEX_DIR changed
                self.copy = copy = None
                self._failed = None
            if copy is not None:
                if time.monotonic() - copy.refreshed >= settings.PDQ_INDEX_REFRESH_SECONDS:
                    try:
                        self._refresh(copy)
                    except (DatabaseError, OSError) as error:
                        # Upkeep (publishing the log, saving the copy) failed: a search
                        # answers from the copy as it is, and tries again later.
                        logger.warning("PDQ index %s not caught up: %s", self.name, error)
                        copy.refreshed = time.monotonic()
                if self.copy is not None:
                    return self.copy.index
            return self._load()

    def _refresh(self, copy: _Copy) -> None:
        if IndexPending.objects.exists():
            index_log_publish()
        if not copy.valid(self.source, _epoch()):  # the database was restored or replaced
            logger.warning("PDQ index %s is stale: rebuilt in the background", self.name)
            self.copy = None
            self._rebuild_later()
            return
        copy.catch_up(self.source)
        copy.refreshed = time.monotonic()
        if copy.mark - copy.saved_mark >= settings.PDQ_INDEX_SAVE_ROWS:
            with index_lock(self.name):
                on_disk = self._read(self.folder / INDEX_FILE, copy.epoch)
                if on_disk is None or on_disk.mark < copy.mark:
                    copy.from_current = on_disk is not None
                    self._save(copy)

    def _load(self) -> PdqIndex:
        stamps = self._stamps()
        if self._failed is None or self._failed[1] != stamps:
            if IndexPending.objects.exists():
                index_log_publish()
            epoch = _epoch()
            copy, unusable = self._open(epoch)
            if copy is not None:
                copy.catch_up(self.source)
                copy.refreshed = time.monotonic()
                self.copy = copy
                if unusable:
                    logger.warning("PDQ index %s: the current file is damaged or stale; "
                                   "searching the previous one until it is rebuilt", self.name)
                    self._rebuild_later()
                return copy.index
            self._failed = (0.0, stamps)
        self._rebuild_later()
        return self._from_database()

    def _rebuild_later(self) -> None:
        """Queue a rebuild (once per process every _REBUILD_AGAIN_SECONDS)."""
        now = time.monotonic()
        failed = self._failed or (0.0, self._stamps())
        if failed[0] and now - failed[0] < _REBUILD_AGAIN_SECONDS:
            return
        self._failed = (now, failed[1])
        from traceobject.evidence.tasks import index_rebuild_task

        transaction.on_commit(lambda: index_rebuild_task.enqueue(self.source.kind), robust=True)
        if settings.PDQ_INDEX_REBUILD_HERE and (self.rebuilding is None
                                                or not self.rebuilding.is_alive()):
            self.rebuilding = threading.Thread(target=self._rebuild_here, daemon=True,
                                               name=f"{self.name} index rebuild")
            self.rebuilding.start()

    def _rebuild_here(self) -> None:
        """Rebuild this home's copy in a thread of this process (a search machine whose home
        no worker shares): the same work as the task, without holding up searches, which go
        on as before until the copy is ready."""
        try:
            index_log_publish()
            epoch = _epoch()
            with index_lock(self.name):
                copy, _unusable = self._open(epoch)
                if copy is None:
                    copy = _Copy(PdqIndex(), epoch=epoch, folder=self.folder)
                copy.catch_up(self.source)
                self._save(copy)
            copy.refreshed = time.monotonic()
            with self._lock:
                if self.copy is None or self.copy.mark <= copy.mark:
                    self.copy, self._failed = copy, None
        except Exception:
            logger.exception("PDQ index %s: the rebuild in this process failed", self.name)
        finally:
            connection.close()  # this thread's

    def _from_database(self) -> PdqIndex:
        """Every indexable row read from the log now, scanned (no tables)."""
        copy = _Copy(PdqIndex(tail_limit=2**62), epoch="")
        ids_parts, hex_parts = [], []
        for after, upto in self.source.ranges(0):
            _count, _last, ids, hexes, _row = self.source.read(after, upto)
            ids_parts.append(ids)
            hex_parts.extend(hexes)
        if hex_parts:
            copy.index.add(np.concatenate(ids_parts), hexes_to_array(hex_parts))
        return copy.index

    def state(self) -> str:
        """How this process searches: "memory" (a copy caught up from the log), "database"
        (no usable copy: each search reads the rows) or "none" (not searched yet)."""
        with self._lock:
            if self.copy is not None:
                return "memory"
            return "database" if self._failed is not None else "none"

    def forget(self) -> None:
        """Drop this process's copy (the next search reads the saved one)."""
        with self._lock:
            self.copy, self._failed = None, None


_IMAGES = _PersistedIndex("pdq", _Source("pdq", "evidence_evidenceimage", "pdq_quality"))
_VIDEO_HASHES = _PersistedIndex("vpdq", _Source("vpdq", "evidence_videohash", "quality"))
INDEXES = {"pdq": _IMAGES, "vpdq": _VIDEO_HASHES}


def pdq_index_sync() -> int:
    """Add every indexable evidence image the saved index lacks; return how many.

    The database is the truth: an interrupted run leaves rows the index does not have yet,
    and the next sync (every ingest run ends with one) or search adds them.
    """
    return _IMAGES.sync()


def pdq_index() -> PdqIndex:
    """The index of evidence images for searching."""
    return _IMAGES.get()


def video_hash_index_sync() -> int:
    """Add every indexable vPDQ feature (VideoHash row) the saved index lacks; return how
    many."""
    return _VIDEO_HASHES.sync()


def video_hash_index() -> PdqIndex:
    """The index of vPDQ features for searching."""
    return _VIDEO_HASHES.get()
