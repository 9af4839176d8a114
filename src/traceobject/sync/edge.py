"""The edge's half of the sync: it answers the core's signed messages, and never connects out.

Message types (see protocol.py for the envelope):
  pull  -> the sealed tips and sealed answers waiting for the sending core, in id order
           (and the edge's one-time keys past their day are purged: tips.once)
  ack   -> the core has stored these: their intake-sealed copies are emptied here
  push  -> publication state (campaigns, figures and the core's retention periods, objects
           with pictures), questions to tipsters sealed to their receipts' keys, the coarse
           status of tips, and retention purges: what the core's retention purge removed of
           a tip that came from here (its mailbox messages, or the whole tip), purged here too
  hello -> changes nothing: what is waiting (a check that keys and addresses are right)

Everything is applied idempotently: an item carries the core's id or the object's reference,
and applying it twice leaves what applying it once left.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from traceobject.catalog.models import (
    IMAGE_FOLDER_PATTERN,
    RENDITION_FORMATS,
    Campaign,
    Category,
    ObjectImage,
    ObjectStatus,
    ObjectText,
    PublicFigure,
    TracedObject,
    is_object_ref,
    rendition_names,
)
from traceobject.core.cdn import cdn_purge, purge_paths
from traceobject.core.pagecache import catalog_changed
from traceobject.sync import protocol
from traceobject.sync.models import SyncPeer
from traceobject.sync.protocol import SyncRefused
from traceobject.tips import once
from traceobject.tips.models import (
    Direction,
    EdgePurgeKind,
    MailboxMessage,
    PublicStatus,
    Receipt,
    SealedTip,
)

logger = logging.getLogger("traceobject.sync")

MAX_PULL = 2000
# A push carries at most this many retention purges (the core sends 200): a round stays short.
MAX_PURGES = 500
# One-time keys purged with each pull at most (the rest with the next rounds).
ONCE_PURGE_BATCH = 5000
RETENTION_KEYS = {"days", "spam_days", "export_days"}
FOLDER_RE = re.compile(f"^{IMAGE_FOLDER_PATTERN}$")
FILE_RE = re.compile(rf"^\d{{1,5}}\.({'|'.join(RENDITION_FORMATS)})$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")


def accept(message: dict[str, Any], *, peer: str) -> None:
    """Raise the last accepted sequence number of `peer` to this message's, or refuse it as
    replayed or reordered. Runs inside the transaction that applies the message."""
    SyncPeer.objects.get_or_create(name=peer)
    moved = SyncPeer.objects.filter(name=peer, received_seq__lt=message["seq"]).update(
        received_seq=message["seq"], last_contact_at=timezone.now())
    if not moved:
        raise SyncRefused("replayed", f"sequence {message['seq']} already seen")


def refusal_count(*, peer: str) -> None:
    """One more message from `peer` refused (shown to operators; the reason is logged)."""
    SyncPeer.objects.get_or_create(name=peer)
    SyncPeer.objects.filter(name=peer).update(refused=F("refused") + 1)


def handle(message: dict[str, Any], *, peer: str) -> dict[str, Any]:
    kind = message["type"]
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise SyncRefused("unknown_type", kind[:32])
    try:
        with transaction.atomic():
            accept(message, peer=peer)
            return handler(message, peer)
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as error:
        # A signed message whose items are not what they must be: nothing of it is applied.
        raise SyncRefused("malformed", type(error).__name__) from None


# ------------------------------------------------------------------------------------ pull


def _receipt_out(tip_receipt: Any) -> dict[str, Any]:
    return {"id": tip_receipt.pk, "digest": tip_receipt.digest,
            "mailbox_key": protocol.b64(bytes(tip_receipt.mailbox_public_key)),
            "created_at": protocol.iso(tip_receipt.created_at)}


def waiting_tips(*, peer: str) -> Any:
    return SealedTip.objects.filter(object__origin=peer, synced_at__isnull=True)


def waiting_answers(*, peer: str) -> Any:
    return MailboxMessage.objects.filter(
        direction=Direction.FROM_TIPSTER, synced_at__isnull=True,
        sealed_tip__object__origin=peer)


def _pull(message: dict[str, Any], peer: str) -> dict[str, Any]:
    limit = message.get("limit")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_PULL:
        raise SyncRefused("malformed", "limit")
    # The edge runs no worker: its housekeeping rides on the rounds its cores start.
    once.once_purge(limit=ONCE_PURGE_BATCH)
    tips = list(waiting_tips(peer=peer).select_related("object", "receipt")
                .order_by("id")[:limit])
    answers = list(waiting_answers(peer=peer).select_related("receipt")
                   .order_by("id")[:limit])
    backlog = waiting_tips(peer=peer).count() - len(tips)
    return {
        "tips": [{
            "id": t.pk, "ref": t.object.ref, "sealed": protocol.b64(bytes(t.sealed)),
            "received_at": protocol.iso(t.received_at), "public_status": t.public_status,
            "receipt": _receipt_out(t.receipt),
        } for t in tips],
        "answers": [{
            "id": m.pk, "tip_id": m.sealed_tip_id, "sealed": protocol.b64(bytes(m.sealed)),
            "created_at": protocol.iso(m.created_at), "receipt": _receipt_out(m.receipt),
        } for m in answers],
        "backlog": backlog,
    }


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _id(value: Any, name: str) -> int:
    if not _is_id(value):
        raise SyncRefused("malformed", name)
    return int(value)


def _ids(message: dict[str, Any], name: str) -> list[int]:
    values = message.get(name, [])
    if not isinstance(values, list) or len(values) > MAX_PULL or not all(map(_is_id, values)):
        raise SyncRefused("malformed", name)
    return values


def _ack(message: dict[str, Any], peer: str) -> dict[str, Any]:
    """The core stored these: drop their intake-sealed copies (the tip's row stays for the
    tipster's mailbox: object, status, time; the answer's copy sealed to the receipt stays)."""
    now = timezone.now()
    tips = waiting_tips(peer=peer).filter(id__in=_ids(message, "tips")).update(
        synced_at=now, sealed=b"")
    answers = waiting_answers(peer=peer).filter(id__in=_ids(message, "answers")).update(
        synced_at=now, sealed=b"")
    return {"tips": tips, "answers": answers}


# ------------------------------------------------------------------------------------ push


def _text(value: Any, field: str, limit: int, *, blank: bool = True) -> str:
    if (not isinstance(value, str) or len(value) > limit or (not blank and not value)
            or "\x00" in value):
        raise SyncRefused("malformed", field)
    return value


def _when(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise SyncRefused("malformed", field)
    return parsed


def _site(site: dict[str, Any], peer: str) -> None:
    campaigns = site.get("campaigns", [])
    figures = site.get("figures", {})
    if not isinstance(campaigns, list) or not isinstance(figures, dict):
        raise SyncRefused("malformed", "site")
    seen = set()
    for item in campaigns:
        if not isinstance(item, dict):
            raise SyncRefused("malformed", "campaign")
        slug = _text(item.get("slug"), "campaign.slug", 64, blank=False)
        names, descriptions = item.get("names"), item.get("descriptions", {})
        if not isinstance(names, dict) or not isinstance(descriptions, dict):
            raise SyncRefused("malformed", "campaign texts")
        for text in [*names.values(), *descriptions.values(), *names, *descriptions]:
            _text(text, "campaign text", 20000)
        launched = item.get("launched_on")
        ends = item.get("ends_on")
        existing = Campaign.objects.filter(slug=slug).first()
        if existing is not None and existing.origin != peer:
            logger.warning("sync: campaign %s of %s kept: it belongs to %s", slug, peer,
                           existing.origin or "this edge")
            continue
        Campaign.objects.update_or_create(slug=slug, defaults={
            "origin": peer, "names": names, "descriptions": descriptions,
            "launched_on": parse_date(launched) if isinstance(launched, str) else None,
            "ends_on": parse_date(ends) if isinstance(ends, str) else None,
            "position": int(item.get("position") or 0) % 2**31,
            "is_public": bool(item.get("is_public")),
        })
        seen.add(slug)
    # Campaigns this core no longer has are hidden (their objects stay as the core says).
    Campaign.objects.filter(origin=peer).exclude(slug__in=seen).update(is_public=False)
    for name, value in figures.items():
        if (not isinstance(name, str) or not 0 < len(name) <= 64 or not isinstance(value, int)
                or isinstance(value, bool) or not 0 <= value < 2**62):
            raise SyncRefused("malformed", "figures")
        PublicFigure.objects.update_or_create(origin=peer, name=name,
                                              defaults={"value": value})
    PublicFigure.objects.filter(origin=peer).exclude(name__in=list(figures)).delete()
    retention = site.get("retention")
    if retention is not None:  # a core of an older version sends none: the notice keeps ours
        if (not isinstance(retention, dict) or set(retention) != RETENTION_KEYS
                or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 100_000
                           for v in retention.values())):
            raise SyncRefused("malformed", "retention")
        SyncPeer.objects.filter(name=peer).update(retention=retention)


def _image_files(image: dict[str, Any], folder: str) -> dict[str, bytes] | None:
    files = image.get("files")
    if files is None:
        return None
    if not isinstance(files, dict):
        raise SyncRefused("malformed", "image files")
    out = {}
    for name, data in files.items():
        if not isinstance(name, str) or not FILE_RE.match(name):
            raise SyncRefused("malformed", f"image file name in {folder}")
        out[name] = protocol.unb64(data, field=f"{folder}/{name}")
    return out


def _files_present(folder: str, widths: list[int]) -> bool:
    return all(default_storage.exists(f"{folder}/{name}") for name in rendition_names(widths))


def _folder_deleter(folder: str, widths: list[int], ref: str) -> Any:
    def delete() -> None:
        for name in rendition_names(widths):
            default_storage.delete(f"{folder}/{name}")
        # A CDN in front of this edge forgets them too (TRACEOBJECT_CDN_PURGE_URL).
        cdn_purge(paths=purge_paths(ref=ref, pictures=[
            f"{folder}/{name}" for name in rendition_names(widths)]))

    return delete


def _object(item: dict[str, Any], peer: str) -> str:
    """Apply one object's public state; return "ok", or "need_files" when pictures are
    missing here and were not sent (the core sends them with its next push)."""
    raw_ref = item.get("ref")
    if not is_object_ref(raw_ref):
        raise SyncRefused("malformed", "object ref")
    ref = str(raw_ref).upper()
    status = item.get("status")
    if status not in {ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED, ObjectStatus.WITHDRAWN}:
        raise SyncRefused("malformed", f"{ref}: status")
    if item.get("category") not in Category.values:
        raise SyncRefused("malformed", f"{ref}: category")
    intake_key = item.get("intake_key")
    if not isinstance(intake_key, str) or not HEX64_RE.match(intake_key):
        raise SyncRefused("malformed", f"{ref}: intake_key")
    country = _text(item.get("identified_country", ""), f"{ref}: country", 2)
    texts, images = item.get("texts", []), item.get("images", [])
    if not isinstance(texts, list) or not isinstance(images, list) or len(images) > 50:
        raise SyncRefused("malformed", f"{ref}: texts or images")
    campaign = None  # only for the gallery's filter: the core sends only what is visible
    if isinstance(item.get("campaign"), str):
        campaign = Campaign.objects.filter(slug=item["campaign"], origin=peer).first()
    obj = TracedObject.objects.select_for_update().filter(ref=ref).first()
    if obj is not None and obj.origin != peer:
        logger.warning("sync: object %s of %s refused: it belongs to %s", ref, peer,
                       obj.origin or "this edge")
        return "conflict"
    values = {
        "origin": peer, "intake_key": intake_key, "category": item["category"],
        "status": status, "campaign": campaign,
        "position": int(item.get("position") or 0) % 2**31,
        "published_at": _when(item.get("published_at"), f"{ref}: published_at"),
        "identified_at": _when(item.get("identified_at"), f"{ref}: identified_at"),
        "identified_country": country.upper(),
        "withdrawn_at": timezone.now() if status == ObjectStatus.WITHDRAWN else None,
    }
    if obj is None:
        obj = TracedObject.objects.create(ref=ref, **values)
    else:
        TracedObject.objects.filter(pk=obj.pk).update(**values)
    ObjectText.objects.filter(object=obj).delete()
    for text in texts:
        if not isinstance(text, dict):
            raise SyncRefused("malformed", f"{ref}: text")
        questions = text.get("questions", [])
        if not isinstance(questions, list) or len(questions) > 50:
            raise SyncRefused("malformed", f"{ref}: questions")
        ObjectText.objects.create(
            object=obj, language=_text(text.get("language"), f"{ref}: language", 8, blank=False),
            title=_text(text.get("title"), f"{ref}: title", 200, blank=False),
            description=_text(text.get("description", ""), f"{ref}: description", 20000),
            questions=[_text(q, f"{ref}: question", 2000) for q in questions],
            thank_you=_text(text.get("thank_you", ""), f"{ref}: thank_you", 20000),
        )
    return _object_images(obj, images if status != ObjectStatus.WITHDRAWN else [], ref)


def _object_images(obj: TracedObject, images: list[Any], ref: str) -> str:
    old = {i.folder: list(i.widths) for i in ObjectImage.objects.filter(object=obj)}
    ObjectImage.objects.filter(object=obj).delete()
    result = "ok"
    kept = set()
    for position, image in enumerate(images):
        if not isinstance(image, dict):
            raise SyncRefused("malformed", f"{ref}: image")
        folder = image.get("folder")
        if not isinstance(folder, str) or not FOLDER_RE.match(folder) or not folder.startswith(
                f"objects/{ref}/"):
            raise SyncRefused("malformed", f"{ref}: image folder")
        widths = image.get("widths")
        if (not isinstance(widths, list) or not 0 < len(widths) <= 12
                or not all(isinstance(w, int) and 0 < w <= 10000 for w in widths)):
            raise SyncRefused("malformed", f"{ref}: image widths")
        files = _image_files(image, folder)
        if files is not None:
            for name, data in files.items():
                path = f"{folder}/{name}"
                if default_storage.exists(path):
                    default_storage.delete(path)
                default_storage.save(path, ContentFile(data))
        if not _files_present(folder, widths):
            result = "need_files"
        width, height = image.get("width"), image.get("height")
        if not (isinstance(width, int) and isinstance(height, int)
                and 0 < width <= 100000 and 0 < height <= 100000):
            raise SyncRefused("malformed", f"{ref}: image size")
        ObjectImage.objects.create(object=obj, position=position, folder=folder, width=width,
                                   height=height, widths=widths)
        kept.add(folder)
    for folder, widths in old.items():
        if folder not in kept:
            transaction.on_commit(_folder_deleter(folder, widths, ref))
    return result


def _question(item: dict[str, Any], peer: str) -> None:
    if not isinstance(item, dict):
        raise SyncRefused("malformed", "question")
    core_id = _id(item.get("id"), "question id")
    tip = SealedTip.objects.filter(id=_id(item.get("tip_id"), "question tip_id"),
                                   object__origin=peer).first()
    if tip is None:
        raise SyncRefused("malformed", f"question {core_id}: no such tip of this core")
    sealed = protocol.unb64(item.get("sealed"), field="question", max_bytes=64 * 1024)
    if MailboxMessage.objects.filter(origin=peer, origin_id=core_id).exists():
        return  # applied before
    try:
        with transaction.atomic():
            MailboxMessage.objects.create(
                receipt_id=tip.receipt_id, sealed_tip=tip, direction=Direction.TO_TIPSTER,
                sealed=sealed, created_at=_when(item.get("created_at"), "question.created_at")
                or timezone.now(), origin=peer, origin_id=core_id)
    except IntegrityError:  # a concurrent identical push got there first
        pass


def _status(item: dict[str, Any], peer: str) -> int:
    if not isinstance(item, dict) or item.get("status") not in PublicStatus.values:
        raise SyncRefused("malformed", "status")
    return SealedTip.objects.filter(id=_id(item.get("tip_id"), "status tip_id"),
                                    object__origin=peer).update(
        public_status=item["status"])


def _delete_rows(queryset: Any) -> int:
    """Delete rows without Django's collector, which would look for the triage store's rows
    pointing at them (TipMessage -> MailboxMessage): the edge has no such table. The caller
    deletes what points at the rows first (messages, then tips, then receipts)."""
    return int(queryset._raw_delete(queryset.db))


def _purge(item: Any, peer: str) -> dict[str, Any]:
    """The core purged this tip's messages (or, spam, the whole tip): so does the edge. A tip
    purged before, or never here, is confirmed as it is (applying twice changes nothing)."""
    if not isinstance(item, dict) or item.get("what") not in EdgePurgeKind.values:
        raise SyncRefused("malformed", "purge")
    tip_id = _id(item.get("tip_id"), "purge tip_id")
    tip = SealedTip.objects.filter(id=tip_id, object__origin=peer).first()
    if tip is not None:
        _delete_rows(MailboxMessage.objects.filter(sealed_tip=tip))
        if item["what"] == EdgePurgeKind.TIP:
            receipt_id = tip.receipt_id
            _delete_rows(SealedTip.objects.filter(id=tip.id))
            if not SealedTip.objects.filter(receipt_id=receipt_id).exists():
                _delete_rows(MailboxMessage.objects.filter(receipt_id=receipt_id))
                _delete_rows(Receipt.objects.filter(id=receipt_id))
    return {"tip_id": tip_id, "what": item["what"]}


def _push(message: dict[str, Any], peer: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    site = message.get("site")
    if site is not None:
        if not isinstance(site, dict):
            raise SyncRefused("malformed", "site")
        _site(site, peer)
        result["site"] = True
    objects = message.get("objects", [])
    questions = message.get("questions", [])
    statuses = message.get("statuses", [])
    if not all(isinstance(x, list) and len(x) <= MAX_PULL
               for x in (objects, questions, statuses)):
        raise SyncRefused("malformed", "push sections")
    if not all(isinstance(o, dict) for o in objects):
        raise SyncRefused("malformed", "object")
    result["objects"] = {str(o.get("ref", "")).upper(): _object(o, peer) for o in objects}
    for item in questions:
        _question(item, peer)
    result["questions"] = [q["id"] for q in questions]
    result["statuses"] = sum(_status(item, peer) for item in statuses)
    purges = message.get("purges", [])
    if not isinstance(purges, list) or len(purges) > MAX_PURGES:
        raise SyncRefused("malformed", "purges")
    result["purges"] = [_purge(item, peer) for item in purges]
    if site is not None or objects:
        catalog_changed()
    return result


def _hello(message: dict[str, Any], peer: str) -> dict[str, Any]:
    return {"backlog": waiting_tips(peer=peer).count(),
            "answers": waiting_answers(peer=peer).count()}


_HANDLERS = {"pull": _pull, "ack": _ack, "push": _push, "hello": _hello}

