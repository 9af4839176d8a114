"""Queued ingest in the test process: the walk cuts batches, workers (called here under two
worker ids) ingest them, a batch whose worker died is taken over from its position, the
progress adds up; bad input is refused before anything is written. The same with real
worker processes killed with SIGKILL: test_ingest_queue_workers.py."""

from __future__ import annotations

import html
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import staff_login
from tests.core.locales import compiled_locales, use_compiled_locales  # noqa: F401
from traceobject import cli
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.task_leases import tasks_recover
from traceobject.evidence.apps import INGEST_BATCH_TASK
from traceobject.evidence.index import pdq_index
from traceobject.evidence.ingest import MAX_PATH, ingest
from traceobject.evidence.ingest_queue import (
    ingest_batch_run,
    ingest_enqueue,
    ingest_run_status,
    path_shown,
)
from traceobject.evidence.models import (
    Case,
    EvidenceFile,
    EvidenceImage,
    IngestBatch,
    IngestRun,
    IngestWorkerProgress,
)
from traceobject.evidence.tasks import ingest_batch_task

from .conftest import hostile_files, write_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


def _work(run: IngestRun, workers: tuple[str, ...] = ("host-a-1", "host-b-1")) -> None:
    """The workers take the batches in turn, as db_worker processes would."""
    for n, batch in enumerate(IngestBatch.objects.filter(run=run).order_by("number")):
        outcome = ingest_batch_run(batch_id=batch.pk, worker_id=workers[n % len(workers)])
        assert outcome.state == "done", outcome


def test_the_task_path_the_recovery_hook_is_registered_under_is_the_tasks():
    assert ingest_batch_task.module_path == INGEST_BATCH_TASK
    assert ingest_batch_task.queue_name == "ingest"  # `worker --queues ingest` takes only these


def test_queued_batches_taken_by_two_workers_ingest_every_file_once(evidence_tree: Path):
    queued = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-1", batch_size=4)
    assert (queued.seen, queued.queued, queued.batches, queued.skipped) == (13, 13, 4, 0)
    tasks = DBTaskResult.objects.filter(task_path=INGEST_BATCH_TASK)
    assert tasks.count() == 4  # one task a batch, queued with it
    assert {t.args_kwargs["args"][0] for t in tasks} == set(
        IngestBatch.objects.values_list("pk", flat=True))
    assert IngestRun.objects.get().state == "queued"
    _work(queued.run)
    assert EvidenceFile.objects.count() == 13 and EvidenceImage.objects.count() == 12
    status = ingest_run_status(run_id=queued.run.pk)
    assert status.run.state == "done" and status.run.finished_at is not None
    assert (status.done, status.ingested, status.duplicates, status.refused) == (13, 12, 1, 0)
    assert status.batches["done"] == 4 and status.left == 0
    per_worker = {w.worker_id: (w.done, w.batches) for w in status.workers}
    assert per_worker == {"host-a-1": (8, 2), "host-b-1": (5, 2)}
    # the run's end caught the PDQ index up, as the direct ingest's end does
    assert len(pdq_index()) == EvidenceImage.objects.filter(pdq_quality__gte=50).count() > 0


def test_a_batch_whose_worker_died_is_taken_over_and_counted_once(evidence_tree: Path,
                                                                   settings: Any):
    settings.TRACEOBJECT_WORKER_LEASE_SECONDS = 2
    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-2", batch_size=7).run
    first, second = IngestBatch.objects.filter(run=run).order_by("number")
    assert ingest_batch_run(batch_id=first.pk, worker_id="dead-1").state == "done"
    # What a worker killed in the middle of the second batch leaves: the task row RUNNING
    # under its id (no lease), the batch running under its id.
    task = DBTaskResult.objects.get(args_kwargs__args=[second.pk])
    long_ago = timezone.now() - timedelta(minutes=5)
    DBTaskResult.objects.filter(pk=task.pk).update(status="RUNNING", started_at=long_ago,
                                                   worker_ids=["dead-1"])
    IngestBatch.objects.filter(pk=second.pk).update(state="running", worker_id="dead-1",
                                                    attempts=1, started_at=long_ago)
    assert ingest_batch_run(batch_id=second.pk, worker_id="live-2").state == "running"
    recovered = tasks_recover()
    assert recovered.requeued == [str(task.pk)]
    second.refresh_from_db()
    assert (second.state, second.position) == ("queued", 0)
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"
    assert ingest_batch_run(batch_id=second.pk, worker_id="live-2").state == "done"
    second.refresh_from_db()
    assert (second.state, second.attempts, second.worker_id) == ("done", 2, "live-2")
    assert EvidenceFile.objects.count() == 13
    assert sorted(EvidenceFile.objects.values_list("path", flat=True)) == sorted(
        str(p) for p in evidence_tree.rglob("*.jpg"))
    status = ingest_run_status(run_id=run.pk)
    assert (status.done, status.ingested + status.duplicates, status.run.state) == (
        13, 13, "done")
    # a batch that ended is not run again by a late duplicate of its task
    assert ingest_batch_run(batch_id=second.pk, worker_id="late-3").state == "done"
    assert IngestWorkerProgress.objects.filter(worker_id="late-3").count() == 0


