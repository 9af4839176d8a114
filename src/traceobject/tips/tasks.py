from __future__ import annotations

from django_tasks import task

from traceobject.tips.services import sealed_tips_open


@task()
def open_sealed_tips() -> int:
    """Open every waiting sealed tip (thin: the service does the work)."""
    return sealed_tips_open()
