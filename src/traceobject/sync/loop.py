"""The core worker's sync thread: a round with every edge every TRACEOBJECT_SYNC_INTERVAL
seconds. Several workers may run it: each edge is leased to one of them at a time."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger("traceobject.sync")


def sync_loop(stop: threading.Event, *, every: float) -> None:
    from traceobject.sync.core import sync_all

    while not stop.is_set():
        close_old_connections()
        try:
            sync_all()
        except Exception:  # a broken configuration must not end the worker; say so each round
            logger.exception("sync round failed")
        finally:
            close_old_connections()
        stop.wait(every)


def sync_thread_start(*, every: float | None = None) -> tuple[threading.Thread,
                                                              threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=sync_loop, args=(stop,),
                              kwargs={"every": every or settings.SYNC_INTERVAL},
                              name="traceobject-sync", daemon=True)
    thread.start()
    return thread, stop
