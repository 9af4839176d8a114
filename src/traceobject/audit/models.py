from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One entry of the append-only log; `hash` covers the entry and the previous hash."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)  # username, or "system"
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        # Auditors browse newest first, filtered by actor or action (a prefix like "tip.").
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor", "seq"], name="audit_actor_seq"),
            models.Index(fields=["target", "seq"], name="audit_target_seq"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target}"
