"""Internal side of tips: opening sealed tips into the triage store."""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.utils import timezone
from nacl.exceptions import CryptoError

from traceobject.catalog.models import TracedObject
from traceobject.core import crypto
from traceobject.core.keys import intake_private_key, intake_public_key
from traceobject.tips.models import MailboxMessage, SealedTip, Tip

logger = logging.getLogger(__name__)


def sealed_tips_open(*, limit: int = 500) -> int:
    """Open up to `limit` sealed tips into the triage store; return how many were opened.

    Each sealed tip is claimed with a conditional UPDATE, so several workers can run at once
    and a tip is opened exactly once. The ciphertext is dropped from the public table after.
    """
    private_key = intake_private_key()
    ids = list(
        SealedTip.objects.filter(opened_at__isnull=True).order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    opened = 0
    for sealed_id in ids:
        with transaction.atomic():
            now = timezone.now()
            claimed = SealedTip.objects.filter(id=sealed_id, opened_at__isnull=True).update(
                opened_at=now
            )
            if not claimed:
                continue
            sealed_tip = SealedTip.objects.get(id=sealed_id)
            try:
                payload = json.loads(crypto.unseal(private_key, bytes(sealed_tip.sealed)))
            except (CryptoError, ValueError):
                # Not sealed to our key (key rotated or data damaged): keep it for an operator.
                SealedTip.objects.filter(id=sealed_id).update(opened_at=None)
                logger.error("sealed tip %s could not be opened with the intake key", sealed_id)
                continue
            email = payload.get("contact_email") or ""
            Tip.objects.create(
                intake_id=sealed_tip.id,
                object=TracedObject.objects.get(id=sealed_tip.object_id),
                text=payload["text"],
                country=payload.get("country", ""),
                place=payload.get("place", ""),
                seen_when=payload.get("seen_when", ""),
                language=payload.get("language", ""),
                contact_sealed=crypto.seal(intake_public_key(), email.encode()) if email else None,
                received_at=sealed_tip.received_at,
                opened_at=now,
            )
            SealedTip.objects.filter(id=sealed_id).update(sealed=b"")
            opened += 1
    return opened


def tip_contact_reveal(*, tip: Tip) -> str:
    """The tipster's contact address (the back office audits every call)."""
    if not tip.contact_sealed:
        return ""
    return crypto.unseal(intake_private_key(), bytes(tip.contact_sealed)).decode()


def mailbox_reply_read(*, message: MailboxMessage) -> str:
    """A tipster's answer, readable only with the intake private key."""
    return crypto.unseal(intake_private_key(), bytes(message.sealed)).decode()
