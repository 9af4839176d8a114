"""The hash-chained audit log: every entry carries the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from traceobject.audit.models import AuditEvent

GENESIS = "0" * 64


def _digest(*, seq: int, at: str, actor: str, action: str, target: str, data: Any,
            prev_hash: str) -> str:
    body = json.dumps(
        {"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
         "data": data, "prev": prev_hash},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "get_username", lambda: actor)())


def audit_record(*, actor: Any, action: str, target: str = "",
                 data: dict[str, Any] | None = None) -> AuditEvent:
    """Append an entry. Writers are serialised so the chain never forks."""
    data = json.loads(json.dumps(data or {}, default=str))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7406211)")
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        seq = (last.seq + 1) if last else 1
        prev = last.hash if last else GENESIS
        at = timezone.now()
        name = _actor_name(actor)
        event = AuditEvent(seq=seq, at=at, actor=name, action=action, target=target[:200],
                           data=data, prev_hash=prev)
        event.hash = _digest(seq=seq, at=at.isoformat(), actor=name, action=action,
                             target=event.target, data=data, prev_hash=prev)
        event.save()
    return event


# What a view record names (action "view.<what>"): a tip's page, an evidence image's page
# (with the similar images shown on it), its full image, a page of a case's thumbnails,
# same-object search results (the matches shown) and a match picture.
VIEW_KINDS = ("tip", "tip_list", "evidence", "evidence_file", "evidence_grid", "crop",
              "crop_file", "video", "video_frame", "object_search", "object_match")
# Ids listed in one record. Every picture a page shows must be named: a case page shows up to
# 120 thumbnails and 20 videos with 12 keyframes each, a video page up to 500 keyframes
# (VideoLimits.max_keyframes). Past this, the count of the others is recorded.
VIEW_LIST_MAX = 1000


def audit_view_record(*, user: Any, what: str, target: str, images: list[int] | None = None,
                      tips: list[int] | None = None) -> AuditEvent:
    """Record that `user` was shown something: one entry (one INSERT) per request. `images`
    names the evidence images shown as thumbnails on the same page; `tips` the tips whose
    text a list page shows the start of."""
    if what not in VIEW_KINDS:
        raise ValueError(f"unknown view kind {what!r}")
    data: dict[str, Any] = {}
    for name, ids in (("images", images), ("tips", tips)):
        if ids is not None:
            data[name] = [int(pk) for pk in ids[:VIEW_LIST_MAX]]
            if len(ids) > VIEW_LIST_MAX:
                data[f"{name}_more"] = len(ids) - VIEW_LIST_MAX
    return audit_record(actor=user, action=f"view.{what}", target=target, data=data)


def audit_view_of_request(request: Any, *, what: str, target: str,
                          images: list[int] | None = None,
                          tips: list[int] | None = None) -> AuditEvent | None:
    """audit_view_record for the person a page or file was sent to; a HEAD request shows
    nothing, so it is no view (None)."""
    if request.method == "HEAD":
        return None
    return audit_view_record(user=request.user, what=what, target=target, images=images,
                             tips=tips)


def audit_export_record(*, user: Any, fmt: str, filters: dict[str, Any],
                        rows: int) -> AuditEvent:
    """An auditor's or administrator's export of the log: who, which filter, how many
    entries. Written before the file streams, so an interrupted download is on record too."""
    from django.utils.translation import gettext as _

    from traceobject.accounts.roles import ADMINISTRATOR, AUDITOR, has_role
    from traceobject.core.errors import ServiceError

    if not has_role(user, AUDITOR, ADMINISTRATOR):
        raise ServiceError("forbidden", _("Only auditors and administrators export the log."),
                           status=403)
    if fmt not in ("csv", "json"):
        raise ServiceError("audit_export_format", _("Choose CSV or JSON."),
                           fields={"format": "unknown"})
    return audit_record(actor=user, action="audit.export", target="audit log",
                        data={"format": fmt, "filters": filters, "rows": rows})


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: str = ""


def audit_verify() -> VerifyResult:
    """Walk the chain; name the first entry that was changed, removed or moved."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq,
                                f"entry {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq,
                                "its link to the previous entry does not match")
        digest = _digest(seq=event.seq, at=event.at.isoformat(), actor=event.actor,
                         action=event.action, target=event.target, data=event.data,
                         prev_hash=event.prev_hash)
        if digest != event.hash:
            return VerifyResult(False, checked, event.seq, "its content was changed")
        prev = event.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(True, checked)


VERIFY_LOCK = "audit:verify-running"
VERIFY_LOCK_SECONDS = 15 * 60


def audit_verify_record(*, user: Any) -> VerifyResult:
    """Verify the whole chain and write the result to the log (action "audit.verify"), so
    the log shows who checked it when, and pages read the last result instead of re-walking
    a big chain. One verification at a time (a cache lock): a second request is refused."""
    from django.core.cache import cache
    from django.utils.translation import gettext as _

    from traceobject.accounts.roles import ADMINISTRATOR, AUDITOR, has_role
    from traceobject.core.errors import ServiceError

    if not has_role(user, AUDITOR, ADMINISTRATOR):
        raise ServiceError("forbidden", _("Only auditors and administrators verify the log."),
                           status=403)
    if not cache.add(VERIFY_LOCK, 1, timeout=VERIFY_LOCK_SECONDS):
        raise ServiceError("audit_verify_running",
                           _("A verification is already running; try again in a minute."),
                           status=409)
    try:
        result = audit_verify()
        audit_record(actor=user, action="audit.verify", data={
            "ok": result.ok, "checked": result.checked,
            "first_broken_seq": result.first_broken_seq, "problem": result.problem,
        })
    finally:
        cache.delete(VERIFY_LOCK)
    return result
