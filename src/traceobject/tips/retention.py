"""Retention: what tipsters told us is not kept longer than needed.

N days (TRACEOBJECT_RETENTION_DAYS, default 180) after a tip was closed (`Tip.closed_at`):
- its sealed contact address is dropped (`Tip.contact_sealed`);
- the mailbox messages about it are deleted on the public side (`MailboxMessage`, sealed);
- the readable copies in the triage store (`TipMessage`) are EMPTIED, not deleted: the row
  (direction, author, time) stays as the record that a question was asked or answered, the
  text is gone. The tip's own text, notes and state stay (they are the investigation record).

Spam (state "spam") is deleted whole M days after it was closed
(TRACEOBJECT_SPAM_RETENTION_DAYS, default 30): the Tip with its notes and messages, its
SealedTip with the mailbox messages, and the Receipt once no tip is left on it. A tip that is
part of a forwarding is never deleted (the forwarding is a frozen record).

A tip that is not closed (closed_at empty: new, useful, forwarded...) is never touched. Running
the purge twice purges nothing the second time. Each run is counted in the audit log
("retention.purge").

A tip pulled from an edge has copies there too: the tipster's answers sealed to their receipt,
the questions, the tipster's own copy of the tip. The edge runs no worker, so each purge here is
written down for its edge (`EdgePurge`, "edge_notices" in the counts) and the sync tells the
edge with its next round (sync.core._push_purges), which purges the same there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django_tasks import task

from traceobject.audit.services import audit_record
from traceobject.tips.models import (
    EdgePurge,
    EdgePurgeKind,
    MailboxMessage,
    Receipt,
    SealedTip,
    Tip,
    TipState,
)
from traceobject.tips.signals import tip_messages_purged

DEFAULT_RETENTION_DAYS = 180
DEFAULT_SPAM_RETENTION_DAYS = 30


def _days(name: str, default: int) -> timedelta:
    return timedelta(days=int(getattr(settings, name, default)))


def _has_relation(model: type, name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())  # type: ignore[attr-defined]


def _spam_due(cutoff: datetime) -> QuerySet[Tip]:
    tips = Tip.objects.filter(state=TipState.SPAM, closed_at__isnull=False,
                              closed_at__lte=cutoff)
    if _has_relation(Tip, "forwardings"):
        tips = tips.filter(forwardings__isnull=True)
    return tips


def _edge_notices(kind: str, closed: dict[int, datetime | None]) -> int:
    """Write down, for their edges, the purge of these tips (SealedTip id -> closed_at); tips
    taken in here (not pulled from an edge) need none."""
    pulled = list(SealedTip.objects.filter(id__in=list(closed)).exclude(origin="")
                  .filter(origin_id__isnull=False).values_list("id", "origin", "origin_id"))
    if not pulled:
        return 0
    ids = [row[0] for row in pulled]
    # A tip purged whole needs no "messages" notice any more; one closed again is told again.
    EdgePurge.objects.filter(intake_id__in=ids).filter(
        kind__in=[kind, EdgePurgeKind.MESSAGES]).delete()
    EdgePurge.objects.bulk_create([
        EdgePurge(origin=origin, origin_id=int(origin_id or 0), intake_id=pk, kind=kind,
                  closed_at=closed[pk] or timezone.now()) for pk, origin, origin_id in pulled],
        ignore_conflicts=True)
    return len(pulled)


def _spam_purge(cutoff: datetime) -> dict[str, int]:
    tips = list(_spam_due(cutoff).values_list("id", "intake_id", "cluster_id", "closed_at"))
    if not tips:
        return {"spam_tips": 0, "sealed_tips": 0, "receipts": 0, "mailbox_messages": 0,
                "edge_notices": 0}
    tip_ids = [t[0] for t in tips]
    intake_ids = [t[1] for t in tips]
    cluster_ids = {t[2] for t in tips if t[2] is not None}
    notices = _edge_notices(EdgePurgeKind.TIP, {t[1]: t[3] for t in tips})
    receipt_ids = set(SealedTip.objects.filter(id__in=intake_ids)
                      .values_list("receipt_id", flat=True))
    _deleted, per_model = Tip.objects.filter(id__in=tip_ids).delete()
    spam_tips = per_model.get(Tip._meta.label, 0)
    messages = MailboxMessage.objects.filter(sealed_tip_id__in=intake_ids).delete()[0]
    sealed = SealedTip.objects.filter(id__in=intake_ids).delete()[1].get(
        SealedTip._meta.label, 0)
    # A receipt with no tip left: gone with its (receipt-level) messages.
    empty = Receipt.objects.filter(id__in=receipt_ids).annotate(n=Count("tips")).filter(n=0)
    empty_ids = list(empty.values_list("id", flat=True))
    messages += MailboxMessage.objects.filter(receipt_id__in=empty_ids).delete()[0]
    receipts = Receipt.objects.filter(id__in=empty_ids).delete()[1].get(Receipt._meta.label, 0)
    _clusters_resize(cluster_ids)
    return {"spam_tips": spam_tips, "sealed_tips": sealed, "receipts": receipts,
            "mailbox_messages": messages, "edge_notices": notices}


def _clusters_resize(cluster_ids: set[int]) -> None:
    if not cluster_ids:
        return
    from traceobject.tips.models import TipCluster

    for cluster_id in cluster_ids:
        TipCluster.objects.filter(pk=cluster_id).update(
            size=Tip.objects.filter(cluster_id=cluster_id).count())


def _closed_purge(cutoff: datetime) -> dict[str, int]:
    from traceobject.tips.models import TipMessage

    closed = Tip.objects.filter(closed_at__isnull=False, closed_at__lte=cutoff)
    contacts = closed.filter(contact_sealed__isnull=False).update(contact_sealed=None)
    messages = MailboxMessage.objects.filter(
        sealed_tip_id__in=closed.values("intake_id")).delete()[0]
    texts = TipMessage.objects.filter(tip__in=closed).exclude(text="").update(text="")
    tip_messages_purged.send(sender=TipMessage,
                             tip_ids=list(closed.values_list("id", flat=True)))
    # Tips pulled from an edge whose edge has not been told of this closing yet.
    untold = closed.filter(
        intake_id__in=SealedTip.objects.exclude(origin="").values("id"),
    ).exclude(Exists(EdgePurge.objects.filter(
        intake_id=OuterRef("intake_id"), kind=EdgePurgeKind.MESSAGES,
        closed_at=OuterRef("closed_at"))))
    notices = _edge_notices(EdgePurgeKind.MESSAGES,
                            dict(untold.values_list("intake_id", "closed_at")))
    return {"contacts": contacts, "mailbox_messages": messages, "tip_messages": texts,
            "edge_notices": notices}


def retention_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Purge what is past its retention period (see the module's docstring); return the
    counts, which are also written to the audit log."""
    now = now or timezone.now()
    with transaction.atomic():
        spam = _spam_purge(now - _days("TRACEOBJECT_SPAM_RETENTION_DAYS",
                                       DEFAULT_SPAM_RETENTION_DAYS))
        closed = _closed_purge(now - _days("TRACEOBJECT_RETENTION_DAYS",
                                           DEFAULT_RETENTION_DAYS))
        counts = {
            "contacts": closed["contacts"],
            "mailbox_messages": closed["mailbox_messages"] + spam["mailbox_messages"],
            "tip_messages": closed["tip_messages"],
            "spam_tips": spam["spam_tips"],
            "sealed_tips": spam["sealed_tips"],
            "receipts": spam["receipts"],
            "edge_notices": closed["edge_notices"] + spam["edge_notices"],
        }
        audit_record(actor=None, action="retention.purge", data=counts)
    return counts


@task()
def retention_purge_task() -> dict[str, int]:
    """The daily purge, enqueued by the periodic scheduler (core/schedule.py)."""
    return retention_purge()
