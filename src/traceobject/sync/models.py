"""The sync's own state. `SyncPeer` exists on both sides (one row per peer: on an edge, each
core it accepts; on a core, each edge it publishes to); `PushedObject` only on the core."""

from __future__ import annotations

from django.db import models


class SyncPeer(models.Model):
    name = models.CharField(max_length=64, unique=True)
    # The last sequence number this side signed for the peer, and the last one it accepted
    # from the peer: a message must carry a higher one (replays and reordering are refused).
    sent_seq = models.BigIntegerField(default=0)
    received_seq = models.BigIntegerField(default=0)
    # Core: one worker at a time syncs an edge (claimed with a conditional UPDATE).
    lease_until = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Core: what the edge reported as waiting for this core after the last pull.
    backlog = models.BigIntegerField(default=0)
    tips_pulled = models.BigIntegerField(default=0)
    answers_pulled = models.BigIntegerField(default=0)
    refused = models.BigIntegerField(default=0)  # messages from the peer refused
    site_digest = models.CharField(max_length=64, blank=True)  # core: campaigns + figures sent
    # Edge: the core's retention periods in days, as its last site push said ({"days",
    # "spam_days", "export_days"}; empty: not told), for the privacy notice.
    retention = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class PushedObject(models.Model):
    """Core: the public state of an object that an edge confirmed, as a digest, and the picture
    folders it holds, so only what changed is sent again."""

    peer = models.ForeignKey(SyncPeer, on_delete=models.CASCADE, related_name="pushed")
    ref = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)
    folders = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "ref"], name="sync_pushed_ref")]

    def __str__(self) -> str:
        return f"{self.ref} on {self.peer_id}"
