from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    CLOTHING = "clothing", _("Clothing")
    PACKAGING = "packaging", _("Packaging")
    TOYS = "toys", _("Toys")
    TEXTILES = "textiles", _("Furniture and textiles")
    PRINTED = "printed", _("Printed matter")
    OTHER = "other", _("Other")


class ObjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    IDENTIFIED = "identified", _("Identified")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PUBLIC_STATUSES = (ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED)
OBJECT_REF_RE = re.compile(r"^TAO-\d{4}-\d{4,6}$", re.IGNORECASE)
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
# A published picture's folder under the public media store, and its renditions' file names:
# objects/<reference>/<random hex>/<width>.<jpg|webp>. Nothing else is ever served or synced.
IMAGE_FOLDER_PATTERN = r"objects/TAO-\d{4}-\d{4,6}/[0-9a-f]{6,32}"
RENDITION_FORMATS = ("jpg", "webp")


def rendition_names(widths: list[int] | tuple[int, ...]) -> list[str]:
    """The file names of a picture's renditions ("640.jpg", "640.webp", ...)."""
    return [f"{w}.{ext}" for w in widths for ext in RENDITION_FORMATS]


def is_object_ref(value: object) -> bool:
    """A public reference like TAO-2027-0042 (anything else is looked up nowhere)."""
    return isinstance(value, str) and bool(OBJECT_REF_RE.match(value))


class Campaign(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    # {"en": "...", "de": "..."}: English is required, other languages fall back to it.
    names = models.JSONField(default=dict)
    descriptions = models.JSONField(default=dict, blank=True)
    launched_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(default=False)
    origin = models.CharField(max_length=64, blank=True)  # on an edge: the core that sent it

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.slug


class TracedObject(models.Model):
    ref = models.CharField(max_length=16, unique=True)  # TAO-YYYY-NNNN
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="traced_objects"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    status = models.CharField(
        max_length=16, choices=ObjectStatus.choices, default=ObjectStatus.DRAFT
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    identified_at = models.DateTimeField(null=True, blank=True)
    identified_country = models.CharField(max_length=2, blank=True)
    # The publication workflow (four-eyes): who wrote it, who sent it to review, who approved.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # On an edge: the core that published the object (its sync name) and that core's intake
    # public key (hex), to which tips on the object are sealed. Empty on the core itself.
    origin = models.CharField(max_length=64, blank=True)
    intake_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["position", "-published_at", "id"]
        indexes = [models.Index(fields=["status", "category"])]

    def __str__(self) -> str:
        return self.ref


class ObjectText(models.Model):
    """The texts of an object in one language; English is the fallback."""

    object = models.ForeignKey(TracedObject, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    questions = models.JSONField(default=list, blank=True)  # list[str]
    thank_you = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object", "language"], name="one_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.object_id}/{self.language}"


class ObjectImage(models.Model):
    """A published picture of an object, stored as renditions of several widths (WebP + JPEG)."""

    object = models.ForeignKey(TracedObject, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveIntegerField(default=0)
    folder = models.CharField(max_length=200)  # relative to the public media root
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    widths = models.JSONField(default=list)  # list[int], ascending; the largest is the full size
    # "crop" (made from an evidence crop), "upload" (uploaded in the back office, passed the
    # safety gate), "" (added by the system, e.g. the demo's generated pictures).
    origin = models.CharField(max_length=8, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.object_id}/{self.folder}"


class ReviewAction(models.TextChoices):
    CREATED = "created", _("Created")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved and published")
    REJECTED = "rejected", _("Sent back to draft")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    IDENTIFIED = "identified", _("Marked identified")
    IMAGES_CHANGED = "images", _("Images changed")
    TEXTS_CHANGED = "texts", _("Texts changed")


class ObjectReview(models.Model):
    """The history of an object's publication workflow, for the reviewer (the audit log has
    the same events, hash-chained; this is the readable per-object view)."""

    object = models.ForeignKey(TracedObject, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=16, choices=ReviewAction.choices)
    comment = models.TextField(blank=True)
    # An approval: the review checklist's ticked lines (catalog.services.REVIEW_CHECKS) and
    # the languages the reviewer knowingly published with English text in them.
    checklist = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.object_id} {self.action}"


class PublicFigure(models.Model):
    """An aggregate number the public statistics show (e.g. children safeguarded).

    The core writes these totals (catalog.services.public_figures_set) and the sync carries
    them to the edges: the public side never sees forwardings or outcomes, only the numbers.
    """

    name = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)
    # On an edge: the core whose totals these are (an edge carrying several cores shows the
    # sums); empty on the core.
    origin = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["origin", "name"],
                                               name="catalog_figure_origin_name")]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
