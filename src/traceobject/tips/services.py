"""Internal side of tips: opening sealed tips into the triage store."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from nacl.exceptions import CryptoError

from traceobject.core import crypto
from traceobject.core.keys import intake_private_key, intake_public_key
from traceobject.tips.models import MailboxMessage, SealedTip, Tip

logger = logging.getLogger(__name__)


def _open_one(sealed_id: int, private_key: Any) -> bool:
    """Open one sealed tip in its own transaction; True if it was opened here."""
    with transaction.atomic():
        now = timezone.now()
        claimed = SealedTip.objects.filter(id=sealed_id, opened_at__isnull=True).update(
            opened_at=now
        )
        if not claimed:
            return False
        sealed_tip = SealedTip.objects.get(id=sealed_id)
        payload = json.loads(crypto.unseal(private_key, bytes(sealed_tip.sealed)))
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise ValueError("not a tip payload")
        email = payload.get("contact_email") or ""
        Tip.objects.create(
            intake_id=sealed_tip.id,
            object_id=sealed_tip.object_id,
            text=payload["text"],
            country=str(payload.get("country", ""))[:2],
            place=str(payload.get("place", ""))[:200],
            seen_when=str(payload.get("seen_when", ""))[:100],
            language=str(payload.get("language", ""))[:8],
            contact_sealed=crypto.seal(intake_public_key(), email.encode()) if email else None,
            received_at=sealed_tip.received_at,
            opened_at=now,
        )
        SealedTip.objects.filter(id=sealed_id).update(sealed=b"")
    return True


def sealed_tips_open(*, batch: int = 500, max_batches: int = 1000) -> int:
    """Open every waiting sealed tip into the triage store; return how many were opened.

    Each sealed tip is claimed with a conditional UPDATE, so several workers can run at once
    and a tip is opened exactly once; the ciphertext is then dropped from the public table.
    A tip that cannot be opened is marked (open_error) and skipped, never retried in a loop.
    """
    private_key = intake_private_key()
    opened = 0
    for _ in range(max_batches):
        ids = list(
            SealedTip.objects.filter(opened_at__isnull=True, open_error="").order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        for sealed_id in ids:
            try:
                opened += _open_one(sealed_id, private_key)
            except (CryptoError, ValueError, KeyError, TypeError, IntegrityError) as error:
                SealedTip.objects.filter(id=sealed_id).update(
                    open_error=f"{type(error).__name__}"[:200])
                logger.error("sealed tip %s could not be opened: %s", sealed_id,
                             type(error).__name__)
    return opened


def tip_contact_reveal(*, tip: Tip, user: Any) -> str:
    """The tipster's contact address; every reveal is written to the audit log."""
    from traceobject.audit.services import audit_record

    if not tip.contact_sealed:
        return ""
    address = crypto.unseal(intake_private_key(), bytes(tip.contact_sealed)).decode()
    audit_record(actor=user, action="tip.contact_reveal", target=f"tip {tip.pk}")
    return address


def mailbox_reply_read(*, message: MailboxMessage) -> str:
    """A tipster's answer, readable only with the intake private key."""
    return crypto.unseal(intake_private_key(), bytes(message.sealed)).decode()
