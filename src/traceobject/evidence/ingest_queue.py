"""Ingest across machines: `traceobject ingest PATH... --case REF --queue` and the workers.

The walk (:func:`ingest_enqueue`) runs where the command is typed. It skips the files the case
has recorded already (same path, size and modification time, as the direct ingest does),
refuses names the database cannot hold or that are too long, and cuts the rest into batches:
an IngestBatch row (paths with size and modification time) and a task of the Django Tasks
API (:func:`traceobject.evidence.tasks.ingest_batch_task`) per batch, written in one
transaction (with the database backend the task row is one more row of it).

`traceobject worker` processes on any machine take the tasks. The paths are opened by the
worker, so every worker must see the files at the same paths (a shared, read-only mount);
the database and the evidence store (an S3-compatible bucket, or one shared folder) are
shared too. A worker (:func:`ingest_batch_run`) analyses the files of its batch in its own
process, one after the other (run one worker per core), and commits them in chunks with the
direct ingest's functions (`ingest.batch_commit`, `video_ingest_one`):
objects go to the store first, then one transaction writes the rows, the refusals, the
worker's counters and the batch's new position. The position is a fence: the transaction
moves it from where this worker last left it, under this worker's id, or rolls back.

A worker killed mid-batch (`kill -9`, a machine lost) leaves its task row RUNNING. The
recovery pass of core/task_leases.py puts it back in the queue once the worker's lease has
run out, and :func:`ingest_batch_lost` (its hook) puts the batch back to "queued" with its
position; the next worker continues from the position. Files before it were counted once;
files after it were never committed, so they are recorded and counted now. Images already
stored by the dead worker (content-addressed objects without rows) are found in place.

The worker that ends the last batch of a run (or the walk, if the workers were quicker)
marks the run done, catches the PDQ indexes up and announces the case ingested, as the
direct ingest does at its end.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import chain
from typing import Any, TextIO

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.models import WorkerLease
from traceobject.evidence.index import pdq_index_sync, video_hash_index_sync
from traceobject.evidence.ingest import (
    MAX_PATH,
    IngestSummary,
    batch_commit,
    case_get_or_create,
    video_limits,
    walk,
)
from traceobject.evidence.known import KnownMatcher, known_matcher
from traceobject.evidence.models import (
    Case,
    EvidenceFile,
    EvidenceVideoFile,
    IngestBatch,
    IngestRefusal,
    IngestRun,
    IngestWorkerProgress,
)
from traceobject.evidence.signals import case_ingested
from traceobject.evidence.storage import EvidenceStoreError, evidence_store_check
from traceobject.vision.analyse import FileAnalysis, FileRejection, analyse_path
from traceobject.vision.frames import keyframe_picture
from traceobject.vision.video import VideoAnalysis

logger = logging.getLogger(__name__)

BATCH_FILES = 200  # files a batch (--batch-size)
MAX_BATCH_FILES = 10_000
MAX_ROOTS = 1000  # paths on one command line
CHUNK_FILES = 25  # files a worker commits at once (at most)
CHUNK_SECONDS = 5.0  # ... or after this long, so that progress moves with slow files
BATCHES_PER_TRANSACTION = 20  # batches the walk writes (and queues) together
RETRY_SECONDS = 30  # a batch whose store or database failed is tried again after this
MAX_ATTEMPTS = 10  # claims of a batch before it is failed
REFUSALS_SHOWN = 20
MAX_SHOWN_PATH = 2048

State = IngestBatch.State


def path_shown(path: str) -> str:
    """A path fit for a terminal and a page: control characters and undecodable bytes
    written as escapes (a file name can hold anything but "/" and NUL)."""
    out = []
    for ch in path[:MAX_SHOWN_PATH]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}")
        else:
            out.append(ch)
    return "".join(out)


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in text)


def _storable(path: str) -> bool:
    """Can the database hold this name (UTF-8 text)? Names with bytes that are not UTF-8
    come from os.walk with surrogates."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ingest_roots_check(paths: Sequence[str]) -> list[str]:
    """The paths given to a queued ingest, checked before anything is read or written:
    ServiceError (code "invalid_path") for none, an empty one, one holding control
    characters or bytes that are not UTF-8, one longer than MAX_PATH, one that does not
    exist; too many paths. The paths, made absolute (every worker opens them as given)."""
    if not 0 < len(paths) <= MAX_ROOTS:
        raise ServiceError("invalid_path", _("Give at least one file or folder, at most "
                                             "%(n)d.") % {"n": MAX_ROOTS})
    roots = []
    for path in paths:
        if not path.strip():
            raise ServiceError("invalid_path", _("A path is empty."))
        if _has_controls(path) or not _storable(path):
            raise ServiceError("invalid_path", _("The path %(path)s holds control characters "
                                                 "or bytes that are not UTF-8.")
                               % {"path": path_shown(path)})
        if len(path) > MAX_PATH:
            raise ServiceError("invalid_path", _("A path is longer than %(n)d characters.")
                               % {"n": MAX_PATH})
        if not os.path.lexists(path):
            raise ServiceError("invalid_path", _("Not found: %(path)s") % {"path": path})
        absolute = os.path.abspath(path)
        if len(absolute) > MAX_PATH:
            raise ServiceError("invalid_path", _("A path is longer than %(n)d characters.")
                               % {"n": MAX_PATH})
        roots.append(absolute)
    return roots


