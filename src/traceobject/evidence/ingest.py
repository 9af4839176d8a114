"""Bring evidence in: walk, analyse in parallel, store content-addressed, record, index.

Workers (processes) do the CPU work (hashes, decode, PDQ, thumbnail); this process is the
only database writer, committing in batches. A run can be killed at any point and run again:
files already recorded for the case (same path, size and modification time) are skipped
without being read, and an image already stored (same SHA-256) is recorded as a duplicate.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from traceobject.evidence.index import pdq_index_sync
from traceobject.evidence.known import KnownMatcher
from traceobject.evidence.models import Case, EvidenceFile, EvidenceImage
from traceobject.vision.analyse import FileAnalysis, FileRejection, analyse_file

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
    ref = ref.strip()
    if not ref or len(ref) > 64 or any(ch in ref for ch in "\x00\n\r\t"):
        raise ValueError("a case reference is 1 to 64 characters on one line")
    case, _created = Case.objects.get_or_create(ref=ref, defaults={"title": title})
    return case


def _store(key: str, data: bytes) -> None:
    """Content-addressed write; a partial file left by a killed run is replaced."""
    storage = storages["evidence"]
    if storage.exists(key):
        if storage.size(key) == len(data):
            return
        storage.delete(key)
    saved = storage.save(key, ContentFile(data))
    if saved != key:
        storage.delete(saved)
        raise OSError(f"evidence store wrote {saved!r} instead of {key!r}")


def _record(case: Case, result: FileAnalysis, summary: IngestSummary,
            known: KnownMatcher) -> None:
    if len(result.path) > MAX_PATH:
        summary.rejected.append((result.path, "path_too_long",
                                 f"paths are recorded up to {MAX_PATH} characters"))
        return
    image = EvidenceImage.objects.filter(sha256=result.sha256).first()
    if image is None:
        with open(result.path, "rb") as fh:
            data = fh.read()
        if hashlib.sha256(data).hexdigest() != result.sha256:
            summary.rejected.append((result.path, "changed_during_ingest",
                                     "the file changed while it was being read"))
            return
        key = evidence_key(result.sha256)
        _store(key, data)
        tkey = thumb_key(result.sha256)
        _store(tkey, result.thumbnail)
        label = known.match(sha256=result.sha256, md5=result.md5, pdq=result.pdq,
                            quality=result.pdq_quality)
        fields = {
            "md5": result.md5, "pdq": result.pdq, "pdq_quality": result.pdq_quality,
            "width": result.width, "height": result.height, "format": result.format,
            "mode": result.mode, "frame_count": result.frame_count, "file_size": result.size,
            "camera_make": result.camera_make[:256], "camera_model": result.camera_model[:256],
            "software": result.software[:256], "captured_at": result.captured_at[:40],
            "gps_lat": result.gps_lat, "gps_lon": result.gps_lon,
            "orientation": result.orientation, "storage_key": key, "thumb_key": tkey,
            "known_label": label, "warnings": list(result.warnings),
        }
        image, created = EvidenceImage.objects.get_or_create(sha256=result.sha256,
                                                             defaults=fields)
        summary.ingested += created
        summary.duplicates += not created
        summary.known += bool(label) and created
    else:
        summary.duplicates += 1
    # A file that changed at the same path now points at its new image.
    EvidenceFile.objects.update_or_create(
        case=case, path=result.path,
        defaults={"image": image, "size": result.size, "mtime_ns": result.mtime_ns},
    )


def _analysed(files: list[str], workers: int) -> Iterator[FileAnalysis | FileRejection]:
    if workers <= 1:
        yield from map(analyse_file, files)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(analyse_file, files, chunksize=8)


class Progress:
    """files/s and ETA on one line of a terminal (plain lines when not a terminal)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = self.stream.isatty()

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                f"{rate:.1f} files/s ETA {int(eta // 60)}:{int(eta % 60):02d}")
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        if force and self.tty:
            self.stream.write("\n")
        self.stream.flush()


def ingest(
    paths: Iterable[str | os.PathLike[str]], *, case_ref: str, workers: int = 1,
    progress: Callable[[int, int], None] | None = None, stream: TextIO | None = None,
) -> IngestSummary:
    started = time.monotonic()
    summary = IngestSummary()
    case = case_get_or_create(ref=case_ref)
    files = list(walk(paths))
    summary.seen = len(files)
    recorded = set(
        EvidenceFile.objects.filter(case=case).values_list("path", "size", "mtime_ns")
    )
    todo = []
    for path in files:
        try:
            stat = os.stat(path)
        except OSError as error:
            summary.rejected.append((path, "unreadable", str(error)))
            continue
        if (path, stat.st_size, stat.st_mtime_ns) in recorded:
            summary.skipped += 1
        else:
            todo.append(path)
    known = KnownMatcher()
    bar = Progress(len(todo), stream) if stream is not None else None
    done = 0
    batch: list[FileAnalysis] = []

    def flush() -> None:
        if not batch:
            return
        with transaction.atomic():
            for item in batch:
                _record(case, item, summary, known)
        batch.clear()

    for result in _analysed(todo, max(1, workers)):
        done += 1
        if isinstance(result, FileRejection):
            summary.rejected.append((result.path, result.reason, result.message))
        else:
            batch.append(result)
            if len(batch) >= BATCH:
                flush()
        if bar:
            bar.update(done)
        if progress:
            progress(done, len(todo))
    flush()
    if bar:
        bar.update(done, force=True)
    summary.indexed = pdq_index_sync()
    summary.seconds = time.monotonic() - started
    return summary
