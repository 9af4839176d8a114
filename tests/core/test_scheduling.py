"""core.scheduling: one task per key and time window, queued when the transaction commits,
with the real cache, the real task backend (the database, or one that cannot defer) and
Django's on-commit callbacks."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from traceobject.core.scheduling import schedule_once, schedule_once_on_commit

pytestmark = pytest.mark.django_db
RUNS: list[int] = []
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@task()
def note_run(n: int) -> int:
    RUNS.append(n)
    return n


def _key() -> str:
    return f"test:scheduling:{uuid.uuid4().hex}"  # the cache outlives a test


def _queued() -> list[DBTaskResult]:
    return [row for row in DBTaskResult.objects.order_by("enqueued_at")
            if row.task_path == note_run.module_path]


def test_one_task_per_key_and_window_after_the_commit(django_capture_on_commit_callbacks):
    first, second = _key(), _key()
    RUNS.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(5):
            schedule_once_on_commit(key=first, window=2, task=note_run, args=(1,))
        schedule_once_on_commit(key=second, window=2, task=note_run, args=[2])
        assert _queued() == []  # nothing before the commit
    rows = _queued()
    assert sorted(row.args_kwargs["args"] for row in rows) == [[1], [2]]
    for row in rows:  # each runs after the window, so it sees every change made within it
        assert row.run_after is not None
        assert timedelta(seconds=1) < row.run_after - row.enqueued_at <= timedelta(seconds=3)
    assert RUNS == []  # queued, not run


def test_a_rolled_back_change_queues_nothing(django_capture_on_commit_callbacks):
    key = _key()
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        schedule_once_on_commit(key=key, window=2, task=note_run, args=(3,))
        raise RuntimeError("rolled back")
    assert _queued() == []
    assert schedule_once(key=key, window=2, task=note_run, args=(3,)) is True  # key not held


def test_the_first_change_after_the_window_queues_the_next_run():
    key = _key()
    assert schedule_once(key=key, window=1, task=note_run, args=(4,)) is True
    assert schedule_once(key=key, window=1, task=note_run, args=(4,)) is False
    time.sleep(1.2)
    assert schedule_once(key=key, window=1, task=note_run, args=(4,)) is True
    assert len(_queued()) == 2


@override_settings(TASKS=IMMEDIATE)
def test_a_backend_that_cannot_defer_runs_each_change_at_once():
    key = _key()
    RUNS.clear()
    for _ in range(3):
        assert schedule_once(key=key, window=2, task=note_run, args=(5,)) is True
    assert RUNS == [5, 5, 5]  # none is folded into a run that would never come
    assert cache.get(key) is None


def test_a_window_shorter_than_a_second_is_refused():
    key = _key()
    with pytest.raises(ValueError):
        schedule_once(key=key, window=0, task=note_run)
    assert cache.get(key) is None and _queued() == []
