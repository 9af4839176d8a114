"""Tasks whose worker was killed (core/task_leases.py): a row left RUNNING by a worker that
holds no live lease goes back to the queue and its work is done once; a live worker's long
task is left alone; a task that lost its worker MAX_ATTEMPTS times is failed."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from traceobject import cli
from traceobject.core import schedule, task_leases
from traceobject.core.models import WorkerLease
from traceobject.core.task_leases import (
    LOST_ERROR,
    MAX_ATTEMPTS,
    tasks_recover,
    worker_lease_end,
    worker_lease_renew,
)
from traceobject.exports.models import Export
from traceobject.exports.services import export_start
from traceobject.tips import intake
from traceobject.tips.models import SealedTip, Tip
from traceobject.tips.services import _open_one
from traceobject.tips.tasks import open_sealed_tips

pytestmark = pytest.mark.django_db

LEASE = 30


@pytest.fixture(autouse=True)
def _lease(settings: Any) -> None:
    settings.TRACEOBJECT_WORKER_LEASE_SECONDS = LEASE


def _left_running(row_id: Any, *, worker: str = "killed-worker", age: float = 2 * LEASE,
                  claims: int = 1) -> None:
    """The row as a worker killed in the middle of the task leaves it: claimed (RUNNING, a
    start time, the worker's id; `claims` times over), never finished."""
    row = DBTaskResult.objects.get(id=row_id)
    for n in range(claims):
        row.claim(worker if n == claims - 1 else f"earlier-{n}")
    DBTaskResult.objects.filter(id=row_id).update(
        started_at=timezone.now() - timedelta(seconds=age))


def _run_ready(worker_id: str = "new-worker") -> int:
    """What a worker does with the ready rows: claim each, run it (django-tasks-db's code)."""
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id=worker_id,
                    excluded_queue_names=[])
    ran = 0
    while (row := DBTaskResult.objects.ready().first()) is not None:
        row.claim(worker_id)
        worker.run_task(row)
        ran += 1
    return ran


def _status(row_id: Any) -> str:
    return str(DBTaskResult.objects.get(id=row_id).status)


@pytest.fixture
def sealed(published: Any) -> list[int]:
    """Three sealed tips waiting to be opened (no opening task queued: on_commit not run)."""
    for text in ("Seen in Gdańsk.", "A shop in Poznań sells it.", "Market in Łódź, 2022."):
        intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": text}))
    return list(SealedTip.objects.order_by("id").values_list("id", flat=True))


def test_tips_a_killed_worker_was_opening_are_opened_once(sealed):
    row_id = open_sealed_tips.enqueue().id
    _left_running(row_id)
    # It had opened the first tip when it was killed.
    from traceobject.core.keys import intake_private_key

    assert _open_one(sealed[0], intake_private_key()) is True

    assert _run_ready() == 0  # nothing ready: without recovery the rest would wait for good
    recovery = tasks_recover()
    assert recovery.requeued == [str(row_id)] and recovery.failed == []
    assert _status(row_id) == "READY"
    assert _run_ready() == 1

    row = DBTaskResult.objects.get(id=row_id)
    assert row.status == "SUCCESSFUL" and row.return_value == 2  # the two it had not opened
    assert row.worker_ids == ["killed-worker", "new-worker"]
    assert sorted(Tip.objects.values_list("intake_id", flat=True)) == sealed
    assert not SealedTip.objects.filter(opened_at__isnull=True).exists()
    assert tasks_recover().requeued == []


def test_a_long_task_of_a_live_worker_is_left_alone(sealed):
    row_id = open_sealed_tips.enqueue().id
    now = timezone.now()
    worker_lease_renew(worker_id="busy-worker", now=now)
    _left_running(row_id, worker="busy-worker", age=10 * LEASE)  # a long export, say
    assert tasks_recover(now=now).requeued == []
    assert _status(row_id) == "RUNNING"
    # The worker dies: its lease runs out, and the task goes back to the queue.
    after = now + timedelta(seconds=LEASE + 1)
    assert tasks_recover(now=after).requeued == [str(row_id)]


def test_a_task_started_within_the_lease_is_left_alone(sealed):
    row_id = open_sealed_tips.enqueue().id
    _left_running(row_id, worker="unknown-worker", age=1)
    assert tasks_recover().requeued == []
    assert _status(row_id) == "RUNNING"
    assert tasks_recover(now=timezone.now() + timedelta(seconds=LEASE)).requeued == [
        str(row_id)]


def test_a_worker_that_stopped_cleanly_gives_its_lease_up(sealed):
    row_id = open_sealed_tips.enqueue().id
    now = timezone.now()
    worker_lease_renew(worker_id="w1", now=now)
    _left_running(row_id, worker="w1")
    assert tasks_recover(now=now).requeued == []
    worker_lease_end(worker_id="w1")
    assert not WorkerLease.objects.exists()
    assert tasks_recover(now=now).requeued == [str(row_id)]


def test_a_task_that_lost_its_worker_again_and_again_is_failed_with_the_reason(sealed):
    row_id = open_sealed_tips.enqueue().id
    _left_running(row_id, claims=MAX_ATTEMPTS - 1)
    assert tasks_recover().requeued == [str(row_id)]
    _left_running(row_id)  # claimed once more and killed once more: MAX_ATTEMPTS claims
    recovery = tasks_recover()
    assert recovery.failed == [str(row_id)] and recovery.requeued == []
    row = DBTaskResult.objects.get(id=row_id)
    assert row.status == "FAILED" and row.finished_at is not None
    assert row.exception_class_path == LOST_ERROR
    assert f"{MAX_ATTEMPTS} times" in row.traceback
    result = open_sealed_tips.get_result(str(row_id))
    assert result.status == "FAILED" and result.errors[0].exception_class_path == LOST_ERROR
    assert _run_ready() == 0


