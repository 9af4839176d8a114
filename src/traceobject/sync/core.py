"""The core's half of the sync: it connects out to each edge, pushes what is published and
what investigators wrote to tipsters, and pulls the sealed tips and answers waiting there.

Exactly once: a pulled tip is stored under (edge, its id there) before it is acknowledged, so a
crash between the two only makes the edge offer it again, and storing it again changes nothing.
What is pushed is state (an object's whole public face, a tip's status) or an item with the
core's id, which the edge applies once. A round that fails half-way is simply run again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from traceobject.catalog.models import (
    Campaign,
    ObjectStatus,
    PublicFigure,
    TracedObject,
    rendition_names,
)
from traceobject.catalog.selectors import visible_objects
from traceobject.core.keys import intake_public_key
from traceobject.sync import config, protocol
from traceobject.sync.models import PushedObject, SyncPeer
from traceobject.sync.protocol import SyncRefused
from traceobject.tips.models import (
    Direction,
    EdgePurge,
    EdgePurgeKind,
    MailboxMessage,
    PublicStatus,
    Receipt,
    SealedTip,
)

logger = logging.getLogger("traceobject.sync")


def _lease_length() -> timedelta:
    """A round holds its edge this long past its latest request: a worker killed mid-round
    keeps the others away for no longer than that."""
    return timedelta(seconds=settings.SYNC_TIMEOUT + 10)

PUSH_BYTES = 8 * 1024 * 1024  # a push message stays below this (pictures make it big)
PUSH_ITEMS = 200


class SyncError(Exception):
    """The edge could not be reached, refused a message, or answered something unsigned."""


@dataclass
class SyncReport:
    edge: str
    pushed_objects: int = 0
    pushed_questions: int = 0
    pushed_statuses: int = 0
    pushed_purges: int = 0
    pulled_tips: int = 0
    pulled_answers: int = 0
    backlog: int = 0
    skipped: bool = False  # another worker holds the edge
    error: str = ""
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ transport


class Channel:
    """Signed request and signed, matching reply with one edge."""

    def __init__(self, peer: config.Peer) -> None:
        self.peer = peer
        self.key = config.own_key()

    def _next_seq(self) -> int:
        """The next sequence number, saved before the message leaves (a crash never reuses
        one); the lease on the edge is renewed with it."""
        with transaction.atomic():
            SyncPeer.objects.filter(name=self.peer.name).update(
                sent_seq=F("sent_seq") + 1, lease_until=timezone.now() + _lease_length())
            return SyncPeer.objects.get(name=self.peer.name).sent_seq

    def send(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        signed = protocol.sign({"type": kind, "from": settings.SYNC_NAME, "to": self.peer.name,
                                "seq": self._next_seq(), **payload}, self.key)
        request = urllib.request.Request(  # noqa: S310  (the edge's configured http(s) URL)
            self.peer.url + "sync/v1/", data=signed.body, method="POST",
            headers={"Content-Type": "application/json", **signed.headers})
        try:
            with urllib.request.urlopen(request, timeout=settings.SYNC_TIMEOUT) as response:  # noqa: S310
                body = response.read(settings.SYNC_MAX_MESSAGE_BYTES + 1)
                headers = {name: response.headers.get(name, "")
                           for name in (protocol.KEY_HEADER, protocol.SIGNATURE_HEADER)}
        except urllib.error.HTTPError as error:
            detail = error.read(2000).decode("utf-8", "replace")
            raise SyncError(f"edge {self.peer.name} refused {kind}: HTTP {error.code} "
                            f"{detail[:300]}") from None
        except (urllib.error.URLError, OSError) as error:
            raise SyncError(f"edge {self.peer.name} unreachable: {error}") from None
        try:
            reply = protocol.verify(
                body, headers, keys=self.peer.keys, receiver=settings.SYNC_NAME,
                sender=self.peer.name, max_bytes=settings.SYNC_MAX_MESSAGE_BYTES,
                clock_skew=settings.SYNC_CLOCK_SKEW)
        except SyncRefused as refusal:
            raise SyncError(f"edge {self.peer.name}: reply refused: {refusal}") from None
        if reply.get("re") != signed.nonce or reply["type"] != f"{kind}_reply":
            raise SyncError(f"edge {self.peer.name}: reply does not answer this request")
        result = reply.get("result")
        if not isinstance(result, dict):
            raise SyncError(f"edge {self.peer.name}: reply without result")
        return result


# ------------------------------------------------------------------------------ snapshots


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
                          ).hexdigest()


def site_snapshot() -> dict[str, Any]:
    return {
        "campaigns": [{
            "slug": c.slug, "names": c.names, "descriptions": c.descriptions,
            "launched_on": protocol.iso(c.launched_on), "ends_on": protocol.iso(c.ends_on),
            "position": c.position, "is_public": c.is_public,
        } for c in Campaign.objects.filter(origin="").order_by("id")],
        "figures": dict(PublicFigure.objects.filter(origin="").values_list("name", "value")),
        # The periods this core's purges follow: the edge's privacy notice states them.
        "retention": {"days": settings.TRACEOBJECT_RETENTION_DAYS,
                      "spam_days": settings.TRACEOBJECT_SPAM_RETENTION_DAYS,
                      "export_days": settings.TRACEOBJECT_EXPORT_RETENTION_DAYS},
    }


def object_snapshot(obj: TracedObject, *, intake_key: str) -> dict[str, Any]:
    """The public face of an object, as the edge shows it (no workflow, no provenance)."""
    visible = obj.status in {ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED}
    return {
        "ref": obj.ref, "category": obj.category,
        "status": obj.status if visible else ObjectStatus.WITHDRAWN,
        "campaign": obj.campaign.slug if obj.campaign else None, "position": obj.position,
        "published_at": protocol.iso(obj.published_at),
        "identified_at": protocol.iso(obj.identified_at),
        "identified_country": obj.identified_country, "intake_key": intake_key,
        "texts": [{
            "language": t.language, "title": t.title, "description": t.description,
            "questions": list(t.questions), "thank_you": t.thank_you,
        } for t in sorted(obj.texts.all(), key=lambda t: t.language)] if visible else [],
        "images": [{
            "folder": i.folder, "width": i.width, "height": i.height, "widths": list(i.widths),
        } for i in sorted(obj.images.all(), key=lambda i: (i.position, i.id))] if visible else [],
    }


def _withdrawn_snapshot(ref: str, *, intake_key: str) -> dict[str, Any]:
    """An object the edge has but the public may no longer see (withdrawn, hidden campaign,
    deleted): the edge keeps the reference for tipsters' mailboxes and nothing else."""
    return {"ref": ref, "category": "other", "status": ObjectStatus.WITHDRAWN, "campaign": None,
            "position": 0, "published_at": None, "identified_at": None,
            "identified_country": "", "intake_key": intake_key, "texts": [], "images": []}


