"""Reading the audit log: filtered, newest first, one page at a time (keyset pagination, so a
page costs the same on a log of a hundred entries and on one of ten million)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from traceobject.audit.models import AuditEvent
from traceobject.audit.services import GENESIS, VerifyResult, _digest
from traceobject.core.errors import NotFound

PAGE_SIZE = 50
MAX_SEQ = 2**63 - 1  # a BigIntegerField: anything larger names no entry


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # exact username, or "system"
    action: str = ""  # "tip." is a prefix, "tip.contact_reveal" is exact
    target: str = ""  # exact ("tip 12"); a trailing "*" makes it a prefix ("tip *")
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events_filter(*, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """Entries matching the filters, newest first."""
    events = AuditEvent.objects.all()
    if filters.actor:
        events = events.filter(actor=filters.actor)
    if filters.action:
        if filters.action.endswith((".", "*")):
            events = events.filter(action__startswith=filters.action.rstrip("*"))
        else:
            events = events.filter(action=filters.action)
    if filters.target:
        if filters.target.endswith("*"):
            events = events.filter(target__startswith=filters.target[:-1])
        else:
            events = events.filter(target=filters.target)
    if filters.since:
        events = events.filter(at__gte=_day_start(filters.since))
    if filters.until:
        events = events.filter(at__lt=_day_start(filters.until) + timedelta(days=1))
    return events.order_by("-seq")


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    older_than: int | None  # pass as `before` for the next (older) page; None: no more


def audit_page(*, filters: AuditFilter, before: int | None = None,
               size: int | None = None) -> AuditPage:
    """One page of entries with seq < before (newest first)."""
    size = size or PAGE_SIZE
    events = audit_events_filter(filters=filters)
    if before is not None:
        events = events.filter(seq__lt=before)
    rows = list(events[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(events=rows, older_than=rows[-1].seq if more and rows else None)


def audit_event_get(*, seq: int) -> AuditEvent:
    event = AuditEvent.objects.filter(seq=seq).first() if 0 < seq <= MAX_SEQ else None
    if event is None:
        raise NotFound("audit_entry_unknown", _("No audit entry with this number."))
    return event


@dataclass(frozen=True)
class EntryCheck:
    hash_ok: bool  # the entry's content gives its stored hash
    link_ok: bool  # its prev_hash is the hash of the entry before it (or genesis)
    previous_seq: int | None
    next_seq: int | None

    @property
    def ok(self) -> bool:
        return self.hash_ok and self.link_ok


def audit_entry_check(*, event: AuditEvent) -> EntryCheck:
    """Check one entry against its neighbour (two rows read: cheap enough for a detail page).
    Only `audit_verify` walks the whole chain."""
    digest = _digest(seq=event.seq, at=event.at.isoformat(), actor=event.actor,
                     action=event.action, target=event.target, data=event.data,
                     prev_hash=event.prev_hash)
    previous = (AuditEvent.objects.filter(seq__lt=event.seq).order_by("-seq")
                .only("seq", "hash").first())
    following = (AuditEvent.objects.filter(seq__gt=event.seq).order_by("seq")
                 .values_list("seq", flat=True).first())
    if previous is None:
        link_ok = event.seq == 1 and event.prev_hash == GENESIS
    else:
        link_ok = previous.seq == event.seq - 1 and previous.hash == event.prev_hash
    return EntryCheck(hash_ok=digest == event.hash, link_ok=link_ok,
                      previous_seq=previous.seq if previous else None, next_seq=following)


@dataclass(frozen=True)
class LastVerification:
    """The most recent whole-chain verification, as written to the log by `audit.verify`."""

    seq: int
    at: datetime
    actor: str
    result: VerifyResult


def audit_last_verification() -> LastVerification | None:
    """Read from the log itself: verifying a big chain is not done on every page view."""
    event = AuditEvent.objects.filter(action="audit.verify").order_by("-seq").first()
    if event is None:
        return None
    data: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
    broken = data.get("first_broken_seq")
    result = VerifyResult(ok=bool(data.get("ok")), checked=int(data.get("checked") or 0),
                          first_broken_seq=int(broken) if broken is not None else None,
                          problem=str(data.get("problem") or ""))
    return LastVerification(seq=event.seq, at=event.at, actor=event.actor, result=result)