@dataclass
class Enqueued:
    run: IngestRun
    seen: int
    skipped: int
    refused: int
    queued: int
    batches: int


def ingest_enqueue(*, paths: Sequence[str], case_ref: str, batch_size: int = BATCH_FILES,
                   progress: Callable[[int, int], None] | None = None) -> Enqueued:
    """Walk `paths` and queue the files the case has not recorded in batches of
    `batch_size`; ServiceError, before anything is written, for bad paths, a bad case
    reference, a bad batch size or paths holding no file."""
    if not 1 <= batch_size <= MAX_BATCH_FILES:
        raise ServiceError("invalid_batch_size", _("A batch holds 1 to %(n)d files.")
                           % {"n": MAX_BATCH_FILES})
    roots = ingest_roots_check(paths)
    files = walk(roots)
    first = next(files, None)
    if first is None:
        raise ServiceError("no_files", _("No file found under the paths given."))
    case = case_get_or_create(ref=case_ref)
    run = IngestRun.objects.create(case=case, roots=roots, host=socket.gethostname()[:255])
    recorded = set(
        EvidenceFile.objects.filter(case=case).values_list("path", "size", "mtime_ns")
    ) | set(EvidenceVideoFile.objects.filter(case=case).values_list("path", "size", "mtime_ns"))
    counts = {"seen": 0, "skipped": 0, "refused": 0, "queued": 0, "batches": 0}
    pending: list[list[Any]] = []
    batches: list[list[list[Any]]] = []
    refusals: list[IngestRefusal] = []

    def write() -> None:
        from traceobject.evidence.tasks import ingest_batch_task

        with transaction.atomic():
            IngestRefusal.objects.bulk_create(refusals)
            for files_of in batches:
                counts["batches"] += 1
                counts["queued"] += len(files_of)
                batch = IngestBatch.objects.create(run=run, number=counts["batches"],
                                                   files=files_of)
                ingest_batch_task.enqueue(batch.pk)
            IngestRun.objects.filter(pk=run.pk).update(
                seen=counts["seen"], skipped=counts["skipped"], refused=counts["refused"],
                queued=counts["queued"], batch_count=counts["batches"])
        refusals.clear()
        batches.clear()

    for path in chain([first], files):
        counts["seen"] += 1
        reason = _walk_refusal(path)
        stat = None
        if reason is None:
            try:
                stat = os.stat(path)
            except OSError as error:
                reason = ("unreadable", str(error)[:300])
        if reason is not None or stat is None:
            code, message = reason or ("unreadable", "")
            counts["refused"] += 1
            refusals.append(IngestRefusal(run=run, path=path_shown(path), reason=code,
                                          message=message))
        elif (path, stat.st_size, stat.st_mtime_ns) in recorded:
            counts["skipped"] += 1
        else:
            pending.append([path, stat.st_size, stat.st_mtime_ns])
            if len(pending) >= batch_size:
                batches.append(pending)
                pending = []
        if len(batches) >= BATCHES_PER_TRANSACTION or len(refusals) >= 1000:
            write()
            if progress:
                progress(counts["seen"], counts["queued"])
    if pending:
        batches.append(pending)
    write()
    IngestRun.objects.filter(pk=run.pk).update(state=IngestRun.State.QUEUED,
                                               queued_at=timezone.now())
    run_finish_if_done(run_id=run.pk)
    run.refresh_from_db()
    return Enqueued(run=run, seen=counts["seen"], skipped=counts["skipped"],
                    refused=counts["refused"], queued=counts["queued"],
                    batches=counts["batches"])


