"""core's tables: the slots of the periodic scheduler (core/schedule.py) that the task worker
claims, and the task workers' leases (core/task_leases.py). Both were born in the exports app:
their tables keep that name, and their rows."""

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


class WorkerLease(models.Model):
    """A sign of life of one `traceobject worker` process (core/task_leases.py): renewed every
    quarter of TRACEOBJECT_WORKER_LEASE_SECONDS while the process lives. A task row left
    RUNNING by a worker whose lease has run out (killed, machine lost) is put back in the
    queue by the next worker's recovery pass."""

    worker_id = models.CharField(max_length=64, unique=True)  # db_worker's --worker-id
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    renewed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        # Born in the exports app (core/migrations/0002 and exports/migrations/0005 move
        # only Django's state): the table keeps its name, and its rows.
        db_table = "exports_workerlease"

    def __str__(self) -> str:
        return f"worker {self.worker_id} until {self.expires_at:%H:%M:%S}"
