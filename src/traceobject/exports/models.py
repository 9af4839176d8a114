"""Exports of tips (CSV or JSON) written by a background task into the private store. (The
periodic scheduler's slots and the task workers' leases, once here, are core.models.PeriodicSlot
and core.models.WorkerLease; their tables kept their names, exports_periodicslot and
exports_workerlease.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from traceobject.catalog.models import Campaign, TracedObject


class ExportScope(models.TextChoices):
    OBJECT = "object", _("Object")
    CAMPAIGN = "campaign", _("Campaign")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")  # done, and its file deleted after the retention period


class Export(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="exports")
    scope = models.CharField(max_length=16, choices=ExportScope.choices)
    object = models.ForeignKey(TracedObject, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    state = models.CharField(max_length=16, choices=ExportState.choices,
                             default=ExportState.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Key in the private (evidence) store; never under the public media root.
    file_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    # When the worker last wrote progress: an export running with no progress for a while
    # lost its worker (exports.housekeeping marks it failed).
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.state})"