def _walk_refusal(path: str) -> tuple[str, str] | None:
    if not _storable(path):
        return ("bad_file_name", "the name holds bytes that are not UTF-8")
    if len(path) > MAX_PATH:
        return ("path_too_long", f"paths are recorded up to {MAX_PATH} characters")
    return None


# ---------------------------------------------------------------------------- the workers


class BatchLost(Exception):  # noqa: N818  (what happened)
    """Another worker holds the batch now (this one was taken for dead): stop, roll back."""


@dataclass
class BatchOutcome:
    batch_id: int
    state: str
    done: int = 0  # files this call gave an outcome
    note: str = ""


@dataclass
class _Worker:
    batch: IngestBatch
    case: Case
    worker_id: str
    known: KnownMatcher = field(default_factory=known_matcher)
    position: int = 0
    done: int = 0


def ingest_batch_run(*, batch_id: int, worker_id: str) -> BatchOutcome:
    """Claim the batch (queued, or already this worker's) and ingest its files from its
    position on. A store or database failure puts the batch back in the queue (the task
    queues it again after RETRY_SECONDS); after MAX_ATTEMPTS claims it fails."""
    now = timezone.now()
    claimed = IngestBatch.objects.filter(
        Q(state=State.QUEUED) | Q(state=State.RUNNING, worker_id=worker_id), pk=batch_id,
    ).update(state=State.RUNNING, worker_id=worker_id, attempts=F("attempts") + 1,
             started_at=now)
    batch = IngestBatch.objects.select_related("run__case").filter(pk=batch_id).first()
    if batch is None:
        return BatchOutcome(batch_id, "missing", note="no such batch")
    if not claimed:
        return BatchOutcome(batch_id, batch.state, note=f"held by {batch.worker_id}")
    if batch.attempts > MAX_ATTEMPTS:
        _batch_fail(batch, worker_id, f"given up after {MAX_ATTEMPTS} attempts")
        return BatchOutcome(batch_id, State.FAILED, note="too many attempts")
    work = _Worker(batch=batch, case=batch.run.case, worker_id=worker_id,
                   position=batch.position)
    try:
        evidence_store_check()
        _ingest_files(work)
    except BatchLost:
        return BatchOutcome(batch_id, "lost", done=work.done, note="taken over")
    except EvidenceStoreError as error:
        _batch_release(batch, worker_id, f"evidence store: {error}")
        return BatchOutcome(batch_id, State.QUEUED, done=work.done, note="retry")
    _batch_finish(work)
    run_finish_if_done(run_id=batch.run_id)
    return BatchOutcome(batch_id, State.DONE, done=work.done)


def _ingest_files(work: _Worker) -> None:
    files = work.batch.files[work.position:]
    paths = [item[0] for item in files]
    recorded = set(EvidenceFile.objects.filter(case=work.case, path__in=paths)
                   .values_list("path", "size", "mtime_ns"))
    recorded |= set(EvidenceVideoFile.objects.filter(case=work.case, path__in=paths)
                    .values_list("path", "size", "mtime_ns"))
    analyse = partial(analyse_path, video_limits=video_limits(),
                      keyframe_picture=keyframe_picture)
    chunk: list[FileAnalysis] = []
    summary = IngestSummary()
    end = work.position
    last_commit = time.monotonic()
    for index, (path, _size, _mtime) in enumerate(files, start=work.position):
        try:
            stat = os.stat(path)
        except OSError as error:
            summary.rejected.append((path, "unreadable", str(error)))
        else:
            if (path, stat.st_size, stat.st_mtime_ns) in recorded:
                summary.skipped += 1  # recorded meanwhile, by another run of the case
            else:
                result = analyse(path)
                if isinstance(result, FileRejection):
                    summary.rejected.append((result.path, result.reason, result.message))
                elif isinstance(result, VideoAnalysis):
                    _commit_images(work, chunk, summary, end=index)
                    chunk, summary = [], IngestSummary()
                    _commit_video(work, result, end=index + 1)
                    last_commit = time.monotonic()
                    end = index + 1
                    continue
                else:
                    chunk.append(result)
        end = index + 1
        if len(chunk) >= CHUNK_FILES or time.monotonic() - last_commit > CHUNK_SECONDS:
            _commit_images(work, chunk, summary, end=end)
            chunk, summary = [], IngestSummary()
            last_commit = time.monotonic()
    _commit_images(work, chunk, summary, end=end)


