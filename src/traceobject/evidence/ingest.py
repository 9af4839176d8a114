"""Bring evidence in: walk, analyse in parallel, store content-addressed, record, index.

Workers (processes) do the CPU work (hashes, decode, PDQ, thumbnail; for a video, told apart
by its content whatever its name: decode, vPDQ, keyframes); this process is the only database
writer, committing images in batches and each video in a transaction of its own
(video_ingest.py). A run can be killed at any point and run again:
files already recorded for the case (same path, size and modification time) are skipped
without being read, and an image already stored (same SHA-256) is recorded as a duplicate.
Files go to the "evidence" storage (a folder or an S3-compatible bucket, see storage.py)
before their rows are written, outside the database transaction.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import IntegrityError, transaction

from traceobject.core.text import clean_line, strip_controls
from traceobject.evidence.index import pdq_index_sync, video_hash_index_sync
from traceobject.evidence.known import KnownMatcher
from traceobject.evidence.models import Case, EvidenceFile, EvidenceImage, EvidenceVideoFile
from traceobject.evidence.signals import case_ingested, images_recorded
from traceobject.evidence.storage import EvidenceStoreError, evidence_put, evidence_store_check
from traceobject.vision.analyse import FileAnalysis, FileRejection, analyse_path
from traceobject.vision.frames import keyframe_picture
from traceobject.vision.video import VideoAnalysis, VideoLimits

BATCH = 100
MAX_PATH = 1024


@dataclass
class IngestSummary:
    seen: int = 0
    ingested: int = 0
    duplicates: int = 0
    skipped: int = 0  # recorded by an earlier run
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # path, reason, message
    known: int = 0
    indexed: int = 0
    videos: int = 0  # videos new to the store
    video_duplicates: int = 0  # videos found again (here or in another case)
    known_videos: int = 0
    keyframes: int = 0  # of the new videos, kept as evidence images
    video_hashes: int = 0  # vPDQ features of the new videos
    video_indexed: int = 0
    seconds: float = 0.0

    @property
    def rejected_by_reason(self) -> Counter[str]:
        return Counter(reason for _path, reason, _msg in self.rejected)


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Regular files under the given files and folders, in a stable order; links are not
    followed (evidence trees can contain loops)."""
    for root in paths:
        root_path = Path(root)
        if root_path.is_symlink():
            continue
        if root_path.is_file():
            yield str(root_path.resolve())
            continue
        for folder, dirs, files in os.walk(root_path, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                full = Path(folder) / name
                if not full.is_symlink() and full.is_file():
                    yield str(full.resolve())


def evidence_key(sha256: str) -> str:
    return f"images/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumb_key(sha256: str) -> str:
    return f"thumbs/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def case_get_or_create(*, ref: str, title: str = "") -> Case:
    """The case (created if new); a reference or title the text cleaner refuses is a
    ServiceError (code "invalid_case") and nothing is created."""
    ref = clean_line(ref, field="case", max_length=64, code="invalid_case",
                     label="case reference")
    title = clean_line(title, field="title", max_length=200, required=False,
                       code="invalid_case", label="case title")
    case, _created = Case.objects.get_or_create(ref=ref, defaults={"title": title})
    return case


def _put_files(result: FileAnalysis, summary: IngestSummary) -> bool:
    """Write the file and its thumbnail into the store; False if the file changed since it
    was analysed (then nothing is recorded for it)."""
    with open(result.path, "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != result.sha256:
        summary.rejected.append((result.path, "changed_during_ingest",
                                 "the file changed while it was being read"))
        return False
    evidence_put(key=evidence_key(result.sha256), data=data)
    evidence_put(key=thumb_key(result.sha256), data=result.thumbnail)
    return True


def store_batch(batch: list[FileAnalysis], summary: IngestSummary) -> tuple[
        list[FileAnalysis], set[str]]:
    """Store the files of images not recorded yet, before and outside the database
    transaction (a slow object store must not hold the database's write lock). Objects
    stored for rows that are then never written are harmless: their keys are content
    addresses, and the next run finds them in place. Returns the results to record and the
    SHA-256 of the images stored."""
    recorded = set(EvidenceImage.objects.filter(
        sha256__in={r.sha256 for r in batch}).values_list("sha256", flat=True))
    kept: list[FileAnalysis] = []
    stored: set[str] = set()
    for result in batch:
        if len(result.path) > MAX_PATH:
            summary.rejected.append((result.path, "path_too_long",
                                     f"paths are recorded up to {MAX_PATH} characters"))
            continue
        if result.sha256 not in recorded and result.sha256 not in stored:
            if not _put_files(result, summary):
                continue
            stored.add(result.sha256)
        kept.append(result)
    return kept, stored


def _image_fields(result: FileAnalysis, label: str) -> dict[str, object]:
    """An EvidenceImage row's fields but its SHA-256."""
    return {
        "md5": result.md5, "pdq": result.pdq, "pdq_quality": result.pdq_quality,
        "width": result.width, "height": result.height, "format": result.format,
        "mode": result.mode, "frame_count": result.frame_count, "file_size": result.size,
        # EXIF text, written by a camera or a program: stripped, not refused.
        "camera_make": strip_controls(result.camera_make)[:256],
        "camera_model": strip_controls(result.camera_model)[:256],
        "software": strip_controls(result.software)[:256],
        "captured_at": strip_controls(result.captured_at)[:40],
        "gps_lat": result.gps_lat, "gps_lon": result.gps_lon,
        "orientation": result.orientation, "storage_key": evidence_key(result.sha256),
        "thumb_key": thumb_key(result.sha256), "known_label": label,
        "warnings": list(result.warnings),
    }


def _images_create(new: dict[str, dict[str, object]]) -> dict[str, int]:
    """Insert the new images (SHA-256: fields) in the order given: the files' order, so that
    ids follow the order the files were found in (the queued ingest, where several writers
    run at once, gives them in SHA-256 order, so that two writers inserting the same images
    take their locks in one order). Returns the ids of those this transaction created.
    When another writer recorded one of them meanwhile (the unique SHA-256 refuses the
    insert), each is got or created on its own: that writer's row is then a duplicate here."""
    rows = [EvidenceImage(sha256=sha256, **fields) for sha256, fields in new.items()]
    try:
        with transaction.atomic():
            EvidenceImage.objects.bulk_create(rows)
    except IntegrityError:
        created = {}
        for sha256 in new:
            image, was_created = EvidenceImage.objects.get_or_create(sha256=sha256,
                                                                     defaults=new[sha256])
            if was_created:
                created[sha256] = image.pk
        return created
    if any(row.pk is None for row in rows):  # a database that does not return the ids
        return dict(EvidenceImage.objects.filter(sha256__in=new).values_list("sha256", "pk"))
    return {row.sha256: row.pk for row in rows}


def files_record(case: Case, results: list[FileAnalysis], summary: IngestSummary,
                 known: KnownMatcher, stored: set[str]) -> list[int]:
    """Record analysed files (the results `store_batch` kept) in `case`, inside the caller's
    transaction, with a handful of queries whatever their number: the images already
    recorded are read at once, the new ones inserted together, the files' rows written in
    one upsert. Counts each file once: new to the store (ingested, known) or a duplicate
    (recorded before, or found earlier in the same results). Returns the ids of the images
    new to the store."""
    images = dict(EvidenceImage.objects.filter(sha256__in={r.sha256 for r in results})
                  .values_list("sha256", "pk"))
    new: dict[str, dict[str, object]] = {}
    recorded: list[FileAnalysis] = []
    for result in results:
        if result.sha256 not in images and result.sha256 not in new:
            if result.sha256 not in stored and not _put_files(result, summary):
                continue  # (a row seen before the store step is gone: store the files again)
            label = known.match(sha256=result.sha256, md5=result.md5, pdq=result.pdq,
                                quality=result.pdq_quality)
            new[result.sha256] = _image_fields(result, label)
        recorded.append(result)
    created = _images_create(new) if new else {}
    if len(created) < len(new):  # recorded meanwhile by another writer: their rows
        images.update(EvidenceImage.objects.filter(sha256__in=set(new) - set(created))
                      .values_list("sha256", "pk"))
    images.update(created)
    summary.ingested += len(created)
    summary.duplicates += len(recorded) - len(created)
    summary.known += sum(1 for sha256 in created if new[sha256]["known_label"])
    if not recorded:
        return []
    # A file that changed at the same path now points at its new image (a video before).
    paths = [result.path for result in recorded]
    EvidenceVideoFile.objects.filter(case=case, path__in=paths).delete()
    rows = {result.path: EvidenceFile(case=case, path=result.path,
                                      image_id=images[result.sha256], size=result.size,
                                      mtime_ns=result.mtime_ns) for result in recorded}
    EvidenceFile.objects.bulk_create(rows.values(), update_conflicts=True,
                                     unique_fields=["case", "path"],
                                     update_fields=["image", "size", "mtime_ns"])
    return sorted(created.values())


def batch_commit(case: Case, batch: list[FileAnalysis], summary: IngestSummary,
                 known: KnownMatcher, *, within: Callable[[], None] | None = None
                 ) -> list[int]:
    """Store and record a batch of analysed files: objects into the store first, then the
    rows in one transaction, which also announces the new images (`images_recorded`) and
    runs `within` (the queued ingest moves its batch's position there). Returns the ids of
    the images new to the store."""
    kept, stored = store_batch(batch, summary)
    with transaction.atomic():
        new_ids = files_record(case, kept, summary, known, stored)
        if new_ids:
            images_recorded.send(sender=Case, case_id=case.pk, image_ids=new_ids)
        if within is not None:
            within()
    return new_ids


def video_limits() -> VideoLimits:
    """The limits a worker decodes videos within (TRACEOBJECT_VIDEO_* settings)."""
    return VideoLimits(keyframe_min_gap=float(settings.VIDEO_KEYFRAME_GAP),
                       max_seconds=float(settings.VIDEO_MAX_SECONDS))


def _analysed(files: list[str], workers: int
              ) -> Iterator[FileAnalysis | VideoAnalysis | FileRejection]:
    analyse = partial(analyse_path, video_limits=video_limits(),
                      keyframe_picture=keyframe_picture)
    if workers <= 1:
        yield from map(analyse, files)
        return
    # Not plain fork: a process that decoded video before (a task worker, a test process)
    # holds FFmpeg's scaler threads, and a forked child waits for them forever (seen: the
    # child stuck in sws_scale_frame). The fork server is a clean process that imports the
    # Django-free analysis once; the workers are forked from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["traceobject.vision.analyse", "traceobject.vision.frames"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        # One file a task: a video can take minutes, and its result holds its keyframes.
        yield from pool.map(analyse, files, chunksize=1)
    finally:  # a run stopped by an error does not analyse the rest first
        pool.shutdown(wait=True, cancel_futures=True)


class Progress:
    """files/s and ETA on one line of a terminal (plain lines when not a terminal)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = self.stream.isatty()

    def update(self, done: int, *, videos: int = 0, frames: int = 0,
               force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} files, "
                f"{videos} videos, {frames:,} frames "
                f"{rate:.1f} files/s ETA {int(eta // 60)}:{int(eta % 60):02d}")
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        if force and self.tty:
            self.stream.write("\n")
        self.stream.flush()


def ingest(
    paths: Iterable[str | os.PathLike[str]], *, case_ref: str, workers: int = 1,
    progress: Callable[[int, int], None] | None = None, stream: TextIO | None = None,
) -> IngestSummary:
    """Ingest the files under `paths` into the case. A store that cannot be used (S3 bucket
    missing, credentials refused, endpoint down) is a ValueError with the reason, before any
    file is read or, mid-run, after the batches already recorded (run again to continue)."""
    try:
        evidence_store_check()
        return _ingest(paths, case_ref=case_ref, workers=workers, progress=progress,
                       stream=stream)
    except EvidenceStoreError as error:
        raise ValueError(f"evidence store: {error}") from error


def _ingest(
    paths: Iterable[str | os.PathLike[str]], *, case_ref: str, workers: int,
    progress: Callable[[int, int], None] | None, stream: TextIO | None,
) -> IngestSummary:
    started = time.monotonic()
    summary = IngestSummary()
    case = case_get_or_create(ref=case_ref)
    files = list(walk(paths))
    summary.seen = len(files)
    recorded = set(
        EvidenceFile.objects.filter(case=case).values_list("path", "size", "mtime_ns")
    ) | set(EvidenceVideoFile.objects.filter(case=case).values_list("path", "size", "mtime_ns"))
    pending = []
    for path in files:
        try:
            stat = os.stat(path)
        except OSError as error:
            summary.rejected.append((path, "unreadable", str(error)))
            continue
        if (path, stat.st_size, stat.st_mtime_ns) in recorded:
            summary.skipped += 1
        else:
            pending.append(path)
    known = KnownMatcher()
    bar = Progress(len(pending), stream) if stream is not None else None
    done = 0
    batch: list[FileAnalysis] = []

    def flush() -> None:
        if not batch:
            return
        batch_commit(case, batch, summary, known)
        batch.clear()

    from traceobject.evidence.video_ingest import video_ingest_one  # it imports this module

    videos = frames = 0
    for result in _analysed(pending, max(1, workers)):
        done += 1
        if isinstance(result, FileRejection):
            summary.rejected.append((result.path, result.reason, result.message))
        elif isinstance(result, VideoAnalysis):
            video_ingest_one(case, result, summary, known)
            videos += 1
            frames += result.frame_count
        else:
            batch.append(result)
            if len(batch) >= BATCH:
                flush()
        if bar:
            bar.update(done, videos=videos, frames=frames)
        if progress:
            progress(done, len(pending))
    flush()
    if bar:
        bar.update(done, videos=videos, frames=frames, force=True)
    summary.indexed = pdq_index_sync()
    summary.video_indexed = video_hash_index_sync()
    case_ingested.send(sender=Case, case_id=case.pk)
    summary.seconds = time.monotonic() - started
    return summary
