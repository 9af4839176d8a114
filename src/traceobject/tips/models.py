"""Two stores.

Public side (intake): Receipt, SealedTip, MailboxMessage hold nothing readable: tips are sealed to
the intake key, receipts are keyed hashes, messages are sealed to the mailbox or the intake key.

Internal side (triage): Tip, opened from a SealedTip by the worker that holds the private key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from traceobject.catalog.models import TracedObject


class Receipt(models.Model):
    digest = models.CharField(max_length=64, unique=True)  # HMAC-SHA256 of the receipt
    mailbox_public_key = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()
    # On the core: the edge it was pulled from and its id there (empty for local intake).
    origin = models.CharField(max_length=64, blank=True)
    origin_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["origin", "origin_id"], condition=models.Q(origin_id__isnull=False),
            name="tips_receipt_origin")]

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
    # Sync (traceobject/sync). On the core: the edge the tip was pulled from and its id there,
    # and whether the edge has been told the latest public_status. On the edge: when the
    # owning core acknowledged the tip (then `sealed` is emptied: the core has it).
    origin = models.CharField(max_length=64, blank=True)
    origin_id = models.BigIntegerField(null=True, blank=True)
    status_pushed = models.BooleanField(default=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["opened_at"]),
                   models.Index(fields=["synced_at", "id"], name="tips_sealed_sync_idx")]
        constraints = [models.UniqueConstraint(
            fields=["origin", "origin_id"], condition=models.Q(origin_id__isnull=False),
            name="tips_sealed_origin")]

    def __str__(self) -> str:
        return f"sealed tip {self.pk}"


class Direction(models.TextChoices):
    TO_TIPSTER = "to_tipster", _("From the investigators")
    FROM_TIPSTER = "from_tipster", _("From you")
    # The tipster's own tip, sealed at intake to the receipt's mailbox key so that the mailbox
    # can show it (the copy sealed to the intake key leaves the edge with the sync). It stays
    # where it was written: the sync neither pulls nor pushes it.
    TIP_COPY = "tip_copy", _("Your tip")


class MailboxMessage(models.Model):
    """A message between investigators and a tipster.

    to_tipster: sealed to the receipt's mailbox key (readable only with the receipt);
    from_tipster: sealed to the intake key (readable only by the internal role);
    tip_copy: the tip itself, sealed to the receipt's mailbox key (see Direction).
    What is sealed to the mailbox key carries its language (tips.intake.message_seal).
    """

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="messages")
    sealed_tip = models.ForeignKey(
        SealedTip, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=16, choices=Direction.choices)
    sealed = models.BinaryField()
    # from_tipster only: a second copy sealed to the receipt's mailbox key, so the tipster can
    # read their own answer back with the receipt (and with nothing else).
    sealed_copy = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField()
    # from_tipster only: set when the worker opened the answer into the triage store.
    opened_at = models.DateTimeField(null=True, blank=True)
    # Sync. On the core: the edge an answer was pulled from and its id there; on the edge: the
    # core a question came from and its id there. `synced_at`: on the edge, when the core
    # acknowledged an answer (its intake-sealed copy is then emptied); on the core, when a
    # question was delivered to the edge.
    origin = models.CharField(max_length=64, blank=True)
    origin_id = models.BigIntegerField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Time order. The tipster's times are kept to the hour, but never earlier than the
        # message before them in the mailbox (tips.intake._tipster_stamp); id breaks ties.
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["direction", "opened_at"], name="tips_mbox_open_idx"),
                   models.Index(fields=["direction", "synced_at"], name="tips_mbox_sync_idx")]
        constraints = [models.UniqueConstraint(
            fields=["origin", "origin_id"], condition=models.Q(origin_id__isnull=False),
            name="tips_mbox_origin")]

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


# A tip in one of these states is done with: Tip.closed_at is set while it stays there.
CLOSED_STATES = frozenset({
    TipState.CLOSED, TipState.NOT_USEFUL, TipState.DUPLICATE, TipState.SPAM, TipState.OFF_TOPIC,
})


class TipCluster(models.Model):
    """Near-duplicate tips about the same object (same claims, possibly in other words)."""

    object = models.ForeignKey(TracedObject, on_delete=models.CASCADE,
                               related_name="tip_clusters")
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"cluster {self.pk} ({self.size})"


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
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="assigned_tips")
    cluster = models.ForeignKey(TipCluster, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="members")
    score = models.FloatField(default=0)  # triage score, higher first
    state_changed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Cached entity spans of `text` (tips.analysis): [{"kind", "start", "end", "value",
    # "key", "country"}]; kind: url, email, phone, country, region, city, brand; key: the
    # canonical claim ("city:krakow", "country:PL"); country: the one it clearly points at.
    entities = models.JSONField(default=list, blank=True)
    # The language detected in the text ("" when unsure); `language` is the page's.
    detected_language = models.CharField(max_length=8, blank=True)
    # The claims and content-word stems near-duplicates are compared on (tips.analysis);
    # the inverted index that finds candidates is TipBand.
    fingerprint = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object", "state", "-score", "-id"], name="tips_obj_state_score"),
            models.Index(fields=["object", "-score", "-id"], name="tips_obj_score"),
            models.Index(fields=["state", "-score", "-id"], name="tips_state_score"),
            models.Index(fields=["-score", "-id"], name="tips_score"),
            models.Index(fields=["object", "-received_at", "-id"], name="tips_obj_received"),
            models.Index(fields=["-received_at", "-id"], name="tips_received"),
        ]

    def __str__(self) -> str:
        return f"tip {self.pk} ({self.state})"


class TipTranslation(models.Model):
    """A machine translation of a tip's text, made by the worker with the configured local
    model (TRACEOBJECT_TRANSLATION_MODEL) when the tip is opened, or when an investigator asks
    for it. Kept beside the text it translates, with the same protection (the triage store,
    core only) and deleted with the tip."""

    tip = models.OneToOneField(Tip, on_delete=models.CASCADE, related_name="translation")
    text = models.TextField()
    source_language = models.CharField(max_length=8)
    target_language = models.CharField(max_length=8)
    model_name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"translation of tip {self.tip_id} ({self.source_language}->{self.target_language})"


class TipBand(models.Model):
    """Inverted index for near-duplicate search: one row per (tip, LSH band key)."""

    object = models.ForeignKey(TracedObject, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["object", "key"], name="tips_band_obj_key")]

    def __str__(self) -> str:
        return f"band {self.key} of tip {self.tip_id}"


class NoteKind(models.TextChoices):
    NOTE = "note", _("Note")
    REFERRAL = "referral", _("Referral")


class TipNote(models.Model):
    """An investigator's note on a tip; kind "referral" records an off-topic referral."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.NOTE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on tip {self.tip_id}"


