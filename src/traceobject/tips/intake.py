"""Public side of tips: validation, sealed intake, receipts and the tipster's mailbox.

Nothing here stores a readable tip, contact address or receipt, and nothing here imports the
triage store: this module is all the public role needs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey

from traceobject.catalog.models import TracedObject, is_object_ref
from traceobject.catalog.selectors import visible_objects
from traceobject.core import crypto
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.keys import intake_public_key
from traceobject.core.pagecache import catalog_version
from traceobject.core.reference import country_codes, ui_language_codes
from traceobject.core.rows import row_insert
from traceobject.core.scheduling import schedule_once
from traceobject.core.text import clean_line, clean_text
from traceobject.tips import once as once_keys
from traceobject.tips.models import Direction, MailboxMessage, PublicStatus, Receipt, SealedTip

TEXT_MIN = 3
TEXT_MAX = 5000
PLACE_MAX = 200
WHEN_MAX = 100
EMAIL_MAX = 254
MESSAGE_MAX = 5000
PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class TipInput:
    text: str
    country: str = ""
    place: str = ""
    seen_when: str = ""
    contact_email: str = ""
    language: str = ""


def _clean_text(value: Any, *, field: str, maximum: int, errors: dict[str, str],
                multiline: bool = False) -> str:
    """The field through the one text cleaner (core.text); a refusal's reason goes into
    `errors` and "" is returned, so that every field is checked in one round."""
    clean = clean_text if multiline else clean_line
    try:
        return clean(value, field=field, max_length=maximum, required=False, code="invalid_tip")
    except ServiceError as error:
        errors[field] = error.fields[field]
        return ""


def tip_validate(data: dict[str, Any]) -> TipInput:
    """Check every field of a tip; raise ServiceError with per-field messages."""
    errors: dict[str, str] = {}
    text = _clean_text(data.get("text"), field="text", maximum=TEXT_MAX, errors=errors,
                       multiline=True)
    if "text" not in errors and len(text) < TEXT_MIN:
        errors["text"] = _("Please tell us what you know about this object.")
    country = _clean_text(data.get("country"), field="country", maximum=2, errors=errors).upper()
    if country and country not in country_codes():
        errors["country"] = _("Choose a country from the list.")
    place = _clean_text(data.get("place"), field="place", maximum=PLACE_MAX, errors=errors)
    seen_when = _clean_text(data.get("seen_when"), field="seen_when", maximum=WHEN_MAX,
                            errors=errors)
    email = _clean_text(data.get("contact_email"), field="contact_email", maximum=EMAIL_MAX,
                        errors=errors)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = _("Enter a valid e-mail address, or leave this empty.")
    language = _clean_text(data.get("language"), field="language", maximum=8, errors=errors)
    if language and language not in ui_language_codes():
        errors["language"] = _("Unknown language.")
    if errors:
        raise ServiceError("invalid_tip", _("Some fields need your attention."), fields=errors,
                           status=422)
    return TipInput(text=text, country=country, place=place, seen_when=seen_when,
                    contact_email=email, language=language)


def _receipt_lookup(receipt: str) -> Receipt | None:
    normalized = crypto.receipt_normalize(receipt)
    if normalized is None:
        return None
    digest = crypto.receipt_digest(normalized, key=settings.RECEIPT_HMAC_KEY)
    return Receipt.objects.filter(digest=digest).first()


def _unknown_receipt() -> NotFound:
    return NotFound("unknown_receipt", _("No mailbox matches this receipt. Check what you typed."))


def receipt_check(*, receipt: str) -> str:
    """The receipt as it is written (XXXX-XXXX-...) if a mailbox has it; NotFound if not."""
    normalized = crypto.receipt_normalize(receipt)
    if normalized is None or _receipt_lookup(normalized) is None:
        raise _unknown_receipt()
    return normalized


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _tipster_stamp(receipt_id: int | None, now: datetime) -> datetime:
    """The time a tipster's tip copy or answer is stored with: the hour (no finer trace of
    when someone wrote), but never earlier than the latest message already in the mailbox.
    Rounded down alone, an answer written at 19:45 to a question of 19:30 was stamped 19:00
    and showed above the question it answers."""
    stamp = _hour(now)
    if receipt_id is not None:
        latest = MailboxMessage.objects.filter(receipt_id=receipt_id).aggregate(
            latest=Max("created_at"))["latest"]
        if latest is not None and latest > stamp:  # (a core's clock may run a little ahead)
            stamp = latest
    return stamp


# What is sealed to a mailbox key (questions, the copies of a tipster's answers and tip) is
# MESSAGE_FORMAT followed by a JSON object {"text", "language", ...}. Older messages are the
# text alone; a text never starts with this control character (validation refuses them).
MESSAGE_FORMAT = b"\x01"


def message_seal(key: PublicKey, text: str, *, language: str = "", **extra: str) -> bytes:
    """Seal a message with its language (and, for a tip copy, the tip's other fields)."""
    payload = {"text": text, "language": language, **extra}
    return crypto.seal(key, MESSAGE_FORMAT + json.dumps(payload, ensure_ascii=False).encode())


def message_unseal(key: PrivateKey, sealed: bytes) -> dict[str, str]:
    """{"text", "language", ...} of a message sealed to `key` (CryptoError if it is not)."""
    data = crypto.unseal(key, sealed)
    if data[:1] != MESSAGE_FORMAT:
        return {"text": data.decode(), "language": ""}
    try:
        payload = json.loads(data[1:])
    except ValueError:
        raise CryptoError("not a message") from None
    if not isinstance(payload, dict):
        raise CryptoError("not a message")
    return {str(k): v for k, v in payload.items() if isinstance(v, str)}


def public_object_get(*, ref: str) -> TracedObject:
    """An object the public can see: published or identified, not in a hidden campaign."""
    obj = visible_objects().filter(ref=ref.upper()).first() if is_object_ref(ref) else None
    if obj is None:
        raise _unknown_object()
    return obj


def _unknown_object() -> NotFound:
    return NotFound("unknown_object", _("There is no published object with this reference."))


def _public_object_id(ref: str) -> tuple[int, str, str]:
    """(id, ref, intake key) of a published object, cached under the catalogue version."""
    if not is_object_ref(ref):
        raise _unknown_object()
    key = f"pubobj2:{catalog_version()}:{ref.upper()}"
    found = cache.get(key)
    if found is None:
        obj = public_object_get(ref=ref)
        found = (obj.pk, obj.ref, obj.intake_key)
        cache.set(key, found, 300)
    return found


def _intake_key(owner_key: str) -> PublicKey:
    """The key a tip on an object is sealed to: on an edge, the key of the core that owns the
    object (it came with the object); on the core, its own intake key."""
    if owner_key:
        return PublicKey(bytes.fromhex(owner_key))
    if settings.EDGE:  # an object without its owner's key cannot take tips here
        raise ServiceError("intake_unavailable",
                           _("Tips on this object cannot be taken at the moment."), status=503)
    return intake_public_key()


def tip_submit(*, ref: str, tip: TipInput, receipt: str | None = None,
               once: once_keys.Pending | None = None) -> str:
    """Seal a tip to the intake key and store it; return the receipt (a new one unless the
    tipster gave an existing one to keep their tips together).

    A copy of the tip (without the contact address) is sealed to the receipt's mailbox key, so
    that the tipster can read it in the mailbox. With `once`, its key is recorded with the
    answer (the receipt added) in the same transaction; once_keys.Taken if another request
    recorded it first (then nothing was stored)."""
    object_id, object_ref, owner_key = _public_object_id(ref)
    payload = json.dumps({
        "v": PAYLOAD_VERSION, "ref": object_ref, "text": tip.text, "country": tip.country,
        "place": tip.place, "seen_when": tip.seen_when, "contact_email": tip.contact_email,
        "language": tip.language,
    }, ensure_ascii=False).encode()
    sealed = crypto.seal(_intake_key(owner_key), payload)
    copy = {"text": tip.text, "language": tip.language, "country": tip.country,
            "place": tip.place, "seen_when": tip.seen_when}
    now = timezone.now()
    hour = _hour(now)
    if not receipt:
        # A new receipt, its mailbox key and the tip's copy sealed to it need no database:
        # worked out before the writer's turn, which other tips wait for.
        new_receipt = crypto.receipt_new()
        digest = crypto.receipt_digest(new_receipt, key=settings.RECEIPT_HMAC_KEY)
        mailbox_public_key = crypto.mailbox_private_key(
            new_receipt, key=settings.RECEIPT_HMAC_KEY).public_key
        sealed_copy = message_seal(mailbox_public_key, **copy)
    with _writer_turn(), transaction.atomic():
        if receipt:
            record = _receipt_lookup(receipt)
            normalized = crypto.receipt_normalize(receipt)
            if record is None or normalized is None:
                raise _unknown_receipt()
            new_receipt = normalized
            receipt_id = record.pk
            sealed_copy = message_seal(PublicKey(bytes(record.mailbox_public_key)), **copy)
            stamp = _tipster_stamp(receipt_id, now)
        else:
            receipt_id = row_insert(Receipt, {
                "digest": digest, "mailbox_public_key": bytes(mailbox_public_key),
                "created_at": hour,
            })
            stamp = hour
        tip_id = row_insert(SealedTip, {
            "object_id": object_id, "receipt_id": receipt_id,
            "sealed": sealed, "public_status": PublicStatus.RECEIVED.value,
            "received_at": hour, "opened_at": None, "open_error": "",
        })
        row_insert(MailboxMessage, {
            "receipt_id": receipt_id, "sealed_tip_id": tip_id,
            "direction": Direction.TIP_COPY.value, "created_at": stamp, "sealed": sealed_copy,
        })
        if once is not None:
            once_keys.record(once.claim, status=once.status,
                             body={**once.body, "receipt": new_receipt, "ref": object_ref},
                             now=now)
        _opening_after_commit()
    return new_receipt


_SQLITE_WRITER = threading.Lock()


@contextmanager
def _writer_turn() -> Iterator[None]:
    """SQLite has one writer at a time: threads of this process queue here instead of
    sleeping in SQLite's busy handler (which costs throughput in a tip flood)."""
    if connection.vendor != "sqlite":
        yield
        return
    with _SQLITE_WRITER:
        yield


OPENING_WINDOW = 2  # seconds


def _opening_after_commit() -> None:
    """Where this process holds the intake key (not on an edge, whose core pulls the sealed
    tips), open what was just stored soon after the commit."""
    if not settings.EDGE:
        transaction.on_commit(schedule_opening, robust=True)


def schedule_opening() -> None:
    """One opening task per window, not one per tip: in a flood, tips are opened in batches
    (core.scheduling.schedule_once).

    The task runs after the window, so every tip committed while the key was held is waiting
    for it; the first tip after the window schedules the next task.
    """
    # Imported here: the edge (which never opens tips) loads no task or triage code.
    from traceobject.tips.tasks import open_sealed_tips

    schedule_once(key="tips:opening-scheduled", window=OPENING_WINDOW, task=open_sealed_tips)


@dataclass(frozen=True)
class MailboxTip:
    id: int  # the row's id: not shown to the tipster, who names a tip by its number
    ref: str
    status: str
    status_label: str
    received_at: datetime
    number: int = 0  # 1, 2, ... in the mailbox's order (oldest first)


@dataclass(frozen=True)
class MailboxEntry:
    direction: str  # Direction: to_tipster, from_tipster or tip_copy
    text: str  # the investigators' messages ("" for the tipster's own words)
    created_at: datetime
    ref: str | None
    own_text: str = ""  # the tipster's own answer or tip, shown only when they ask for it
    language: str = ""  # the language it is written in ("" when not known)
    tip: int | None = None  # the number of the tip it is about (MailboxTip.number)
    # A tip copy's other fields: country code, place, when.
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mailbox:
    tips: list[MailboxTip]
    messages: list[MailboxEntry]  # in time order

    def thread(self, number: int | None) -> list[MailboxEntry]:
        return [m for m in self.messages if m.tip == number]


def _mailbox_entry(message: MailboxMessage, mailbox_key: PrivateKey,
                   numbers: dict[int, int]) -> MailboxEntry | None:
    text = own = language = ""
    details: dict[str, str] = {}
    if message.direction in (Direction.TO_TIPSTER, Direction.TIP_COPY):
        try:
            payload = message_unseal(mailbox_key, bytes(message.sealed))
        except (CryptoError, UnicodeDecodeError):
            return None
        language = payload.get("language", "")
        if message.direction == Direction.TO_TIPSTER:
            text = payload.get("text", "")
        else:
            own = payload.get("text", "")
            details = {k: payload[k] for k in ("country", "place", "seen_when")
                       if payload.get(k)}
    elif message.sealed_copy:
        # An answer is sealed to the intake key; its copy to the mailbox key lets the
        # receipt (and nothing else) read it back.
        try:
            payload = message_unseal(mailbox_key, bytes(message.sealed_copy))
            own, language = payload.get("text", ""), payload.get("language", "")
        except (CryptoError, UnicodeDecodeError):
            pass
    return MailboxEntry(
        direction=message.direction, text=text, created_at=message.created_at,
        ref=message.sealed_tip.object.ref if message.sealed_tip else None, own_text=own,
        language=language, tip=numbers.get(message.sealed_tip_id or 0), details=details)


def mailbox_open(*, receipt: str) -> Mailbox:
    """The tipster's view: their tips with a coarse status and the messages about them (the
    tipster's own tips and answers among them), in time order."""
    record = _receipt_lookup(receipt)
    if record is None:
        raise _unknown_receipt()
    normalized = crypto.receipt_normalize(receipt)
    assert normalized is not None
    mailbox_key = crypto.mailbox_private_key(normalized, key=settings.RECEIPT_HMAC_KEY)
    labels = dict(PublicStatus.choices)
    tips = [
        MailboxTip(id=t.id, ref=t.object.ref, status=t.public_status,
                   status_label=str(labels[t.public_status]), received_at=t.received_at,
                   number=number)
        for number, t in enumerate(_tips_in_order(record).select_related("object"), 1)
    ]
    numbers = {t.id: t.number for t in tips}
    messages = []
    for message in record.messages.select_related("sealed_tip__object").order_by(
            "created_at", "id"):
        entry = _mailbox_entry(message, mailbox_key, numbers)
        if entry is not None:
            messages.append(entry)
    return Mailbox(tips=tips, messages=messages)


def _language_clean(language: Any) -> str:
    return language if isinstance(language, str) and language in ui_language_codes() else ""


def mailbox_message_to_tipster(*, sealed_tip_id: int, text: str,
                               language: str = "") -> MailboxMessage:
    """Investigators' question to a tipster, readable only with the tipster's receipt; it
    carries its language (one of the site's, or "" when not known), sealed with it."""
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=MESSAGE_MAX, errors=errors, multiline=True)
    if errors or not text:
        raise ServiceError("invalid_message", _("A message needs text."), fields=errors,
                           status=422)
    sealed_tip = SealedTip.objects.select_related("receipt").get(id=sealed_tip_id)
    key = PublicKey(bytes(sealed_tip.receipt.mailbox_public_key))
    return MailboxMessage.objects.create(
        receipt=sealed_tip.receipt, sealed_tip=sealed_tip, direction=Direction.TO_TIPSTER,
        sealed=message_seal(key, text, language=_language_clean(language)),
        created_at=timezone.now(),
    )