def _with_files(snapshot: dict[str, Any], have: set[str]) -> dict[str, Any]:
    images = []
    for image in snapshot["images"]:
        image = dict(image)
        if image["folder"] not in have:
            image["files"] = {name: protocol.b64(_read(f"{image['folder']}/{name}"))
                              for name in rendition_names(image["widths"])}
        images.append(image)
    return {**snapshot, "images": images}


def _read(path: str) -> bytes:
    with default_storage.open(path, "rb") as fh:
        return bytes(fh.read())


# ---------------------------------------------------------------------------------- push


def _push_site(channel: Channel, peer: SyncPeer) -> None:
    site = site_snapshot()
    digest = _digest(site)
    if digest == peer.site_digest:
        return
    channel.send("push", {"site": site})
    SyncPeer.objects.filter(pk=peer.pk).update(site_digest=digest)


def _push_objects(channel: Channel, peer: SyncPeer, report: SyncReport) -> None:
    intake_key = bytes(intake_public_key()).hex()
    pushed = {p.ref: p for p in PushedObject.objects.filter(peer=peer)}
    visible = {o.ref: o for o in visible_objects().select_related("campaign")
               .prefetch_related("texts", "images")}
    wanted: list[tuple[str, dict[str, Any]]] = []
    for ref, obj in visible.items():
        wanted.append((ref, object_snapshot(obj, intake_key=intake_key)))
    for ref in pushed.keys() - visible.keys():
        wanted.append((ref, _withdrawn_snapshot(ref, intake_key=intake_key)))
    batch: list[tuple[str, dict[str, Any], str, list[str]]] = []
    size = 0
    for ref, snapshot in sorted(wanted):
        digest = _digest(snapshot)
        known = pushed.get(ref)
        if known is not None and known.digest == digest:
            continue
        have = set(known.folders) if known else set()
        full = _with_files(snapshot, have)
        item_size = len(json.dumps(full))
        if batch and (size + item_size > PUSH_BYTES or len(batch) >= PUSH_ITEMS):
            _send_objects(channel, peer, batch, report)
            batch, size = [], 0
        batch.append((ref, full, digest, [i["folder"] for i in snapshot["images"]]))
        size += item_size
    if batch:
        _send_objects(channel, peer, batch, report)


