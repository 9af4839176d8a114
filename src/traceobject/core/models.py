"""core's one table: the slots of the periodic scheduler (core/schedule.py) that the task
worker claims."""

from __future__ import annotations

from django.db import models


class PeriodicSlot(models.Model):
    """When a periodic task is next due. A worker claims a due slot with a conditional UPDATE
    (next_due_at <= now -> now + interval): of several workers exactly one wins."""

    name = models.CharField(max_length=64, unique=True)
    next_due_at = models.DateTimeField()
    last_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The model was born in the exports app: its table keeps that name, and its rows
        # (core/migrations/0001 and exports/migrations/0003 move only Django's state).
        db_table = "exports_periodicslot"

    def __str__(self) -> str:
        return f"{self.name} due {self.next_due_at:%Y-%m-%d %H:%M}"