def test_a_taken_over_batch_continues_from_its_position(evidence_tree: Path):
    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-3", batch_size=13).run
    batch = IngestBatch.objects.get(run=run)
    # the first worker recorded the first five files (direct ingest of those five paths is
    # what its committed chunk left) and its position says so
    files = [item[0] for item in batch.files]
    ingest(files[:5], case_ref="Q-3")
    IngestBatch.objects.filter(pk=batch.pk).update(position=5)
    outcome = ingest_batch_run(batch_id=batch.pk, worker_id="next-1")
    assert (outcome.state, outcome.done) == ("done", 8)
    assert EvidenceFile.objects.count() == 13
    assert IngestWorkerProgress.objects.get().done == 8


def test_files_recorded_earlier_are_skipped_and_refusals_are_kept(evidence_tree: Path):
    ingest([evidence_tree / "phone"], case_ref="Q-4")
    expected = hostile_files(evidence_tree / "bad")
    queued = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-4", batch_size=3)
    assert (queued.seen, queued.skipped, queued.queued) == (18, 12, 6)
    _work(queued.run)
    status = ingest_run_status(run_id=queued.run.pk)
    assert (status.done, status.duplicates, status.refused, status.skipped) == (6, 1, 5, 12)
    reasons = {Path(r.path).name: r.reason for r in status.refusals}
    assert reasons == expected
    assert not EvidenceFile.objects.filter(path__contains="/bad/").exists()


def test_hostile_file_names_are_ingested_or_refused_and_shown_escaped(tmp_path: Path):
    tree = tmp_path / "names"
    write_jpeg(tree / "esc\x1b[31mred\nline.jpg", seed=1)
    write_jpeg(tree / "plain.jpg", seed=2)
    bad = os.fsencode(tree) + b"/latin1-\xe9t\xe9.jpg"  # not UTF-8: the database holds text
    with open(bad, "wb") as fh:
        fh.write((tree / "plain.jpg").read_bytes())
    deep = tree / ("d" * 250) / ("e" * 250) / ("f" * 250) / ("g" * 250)
    write_jpeg(deep / "long.jpg", seed=3)  # the path is over MAX_PATH characters
    queued = ingest_enqueue(paths=[str(tree)], case_ref="Q-5")
    assert (queued.seen, queued.queued, queued.refused) == (4, 2, 2)
    _work(queued.run)
    status = ingest_run_status(run_id=queued.run.pk)
    assert {r.reason for r in status.refusals} == {"bad_file_name", "path_too_long"}
    shown = [r.path for r in status.refusals]
    assert any(p.endswith("latin1-\\xe9t\\xe9.jpg") for p in shown)
    assert all(len(p) <= 2048 for p in shown)
    # the file with controls in its name is evidence like any other: recorded as named
    assert EvidenceFile.objects.filter(path=str(tree / "esc\x1b[31mred\nline.jpg")).exists()
    assert path_shown("a\x1b[31m\nb") == "a\\x1b[31m\\x0ab"


def test_videos_go_through_the_queue_like_images(tmp_path: Path):
    from traceobject.evidence.models import EvidenceVideo, EvidenceVideoFile

    from .conftest import video_file

    tree = tmp_path / "tree"
    write_jpeg(tree / "a.jpg", seed=1)
    (tree / "clip.mp4").write_bytes(video_file().read_bytes())
    (tree / "z-copy.mp4").write_bytes(video_file().read_bytes())
    write_jpeg(tree / "zz.jpg", seed=2)
    run = ingest_enqueue(paths=[str(tree)], case_ref="Q-V", batch_size=10).run
    _work(run)
    assert EvidenceVideo.objects.count() == 1 and EvidenceVideoFile.objects.count() == 2
    assert EvidenceFile.objects.count() == 2  # the two pictures (keyframes have no file row)
    status = ingest_run_status(run_id=run.pk)
    assert (status.done, status.ingested, status.duplicates, status.refused) == (4, 3, 1, 0)
    assert IngestBatch.objects.get(run=run).position == 4


