"""Two stores.

Public side (intake): Receipt, SealedTip, MailboxMessage hold nothing readable: tips are sealed to
the intake key, receipts are keyed hashes, messages are sealed to the mailbox or the intake key.

Internal side (triage): Tip, opened from a SealedTip by the worker that holds the private key.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from traceobject.catalog.models import TracedObject


class Receipt(models.Model):
    digest = models.CharField(max_length=64, unique=True)  # HMAC-SHA256 of the receipt
    mailbox_public_key = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"receipt {self.pk}"


class PublicStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CHECKING = "checking", _("Being checked")
    PASSED_ON = "passed_on", _("Passed on")


class SealedTip(models.Model):
    object = models.ForeignKey(TracedObject, on_delete=models.PROTECT, related_name="sealed_tips")
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="tips")
    sealed = models.BinaryField()  # emptied once opened into the triage store
    public_status = models.CharField(
        max_length=16, choices=PublicStatus.choices, default=PublicStatus.RECEIVED
    )
    received_at = models.DateTimeField()  # to the hour: no finer trace of when someone wrote
    opened_at = models.DateTimeField(null=True, blank=True)
    # Set when the tip could not be opened (wrong key, damaged): kept for an operator, skipped
    # by the opener so it cannot block the queue.
    open_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["opened_at"])]

    def __str__(self) -> str:
        return f"sealed tip {self.pk}"


class Direction(models.TextChoices):
    TO_TIPSTER = "to_tipster", _("From the investigators")
    FROM_TIPSTER = "from_tipster", _("From you")


class MailboxMessage(models.Model):
    """A message between investigators and a tipster.

    to_tipster: sealed to the receipt's mailbox key (readable only with the receipt);
    from_tipster: sealed to the intake key (readable only by the internal role).
    """

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="messages")
    sealed_tip = models.ForeignKey(
        SealedTip, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=16, choices=Direction.choices)
    sealed = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]  # written order (tipster times are rounded to the hour)

    def __str__(self) -> str:
        return f"message {self.pk} ({self.direction})"


class TipState(models.TextChoices):
    NEW = "new", _("New")
    USEFUL = "useful", _("Useful")
    NOT_USEFUL = "not_useful", _("Not useful")
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam")
    OFF_TOPIC = "off_topic", _("Off-topic")
    FORWARDED = "forwarded", _("Forwarded")
    CLOSED = "closed", _("Closed")


class Tip(models.Model):
    """An opened tip in the triage store (internal role only)."""

    intake_id = models.BigIntegerField(unique=True)  # the SealedTip it was opened from
    object = models.ForeignKey(TracedObject, on_delete=models.PROTECT, related_name="tips")
    text = models.TextField()
    country = models.CharField(max_length=2, blank=True)
    place = models.CharField(max_length=200, blank=True)
    seen_when = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=8, blank=True)
    # The contact address stays sealed to the intake key until an audited reveal.
    contact_sealed = models.BinaryField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=TipState.choices, default=TipState.NEW)
    received_at = models.DateTimeField()
    opened_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["object", "state"])]

    def __str__(self) -> str:
        return f"tip {self.pk} ({self.state})"
