from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    """A national police contact point that receives forwarded tips for its country."""

    country = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    # Where reports that are not about the objects (e.g. other abuse) go in that country.
    referral_email = models.EmailField(blank=True)
    referral_url = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return f"{self.country} {self.name}"


class ForwardingState(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    OUTCOME_REPORTED = "outcome_reported", _("Outcome reported")


FORWARDING_REF_RE = re.compile(r"^FWD-\d{4}-\d{4,6}$")


def is_forwarding_ref(value: object) -> bool:
    """A reference like FWD-2027-0042 (anything else is looked up nowhere)."""
    return isinstance(value, str) and bool(FORWARDING_REF_RE.match(value))


class Forwarding(models.Model):
    """Tips about one object passed to one Authority, with the package frozen as sent.

    `package` is the exact content the authority received (routing.package renders it as
    HTML, PDF and JSON); it holds public object data, the investigator's summary and the tips'
    texts, never case data, evidence ids, file names, contact addresses or receipts.
    """

    ref = models.CharField(max_length=16, unique=True)  # FWD-YYYY-NNNN
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT,
                                  related_name="forwardings")
    object = models.ForeignKey("catalog.TracedObject", on_delete=models.PROTECT,
                               related_name="forwardings")
    tips = models.ManyToManyField("tips.Tip", related_name="forwardings")
    summary = models.TextField()
    package = models.JSONField()
    state = models.CharField(max_length=16, choices=ForwardingState.choices,
                             default=ForwardingState.SENT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="forwardings_created")
    created_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT,
                                        related_name="forwardings_acknowledged")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["authority", "state"])]

    def __str__(self) -> str:
        return self.ref


class Outcome(models.Model):
    """What the authority reports back about a forwarding. A later report corrects an earlier
    one: only the latest outcome of each forwarding counts in the public figures."""

    forwarding = models.ForeignKey(Forwarding, on_delete=models.PROTECT, related_name="outcomes")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="outcomes_reported")
    reported_at = models.DateTimeField()
    lead_useful = models.BooleanField(null=True, blank=True)  # None: not known yet
    location_found = models.BooleanField(default=False)
    country_confirmed = models.BooleanField(default=False)
    children_safeguarded = models.PositiveIntegerField(default=0)
    offenders_arrested = models.PositiveIntegerField(default=0)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"outcome {self.pk} of {self.forwarding_id}"


class MessageKind(models.TextChoices):
    TIPSTER_ANSWER = "tipster_answer", _("Answer from the tipster")
    LIAISON_QUESTION = "liaison_question", _("Question from the liaison officer")
    INVESTIGATOR_ANSWER = "investigator_answer", _("Answer from the investigators")


# What the liaison officer receives (shown as new on the liaison portal until viewed).
TO_LIAISON = (MessageKind.TIPSTER_ANSWER, MessageKind.INVESTIGATOR_ANSWER)


class ForwardingMessage(models.Model):
    """What happens on a forwarding after it was sent: a tipster's answer that arrived later
    (also appended to the package's "updates"), a liaison officer's question to the
    investigators, and the investigators' answer. `seen_at` is when the receiving side first
    viewed it (a liaison officer of the authority; for a question, the investigators' answer
    closes it)."""

    forwarding = models.ForeignKey(Forwarding, on_delete=models.CASCADE,
                                   related_name="messages")
    kind = models.CharField(max_length=24, choices=MessageKind.choices)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    # The tip a tipster's answer is about, and the conversation entry it copies (once only).
    tip = models.ForeignKey("tips.Tip", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    tip_message = models.ForeignKey("tips.TipMessage", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["forwarding", "kind"])]
        constraints = [models.UniqueConstraint(
            fields=["forwarding", "tip_message"], name="routing_message_once_per_answer",
            condition=models.Q(tip_message__isnull=False))]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} on {self.forwarding_id}"
