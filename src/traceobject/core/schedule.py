"""A small periodic scheduler (django-tasks has none).

`traceobject worker` runs `schedule_loop` in a thread next to the task worker. Every minute it
calls `schedule_tick`, which enqueues each periodic task that is due. A due slot is claimed with
one conditional UPDATE (next_due_at <= now -> now + interval): however many workers run, one of
them wins the slot and enqueues the task once; the others update no row. The slots live in a
tiny table (core.models.PeriodicSlot), so the claim holds across processes and machines.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from traceobject.core.models import PeriodicSlot

logger = logging.getLogger(__name__)

TICK_SECONDS = 60.0


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    task: str  # dotted path of a django-tasks Task taking no arguments


PERIODIC: tuple[Periodic, ...] = (
    Periodic("retention", timedelta(days=1), "traceobject.tips.retention.retention_purge_task"),
    Periodic("exports", timedelta(hours=1), "traceobject.exports.housekeeping.exports_tidy_task"),
    Periodic("once-keys", timedelta(hours=1), "traceobject.tips.tasks.once_purge_task"),
    Periodic("object-features", timedelta(hours=1),
             "traceobject.evidence.tasks.features_sweep_task"),
)


def _slot_ensure(name: str, now: datetime) -> None:
    if PeriodicSlot.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            # A new slot is due at once: the first worker start runs the task.
            PeriodicSlot.objects.create(name=name, next_due_at=now)
    except IntegrityError:  # another worker created it first
        pass


def slot_claim(*, name: str, every: timedelta, now: datetime) -> bool:
    """True if this call claimed the due slot `name` (then the caller runs the task)."""
    _slot_ensure(name, now)
    claimed = PeriodicSlot.objects.filter(name=name, next_due_at__lte=now).update(
        next_due_at=now + every, last_claimed_at=now)
    return claimed == 1


def schedule_tick(*, now: datetime | None = None,
                  periodic: tuple[Periodic, ...] = PERIODIC) -> list[str]:
    """Enqueue every due periodic task; return the names enqueued. The claim and the enqueue
    share a transaction (with the database task backend): a failed enqueue frees the slot."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic:
        try:
            with transaction.atomic():
                if not slot_claim(name=job.name, every=job.every, now=now):
                    continue
                import_string(job.task).enqueue()
        except Exception:  # one broken job does not keep the others from running
            logger.exception("periodic task %s could not be enqueued", job.name)
            continue
        enqueued.append(job.name)
        logger.info("periodic task %s enqueued", job.name)
    return enqueued


def schedule_loop(stop: threading.Event, *, every: float = TICK_SECONDS) -> None:
    """Tick until `stop` is set; an error is logged and the next tick tries again."""
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                schedule_tick()
            except Exception:
                logger.exception("periodic scheduler tick failed")
            stop.wait(every)
    finally:
        connections.close_all()


def schedule_thread_start(*, every: float = TICK_SECONDS) -> tuple[threading.Thread,
                                                                    threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=schedule_loop, args=(stop,), kwargs={"every": every},
                              name="traceobject-scheduler", daemon=True)
    thread.start()
    return thread, stop
