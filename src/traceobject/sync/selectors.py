"""Reads of the sync's state for the core's back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from traceobject.sync import config
from traceobject.sync.models import PushedObject, SyncPeer


@dataclass(frozen=True)
class EdgeState:
    name: str
    url: str
    configured: bool
    last_contact_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    backlog: int
    tips_pulled: int
    answers_pulled: int
    objects_on_edge: int
    syncing: bool


def edge_states(*, now: datetime) -> list[EdgeState]:
    """Every edge this core is configured for or has synced with, by name."""
    try:
        configured = {name: p for name, p in config.peers().items() if p.url}
    except config.SyncConfigError:
        configured = {}
    rows = {p.name: p for p in SyncPeer.objects.all()}
    states = []
    for name in sorted(configured.keys() | rows.keys()):
        row = rows.get(name)
        peer = configured.get(name)
        states.append(EdgeState(
            name=name, url=peer.url if peer else "", configured=peer is not None,
            last_contact_at=row.last_contact_at if row else None,
            last_success_at=row.last_success_at if row else None,
            last_error=row.last_error if row else "",
            last_error_at=row.last_error_at if row else None,
            backlog=row.backlog if row else 0,
            tips_pulled=row.tips_pulled if row else 0,
            answers_pulled=row.answers_pulled if row else 0,
            objects_on_edge=PushedObject.objects.filter(peer=row).count() if row else 0,
            syncing=bool(row and row.lease_until and row.lease_until > now),
        ))
    return states


def cores_retention_days() -> dict[str, int]:
    """Edge: the retention periods in days its cores follow, as their site pushes said
    ({"days", "spam_days", "export_days"}; with several cores, the longest of each); empty
    when no core has told it yet."""
    told = [peer.retention for peer in SyncPeer.objects.exclude(retention={})
            if isinstance(peer.retention, dict)]
    return {name: max(int(r[name]) for r in told) for name in ("days", "spam_days", "export_days")
            } if told else {}