def test_a_batch_failed_by_the_recovery_ends_its_run(evidence_tree: Path, settings: Any):
    settings.TRACEOBJECT_WORKER_LEASE_SECONDS = 2
    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-F", batch_size=13).run
    batch = IngestBatch.objects.get(run=run)
    long_ago = timezone.now() - timedelta(minutes=5)
    # the task killed its worker five times already (MAX_ATTEMPTS of core/task_leases.py)
    DBTaskResult.objects.filter(task_path=INGEST_BATCH_TASK).update(
        status="RUNNING", started_at=long_ago, worker_ids=[f"dead-{i}" for i in range(5)])
    IngestBatch.objects.filter(pk=batch.pk).update(state="running", worker_id="dead-4",
                                                   attempts=5)
    assert len(tasks_recover().failed) == 1
    status = ingest_run_status(run_id=run.pk)
    assert status.batches["failed"] == 1 and status.run.state == "done"
    assert status.failed and "stopped" in status.failed[0][1]


def test_a_stalled_worker_that_fails_does_not_fail_the_batch_another_took_over(
        evidence_tree: Path):
    from traceobject.evidence.ingest_queue import ingest_batch_failed

    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-T", batch_size=13).run
    batch = IngestBatch.objects.get(run=run)
    # worker A stalled and lost its lease; B holds the batch now
    IngestBatch.objects.filter(pk=batch.pk).update(state="running", worker_id="host-b-1")
    ingest_batch_failed(batch_id=batch.pk, worker_id="host-a-1", error="OSError: stale NFS")
    batch.refresh_from_db()
    assert (batch.state, batch.worker_id, batch.error) == ("running", "host-b-1", "")
    ingest_batch_failed(batch_id=batch.pk, worker_id="host-b-1", error="ValueError: x")
    batch.refresh_from_db()
    assert (batch.state, batch.error) == ("failed", "ValueError: x")


def _nothing_written() -> None:
    assert not Case.objects.exists() and not IngestRun.objects.exists()
    assert not IngestBatch.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.parametrize(("paths", "code"), [
    ([], "invalid_path"), ([""], "invalid_path"), (["   "], "invalid_path"),
    (["/no/such/folder"], "invalid_path"), (["bad\x1b[2Jname"], "invalid_path"),
    (["bad\nname"], "invalid_path"), (["x" * (MAX_PATH + 1)], "invalid_path"),
    (["/tmp/\udce9"], "invalid_path"), (["/"] * 1001, "invalid_path"),
])
def test_bad_paths_are_refused_before_anything_is_written(paths: list[str], code: str):
    with pytest.raises(ServiceError) as error:
        ingest_enqueue(paths=paths, case_ref="Q-6")
    assert error.value.code == code and error.value.message
    _nothing_written()


def test_a_bad_case_reference_a_bad_batch_size_or_no_file_writes_nothing(tmp_path: Path,
                                                                         evidence_tree: Path):
    for ref in ("", "x" * 65, "bad\x00ref", "bad\x1bref"):
        with pytest.raises(ServiceError):
            ingest_enqueue(paths=[str(evidence_tree)], case_ref=ref)
    for size in (0, -1, 10_001):
        with pytest.raises(ServiceError):
            ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-7", batch_size=size)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ServiceError) as error:
        ingest_enqueue(paths=[str(tmp_path / "empty")], case_ref="Q-7")
    assert error.value.code == "no_files"
    _nothing_written()


def test_status_of_an_unknown_run_is_not_found():
    with pytest.raises(NotFound):
        ingest_run_status(run_id=12345)


