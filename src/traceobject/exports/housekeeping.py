"""Housekeeping of exports, run every hour by the periodic scheduler (core/schedule.py).

- An export that is "running" but has written no progress for STALL_MINUTES lost its worker
  (killed, machine restarted): it is marked failed, so that its owner sees it and starts
  another. Should the worker still finish it after all, its file is thrown away
  (`export_run` ends only an export that is still running).
- The file of a finished export is deleted from the private store
  TRACEOBJECT_EXPORT_RETENTION_DAYS (default 30) after it was written; the row stays, marked
  "expired", as the record that the export was made (downloads are in the audit log).

A run that changed something is counted in the audit log ("exports.tidy"); a run that found
nothing to do writes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from traceobject.audit.services import audit_record
from traceobject.exports.models import Export, ExportState
from traceobject.exports.services import export_storage

logger = logging.getLogger(__name__)

DEFAULT_EXPORT_RETENTION_DAYS = 30
STALL_MINUTES = 30
STALLED_ERROR = f"no progress for {STALL_MINUTES} minutes: its worker stopped"


def _stalled_fail(now: datetime) -> int:
    cutoff = now - timedelta(minutes=STALL_MINUTES)
    silent = (Q(progress_at__lt=cutoff)
              | Q(progress_at__isnull=True, started_at__lt=cutoff)
              | Q(progress_at__isnull=True, started_at__isnull=True))
    return Export.objects.filter(silent, state=ExportState.RUNNING).update(
        state=ExportState.FAILED, error=STALLED_ERROR, finished_at=now)


def _expired_purge(now: datetime) -> tuple[int, int]:
    """(exports expired, exports whose file could not be deleted: tried again next run)."""
    days = int(getattr(settings, "TRACEOBJECT_EXPORT_RETENTION_DAYS",
                       DEFAULT_EXPORT_RETENTION_DAYS))
    due = Export.objects.filter(state=ExportState.DONE, finished_at__lte=now - timedelta(days=days))
    storage = export_storage()
    expired = kept = 0
    for export_id, key in due.values_list("id", "file_key").iterator():
        try:
            if key:
                storage.delete(key)  # first the file: a row marked expired has none left
        except Exception:
            logger.exception("export %s: its file could not be deleted", export_id)
            kept += 1
            continue
        expired += Export.objects.filter(pk=export_id, state=ExportState.DONE).update(
            state=ExportState.EXPIRED, file_key="")
    return expired, kept


def exports_tidy(*, now: datetime | None = None) -> dict[str, int]:
    """Fail stalled exports and delete expired export files; return the counts."""
    now = now or timezone.now()
    stalled = _stalled_fail(now)
    expired, kept = _expired_purge(now)
    counts = {"stalled": stalled, "expired": expired, "not_deleted": kept}
    if stalled or expired or kept:
        audit_record(actor=None, action="exports.tidy", data=counts)
    return counts


@task()
def exports_tidy_task() -> dict[str, int]:
    """The hourly housekeeping, enqueued by the periodic scheduler (core/schedule.py)."""
    return exports_tidy()


def export_task_lost(args_kwargs: dict[str, Any], *, failed: bool) -> None:
    """An export whose task lost its worker is "running" with nobody writing it: back to
    "queued" with its task, or failed with it (core/task_leases.py calls this in the
    recovery's transaction; ExportsConfig.ready() registers it)."""
    args, kwargs = args_kwargs.get("args") or [], args_kwargs.get("kwargs") or {}
    export_id = kwargs.get("export_id", args[0] if args else None)
    if not isinstance(export_id, int):
        return
    running = Export.objects.filter(pk=export_id, state=ExportState.RUNNING)
    if failed:
        running.update(state=ExportState.FAILED, error="its worker stopped",
                       finished_at=timezone.now())
    else:
        running.update(state=ExportState.QUEUED, started_at=None, progress_at=None, done=0)
