"""Tasks whose worker died: leases and the recovery pass.

django-tasks-db's `db_worker` marks a task row RUNNING when it claims it and SUCCESSFUL or
FAILED when the task returns or raises. A worker killed in between (`kill -9`, out of memory,
a machine lost) leaves the row RUNNING for good: nothing in django-tasks-db looks at it again.

`traceobject worker` therefore holds a lease (core.models.WorkerLease) under the worker id it
gives `db_worker`: a thread renews it every quarter of TRACEOBJECT_WORKER_LEASE_SECONDS while
the process lives, and ends it when the worker stops cleanly. The recovery pass
(:func:`tasks_recover`) runs at every worker's start and with every renewal: a row RUNNING
for longer than the lease whose worker holds no live lease lost its worker. It goes back to
READY, and a worker runs it again; after MAX_ATTEMPTS claims that all ended so (a task that
kills its worker every time), it is marked FAILED instead, with the reason.

Running a task again is safe because our tasks are idempotent: opening sealed tips claims each
tip with a conditional UPDATE, clue readings replace earlier ones, estimates are recomputed,
an export is written by whoever claims it (the lost run's export goes back to "queued" with
its task, in the same transaction: a hook the exports app registers with
:func:`task_lost_hook_register`, so that core knows nothing of exports). Each row is
recovered with a conditional UPDATE (still RUNNING, same start): several workers recovering at
once put a row back once.

A worker whose lease thread could not reach the database for a whole lease looks dead too;
its task may then run twice, which the tasks above tolerate.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from traceobject.core.models import WorkerLease

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # claims that ended with a dead worker before the task is failed
LOST_ERROR = "traceobject.core.task_leases.WorkerLost"
KEEP_EXPIRED = timedelta(hours=1)  # expired leases kept this long (for the record), then deleted
STATUS_RUNNING, STATUS_READY, STATUS_FAILED = "RUNNING", "READY", "FAILED"


class WorkerLost(Exception):  # noqa: N818  (named like what happened, shown in the task row)
    """The worker running a task stopped before the task ended."""


@dataclass(frozen=True)
class Recovery:
    requeued: list[str]  # task row ids put back in the queue
    failed: list[str]  # task row ids failed after MAX_ATTEMPTS lost runs


def lease_seconds() -> int:
    return int(settings.TRACEOBJECT_WORKER_LEASE_SECONDS)


def worker_id_new() -> str:
    """A worker id for `db_worker --worker-id` (at most 64 characters): host, process, random."""
    host = socket.gethostname().split(".")[0][:30] or "host"
    return f"{host}-{os.getpid()}-{get_random_string(12)}"


def worker_lease_renew(*, worker_id: str, now: datetime | None = None) -> None:
    """Start or extend the lease of `worker_id` by TRACEOBJECT_WORKER_LEASE_SECONDS."""
    now = now or timezone.now()
    expires = now + timedelta(seconds=lease_seconds())
    if not WorkerLease.objects.filter(worker_id=worker_id).update(renewed_at=now,
                                                                  expires_at=expires):
        WorkerLease.objects.create(worker_id=worker_id, host=socket.gethostname()[:255],
                                   pid=os.getpid(), started_at=now, renewed_at=now,
                                   expires_at=expires)


def worker_lease_end(*, worker_id: str) -> None:
    """A worker stopping cleanly (its current task finished) gives its lease up."""
    WorkerLease.objects.filter(worker_id=worker_id).delete()


#: hook(args_kwargs, failed=...) for a task whose own rows record that it is running.
LostHook = Callable[..., None]
# Task path -> its hook (registered by the app that owns the task, in its AppConfig.ready()).
_ON_LOST: dict[str, LostHook] = {}


def task_lost_hook_register(*, task_path: str, hook: LostHook) -> None:
    """Have `hook(args_kwargs, failed=...)` put the task's own rows back too when a row of the
    task at `task_path` lost its worker: called in the recovery's transaction, with the task
    row's arguments ({"args": [...], "kwargs": {...}}) and failed=True when the task is
    given up rather than queued again. Registering a path again replaces its hook."""
    _ON_LOST[task_path] = hook


def task_lost_hooks() -> dict[str, LostHook]:
    """The registered hooks, by task path (a copy)."""
    return dict(_ON_LOST)


def _live_workers(now: datetime) -> set[str]:
    return set(WorkerLease.objects.filter(expires_at__gt=now).values_list("worker_id",
                                                                          flat=True))


def tasks_recover(*, now: datetime | None = None) -> Recovery:
    """Put back in the queue (or fail) every task row RUNNING for longer than the lease whose
    worker holds no live lease; delete leases expired long ago. Returns what it did."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=lease_seconds())
    candidates = list(DBTaskResult.objects.filter(status=STATUS_RUNNING, started_at__lte=cutoff)
                      .values_list("id", "started_at", "worker_ids", "task_path",
                                   "args_kwargs"))
    requeued: list[str] = []
    failed: list[str] = []
    live = _live_workers(now) if candidates else set()
    for row_id, started_at, worker_ids, task_path, args_kwargs in candidates:
        worker_ids = worker_ids if isinstance(worker_ids, list) else []
        if worker_ids and worker_ids[-1] in live:
            continue  # a long task of a live worker
        give_up = len(worker_ids) >= MAX_ATTEMPTS
        with transaction.atomic():
            row = DBTaskResult.objects.filter(id=row_id, status=STATUS_RUNNING,
                                              started_at=started_at)
            if give_up:
                changed = row.update(
                    status=STATUS_FAILED, finished_at=now, return_value=None,
                    exception_class_path=LOST_ERROR,
                    traceback=(f"{LOST_ERROR}: the worker running this task stopped before it "
                               f"ended, {len(worker_ids)} times (workers "
                               f"{', '.join(map(str, worker_ids))})\n"))
            else:
                changed = row.update(status=STATUS_READY)
            if not changed:
                continue  # it finished, or another worker recovered it meanwhile
            hook = _ON_LOST.get(task_path)
            if hook is not None:
                hook(args_kwargs if isinstance(args_kwargs, dict) else {}, failed=give_up)
        (failed if give_up else requeued).append(str(row_id))
        logger.warning("task %s (%s) lost its worker %s after %s claim(s): %s", row_id,
                       task_path, worker_ids[-1] if worker_ids else "?", len(worker_ids),
                       "failed" if give_up else "queued again")
    WorkerLease.objects.filter(expires_at__lt=now - KEEP_EXPIRED).delete()
    return Recovery(requeued=requeued, failed=failed)


def lease_interval() -> float:
    return max(0.5, lease_seconds() / 4)


def lease_loop(stop: threading.Event, *, worker_id: str) -> None:
    """Renew the lease and run the recovery pass every quarter lease until `stop` is set; an
    error is logged and the next turn tries again."""
    try:
        while not stop.wait(lease_interval()):
            close_old_connections()
            try:
                worker_lease_renew(worker_id=worker_id)
                tasks_recover()
            except Exception:
                logger.exception("worker lease renewal or task recovery failed")
    finally:
        connections.close_all()


def lease_thread_start(*, worker_id: str) -> tuple[threading.Thread, threading.Event]:
    """Take the lease, recover what dead workers left, and keep doing both in a thread."""
    worker_lease_renew(worker_id=worker_id)
    try:
        tasks_recover()
    except Exception:  # the worker starts anyway; the thread tries again
        logger.exception("task recovery at worker start failed")
    stop = threading.Event()
    thread = threading.Thread(target=lease_loop, args=(stop,), kwargs={"worker_id": worker_id},
                              name="traceobject-worker-lease", daemon=True)
    thread.start()
    return thread, stop