def test_the_command_queues_and_reports_progress(evidence_tree: Path, capsys: Any):
    assert cli.main(["ingest", str(evidence_tree), "--case", "Q-8", "--queue",
                     "--batch-size", "5"]) == 0
    out = capsys.readouterr().out
    run = IngestRun.objects.get()
    assert f"ingest run {run.pk} queued: 13 files seen, 13 in 3 batches" in out
    _work(run)
    assert cli.main(["ingest", "--status", str(run.pk), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["state"], status["seen"], status["done"], status["duplicates"],
            status["refused"]) == ("done", 13, 13, 1, 0)
    assert sum(w["done"] for w in status["workers"]) == 13 and len(status["workers"]) == 2
    assert cli.main(["ingest", "--status", "--case", "Q-8"]) == 0
    text = capsys.readouterr().out
    assert f"ingest run {run.pk}, case Q-8: done" in text and "host-b-1: 5 / 5 / 0" in text


@pytest.mark.parametrize("argv", [
    ["ingest", "--status", "999999"], ["ingest", "--status", "abc"],
    ["ingest", "--status", "-3"], ["ingest", "--status", "--case", "NO-SUCH-CASE"],
    ["ingest", "--status", "1", "somepath"], ["ingest", "--queue", "--case", "Q-9"],
    ["ingest", "", "--case", "Q-9", "--queue"], ["ingest", "/no/such", "--case", "Q-9", "--queue"],
    ["ingest", "bad\x1b]0;title\x07", "--case", "Q-9", "--queue"],
    ["worker", "--queues", "nosuchqueue"], ["worker", "--queues", ","],
])
def test_the_command_refuses_bad_input_with_a_message(argv: list[str], capsys: Any):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "\x1b" not in err and "\x07" not in err
    _nothing_written()


def test_the_case_page_shows_progress_across_workers(client: Any, users: dict[str, Any],
                                                      evidence_tree: Path):
    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-10", batch_size=5).run
    first = IngestBatch.objects.filter(run=run).order_by("number").first()
    assert first is not None
    ingest_batch_run(batch_id=first.pk, worker_id="host-a-1")
    staff_login(client, users["investigator"])
    page = client.get("/internal/cases/Q-10/").content.decode()
    assert "Queued ingests" in page and f"Run {run.pk}" in page
    assert "host-a-1" in page and "5 of 13" in page
    staff_login(client, users["reviewer"])
    assert client.get("/internal/cases/Q-10/").status_code == 403


@pytest.mark.usefixtures("use_compiled_locales")
@pytest.mark.parametrize("language", ["de", "el"])
def test_the_progress_is_shown_in_the_readers_language(client: Any, users: dict[str, Any],
                                                      evidence_tree: Path, language: str):
    from tests.core.locales import translation_of
    from traceobject.accounts import services as accounts

    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-11", batch_size=13).run
    _work(run)
    accounts.staff_language_set(user=users["investigator"], language=language)
    staff_login(client, users["investigator"])
    page = html.unescape(client.get("/internal/cases/Q-11/").content.decode())
    for msgid, values in [
        ("Queued ingests", {}), ("Run %(n)s: finished", {"n": run.pk}),
        ("%(done)s of %(queued)s files done (%(percent)s %%), %(seen)s files seen: %(new)s "
         "new, %(duplicates)s duplicates, %(refused)s refused, %(skipped)s recorded before.",
         {"done": 13, "queued": 13, "percent": 100, "seen": 13, "new": 12, "duplicates": 1,
          "refused": 0, "skipped": 0}),
        ("Progress per worker", {}), ("stopped", {}),  # its worker holds no lease
    ]:
        translated = translation_of(language, msgid)
        assert translated is not None, msgid
        assert translated % values in page, msgid


def test_a_store_outage_puts_the_batch_back_and_queues_it_again(evidence_tree: Path,
                                                                 settings: Any, tmp_path: Path):
    """The real task run as db_worker runs it: with the store unreachable the batch goes
    back to the queue untouched and its task is queued again for later; once the store is
    back, the batch is ingested."""
    import socket

    from django.core.files.storage import storages
    from django_tasks_db.management.commands.db_worker import Worker

    from tests.evidence.test_s3 import _env, _use_store

    run = ingest_enqueue(paths=[str(evidence_tree)], case_ref="Q-S", batch_size=13).run
    batch = IngestBatch.objects.get(run=run)
    folder_store = dict(settings.STORAGES)
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _use_store(settings, tmp_path, _env(f"http://127.0.0.1:{port}"))
    worker = Worker(queue_names=["ingest"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="w-1",
                    excluded_queue_names=[])
    row = DBTaskResult.objects.ready().get()
    row.claim("w-1")
    worker.run_task(row)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and row.return_value["note"] == "retry"
    batch.refresh_from_db()
    assert (batch.state, batch.position) == ("queued", 0) and "evidence store" in batch.error
    assert batch.attempts == 0  # an outage is not an attempt: outages never fail a batch
    assert not EvidenceFile.objects.exists()
    again = DBTaskResult.objects.get(status="READY", task_path=INGEST_BATCH_TASK)
    assert again.args_kwargs["args"] == [batch.pk] and again.run_after > timezone.now()
    assert not DBTaskResult.objects.ready().exists()  # not before its time

    settings.STORAGES = folder_store  # the store is back, and the time has come
    storages._storages.pop("evidence", None)
    DBTaskResult.objects.filter(pk=again.pk).update(run_after=timezone.now())
    again = DBTaskResult.objects.ready().get()
    again.claim("w-2")
    worker.run_task(again)
    batch.refresh_from_db()
    assert (batch.state, batch.attempts, batch.worker_id) == ("done", 1, "w-2")
    assert EvidenceFile.objects.count() == 13
    assert ingest_run_status(run_id=run.pk).run.state == "done"
