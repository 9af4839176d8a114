"""The periodic scheduler (core/schedule.py): due, not due, claimed once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from traceobject import cli
from traceobject.core import schedule, task_leases
from traceobject.core.models import PeriodicSlot
from traceobject.core.schedule import Periodic, schedule_tick, slot_claim

NOW = timezone.now()
RETENTION_PATH = "traceobject.tips.retention.retention_purge_task"
EXPORTS_PATH = "traceobject.exports.housekeeping.exports_tidy_task"


def _queued(path: str = RETENTION_PATH) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


@pytest.mark.django_db
def test_first_tick_enqueues_the_retention_task_then_only_once_a_day():
    assert schedule_tick(now=NOW) == ["retention", "exports", "once-keys", "object-features"]
    assert _queued() == 1
    assert schedule_tick(now=NOW) == []  # not due again
    assert schedule_tick(now=NOW + timedelta(hours=23, minutes=59)) == [
        "exports", "once-keys", "object-features"]  # hourly
    assert _queued() == 1
    assert schedule_tick(now=NOW + timedelta(days=1)) == ["retention"]
    assert _queued() == 2
    slot = PeriodicSlot.objects.get(name="retention")
    assert slot.next_due_at == NOW + timedelta(days=2)


@pytest.mark.django_db
def test_export_housekeeping_is_enqueued_every_hour():
    assert "exports" in schedule_tick(now=NOW)
    assert schedule_tick(now=NOW + timedelta(minutes=59)) == []
    assert schedule_tick(now=NOW + timedelta(hours=1)) == [
        "exports", "once-keys", "object-features"]
    assert _queued(EXPORTS_PATH) == 2


@pytest.mark.django_db
def test_a_worker_that_was_down_runs_a_missed_slot_once_not_once_per_missed_day():
    schedule_tick(now=NOW)
    later = NOW + timedelta(days=10)
    assert schedule_tick(now=later) == ["retention", "exports", "once-keys", "object-features"]
    assert schedule_tick(now=later + timedelta(minutes=30)) == []
    assert _queued() == 2 and _queued(EXPORTS_PATH) == 2


@pytest.mark.django_db
def test_a_due_slot_is_claimed_once():
    every = timedelta(hours=1)
    assert slot_claim(name="job", every=every, now=NOW) is True
    assert slot_claim(name="job", every=every, now=NOW) is False  # the second worker
    assert slot_claim(name="job", every=every, now=NOW + timedelta(minutes=30)) is False
    assert slot_claim(name="job", every=every, now=NOW + every) is True
    assert PeriodicSlot.objects.filter(name="job").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_enqueue_a_due_task_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers anyway; the race is real on PostgreSQL")
    schedule_tick(now=NOW)  # the slot exists and is next due at NOW + 1 day
    due = NOW + timedelta(days=1)
    barrier = threading.Barrier(6)
    results: list[list[str]] = []

    def worker() -> None:
        from django.db import connections

        try:
            barrier.wait()
            results.append(schedule_tick(now=due))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each due task is enqueued by exactly one of the workers (not always the same one).
    assert len(results) == 6
    assert sorted(name for names in results for name in names) == [
        "exports", "object-features", "once-keys", "retention"]
    assert _queued() == 2 and _queued(EXPORTS_PATH) == 2


@pytest.mark.django_db
def test_a_task_that_cannot_be_enqueued_does_not_use_up_its_slot(caplog):
    broken = (Periodic("broken", timedelta(days=1), "traceobject.no_such_module.task"),)
    assert schedule_tick(now=NOW, periodic=broken) == []
    assert "could not be enqueued" in caplog.text
    # The claim was rolled back with the failed enqueue: the job is still due.
    assert not PeriodicSlot.objects.filter(name="broken", next_due_at__gt=NOW).exists()
    good = (Periodic("broken", timedelta(days=1), RETENTION_PATH),)
    assert schedule_tick(now=NOW, periodic=good) == ["broken"]


@pytest.mark.django_db
def test_one_broken_job_does_not_stop_the_others():
    jobs = (Periodic("broken", timedelta(days=1), "traceobject.no_such_module.task"),
            Periodic("retention", timedelta(days=1), RETENTION_PATH))
    assert schedule_tick(now=NOW, periodic=jobs) == ["retention"]


def test_the_loop_ticks_until_stopped_and_survives_a_failing_tick(monkeypatch):
    stop = threading.Event()
    calls: list[int] = []

    def tick() -> list[str]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        if len(calls) == 3:
            stop.set()
        return []

    monkeypatch.setattr(schedule, "schedule_tick", tick)
    monkeypatch.setattr(schedule, "close_old_connections", lambda: None)
    monkeypatch.setattr(schedule.connections, "close_all", lambda: None)
    schedule.schedule_loop(stop, every=0.001)
    assert len(calls) == 3


def test_the_worker_command_starts_the_scheduler_with_the_task_worker(monkeypatch):
    started: list[bool] = []
    managed: list[list[str]] = []
    monkeypatch.setattr(schedule, "schedule_thread_start", lambda: started.append(True))
    monkeypatch.setattr(cli, "_manage", lambda args: managed.append(list(args)) or 0)
    stop = threading.Event()
    monkeypatch.setattr(task_leases, "lease_thread_start", lambda worker_id: (None, stop))
    monkeypatch.setattr(task_leases, "worker_lease_end", lambda worker_id: None)

    assert cli.main(["worker", "--interval", "2"]) == 0
    assert started == [True] and managed[0][:3] == ["db_worker", "--interval", "2.0"]
    assert stop.is_set()  # the lease thread stops with the worker

    assert cli.main(["worker", "--no-schedule"]) == 0
    assert started == [True] and len(managed) == 2
