"""A task that does nothing, for bench_ingest_queue.py's claim rate (imported by its worker
processes, which have bench/ on their path)."""

from __future__ import annotations

from django_tasks import task


@task()
def nothing() -> None:
    """Nothing: what is measured is the queue's claiming and bookkeeping."""
