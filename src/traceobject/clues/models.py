"""Stored clues about the country an object (or a case) comes from, and the estimate.

The clues themselves are built by the Django-free :mod:`traceobject.geo`; a
:class:`ClueRecord` keeps one of them (``payload`` is ``geo.Clue.to_dict()``) with where it
came from, an :class:`EstimateRecord` the last ``geo.CountryEstimate`` of an object or a case.
Tip clues are stored at full trust and weighted by the tip's triage state when the estimate
is computed, so a state change needs no re-reading of the tip.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Source(models.TextChoices):
    IMAGE = "image", "image"  # OCR text and barcodes of a crop or an evidence image
    TIP = "tip", "tip"  # a tip's country field and what its text names
    TAG = "tag", "tag"  # an investigator's tag from the reference tables (plug = G)
    NOTE = "note", "note"  # an investigator's "country X: for/against, because ..."


class ClueRecord(models.Model):
    """A stored clue (a ``geo.Clue``) and what it was read from, or who gave it."""

    object = models.ForeignKey(
        "catalog.TracedObject", null=True, blank=True, on_delete=models.CASCADE,
        related_name="clues",
    )
    case = models.ForeignKey(
        "evidence.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="clues"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    crop = models.ForeignKey(
        "evidence.Crop", null=True, blank=True, on_delete=models.CASCADE, related_name="clues"
    )
    image = models.ForeignKey(
        "evidence.EvidenceImage", null=True, blank=True, on_delete=models.CASCADE,
        related_name="clues",
    )
    tip = models.ForeignKey(
        "tips.Tip", null=True, blank=True, on_delete=models.CASCADE, related_name="clues"
    )
    kind = models.CharField(max_length=32)  # geo kind: language, phone, tip_country, ...
    payload = models.JSONField(default=dict)  # geo.Clue.to_dict()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "clues_clue"  # its table since the model was named Clue
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="clue_has_an_anchor",
                condition=(Q(object__isnull=False) | Q(case__isnull=False)
                           | Q(crop__isnull=False) | Q(image__isnull=False)
                           | Q(tip__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"clue {self.pk} ({self.source}/{self.kind})"


#: The version of the clue reading (OCR and the text clues it feeds). A scan made by an
#: older reader is read again: tips on the next estimate of their object, a crop and its
#: evidence image when an investigator recomputes the object's estimate, a case's images
#: when the case's are read. 1: Latin, Chinese and Japanese OCR, a tip's language against
#: the countries not writing it; 2: the world's scripts, script and currency clues beyond
#: Europe, a tip's language never against a country.
CLUE_READER = 2


class ClueScan(models.Model):
    """That a crop, an evidence image or a tip was read for clues (even if none were found)."""

    crop = models.OneToOneField(
        "evidence.Crop", null=True, blank=True, on_delete=models.CASCADE, related_name="clue_scan"
    )
    image = models.OneToOneField(
        "evidence.EvidenceImage", null=True, blank=True, on_delete=models.CASCADE,
        related_name="clue_scan",
    )
    tip = models.OneToOneField(
        "tips.Tip", null=True, blank=True, on_delete=models.CASCADE, related_name="clue_scan"
    )
    text = models.TextField(blank=True)  # what OCR read (images), for the investigator
    error = models.CharField(max_length=200, blank=True)  # why the image could not be read
    clue_count = models.PositiveIntegerField(default=0)
    scanned_at = models.DateTimeField(default=timezone.now)
    reader = models.PositiveSmallIntegerField(default=1)  # CLUE_READER when it was read

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="scan_has_one_subject",
                condition=(Q(crop__isnull=False, image__isnull=True, tip__isnull=True)
                           | Q(crop__isnull=True, image__isnull=False, tip__isnull=True)
                           | Q(crop__isnull=True, image__isnull=True, tip__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"clue scan {self.pk}"


class EstimateRecord(models.Model):
    """Where an object (or the material of a case) probably comes from: the last
    ``geo.CountryEstimate`` computed for it."""

    object = models.OneToOneField(
        "catalog.TracedObject", null=True, blank=True, on_delete=models.CASCADE,
        related_name="country_estimate",
    )
    case = models.OneToOneField(
        "evidence.Case", null=True, blank=True, on_delete=models.CASCADE,
        related_name="country_estimate",
    )
    probabilities = models.JSONField(default=list)  # [{"code", "p"}], most likely first
    reasons = models.JSONField(default=list)  # list[str], strongest evidence first
    best = models.CharField(max_length=2, blank=True)  # "" when no clue counted (flat)
    clue_count = models.PositiveIntegerField(default=0)  # clues that counted
    evidence_count = models.PositiveIntegerField(default=0)  # pieces after merging
    ignored_count = models.PositiveIntegerField(default=0)  # spam, duplicates, ...
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "clues_countryestimate"  # its table since the model was named CountryEstimate
        constraints = [
            models.CheckConstraint(
                name="estimate_of_object_or_case",
                condition=(Q(object__isnull=False, case__isnull=True)
                           | Q(object__isnull=True, case__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"country estimate {self.pk} ({self.best or 'flat'})"


class BrandLink(models.Model):
    """A shop or brand name an investigator linked to a country ("Biedronka" -> PL): a tip
    naming it is a clue for that country. ``key`` is the name as tips are matched against
    it (case- and accent-insensitive, words only), unique."""

    name = models.CharField(max_length=80)
    key = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    note = models.CharField(max_length=500, blank=True)  # why
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"brand link {self.name} -> {self.country}"
