from __future__ import annotations

from django_tasks import task

from traceobject.tips.services import mailbox_replies_open, sealed_tips_open


@task()
def open_sealed_tips() -> int:
    """Open every waiting sealed tip, then the tipsters' answers (thin: services do the work)."""
    opened = sealed_tips_open()
    return opened + mailbox_replies_open()