def _commit_images(work: _Worker, chunk: list[FileAnalysis], summary: IngestSummary, *,
                   end: int) -> None:
    """Store the chunk's files, then record them with the counters and the new position
    in one transaction. Sorted by SHA-256 so that two workers recording the same new
    images take their locks in one order (no deadlock)."""
    if end == work.position:
        return
    chunk.sort(key=lambda r: r.sha256)
    batch_commit(work.case, chunk, summary, work.known,
                 within=partial(_account, work, summary, files=end - work.position, end=end))
    work.done += end - work.position
    work.position = end


def _commit_video(work: _Worker, result: VideoAnalysis, *, end: int) -> None:
    from traceobject.evidence.video_ingest import video_ingest_one  # it imports ingest

    summary = IngestSummary()
    accounted: list[bool] = []

    def within() -> None:
        _account(work, summary, files=end - work.position, end=end)
        accounted.append(True)

    video_ingest_one(work.case, result, summary, work.known, within=within)
    if not accounted:  # refused before its transaction (path too long, file changed)
        with transaction.atomic():
            within()
    work.done += end - work.position
    work.position = end


def _account(work: _Worker, summary: IngestSummary, *, files: int, end: int) -> None:
    """In the recording transaction: move the batch's position (the fence), count the
    outcomes for this worker, keep the refusals."""
    moved = IngestBatch.objects.filter(pk=work.batch.pk, state=State.RUNNING,
                                       worker_id=work.worker_id, position=work.position
                                       ).update(position=end)
    if not moved:
        raise BatchLost(work.batch.pk)
    if summary.rejected:
        IngestRefusal.objects.bulk_create([
            IngestRefusal(run_id=work.batch.run_id, path=path_shown(path), reason=reason[:40],
                          message=message[:300], worker_id=work.worker_id)
            for path, reason, message in summary.rejected])
    _progress_add(run_id=work.batch.run_id, worker_id=work.worker_id, values={
        "done": files, "ingested": summary.ingested + summary.videos,
        "duplicates": summary.duplicates + summary.video_duplicates,
        "refused": len(summary.rejected), "skipped": summary.skipped})


def _progress_add(*, run_id: int, worker_id: str, values: dict[str, int]) -> None:
    now = timezone.now()
    changes: dict[str, Any] = {name: F(name) + value for name, value in values.items()}
    if not IngestWorkerProgress.objects.filter(run_id=run_id, worker_id=worker_id).update(
            updated_at=now, **changes):
        IngestWorkerProgress.objects.create(run_id=run_id, worker_id=worker_id, updated_at=now,
                                            **values)


def _batch_finish(work: _Worker) -> None:
    with transaction.atomic():
        if not IngestBatch.objects.filter(pk=work.batch.pk, state=State.RUNNING,
                                          worker_id=work.worker_id,
                                          position=work.position).update(
                state=State.DONE, finished_at=timezone.now(), error=""):
            raise BatchLost(work.batch.pk)
        _progress_add(run_id=work.batch.run_id, worker_id=work.worker_id,
                      values={"batches": 1})


def _batch_release(batch: IngestBatch, worker_id: str, error: str) -> None:
    ingest_batch_release(batch_id=batch.pk, worker_id=worker_id, error=error)


def ingest_batch_release(*, batch_id: int, worker_id: str, error: str) -> None:
    """Back to the queue, position kept (the caller queues its task again). An outage is not
    one of the batch's attempts: a store or database down for longer than MAX_ATTEMPTS
    retries does not fail the batches waiting for it. The database may just have failed:
    the connection is opened again, and tried twice."""
    from django.db import DatabaseError, close_old_connections, connection

    for attempt in range(2):
        try:
            IngestBatch.objects.filter(pk=batch_id, state=State.RUNNING,
                                       worker_id=worker_id).update(
                state=State.QUEUED, error=error[:500], attempts=F("attempts") - 1)
            return
        except DatabaseError:
            if attempt:
                raise
            connection.close()
            close_old_connections()
            time.sleep(1)