def _unknown_tip() -> ServiceError:
    message = _("This tip is not in your mailbox.")
    return ServiceError("unknown_tip", message, fields={"tip": message}, status=422)


def _tips_in_order(record: Receipt) -> Any:
    return record.tips.order_by("received_at", "id")


def mailbox_reply(*, receipt: str, text: str, tip: int | None = None, language: str = "",
                  once: once_keys.Pending | None = None) -> MailboxMessage:
    """The tipster's answer or addition, sealed to the intake key like a tip (the worker opens
    it into the triage store), with a copy sealed to the receipt's mailbox key for the tipster.

    It goes with the receipt's tip number `tip` (MailboxTip.number), else with the tip the
    latest question was about, else with the latest tip. With `once`, its key is recorded in
    the same transaction (once_keys.Taken if another request recorded it first: nothing
    stored)."""
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=MESSAGE_MAX, errors=errors, multiline=True)
    if not errors and len(text) < 1:
        errors["text"] = _("Please write your answer.")
    if errors:
        raise ServiceError("invalid_message", _("Some fields need your attention."),
                           fields=errors, status=422)
    record = _receipt_lookup(receipt)
    if record is None:
        raise _unknown_receipt()
    if tip is not None:
        ids = list(_tips_in_order(record).values_list("id", flat=True))
        if not isinstance(tip, int) or isinstance(tip, bool) or not 0 < tip <= len(ids):
            raise _unknown_tip()
        sealed_tip_id: int | None = ids[tip - 1]
    else:
        asked = (record.messages.filter(direction=Direction.TO_TIPSTER,
                                        sealed_tip__isnull=False)
                 .order_by("-id").values_list("sealed_tip_id", flat=True).first())
        sealed_tip_id = asked or record.tips.order_by("-id").values_list("id", flat=True).first()
    owner_key = (SealedTip.objects.filter(id=sealed_tip_id or 0)
                 .values_list("object__intake_key", flat=True).first() or "")
    mailbox_key = PublicKey(bytes(record.mailbox_public_key))
    now = timezone.now()
    with _writer_turn(), transaction.atomic():
        message = MailboxMessage.objects.create(
            receipt=record, sealed_tip_id=sealed_tip_id, direction=Direction.FROM_TIPSTER,
            sealed=crypto.seal(_intake_key(owner_key), text.encode()),
            sealed_copy=message_seal(mailbox_key, text, language=_language_clean(language)),
            created_at=_tipster_stamp(record.pk, now),
        )
        if once is not None:
            once_keys.record(once.claim, status=once.status, body=dict(once.body), now=now)
        _opening_after_commit()
    return message


def once_record(claim: once_keys.Claim, *, status: int, body: dict[str, Any]) -> None:
    """Record a one-time key with its answer on its own (a page that stores nothing else, such
    as the mailbox opened with a receipt); once_keys.Taken if it was recorded already."""
    with _writer_turn(), transaction.atomic():
        once_keys.record(claim, status=status, body=body)
