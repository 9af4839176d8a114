"""Writes of the sync that staff start."""

from __future__ import annotations

from typing import Any

from traceobject.audit.services import audit_record


def edges_sync_request(*, user: Any) -> None:
    """Ask the worker for a sync round with every edge now (recorded in the audit log)."""
    from traceobject.sync.tasks import sync_edges_task

    sync_edges_task.enqueue()
    audit_record(actor=user, action="sync.requested", target="edges")
