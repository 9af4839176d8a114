"""Nothing twice: one-time keys for the public side's posts (the edge's half).

Two kinds of key name a request that must be carried out once:

- An API client's ``Idempotency-Key`` header (POST of a tip or a reply). The same key within
  24 hours gets the same answer again and stores nothing; the same key with another request
  (another body, object or receipt) is refused with 422, so a key cannot be used to fetch
  someone else's answer without sending their very request.
- A web form's one-time token (the tip form, the mailbox answer), issued with the form and
  signed with its time, together with the browser's own secret (a cookie set with the form).
  A reload, a double click or the browser's "resubmit" sends the same token from the same
  browser: the first answer is shown again (a receipt too, as long as it may be shown), and
  nothing is stored twice. Another browser holding the token finds nothing: the record is
  looked up and opened under the browser's secret.

A key is stored as an ``OnceKey`` row: an HMAC of the key (digest), an HMAC of the request
(request) and the answer sealed under a key derived from the key and the request, which are
not stored: whoever holds the database alone reads nothing. The record is written in the
transaction that stores the tip or answer, so a request racing its own double waits for it and
then finds it (``Taken``). Rows are purged ``keep()`` after their hour, a form key's answer
(which a page shows for a limited time) after ``form_answer_keep()``; the hourly schedule (role
all) and, on an edge, each sync round do it (``once_purge``, in batches there). The lifetimes
are settings (TRACEOBJECT_FORM_TOKEN_HOURS, ..._RECEIPT_SHOWN_MINUTES, ..._MAILBOX_OPEN_MINUTES).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from traceobject.core.errors import ServiceError
from traceobject.core.rows import row_first, row_insert
from traceobject.tips.models import OnceKey

# An Idempotency-Key is good 24 hours (the public API says so).
LIFETIME = timedelta(hours=24)
# Times are kept to the hour: a row goes an hour after the longest time it must answer for.
_HOUR = timedelta(hours=1)


def form_token_max_age() -> timedelta:
    """How long a web form's token is accepted after the form was drawn
    (TRACEOBJECT_FORM_TOKEN_HOURS); its record, made when it was sent, outlives every
    resubmission the token allows."""
    return timedelta(hours=settings.FORM_TOKEN_HOURS)


def receipt_shown_for() -> timedelta:
    """How long a receipt is shown again to the browser that sent the tip, until it is noted
    down (TRACEOBJECT_RECEIPT_SHOWN_MINUTES)."""
    return timedelta(minutes=settings.RECEIPT_SHOWN_MINUTES)


def mailbox_open_for() -> timedelta:
    """How long a mailbox opened stays open in that browser (TRACEOBJECT_MAILBOX_OPEN_MINUTES)."""
    return timedelta(minutes=settings.MAILBOX_OPEN_MINUTES)


def keep() -> timedelta:
    """A key's row is kept this long after its hour: the longest of the API key's and the form
    token's lifetimes, and of the pages that show a form key's answer, plus an hour."""
    return max(LIFETIME, form_token_max_age(), form_answer_keep()) + _HOUR


def form_answer_keep() -> timedelta:
    """A form key's answer (a receipt, an open mailbox) is dropped this long after its hour:
    the pages that show it show it for so long at most (public/views.py), plus an hour."""
    return max(receipt_shown_for(), mailbox_open_for()) + _HOUR


# An Idempotency-Key: 1 to 128 visible ASCII characters (a UUID is 36).
KEY_MAX = 128
KEY_RE = re.compile(rf"^[\x21-\x7e]{{1,{KEY_MAX}}}$")

_FORM_TOKEN_SALT = "traceobject.tips.once.form"  # noqa: S105  (a signing salt)
_RANDOM_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


class Taken(Exception):
    """The key was recorded by another request meanwhile (a double click, a retry): look it
    up again. The transaction that tried to record it stored nothing."""


@dataclass(frozen=True)
class Claim:
    """A key to record with the answer it gets: where it is looked up (digest), the request
    it stands for (request), and the key its answer is sealed under (never stored)."""

    digest: str
    request: str
    box_key: bytes


@dataclass(frozen=True)
class Pending:
    """A claim to record by the service that carries the request out, in its transaction,
    with the answer (`status`, `body`: the service adds what it makes, e.g. the receipt)."""

    claim: Claim
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] | None  # None: the answer can no longer be shown (noted down, purged)


def _server_key() -> bytes:
    return hashlib.sha256(b"traceobject once v1\0" + settings.RECEIPT_HMAC_KEY.encode()).digest()


def _mac(*parts: str | bytes) -> bytes:
    data = b"\0".join(p.encode() if isinstance(p, str) else p for p in parts)
    return hmac.new(_server_key(), data, hashlib.sha256).digest()


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _fresh_after(now: datetime) -> datetime:
    return now - keep()


# ------------------------------------------------------------------------- the API's keys


def api_key_check(value: str | None) -> str | None:
    """The Idempotency-Key header as sent (None when absent); a malformed one is refused."""
    if value is None:
        return None
    if not value:
        message = _("The Idempotency-Key header is empty: send 1 to %(max)d visible ASCII "
                    "characters, or leave the header out.") % {"max": KEY_MAX}
    elif len(value) > KEY_MAX:
        message = _("The Idempotency-Key header is too long: at most %(max)d characters.") % {
            "max": KEY_MAX}
    elif not KEY_RE.match(value):
        message = _("The Idempotency-Key header may hold only visible ASCII characters "
                    "(letters, digits, punctuation).")
    else:
        return value
    raise ServiceError("invalid_idempotency_key", message, status=400,
                       fields={"Idempotency-Key": message})


def api_claim(*, scope: str, key: str, request: bytes) -> Claim:
    """The claim of an Idempotency-Key for one operation (`scope`) and request (method, path,
    headers that matter and body, as bytes)."""
    request_hash = hashlib.sha256(request).digest()
    return Claim(
        digest=_mac("api", scope, key).hex(),
        request=_mac("api request", scope, request_hash).hex(),
        box_key=_mac("api box", scope, key, request_hash),
    )


def key_reused() -> ServiceError:
    return ServiceError(
        "idempotency_key_reused",
        _("This Idempotency-Key was used for another request in the last 24 hours. Use a new "
          "key for a new request."), status=422)


# ------------------------------------------------------------------------ the forms' keys


def browser_secret_new() -> str:
    return secrets.token_urlsafe(32)


def form_token_new() -> str:
    """A one-time token for a form being drawn: random, signed with the time."""
    return signing.TimestampSigner(salt=_FORM_TOKEN_SALT).sign(secrets.token_urlsafe(16))


def form_token_check(token: Any) -> str | None:
    """The random part of a form token this site issued less than form_token_max_age() ago,
    or None (missing, forged, out of date)."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = signing.TimestampSigner(salt=_FORM_TOKEN_SALT).unsign(
            token, max_age=form_token_max_age())
    except signing.BadSignature:  # also SignatureExpired
        return None
    return value if _RANDOM_RE.match(value) else None


