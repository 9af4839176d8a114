"""Reading the audit log: filtered, newest first, one page at a time (keyset pagination, so a
page costs the same on a log of a hundred entries and on one of ten million)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traceobject.audit.models import AuditEvent
from traceobject.audit.services import GENESIS, VerifyResult, _digest
from traceobject.core.errors import NotFound

PAGE_SIZE = 50
MAX_SEQ = 2**63 - 1  # a BigIntegerField: anything larger names no entry
EXPORT_CHUNK = 500  # entries read per query while an export streams

# Kinds of action an auditor filters by: action prefixes (ending in ".") and exact actions.
# "views" is every record of someone looking at a tip, a tipster's address or evidence.
VIEW_PREFIX = "view."
KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "views": (gettext_lazy("Views of tips, addresses and evidence"),
              (VIEW_PREFIX, "tip.contact_reveal")),
    "tips": (gettext_lazy("Tip triage"), ("tip.",)),
    "objects": (gettext_lazy("Objects and campaigns"), ("object.", "campaign.")),
    "evidence": (gettext_lazy("Evidence and crops"), ("crop.", "evidence.")),
    "clues": (gettext_lazy("Country clues"), ("clue.",)),
    "forwarding": (gettext_lazy("Forwarding to the police"), ("routing.",)),
    "accounts": (gettext_lazy("Accounts and sign-ins"), ("accounts.",)),
    "exports": (gettext_lazy("Exports and downloads"), ("export.", "exports.", "audit.export")),
    "system": (gettext_lazy("System (sync, retention, checks)"),
               ("sync.", "retention.", "audit.verify")),
}


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # exact username, or "system"
    action: str = ""  # "tip." is a prefix, "tip.contact_reveal" is exact
    target: str = ""  # exact ("tip 12"); a trailing "*" makes it a prefix ("tip *")
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC
    kind: str = ""  # a key of KINDS; an unknown kind matches nothing
    upto: int | None = None  # only entries with seq <= upto (an export's fixed end)

    def described(self) -> dict[str, Any]:
        """The filter as plain values, for the log and the export's file."""
        return {"actor": self.actor, "action": self.action, "target": self.target,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "kind": self.kind, "upto": self.upto}


def _kind_q(kind: str) -> Q:
    spec = KINDS.get(kind)
    if spec is None:
        return Q(pk__in=[])
    q = Q()
    for action in spec[1]:
        q |= Q(action__startswith=action) if action.endswith(".") else Q(action=action)
    return q


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
    if filters.kind:
        events = events.filter(_kind_q(filters.kind))
    if filters.upto is not None:
        events = events.filter(seq__lte=filters.upto)
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


def audit_export_bound(*, filters: AuditFilter) -> tuple[AuditFilter, int]:
    """Fix an export's end at the newest entry now (later entries, the export's own record
    among them, stay out) and count the entries it will hold."""
    from dataclasses import replace

    newest = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    bounded = replace(filters, upto=newest)
    return bounded, audit_events_filter(filters=bounded).count()


def audit_events_stream(*, filters: AuditFilter,
                        chunk: int | None = None) -> Iterator[list[AuditEvent]]:
    """The matching entries newest first, `chunk` at a time (keyset: one query per chunk,
    never the whole log in memory)."""
    chunk = chunk or EXPORT_CHUNK
    before: int | None = None
    while True:
        events = audit_events_filter(filters=filters)
        if before is not None:
            events = events.filter(seq__lt=before)
        rows = list(events[:chunk])
        if not rows:
            return
        yield rows
        if len(rows) < chunk:
            return
        before = rows[-1].seq


def audit_people(*, names: set[str]) -> dict[str, str]:
    """Username -> "username (Full Name)" for the actors among `names` (one query); a name
    without a full name, "system" and names of deleted accounts stay as they are."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    found: dict[str, str] = {}
    wanted = [name for name in names if name and name != "system"]
    if not wanted:
        return found
    for username, first, last in user_model.objects.filter(**{f"{field}__in": wanted}) \
            .values_list(field, "first_name", "last_name"):
        full = f"{first} {last}".strip()
        found[username] = f"{username} ({full})" if full else username
    return found


def audit_person_choices() -> list[tuple[str, str]]:
    """Everyone who may appear as an actor: each account (username and full name), then
    "system"."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    choices = []
    for username, first, last in user_model.objects.order_by(field) \
            .values_list(field, "first_name", "last_name"):
        full = f"{first} {last}".strip()
        choices.append((username, f"{username} ({full})" if full else username))
    choices.append(("system", _("system (automatic tasks)")))
    return choices


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
