"""The ingest writer records a batch at once (ingest.batch_commit, used by the direct and
the queued ingest): each file counted once, duplicates within the batch and across cases,
a path whose content changed, an image another writer recorded meanwhile, the index log's
trigger, and a number of queries that does not grow with the batch."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from traceobject.evidence.ingest import (
    IngestSummary,
    batch_commit,
    case_get_or_create,
    files_record,
    ingest,
)
from traceobject.evidence.ingest_queue import ingest_batch_run, ingest_enqueue, ingest_run_status
from traceobject.evidence.known import KnownMatcher, known_hashes_import
from traceobject.evidence.models import (
    EvidenceFile,
    EvidenceImage,
    IndexPending,
    IngestBatch,
)
from traceobject.evidence.signals import images_recorded
from traceobject.vision.analyse import FileAnalysis, analyse_file

from .conftest import write_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


def _analysed(*paths: Path) -> list[FileAnalysis]:
    results = [analyse_file(str(path)) for path in paths]
    assert all(isinstance(r, FileAnalysis) for r in results)
    return results  # type: ignore[return-value]


@pytest.fixture
def announced() -> Any:
    """The image ids of each images_recorded signal sent."""
    sent: list[list[int]] = []

    def receiver(sender: Any, *, image_ids: list[int], **_kwargs: Any) -> None:
        sent.append(list(image_ids))

    images_recorded.connect(receiver, dispatch_uid="test_ingest_batch")
    yield sent
    images_recorded.disconnect(dispatch_uid="test_ingest_batch")


def test_the_same_content_twice_in_one_batch_is_one_image_and_one_duplicate(
        tmp_path: Path, announced: list[list[int]]):
    first = write_jpeg(tmp_path / "a" / "one.jpg", seed=1)
    copy = tmp_path / "b" / "one_again.jpg"
    copy.parent.mkdir()
    shutil.copyfile(first, copy)
    other = write_jpeg(tmp_path / "a" / "two.jpg", seed=2)
    case = case_get_or_create(ref="B-1")
    summary = IngestSummary()
    new_ids = batch_commit(case, _analysed(first, copy, other), summary, KnownMatcher())
    assert (summary.ingested, summary.duplicates, summary.known) == (2, 1, 0)
    assert sorted(new_ids) == sorted(EvidenceImage.objects.values_list("pk", flat=True))
    assert announced == [sorted(new_ids)]
    files = dict(EvidenceFile.objects.filter(case=case).values_list("path", "image__sha256"))
    assert len(files) == 3 and files[str(first)] == files[str(copy)] != files[str(other)]
    # the index log's trigger noted every inserted image, in the inserting transaction
    assert sorted(IndexPending.objects.filter(kind="pdq").values_list("row_id", flat=True)) \
        == sorted(new_ids)


def test_a_file_recorded_in_another_case_is_a_duplicate_there(tmp_path: Path,
                                                              announced: list[list[int]]):
    path = write_jpeg(tmp_path / "one.jpg", seed=3)
    known = KnownMatcher()
    batch_commit(case_get_or_create(ref="B-2"), _analysed(path), IngestSummary(), known)
    image = EvidenceImage.objects.get()
    announced.clear()
    other_case = case_get_or_create(ref="B-3")
    summary = IngestSummary()
    assert batch_commit(other_case, _analysed(path), summary, known) == []
    assert (summary.ingested, summary.duplicates) == (0, 1)
    assert announced == []  # no image new to the store
    assert EvidenceImage.objects.count() == 1
    assert EvidenceFile.objects.get(case=other_case).image == image
    assert EvidenceFile.objects.count() == 2


def test_a_path_whose_content_changed_points_at_the_new_image(tmp_path: Path):
    path = write_jpeg(tmp_path / "one.jpg", seed=4)
    case = case_get_or_create(ref="B-4")
    known = KnownMatcher()
    batch_commit(case, _analysed(path), IngestSummary(), known)
    before = EvidenceFile.objects.get()
    write_jpeg(path, seed=5, size=(800, 600))
    changed = _analysed(path)[0]
    summary = IngestSummary()
    batch_commit(case, [changed], summary, known)
    assert (summary.ingested, summary.duplicates) == (1, 0)
    after = EvidenceFile.objects.get()  # the same row, updated
    assert after.pk == before.pk
    assert after.image.sha256 == changed.sha256 != before.image.sha256
    assert (after.size, after.mtime_ns) == (changed.size, changed.mtime_ns)
    assert EvidenceImage.objects.count() == 2  # the old image stays in the store


def test_known_images_are_counted_when_new_to_the_store_only(tmp_path: Path):
    paths = [write_jpeg(tmp_path / f"{n}.jpg", seed=10 + n) for n in range(3)]
    results = _analysed(*paths)
    known_hashes_import(text=f"sha256,label\n{results[1].sha256},series K\n", list_name="k")
    known = KnownMatcher()
    summary = IngestSummary()
    batch_commit(case_get_or_create(ref="B-5"), results, summary, known)
    assert (summary.ingested, summary.duplicates, summary.known) == (3, 0, 1)
    assert EvidenceImage.objects.get(sha256=results[1].sha256).known_label == "series K"
    again = IngestSummary()
    batch_commit(case_get_or_create(ref="B-6"), results, again, known)
    assert (again.ingested, again.duplicates, again.known) == (0, 3, 0)


class _AnotherWriterMeanwhile(KnownMatcher):
    """Records one image, as another writer's transaction would, between the batch's
    look-up of the recorded images and its insert of the new ones."""

    def __init__(self, result: FileAnalysis) -> None:
        super().__init__()
        self.result = result

    def match(self, *, sha256: str, md5: str, pdq: str, quality: int) -> str:
        if sha256 == self.result.sha256 and not EvidenceImage.objects.filter(
                sha256=sha256).exists():
            r = self.result
            EvidenceImage.objects.create(
                sha256=r.sha256, md5=r.md5, pdq=r.pdq, pdq_quality=r.pdq_quality,
                width=r.width, height=r.height, format=r.format, file_size=r.size,
                storage_key="elsewhere")
        return ""


def test_an_image_another_writer_recorded_meanwhile_is_a_duplicate(
        tmp_path: Path, announced: list[list[int]]):
    paths = [write_jpeg(tmp_path / f"{n}.jpg", seed=20 + n) for n in range(3)]
    results = _analysed(*paths)
    case = case_get_or_create(ref="B-7")
    summary = IngestSummary()
    new_ids = batch_commit(case, results, summary, _AnotherWriterMeanwhile(results[1]))
    assert (summary.ingested, summary.duplicates) == (2, 1)
    theirs = EvidenceImage.objects.get(sha256=results[1].sha256)
    assert theirs.storage_key == "elsewhere" and theirs.pk not in new_ids
    assert sorted(new_ids) == sorted(EvidenceImage.objects.exclude(pk=theirs.pk)
                                     .values_list("pk", flat=True))
    assert announced == [sorted(new_ids)]
    files = dict(EvidenceFile.objects.values_list("path", "image__sha256"))
    assert files == {str(p): r.sha256 for p, r in zip(paths, results, strict=True)}


def test_recording_a_batch_takes_as_many_queries_for_2_files_as_for_20(tmp_path: Path):
    paths = [write_jpeg(tmp_path / f"{n}.jpg", seed=40 + n, size=(64, 48)) for n in range(22)]
    results = _analysed(*paths)
    known = KnownMatcher()
    counts = []
    for n, batch in enumerate((results[:2], results[2:])):
        stored = {r.sha256 for r in batch}  # (files_record writes rows only)
        case = case_get_or_create(ref=f"B-8-{n}")
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            files_record(case, batch, IngestSummary(), known, stored)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


def test_the_queued_ingest_counts_a_duplicate_within_one_chunk(evidence_tree: Path):
    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="B-9", batch_size=13).run
    batch = IngestBatch.objects.get(run=run)
    assert ingest_batch_run(batch_id=batch.pk, worker_id="host-1").state == "done"
    status = ingest_run_status(run_id=run.pk)
    assert (status.done, status.ingested, status.duplicates) == (13, 12, 1)
    assert EvidenceFile.objects.count() == 13 and EvidenceImage.objects.count() == 12
    # the direct ingest of the same tree in another case finds every image stored
    again = ingest([evidence_tree], case_ref="B-10")
    assert (again.ingested, again.duplicates) == (0, 13)


def test_a_direct_ingest_numbers_new_images_in_the_order_the_files_were_found(
        tmp_path: Path) -> None:
    folder = tmp_path / "seized"
    for n, seed in enumerate((5, 1, 9, 3, 7)):
        write_jpeg(folder / f"IMG_{n:04d}.jpg", seed=seed)
    results = _analysed(*sorted(folder.iterdir()))
    assert [r.sha256 for r in results] != sorted(r.sha256 for r in results)  # a real check
    ingest([folder], case_ref="CASE-ORDER")
    by_id = EvidenceFile.objects.order_by("image_id").values_list("path", flat=True)
    assert [Path(p).name for p in by_id] == [f"IMG_{n:04d}.jpg" for n in range(5)]