def test_a_row_recovered_or_claimed_meanwhile_is_not_touched_again(sealed, monkeypatch):
    row_id = open_sealed_tips.enqueue().id
    _left_running(row_id)
    real = task_leases._live_workers

    def another_worker_first(now: Any) -> set[str]:
        # Between this pass's read and its update, another worker's pass recovers the row
        # and a worker claims it anew.
        monkeypatch.setattr(task_leases, "_live_workers", real)
        assert tasks_recover().requeued == [str(row_id)]
        DBTaskResult.objects.get(id=row_id).claim("third-worker")
        return real(now)

    monkeypatch.setattr(task_leases, "_live_workers", another_worker_first)
    assert tasks_recover().requeued == []
    row = DBTaskResult.objects.get(id=row_id)
    assert row.status == "RUNNING" and row.worker_ids == ["killed-worker", "third-worker"]


def test_an_export_whose_worker_was_killed_is_written_once(users, published, evidence_store):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    row_id = DBTaskResult.objects.get(task_path="traceobject.exports.tasks.export_run_task").id
    _left_running(row_id)
    # export_run had claimed the export when the worker was killed.
    Export.objects.filter(pk=export.pk).update(state="running", started_at=timezone.now(),
                                               progress_at=timezone.now())
    assert tasks_recover().requeued == [str(row_id)]
    assert Export.objects.get(pk=export.pk).state == "queued"
    assert _run_ready() == 1
    export.refresh_from_db()
    assert export.state == "done" and export.file_key
    assert DBTaskResult.objects.get(id=row_id).return_value == "done"
    files = list(Path(evidence_store, "exports", str(export.pk)).iterdir())
    assert [f.name for f in files] == [Path(export.file_key).name]


def test_an_export_whose_task_is_given_up_is_marked_failed(users, published, evidence_store):
    export = export_start(user=users["investigator"], obj=published, fmt="json")
    row_id = DBTaskResult.objects.get(task_path="traceobject.exports.tasks.export_run_task").id
    _left_running(row_id, claims=MAX_ATTEMPTS)
    Export.objects.filter(pk=export.pk).update(state="running", started_at=timezone.now())
    assert tasks_recover().failed == [str(row_id)]
    export.refresh_from_db()
    assert export.state == "failed" and export.error == "its worker stopped"


def test_leases_expired_long_ago_are_deleted():
    now = timezone.now()
    worker_lease_renew(worker_id="old", now=now - timedelta(days=1))
    worker_lease_renew(worker_id="recent", now=now - timedelta(seconds=2 * LEASE))
    worker_lease_renew(worker_id="live", now=now)
    tasks_recover(now=now)
    assert sorted(WorkerLease.objects.values_list("worker_id", flat=True)) == ["live", "recent"]


def test_renewal_extends_one_lease_row():
    now = timezone.now()
    worker_lease_renew(worker_id="w", now=now)
    worker_lease_renew(worker_id="w", now=now + timedelta(seconds=10))
    lease = WorkerLease.objects.get()
    assert lease.started_at == now and lease.expires_at == now + timedelta(seconds=10 + LEASE)


def test_the_worker_command_holds_a_lease_and_recovers_at_start(sealed, monkeypatch):
    row_id = open_sealed_tips.enqueue().id
    _left_running(row_id)
    seen: dict[str, Any] = {}

    def manage(args: list[str]) -> int:
        seen["args"] = list(args)
        seen["leases"] = list(WorkerLease.objects.values_list("worker_id", flat=True))
        seen["status"] = _status(row_id)
        return 0

    monkeypatch.setattr(cli, "_manage", manage)
    monkeypatch.setattr(task_leases, "lease_interval", lambda: 3600.0)  # the thread waits
    monkeypatch.setattr(schedule, "schedule_thread_start", lambda: None)
    assert cli.main(["worker", "--interval", "2"]) == 0
    worker_id = seen["args"][seen["args"].index("--worker-id") + 1]
    assert seen["args"][:3] == ["db_worker", "--interval", "2.0"]
    assert seen["leases"] == [worker_id] and 0 < len(worker_id) <= 64
    assert seen["status"] == "READY"  # recovered before the worker took its first task
    assert not WorkerLease.objects.exists()  # given up when the worker stopped


def test_the_lease_loop_renews_recovers_and_survives_errors(monkeypatch):
    calls: list[str] = []
    stop = threading.Event()

    def renew(*, worker_id: str) -> None:
        calls.append("renew")
        if len(calls) == 1:
            raise RuntimeError("database away")

    def recover() -> None:
        calls.append("recover")
        if calls.count("recover") == 2:
            stop.set()

    monkeypatch.setattr(task_leases, "worker_lease_renew", renew)
    monkeypatch.setattr(task_leases, "tasks_recover", recover)
    monkeypatch.setattr(task_leases, "lease_interval", lambda: 0.001)
    monkeypatch.setattr(task_leases, "close_old_connections", lambda: None)
    monkeypatch.setattr(task_leases.connections, "close_all", lambda: None)
    task_leases.lease_loop(stop, worker_id="w")
    assert calls == ["renew", "renew", "recover", "renew", "recover"]