class TipMessage(models.Model):
    """The triage store's readable copy of the anonymous conversation about a tip."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    mailbox_message = models.ForeignKey(MailboxMessage, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]  # written order (the tipster's times are rounded to the hour)

    def __str__(self) -> str:
        return f"tip message {self.pk} ({self.direction})"


class TipReadMark(models.Model):
    """How far one staff member has read a tip's conversation: the id of the last message
    (TipMessage) there was when they last opened the tip. A tipster's answer with a higher id
    is new to them; other people's marks are their own."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    seen_message_id = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tip"],
                                               name="tips_readmark_once")]

    def __str__(self) -> str:
        return f"read mark of {self.user_id} on tip {self.tip_id}"


class OnceKey(models.Model):
    """A one-time key of the public side, kept about a day: the Idempotency-Key of an API
    request, or the one-time token of a web form together with its browser's secret. A retried,
    reloaded or double-clicked request finds it and gets the first answer again; nothing is
    stored twice (tips.once).

    Nothing here is readable: `digest` is an HMAC of the key (forms: and of the browser's
    secret), `request` an HMAC of the request it answered, and `sealed` the answer (a receipt)
    encrypted under a key derived from the key and the request, neither of which is stored.
    Times are kept to the hour, like a tip's. Purged 24 to 25 hours after `created_at`.
    """

    digest = models.CharField(max_length=64, unique=True)
    request = models.CharField(max_length=64, blank=True)
    status = models.PositiveSmallIntegerField(default=0)
    sealed = models.BinaryField(null=True, blank=True)  # emptied once a receipt is noted down
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"one-time key {self.pk}"


class EdgePurgeKind(models.TextChoices):
    MESSAGES = "messages", "messages"  # the mailbox messages of the tip (and its copy)
    TIP = "tip", "tip"  # the whole tip (spam): its messages, the tip, a receipt left empty


class EdgePurge(models.Model):
    """Core: what the retention purge removed of a tip pulled from an edge, to be purged there
    too (the edge runs no worker; the sync tells it, sync.core._push_purges). One row per tip
    and kind; `closed_at` is the tip's closing the purge followed (a tip closed again later is
    told again), `sent_at` when the edge confirmed it (a "tip" row is deleted then: its tip is
    gone here too). Holds no content: the edge's name and its id of the tip."""

    origin = models.CharField(max_length=64)
    origin_id = models.BigIntegerField()
    intake_id = models.BigIntegerField()  # the core's SealedTip id (gone with a spam tip)
    kind = models.CharField(max_length=16, choices=EdgePurgeKind.choices)
    closed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["origin", "origin_id", "kind"],
                                               name="tips_edgepurge_once")]
        indexes = [models.Index(fields=["origin", "sent_at", "id"], name="tips_edgepurge_unsent"),
                   models.Index(fields=["intake_id", "kind"], name="tips_edgepurge_intake")]

    def __str__(self) -> str:
        return f"purge {self.kind} of {self.origin}:{self.origin_id}"