def _batch_fail(batch: IngestBatch, worker_id: str, error: str) -> None:
    IngestBatch.objects.filter(pk=batch.pk, worker_id=worker_id).update(
        state=State.FAILED, error=error[:500], finished_at=timezone.now())
    run_finish_if_done(run_id=batch.run_id)


def ingest_batch_lost(args_kwargs: dict[str, Any], *, failed: bool) -> None:
    """Hook of the recovery pass (core/task_leases.py; registered in EvidenceConfig.ready()):
    the task of a batch lost its worker. The batch goes back to "queued" with its position
    (or fails with its task)."""
    args, kwargs = args_kwargs.get("args") or [], args_kwargs.get("kwargs") or {}
    batch_id = kwargs.get("batch_id", args[0] if args else None)
    if not isinstance(batch_id, int):
        return
    running = IngestBatch.objects.filter(pk=batch_id, state=State.RUNNING)
    if failed:
        running.update(state=State.FAILED, finished_at=timezone.now(),
                       error="its worker stopped before it ended, again and again")
        run_id = IngestBatch.objects.filter(pk=batch_id).values_list("run_id", flat=True).first()
        if run_id is not None:  # it may have been the run's last batch
            transaction.on_commit(partial(run_finish_if_done, run_id=run_id), robust=True)
    else:
        running.update(state=State.QUEUED, error="its worker stopped; taken over")


def ingest_batch_failed(*, batch_id: int, worker_id: str, error: str) -> None:
    """The batch's task raised (a fault, not a store or database outage): the batch fails
    with the reason, and the run ends if it was the last one. Only while this worker holds
    it: a worker that stalled and lost the batch to another does not fail the other's."""
    batch = IngestBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    IngestBatch.objects.filter(pk=batch_id, worker_id=worker_id).exclude(
        state=State.DONE).update(state=State.FAILED, error=error[:500],
                                 finished_at=timezone.now())
    run_finish_if_done(run_id=batch.run_id)


def run_finish_if_done(*, run_id: int) -> bool:
    """Mark the run done when the walk has ended and every batch has ended; then (only in
    the one process whose update won) catch the PDQ indexes up and announce the case
    ingested, as the direct ingest does at its end."""
    if IngestBatch.objects.filter(run_id=run_id, state__in=[State.QUEUED, State.RUNNING]
                                  ).exists():
        return False
    if not IngestRun.objects.filter(pk=run_id, state=IngestRun.State.QUEUED).update(
            state=IngestRun.State.DONE, finished_at=timezone.now()):
        return False
    run = IngestRun.objects.get(pk=run_id)
    try:
        pdq_index_sync()
        video_hash_index_sync()
    except Exception:  # the next sync adds what this one missed
        logger.exception("PDQ index catch-up after ingest run %s failed", run_id)
    case_ingested.send(sender=Case, case_id=run.case_id)
    return True


# ---------------------------------------------------------------------------- progress


@dataclass
class WorkerRow:
    worker_id: str
    done: int
    ingested: int
    duplicates: int
    refused: int
    skipped: int
    batches: int
    updated_at: datetime
    alive: bool  # holds a live lease now
    holding: list[int]  # numbers of the batches it is running


@dataclass
class RunStatus:
    run: IngestRun
    case_ref: str
    batches: dict[str, int]  # state -> count
    done: int  # files with an outcome (workers)
    ingested: int
    duplicates: int
    refused: int  # by the walk and the workers
    skipped: int  # recorded before the run (not queued) or meanwhile
    workers: list[WorkerRow]
    refusals: list[IngestRefusal]
    failed: list[tuple[int, str]]  # failed batches: number, error

    @property
    def left(self) -> int:
        return max(0, self.run.queued - self.done)

    @property
    def percent(self) -> int:
        return 100 if not self.run.queued else int(100 * self.done / self.run.queued)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run.pk, "case": self.case_ref, "state": self.run.state,
            "seen": self.run.seen, "queued": self.run.queued, "done": self.done,
            "left": self.left, "ingested": self.ingested, "duplicates": self.duplicates,
            "refused": self.refused, "skipped": self.skipped, "batches": self.batches,
            "workers": [{"worker": w.worker_id, "done": w.done, "ingested": w.ingested,
                         "duplicates": w.duplicates, "refused": w.refused,
                         "skipped": w.skipped, "batches": w.batches, "alive": w.alive,
                         "holding": w.holding} for w in self.workers],
        }


