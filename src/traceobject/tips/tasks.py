from __future__ import annotations

from django_tasks import task

from traceobject.tips.once import once_purge
from traceobject.tips.services import mailbox_replies_open, sealed_tips_open


@task()
def open_sealed_tips() -> int:
    """Open every waiting sealed tip, then the tipsters' answers (thin: services do the work)."""
    opened = sealed_tips_open()
    return opened + mailbox_replies_open()


@task()
def once_purge_task() -> int:
    """The hourly purge of one-time keys past their day, enqueued by the periodic scheduler
    (core/schedule.py) where the public side runs with a worker (role all); an edge purges
    its own with each sync round (sync/edge.py)."""
    return once_purge()