def _send_objects(channel: Channel, peer: SyncPeer,
                  batch: list[tuple[str, dict[str, Any], str, list[str]]],
                  report: SyncReport) -> None:
    result = channel.send("push", {"objects": [item for _ref, item, _d, _f in batch]})
    outcome = result.get("objects", {})
    for ref, _item, digest, folders in batch:
        state = outcome.get(ref)
        if state == "ok":
            PushedObject.objects.update_or_create(
                peer=peer, ref=ref, defaults={"digest": digest, "folders": folders})
            report.pushed_objects += 1
        elif state == "need_files":  # the edge lost pictures: send them all next time
            PushedObject.objects.update_or_create(
                peer=peer, ref=ref, defaults={"digest": "", "folders": []})
            report.problems.append(f"{ref}: the edge asked for its pictures again")
        else:
            report.problems.append(f"{ref}: the edge did not take it ({state})")


def _push_questions(channel: Channel, peer: SyncPeer, report: SyncReport) -> None:
    while True:
        rows = list(MailboxMessage.objects.filter(
            direction=Direction.TO_TIPSTER, synced_at__isnull=True, receipt__origin=peer.name,
            sealed_tip__origin_id__isnull=False,
        ).select_related("sealed_tip").order_by("id")[:PUSH_ITEMS])
        if not rows:
            return
        result = channel.send("push", {"questions": [{
            "id": m.pk, "tip_id": m.sealed_tip.origin_id, "sealed": protocol.b64(bytes(m.sealed)),
            "created_at": protocol.iso(m.created_at),
        } for m in rows if m.sealed_tip is not None]})
        done = [i for i in result.get("questions", []) if isinstance(i, int)]
        MailboxMessage.objects.filter(id__in=done).update(synced_at=timezone.now())
        report.pushed_questions += len(done)
        if len(done) < len(rows):
            raise SyncError(f"edge {peer.name} did not confirm every question")


def _push_statuses(channel: Channel, peer: SyncPeer, report: SyncReport) -> None:
    while True:
        rows = list(SealedTip.objects.filter(origin=peer.name, status_pushed=False)
                    .order_by("id").values_list("id", "origin_id", "public_status")
                    [:PUSH_ITEMS * 5])
        if not rows:
            return
        channel.send("push", {"statuses": [{"tip_id": origin_id, "status": status}
                                           for _pk, origin_id, status in rows]})
        for pk, _origin_id, status in rows:  # a status changed meanwhile is sent next time
            SealedTip.objects.filter(pk=pk, public_status=status).update(status_pushed=True)
        report.pushed_statuses += len(rows)


def _push_purges(channel: Channel, peer: SyncPeer, report: SyncReport) -> None:
    """What the retention purge removed here of tips pulled from this edge: the edge purges
    the same (the tipster's copies there), PUSH_ITEMS tips per message."""
    while True:
        rows = list(EdgePurge.objects.filter(origin=peer.name, sent_at__isnull=True)
                    .order_by("id").values_list("id", "origin_id", "kind")[:PUSH_ITEMS])
        if not rows:
            return
        result = channel.send("push", {"purges": [{"tip_id": origin_id, "what": kind}
                                                  for _pk, origin_id, kind in rows]})
        if not isinstance(result.get("purges"), list):  # an edge of an older version
            report.problems.append("the edge does not take retention purges (update it)")
            return
        done = {(i.get("tip_id"), i.get("what")) for i in result["purges"]
                if isinstance(i, dict)}
        confirmed = [pk for pk, origin_id, kind in rows if (origin_id, kind) in done]
        EdgePurge.objects.filter(id__in=confirmed, kind=EdgePurgeKind.TIP).delete()
        EdgePurge.objects.filter(id__in=confirmed).update(sent_at=timezone.now())
        report.pushed_purges += len(confirmed)
        if len(confirmed) < len(rows):
            raise SyncError(f"edge {peer.name} did not confirm every purge")


