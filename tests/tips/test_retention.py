"""Retention purge (tips.retention): contacts and messages N days after closing, spam whole."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from traceobject.audit.models import AuditEvent
from traceobject.audit.services import audit_verify
from traceobject.tips import intake
from traceobject.tips.models import (
    Direction,
    EdgePurge,
    MailboxMessage,
    Receipt,
    SealedTip,
    Tip,
    TipCluster,
    TipMessage,
    TipNote,
)
from traceobject.tips.retention import retention_purge, retention_purge_task
from traceobject.tips.services import sealed_tips_open, tip_question_ask

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def submit(published):
    """submit(obj=None, receipt=None, contact=...) -> (Tip, receipt): through the sealed intake."""

    def make(*, obj: Any = None, receipt: str | None = None,
             contact: str = "tipster@example.org", text: str = "Sold at a market in Brno.",
             ) -> tuple[Tip, str]:
        data = intake.tip_validate({"text": text, "contact_email": contact})
        receipt = intake.tip_submit(ref=(obj or published).ref, tip=data, receipt=receipt)
        sealed_tips_open()
        return Tip.objects.order_by("-id").first(), receipt

    return make


@pytest.fixture
def conversation(users):
    """conversation(tip, receipt): a question (with its readable copy) and the tipster's answer."""

    def make(tip: Tip, receipt: str) -> None:
        tip_question_ask(tip=tip, user=users["investigator"], text="Which market?")
        answer = intake.mailbox_reply(receipt=receipt, text="The one on Zelný trh.")
        TipMessage.objects.create(tip=tip, direction=Direction.FROM_TIPSTER,
                                  text="The one on Zelný trh.", created_at=answer.created_at,
                                  mailbox_message=answer)

    return make


def close(tip: Tip, *, days: float, state: str = "not_useful") -> None:
    Tip.objects.filter(pk=tip.pk).update(state=state, closed_at=NOW - timedelta(days=days))


def _messages_of(tip: Tip) -> int:
    """The tip's mailbox messages: its copy for the tipster (tip_copy), then the conversation."""
    return MailboxMessage.objects.filter(sealed_tip_id=tip.intake_id).count()


def test_contacts_and_messages_go_181_days_after_closing_not_179(submit, conversation):
    old, old_receipt = submit()
    recent, recent_receipt = submit()
    conversation(old, old_receipt)
    conversation(recent, recent_receipt)
    close(old, days=181)
    close(recent, days=179)

    counts = retention_purge(now=NOW)

    # the tipster's copy of the tip, the question and the answer
    assert counts["contacts"] == 1 and counts["mailbox_messages"] == 3
    assert counts["tip_messages"] == 2 and counts["spam_tips"] == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.contact_sealed is None and recent.contact_sealed is not None
    assert _messages_of(old) == 0 and _messages_of(recent) == 3
    # The readable copies are emptied, not deleted: the record that a question was asked stays.
    assert list(old.messages.values_list("text", flat=True)) == ["", ""]
    assert old.messages.filter(mailbox_message__isnull=False).count() == 0
    assert set(recent.messages.values_list("text", flat=True)) == {
        "Which market?", "The one on Zelný trh."}
    # The tip itself, its text and its public remains stay.
    assert old.text == "Sold at a market in Brno." and old.state == "not_useful"
    assert SealedTip.objects.filter(id=old.intake_id).exists()


def test_open_and_forwarded_tips_are_never_purged(submit, conversation):
    new, receipt = submit()
    conversation(new, receipt)
    useful, _ = submit()
    forwarded, _ = submit()
    # Received long ago but never closed.
    Tip.objects.filter(pk=new.pk).update(received_at=NOW - timedelta(days=900))
    Tip.objects.filter(pk=useful.pk).update(state="useful")
    Tip.objects.filter(pk=forwarded.pk).update(state="forwarded")

    counts = retention_purge(now=NOW + timedelta(days=3650))

    assert sum(counts.values()) == 0
    assert Tip.objects.filter(contact_sealed__isnull=False).count() == 3
    assert _messages_of(new) == 3 and new.messages.exclude(text="").count() == 2


def test_spam_goes_whole_31_days_after_closing_not_29(submit, conversation):
    old_spam, old_receipt = submit(contact="")
    conversation(old_spam, old_receipt)
    TipNote.objects.create(tip=old_spam, text="Advertising.", created_at=NOW)
    recent_spam, recent_receipt = submit()
    close(old_spam, days=31, state="spam")
    close(recent_spam, days=29, state="spam")

    counts = retention_purge(now=NOW)

    assert counts["spam_tips"] == 1 and counts["sealed_tips"] == 1 and counts["receipts"] == 1
    assert counts["mailbox_messages"] == 3
    assert not Tip.objects.filter(pk=old_spam.pk).exists()
    assert not SealedTip.objects.filter(id=old_spam.intake_id).exists()
    assert not TipNote.objects.filter(tip_id=old_spam.pk).exists()
    assert not TipMessage.objects.filter(tip_id=old_spam.pk).exists()
    assert intake._receipt_lookup(old_receipt) is None
    # 29 days: nothing of it is touched (its contact goes only after 180 days).
    recent_spam.refresh_from_db()
    assert recent_spam.contact_sealed is not None
    assert intake._receipt_lookup(recent_receipt) is not None


