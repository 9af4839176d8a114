"""Public side of tips: validation, sealed intake, receipts and the tipster's mailbox.

Nothing here stores a readable tip, contact address or receipt, and nothing here imports the
triage store: this module is all the public role needs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.exceptions import CryptoError
from nacl.public import PublicKey

from traceobject.catalog.models import TracedObject, is_object_ref
from traceobject.catalog.selectors import visible_objects
from traceobject.core import crypto
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.keys import intake_public_key
from traceobject.core.pagecache import catalog_version
from traceobject.core.reference import country_codes, ui_language_codes
from traceobject.core.scheduling import schedule_once
from traceobject.core.text import clean_line, clean_text
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


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


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


def tip_submit(*, ref: str, tip: TipInput, receipt: str | None = None) -> str:
    """Seal a tip to the intake key and store it; return the receipt (a new one unless the
    tipster gave an existing one to keep their tips together)."""
    object_id, object_ref, owner_key = _public_object_id(ref)
    payload = json.dumps({
        "v": PAYLOAD_VERSION, "ref": object_ref, "text": tip.text, "country": tip.country,
        "place": tip.place, "seen_when": tip.seen_when, "contact_email": tip.contact_email,
        "language": tip.language,
    }, ensure_ascii=False).encode()
    sealed = crypto.seal(_intake_key(owner_key), payload)
    now = timezone.now()
    with _writer_turn(), transaction.atomic():
        if receipt:
            record = _receipt_lookup(receipt)
            normalized = crypto.receipt_normalize(receipt)
            if record is None or normalized is None:
                raise _unknown_receipt()
            new_receipt = normalized
            receipt_id = record.pk
        else:
            new_receipt = crypto.receipt_new()
            mailbox_key = crypto.mailbox_private_key(new_receipt, key=settings.RECEIPT_HMAC_KEY)
            receipt_id = _insert(Receipt, {
                "digest": crypto.receipt_digest(new_receipt, key=settings.RECEIPT_HMAC_KEY),
                "mailbox_public_key": bytes(mailbox_key.public_key),
                "created_at": _hour(now),
            })
        _insert(SealedTip, {
            "object_id": object_id, "receipt_id": receipt_id,
            "sealed": sealed, "public_status": PublicStatus.RECEIVED.value,
            "received_at": _hour(now), "opened_at": None, "open_error": "",
        })
        _opening_after_commit()
    return new_receipt


def _insert(model: Any, values: dict[str, Any]) -> int:
    """One INSERT ... RETURNING id without the ORM's per-call compilation: the tip path is the
    one a flood hits (measured: the two ORM creates were half of tip_submit's time)."""
    quote = connection.ops.quote_name
    by_column = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    values = {**{name: f.get_default() for name, f in by_column.items()}, **values}
    fields = [by_column[name] for name in values]
    params = [field.get_db_prep_save(value, connection=connection)
              for field, value in zip(fields, values.values(), strict=True)]
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model's metadata, values are parameters.
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES ({marks}) RETURNING {quote(model._meta.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


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
    id: int
    ref: str
    status: str
    status_label: str
    received_at: datetime


@dataclass(frozen=True)
class MailboxEntry:
    direction: str
    text: str  # the investigators' messages ("" for the tipster's own answers)
    created_at: datetime
    ref: str | None
    own_text: str = ""  # the tipster's own answer, shown only when they ask for it


@dataclass(frozen=True)
class Mailbox:
    tips: list[MailboxTip]
    messages: list[MailboxEntry]


def mailbox_open(*, receipt: str) -> Mailbox:
    """The tipster's view: their tips with a coarse status and the messages about them."""
    record = _receipt_lookup(receipt)
    if record is None:
        raise _unknown_receipt()
    normalized = crypto.receipt_normalize(receipt)
    assert normalized is not None
    mailbox_key = crypto.mailbox_private_key(normalized, key=settings.RECEIPT_HMAC_KEY)
    labels = dict(PublicStatus.choices)
    tips = [
        MailboxTip(id=t.id, ref=t.object.ref, status=t.public_status,
                   status_label=str(labels[t.public_status]), received_at=t.received_at)
        for t in record.tips.select_related("object").order_by("received_at", "id")
    ]
    messages = []
    for message in record.messages.select_related("sealed_tip__object"):
        ref = message.sealed_tip.object.ref if message.sealed_tip else None
        own = ""
        if message.direction == Direction.TO_TIPSTER:
            try:
                text = crypto.unseal(mailbox_key, bytes(message.sealed)).decode()
            except CryptoError:
                continue
        else:
            # The answer itself is sealed to the intake key; its copy to the mailbox key
            # lets the receipt (and nothing else) read it back.
            text = ""
            if message.sealed_copy:
                try:
                    own = crypto.unseal(mailbox_key, bytes(message.sealed_copy)).decode()
                except CryptoError:
                    own = ""
        messages.append(MailboxEntry(direction=message.direction, text=text,
                                     created_at=message.created_at, ref=ref, own_text=own))
    return Mailbox(tips=tips, messages=messages)


def mailbox_message_to_tipster(*, sealed_tip_id: int, text: str) -> MailboxMessage:
    """Investigators' question to a tipster, readable only with the tipster's receipt."""
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=MESSAGE_MAX, errors=errors, multiline=True)
    if errors or not text:
        raise ServiceError("invalid_message", _("A message needs text."), fields=errors,
                           status=422)
    sealed_tip = SealedTip.objects.select_related("receipt").get(id=sealed_tip_id)
    key = PublicKey(bytes(sealed_tip.receipt.mailbox_public_key))
    return MailboxMessage.objects.create(
        receipt=sealed_tip.receipt, sealed_tip=sealed_tip, direction=Direction.TO_TIPSTER,
        sealed=crypto.seal(key, text.encode()), created_at=timezone.now(),
    )


def mailbox_reply(*, receipt: str, text: str) -> MailboxMessage:
    """The tipster's answer, sealed to the intake key like a tip (the worker opens it into
    the triage store), with a copy sealed to the receipt's mailbox key for the tipster."""
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
    # the answer goes with the tip the latest question was about (else the latest tip)
    asked = (record.messages.filter(direction=Direction.TO_TIPSTER, sealed_tip__isnull=False)
             .order_by("-id").values_list("sealed_tip_id", flat=True).first())
    sealed_tip_id = asked or record.tips.order_by("-id").values_list("id", flat=True).first()
    owner_key = (SealedTip.objects.filter(id=sealed_tip_id or 0)
                 .values_list("object__intake_key", flat=True).first() or "")
    mailbox_key = PublicKey(bytes(record.mailbox_public_key))
    with transaction.atomic():
        message = MailboxMessage.objects.create(
            receipt=record, sealed_tip_id=sealed_tip_id, direction=Direction.FROM_TIPSTER,
            sealed=crypto.seal(_intake_key(owner_key), text.encode()),
            sealed_copy=crypto.seal(mailbox_key, text.encode()),
            created_at=_hour(timezone.now()),
        )
        _opening_after_commit()
    return message