# ---------------------------------------------------------------------------------- pull


def _when(value: Any) -> Any:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed or timezone.now()


def _well_formed(item: Any, *, tip: bool) -> bool:
    """A pulled tip or answer as the edge must send it (a misbehaving edge's rows are left
    there, reported, and never stored)."""
    try:
        receipt = item["receipt"]
        ok = (isinstance(item["id"], int) and isinstance(receipt["id"], int)
              and isinstance(receipt["digest"], str) and len(receipt["digest"]) == 64
              and len(protocol.unb64(receipt["mailbox_key"], field="mailbox_key",
                                     max_bytes=64)) == 32
              and len(protocol.unb64(item["sealed"], field="sealed",
                                     max_bytes=256 * 1024)) > 48)
        if tip:
            ok = ok and isinstance(item["ref"], str) and item.get(
                "public_status", PublicStatus.RECEIVED) in PublicStatus.values
        else:
            ok = ok and isinstance(item["tip_id"], int)
        return bool(ok)
    except (KeyError, TypeError, SyncRefused):
        return False


def _receipts(peer: str, items: list[dict[str, Any]]) -> dict[int, int]:
    """Core ids of the edge's receipts in `items`, stored once each."""
    wanted = {}
    for item in items:
        r = item["receipt"]
        wanted[int(r["id"])] = r
    Receipt.objects.bulk_create([
        Receipt(digest=str(r["digest"])[:64], origin=peer, origin_id=edge_id,
                mailbox_public_key=protocol.unb64(r["mailbox_key"], field="mailbox_key",
                                                  max_bytes=64),
                created_at=_when(r.get("created_at")))
        for edge_id, r in wanted.items()
    ], ignore_conflicts=True)
    return {int(origin_id or 0): pk for origin_id, pk in Receipt.objects.filter(
        origin=peer, origin_id__in=list(wanted)).values_list("origin_id", "id")}


def _store(peer: str, result: dict[str, Any], report: SyncReport) -> tuple[list[int], list[int]]:
    """Store pulled tips and answers; return the edge ids now safely here (to acknowledge)."""
    tips = result.get("tips", [])
    answers = result.get("answers", [])
    if not isinstance(tips, list) or not isinstance(answers, list):
        raise SyncError("pull reply without tips or answers")
    for kind, items, is_tip in (("tip", tips, True), ("answer", answers, False)):
        bad = [item for item in items if not _well_formed(item, tip=is_tip)]
        for item in bad[:5]:
            name = str(item.get("id") if isinstance(item, dict) else "?")[:20]
            report.problems.append(f"{kind} {name} from the edge is malformed: left there")
        bad_ids = {id(item) for item in bad}
        items[:] = [item for item in items if id(item) not in bad_ids]
    objects = dict(TracedObject.objects.filter(ref__in={str(t.get("ref")) for t in tips})
                   .values_list("ref", "id"))
    with transaction.atomic():
        receipts = _receipts(peer, tips + answers)
        rows = []
        for t in tips:
            object_id = objects.get(t.get("ref"))
            if object_id is None:
                report.problems.append(f"tip {t.get('id')}: unknown object {t.get('ref')}")
                continue
            rows.append(SealedTip(
                object_id=object_id, receipt_id=receipts[int(t["receipt"]["id"])],
                sealed=protocol.unb64(t["sealed"], field="tip", max_bytes=256 * 1024),
                public_status=t.get("public_status", PublicStatus.RECEIVED),
                received_at=_when(t.get("received_at")), origin=peer, origin_id=int(t["id"])))
        SealedTip.objects.bulk_create(rows, ignore_conflicts=True)
        tip_ids = dict(SealedTip.objects.filter(
            origin=peer, origin_id__in=[int(t["id"]) for t in tips] + [
                int(a["tip_id"]) for a in answers if a.get("tip_id")]
        ).values_list("origin_id", "id"))
        messages = []
        for a in answers:
            tip_id = tip_ids.get(int(a.get("tip_id") or 0))
            if tip_id is None:  # its tip has not come over yet: next round
                continue
            messages.append(MailboxMessage(
                receipt_id=receipts[int(a["receipt"]["id"])], sealed_tip_id=tip_id,
                direction=Direction.FROM_TIPSTER,
                sealed=protocol.unb64(a["sealed"], field="answer", max_bytes=64 * 1024),
                created_at=_when(a.get("created_at")), origin=peer, origin_id=int(a["id"])))
        MailboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
        stored_tips = [int(i or 0) for i in SealedTip.objects.filter(
            origin=peer, origin_id__in=[int(t["id"]) for t in tips]
        ).values_list("origin_id", flat=True)]
        stored_answers = [int(i or 0) for i in MailboxMessage.objects.filter(
            origin=peer, origin_id__in=[int(a["id"]) for a in answers]
        ).values_list("origin_id", flat=True)]
    return stored_tips, stored_answers