def test_a_receipt_shared_with_a_kept_tip_stays(submit):
    spam, receipt = submit()
    kept, same = submit(receipt=receipt)
    assert same == receipt
    close(spam, days=40, state="spam")

    counts = retention_purge(now=NOW)

    assert counts["spam_tips"] == 1 and counts["receipts"] == 0
    assert Receipt.objects.count() == 1
    mailbox = intake.mailbox_open(receipt=receipt)
    assert [t.id for t in mailbox.tips] == [kept.intake_id]
    kept.refresh_from_db()
    assert kept.contact_sealed is not None


def test_other_objects_tips_and_clusters(submit, make_object):
    other = make_object(title="Red carton")
    spam, _ = submit()
    twin, _ = submit()
    elsewhere, _ = submit(obj=other)
    cluster = TipCluster.objects.create(object=spam.object, size=2, created_at=NOW)
    Tip.objects.filter(pk__in=[spam.pk, twin.pk]).update(cluster=cluster)
    close(spam, days=60, state="spam")
    close(elsewhere, days=10)

    retention_purge(now=NOW)

    cluster.refresh_from_db()
    assert cluster.size == 1 and list(cluster.members.all()) == [twin]
    elsewhere.refresh_from_db()
    assert elsewhere.contact_sealed is not None


def test_spam_that_was_forwarded_is_kept(submit, users):
    from traceobject.routing.models import Authority, Forwarding

    spam, _ = submit()
    authority = Authority.objects.get(country="DE")
    forwarding = Forwarding.objects.create(
        ref="FWD-2027-0001", authority=authority, object=spam.object, summary="s", package={},
        created_by=users["investigator"], created_at=NOW)
    forwarding.tips.add(spam)
    close(spam, days=400, state="spam")

    counts = retention_purge(now=NOW)

    assert counts["spam_tips"] == 0
    assert list(forwarding.tips.all()) == [spam]
    spam.refresh_from_db()
    assert spam.contact_sealed is None  # the contact still goes after the retention period


def test_second_run_purges_nothing_and_every_run_is_audited(submit, conversation):
    tip, receipt = submit()
    conversation(tip, receipt)
    spam, _ = submit()
    close(tip, days=200)
    close(spam, days=200, state="spam")

    first = retention_purge(now=NOW)
    second = retention_purge(now=NOW)

    assert first == {"contacts": 1, "mailbox_messages": 4, "tip_messages": 2, "spam_tips": 1,
                     "sealed_tips": 1, "receipts": 1, "edge_notices": 0}
    assert set(second.values()) == {0}
    runs = list(AuditEvent.objects.filter(action="retention.purge").order_by("seq"))
    assert [r.data for r in runs] == [first, second]
    assert runs[0].actor == "system"
    assert audit_verify().ok


def test_retention_days_come_from_settings(submit, settings):
    settings.TRACEOBJECT_RETENTION_DAYS = 10
    settings.TRACEOBJECT_SPAM_RETENTION_DAYS = 5
    tip, _ = submit()
    spam, _ = submit()
    close(tip, days=11)
    close(spam, days=6, state="spam")

    counts = retention_purge(now=NOW)

    assert counts["contacts"] == 1 and counts["spam_tips"] == 1


def test_the_task_runs_the_purge(submit):
    tip, _ = submit()
    close(tip, days=365)
    assert retention_purge_task.call()["contacts"] == 1
    tip.refresh_from_db()
    assert tip.contact_sealed is None


# Tips pulled from an edge: each purge is written down for the edge (the sync tells it).


def _from_edge(tip: Tip, edge_id: int, edge: str = "edge-a") -> None:
    SealedTip.objects.filter(id=tip.intake_id).update(origin=edge, origin_id=edge_id)


def _notices() -> list[tuple[str, int, str]]:
    return sorted(EdgePurge.objects.filter(sent_at__isnull=True)
                  .values_list("origin", "origin_id", "kind"))


def test_a_purge_of_tips_from_an_edge_is_written_down_for_it_once(submit, conversation):
    closed, receipt = submit()
    conversation(closed, receipt)
    spam, _ = submit()
    recent, _ = submit()
    local, _ = submit()  # taken in here, not pulled from an edge: nothing to tell
    for tip, edge_id in ((closed, 11), (spam, 12), (recent, 13)):
        _from_edge(tip, edge_id)
    close(closed, days=181)
    close(spam, days=31, state="spam")
    close(recent, days=179)
    close(local, days=181)

    counts = retention_purge(now=NOW)

    assert counts["edge_notices"] == 2
    assert _notices() == [("edge-a", 11, "messages"), ("edge-a", 12, "tip")]
    # The next run tells nothing again (the edge has not confirmed yet: still one each).
    assert retention_purge(now=NOW)["edge_notices"] == 0
    assert _notices() == [("edge-a", 11, "messages"), ("edge-a", 12, "tip")]
    # Confirmed by the edge, then the tip reopened and closed again: told again.
    EdgePurge.objects.update(sent_at=NOW)
    assert retention_purge(now=NOW)["edge_notices"] == 0
    close(closed, days=200)
    assert retention_purge(now=NOW)["edge_notices"] == 1
    assert _notices() == [("edge-a", 11, "messages")]


def test_a_closed_tip_that_turns_out_spam_is_told_whole(submit):
    tip, _ = submit()
    _from_edge(tip, 21)
    close(tip, days=181)
    retention_purge(now=NOW)
    assert _notices() == [("edge-a", 21, "messages")]
    close(tip, days=181, state="spam")
    assert retention_purge(now=NOW)["edge_notices"] == 1
    assert _notices() == [("edge-a", 21, "tip")]