def handle_check(value: Any) -> str | None:
    """A form token's random part as it comes back in a page address, or None."""
    return value if isinstance(value, str) and _RANDOM_RE.match(value) else None


def view_handle_new() -> str:
    """A random part for a page that is not the answer to a form with a token of its own."""
    return secrets.token_urlsafe(16)


def form_claim(*, scope: str, secret: str, handle: str) -> Claim:
    """The claim of a form's token (its random part, `handle`) sent by the browser holding
    `secret`: another browser with the same token has another claim."""
    return Claim(
        digest=_mac("form", scope, secret, handle).hex(),
        request="",
        box_key=_mac("form box", scope, secret, handle),
    )


# ---------------------------------------------------------------------------- the records


def _seal(claim: Claim, body: dict[str, Any]) -> bytes:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return bytes(SecretBox(claim.box_key).encrypt(data))


def _open(claim: Claim, sealed: bytes | None) -> dict[str, Any] | None:
    if not sealed:
        return None
    try:
        value = json.loads(SecretBox(claim.box_key).decrypt(bytes(sealed)))
    except (CryptoError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def record(claim: Claim, *, status: int, body: dict[str, Any],
           now: datetime | None = None) -> None:
    """Record the key with its answer, inside the caller's transaction (the one that stores
    what the request asked for). Raises Taken when another request recorded it first; the
    caller's transaction is then rolled back whole."""
    now = now or timezone.now()
    values = {"digest": claim.digest, "request": claim.request, "status": status,
              "sealed": _seal(claim, body), "created_at": _hour(now)}
    try:
        with transaction.atomic():
            row_insert(OnceKey, values)
        return
    except IntegrityError:
        pass
    # The digest is there: another request's, or a row past its lifetime the purge has not
    # reached yet (looked for only now: a new key, the usual case, costs one statement).
    if not OnceKey.objects.filter(digest=claim.digest,
                                  created_at__lt=_fresh_after(now)).delete()[0]:
        raise Taken
    try:
        with transaction.atomic():
            row_insert(OnceKey, values)
    except IntegrityError:
        raise Taken from None


def find(claim: Claim, *, now: datetime | None = None) -> Answer | None:
    """The answer recorded for this key within its lifetime, or None (a new key). An API key
    recorded for another request is refused (422)."""
    now = now or timezone.now()
    row = row_first(OnceKey, ("request", "status", "sealed"),
                    (("digest", "=", claim.digest), ("created_at", ">=", _fresh_after(now))))
    if row is None:
        return None
    request, status, sealed = row
    if not hmac.compare_digest(request, claim.request):
        raise key_reused()
    return Answer(status=status, body=_open(claim, sealed))


def forget_answer(claim: Claim) -> None:
    """Keep the key (a resubmission still stores nothing) but drop its sealed answer: a
    receipt noted down is not shown again."""
    OnceKey.objects.filter(digest=claim.digest).update(sealed=None)


def forget(claim: Claim) -> None:
    """Drop the key and its answer (a mailbox closed by its reader)."""
    OnceKey.objects.filter(digest=claim.digest).delete()


def once_purge(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Delete the keys past their lifetime, and drop the answers of form keys past
    form_answer_keep() (the key stays: a resubmission still stores nothing); return how many
    keys were deleted. `limit`: at most so many rows of each kind this time (an edge purges
    with each sync round and keeps the round short; the rest goes with the next rounds)."""
    now = now or timezone.now()
    answers = OnceKey.objects.filter(request="", sealed__isnull=False,
                                     created_at__lt=now - form_answer_keep())
    old = OnceKey.objects.filter(created_at__lt=_fresh_after(now))
    if limit is not None:
        answers = OnceKey.objects.filter(
            id__in=list(answers.order_by("id").values_list("id", flat=True)[:limit]))
        old = OnceKey.objects.filter(
            id__in=list(old.order_by("id").values_list("id", flat=True)[:limit]))
    answers.update(sealed=None)
    return int(old.delete()[0])