def _pull(channel: Channel, peer: SyncPeer, report: SyncReport, *, deadline: float) -> None:
    while True:
        result = channel.send("pull", {"limit": settings.SYNC_BATCH})
        report.backlog = int(result.get("backlog") or 0)
        tips, answers = _store(peer.name, result, report)
        if not tips and not answers:
            return
        channel.send("ack", {"tips": tips, "answers": answers})
        report.pulled_tips += len(tips)
        report.pulled_answers += len(answers)
        SyncPeer.objects.filter(pk=peer.pk).update(
            tips_pulled=F("tips_pulled") + len(tips),
            answers_pulled=F("answers_pulled") + len(answers))
        _schedule_opening()
        if time.monotonic() > deadline:
            return


def _schedule_opening() -> None:
    from traceobject.tips.intake import schedule_opening

    schedule_opening()


# --------------------------------------------------------------------------------- rounds


def _lease(name: str) -> SyncPeer | None:
    SyncPeer.objects.get_or_create(name=name)
    now = timezone.now()
    claimed = SyncPeer.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now), name=name,
    ).update(lease_until=now + _lease_length())
    return SyncPeer.objects.get(name=name) if claimed else None


def edge_sync(*, name: str, budget_seconds: float = 60.0) -> SyncReport:
    """One round with the edge `name`: push, then pull until its backlog is empty or the
    budget is spent. Never raises for a problem with the edge: the report says it."""
    report = SyncReport(edge=name)
    peer_config = config.peers().get(name)
    if peer_config is None or not peer_config.url:
        report.error = f"no edge named {name!r} with a URL in {settings.SYNC_PEERS_FILE}"
        return report
    peer = _lease(name)
    if peer is None:
        report.skipped = True
        return report
    channel = Channel(peer_config)
    try:
        _push_site(channel, peer)
        _push_objects(channel, peer, report)
        _push_questions(channel, peer, report)
        _push_statuses(channel, peer, report)
        _push_purges(channel, peer, report)
        _pull(channel, peer, report, deadline=time.monotonic() + budget_seconds)
    except (SyncError, SyncRefused, KeyError, ValueError, TypeError) as error:
        report.error = str(error)[:300] or type(error).__name__
        logger.warning("sync with %s failed: %s", name, report.error)
    now = timezone.now()
    update: dict[str, Any] = {"lease_until": None, "backlog": report.backlog}
    if report.error:
        update.update(last_error=report.error, last_error_at=now)
    else:
        update.update(last_success_at=now, last_contact_at=now, last_error="")
    SyncPeer.objects.filter(pk=peer.pk).update(**update)
    return report


def sync_all(*, only: str | None = None) -> list[SyncReport]:
    names = [only] if only else [p.name for p in config.peers().values() if p.url]
    return [edge_sync(name=name) for name in names]