def _status(run: IngestRun, *, refusals: int = REFUSALS_SHOWN) -> RunStatus:
    by_state = dict.fromkeys(State.values, 0)
    for state, count in _batch_counts(run):
        by_state[state] = count
    progress = list(run.workers.all())
    live = set(WorkerLease.objects.filter(
        expires_at__gt=timezone.now(), worker_id__in=[p.worker_id for p in progress]
    ).values_list("worker_id", flat=True))
    holding: dict[str, list[int]] = {}
    for number, worker_id in run.batches.filter(state=State.RUNNING).values_list(
            "number", "worker_id"):
        holding.setdefault(worker_id, []).append(number)
    rows = [WorkerRow(worker_id=p.worker_id, done=p.done, ingested=p.ingested,
                      duplicates=p.duplicates, refused=p.refused, skipped=p.skipped,
                      batches=p.batches, updated_at=p.updated_at, alive=p.worker_id in live,
                      holding=holding.get(p.worker_id, [])) for p in progress]
    total = {name: sum(getattr(r, name) for r in rows)
             for name in ("done", "ingested", "duplicates", "refused", "skipped")}
    return RunStatus(
        run=run, case_ref=run.case.ref, batches=by_state, done=total["done"],
        ingested=total["ingested"], duplicates=total["duplicates"],
        refused=run.refused + total["refused"], skipped=run.skipped + total["skipped"],
        workers=rows, refusals=list(run.refusals.all()[:refusals]),
        failed=list(run.batches.filter(state=State.FAILED).values_list("number", "error")[:20]))


def _batch_counts(run: IngestRun) -> Iterable[tuple[str, int]]:
    from django.db.models import Count

    return run.batches.values_list("state").annotate(n=Count("id")).values_list("state", "n")


def ingest_run_status(*, run_id: int) -> RunStatus:
    """The progress of one run; NotFound for an unknown one."""
    run = IngestRun.objects.select_related("case").filter(pk=run_id).first()
    if run is None:
        raise NotFound("unknown_run", _("No queued ingest with the number %(n)s.")
                       % {"n": run_id})
    return _status(run)


def ingest_runs_status(*, case: Case | None = None, limit: int = 10) -> list[RunStatus]:
    """The latest runs (of a case), newest first."""
    runs = IngestRun.objects.select_related("case").order_by("-id")
    if case is not None:
        runs = runs.filter(case=case)
    return [_status(run, refusals=5) for run in runs[:limit]]


def status_lines(status: RunStatus, stream: TextIO) -> None:
    """The run's progress as text (for `traceobject ingest --status RUN`)."""
    run = status.run
    b = status.batches
    write = partial(print, file=stream)
    write(f"ingest run {run.pk}, case {status.case_ref}: {run.state}"
          + (f" (finished {run.finished_at:%Y-%m-%d %H:%M:%S})" if run.finished_at else ""))
    write(f"  files seen  {run.seen:,} ({run.skipped:,} recorded by an earlier run, "
          f"{run.refused:,} refused by the walk, {run.queued:,} queued)")
    write(f"  done        {status.done:,} of {run.queued:,} ({status.percent} %), "
          f"{status.left:,} left")
    write(f"  ingested    {status.ingested:,}")
    write(f"  duplicates  {status.duplicates:,}")
    write(f"  refused     {status.refused:,}")
    write(f"  skipped     {status.skipped:,}")
    write(f"  batches     {run.batch_count:,}: {b['done']:,} done, {b['running']:,} running, "
          f"{b['queued']:,} queued, {b['failed']:,} failed")
    if status.workers:
        write("  per worker  (done / ingested / duplicates / refused / skipped, batches)")
    for w in status.workers:
        state = "alive" if w.alive else "no lease"
        held = f", running batch {', '.join(map(str, w.holding))}" if w.holding else ""
        write(f"    {w.worker_id}: {w.done:,} / {w.ingested:,} / {w.duplicates:,} / "
              f"{w.refused:,} / {w.skipped:,}, {w.batches:,} batches ({state}{held})")
    for number, error in status.failed:
        write(f"  batch {number} failed: {error}")
    for refusal in status.refusals:
        write(f"  refused {refusal.path}: {refusal.reason}: {refusal.message}")

