"""One task per key and time window: many changes in a short time (a flood of tips, a cluster
of crops) are folded into one run of the task that handles them all.

The first call for a key within `window` seconds queues the task to run after the window (and
so after every change committed meanwhile); the calls after it, while the key is held in the
cache, queue nothing. The first call after the window queues the next run. A task backend that
cannot defer (it has no `run_after`) runs the task now, and the key is not held: the next
change queues its own run, so none is missed.

The key lives in the cache: per process with the local-memory cache, across processes and
machines with Redis. Nothing here imports the task library, so that the edge (which queues no
task) can import the modules that use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone


def schedule_once(*, key: str, window: int, task: Any, args: Sequence[Any] = ()) -> bool:
    """Queue `task(*args)` (a django-tasks Task) to run `window` seconds from now, unless the
    same key was scheduled within the window. Returns whether it queued a run."""
    if window < 1:
        raise ValueError("the window is at least one second")
    if not task.get_backend().supports_defer:
        task.enqueue(*args)  # the key is not held: the next change runs again
        return True
    if not cache.add(key, 1, timeout=window):
        return False
    task.using(run_after=timezone.now() + timedelta(seconds=window)).enqueue(*args)
    return True


def schedule_once_on_commit(*, key: str, window: int, task: Any, args: Sequence[Any] = (),
                            ) -> None:
    """:func:`schedule_once` when the current transaction commits (at once outside one), so
    that the task sees what the transaction wrote; nothing is queued if it rolls back. A
    failure to queue is logged, not raised into the committed caller (`robust`)."""
    transaction.on_commit(partial(schedule_once, key=key, window=window, task=task,
                                  args=tuple(args)), robust=True)
