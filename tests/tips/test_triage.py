"""Triage services: opening with analysis and clustering, states, assignment, notes,
referrals, and the anonymous follow-up (question -> tipster's answer -> triage store)."""

from __future__ import annotations

import pytest
from django.conf import settings
from nacl.exceptions import CryptoError

from traceobject.audit.models import AuditEvent
from traceobject.core import crypto
from traceobject.core.errors import NotFound, ServiceError
from traceobject.routing.models import Authority
from traceobject.tips import clustering, intake, services
from traceobject.tips.models import (
    Direction,
    MailboxMessage,
    NoteKind,
    PublicStatus,
    SealedTip,
    Tip,
    TipBand,
    TipCluster,
    TipMessage,
    TipNote,
    TipState,
)

pytestmark = pytest.mark.django_db


def _submit(obj, text: str, receipt: str | None = None, **fields: str) -> str:
    return intake.tip_submit(ref=obj.ref, tip=intake.tip_validate({"text": text, **fields}),
                             receipt=receipt)


def _tip(text: str) -> Tip:
    return Tip.objects.get(text=text)


# Opening


def test_opening_stores_entities_score_language_and_clusters(published) -> None:
    _submit(published, "Widziałem dokładnie tę torbę w sklepie KAUFHOF w Krakowie, "
                       "obok dworca głównego.", country="PL", language="pl")
    _submit(published, "I saw this bag at KAUFHOF in Cracow.", language="en")
    _submit(published, "xkq zzv qqq")
    assert services.sealed_tips_open() == 3
    polish = Tip.objects.get(text__startswith="Widziałem")
    assert polish.detected_language == "pl" and polish.language == "pl"
    kinds = {(e["kind"], e["value"]) for e in polish.entities}
    assert {("brand", "KAUFHOF"), ("city", "Krakowie")} <= kinds
    for e in polish.entities:
        assert polish.text[e["start"]:e["end"]] == e["value"]
    english = Tip.objects.get(text__startswith="I saw")
    noise = Tip.objects.get(text="xkq zzv qqq")
    assert polish.score > noise.score and english.score > noise.score
    # same claims in two languages: one cluster of two
    assert polish.cluster_id is not None and polish.cluster_id == english.cluster_id
    assert polish.cluster.size == 2 and noise.cluster_id is None
    assert TipBand.objects.filter(tip=polish).exists()


def test_incremental_clusters_equal_the_batch_recluster(published, make_tip) -> None:
    texts = ["Sold at KAUFHOF in Krakau", "KAUFHOF shop in Kraków sells it",
             "Ich habe sie bei KAUFHOF in Krakau gesehen", "LIDL Berlin", "at LIDL in Berlin",
             "No idea", "Sold at KAUFHOF in Berlin", "www.torby-sklep.pl",
             "https://torby-sklep.pl/x", "no idea at all"]
    tips = [make_tip(published, t) for t in texts]
    before = _partition(published)
    result = services.tips_recluster(obj=published)
    after = _partition(published)
    assert before == after
    assert result.tips == len(tips) and result.clusters == len(after)
    assert {frozenset(Tip.objects.get(pk=i).text for i in group) for group in after} >= {
        frozenset({"Sold at KAUFHOF in Krakau", "KAUFHOF shop in Kraków sells it",
                   "Ich habe sie bei KAUFHOF in Krakau gesehen"}),
        frozenset({"LIDL Berlin", "at LIDL in Berlin"}),
        frozenset({"www.torby-sklep.pl", "https://torby-sklep.pl/x"}),
    }
    for cluster in TipCluster.objects.filter(object=published):
        assert cluster.size == cluster.members.count() >= 2


def _partition(obj) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for pk, cluster_id in Tip.objects.filter(object=obj, cluster__isnull=False).values_list(
            "id", "cluster_id"):
        groups.setdefault(cluster_id, set()).add(pk)
    return {frozenset(g) for g in groups.values()}


def test_clusters_are_per_object(published, make_object, make_tip) -> None:
    other = make_object(title="Red cap")
    a = make_tip(published, "Sold at KAUFHOF in Krakau")
    b = make_tip(other, "Sold at KAUFHOF in Krakau")
    assert a.cluster_id is None and b.cluster_id is None


def test_cluster_refresh_after_deletion(published, make_tip) -> None:
    tips = [make_tip(published, "Sold at KAUFHOF in Krakau") for _ in range(3)]
    cluster = TipCluster.objects.get()
    assert cluster.size == 3
    Tip.objects.filter(pk=tips[0].pk).delete()
    assert services.tip_clusters_refresh(obj=published) == 1
    assert TipCluster.objects.get().size == 2
    Tip.objects.filter(pk=tips[1].pk).delete()
    services.tip_clusters_refresh()
    assert not TipCluster.objects.exists()
    assert Tip.objects.get().cluster_id is None


def test_reanalyse_fills_tips_opened_before_the_analysis(published) -> None:
    now = published.created_at
    for n in range(2):
        Tip.objects.create(intake_id=900 + n, object=published, text="Sold at KAUFHOF, Krakau",
                           received_at=now, opened_at=now)
    assert services.tips_reanalyse(obj=published, language=False) == 2
    tips = list(Tip.objects.all())
    assert all(t.entities and t.fingerprint and t.score > 0 for t in tips)
    assert tips[0].cluster_id is not None and tips[0].cluster_id == tips[1].cluster_id


# States


def test_state_changes_closed_at_public_status_and_audit(published, users) -> None:
    _submit(published, "A tip about the bag.")
    services.sealed_tips_open()
    tip = Tip.objects.get()
    sealed = SealedTip.objects.get(id=tip.intake_id)
    assert sealed.public_status == PublicStatus.RECEIVED
    ivy = users["investigator"]

    assert services.tip_state_set(tips=[tip], state="useful", user=ivy) == 1
    tip.refresh_from_db()
    sealed.refresh_from_db()
    assert tip.state == "useful" and tip.closed_at is None and tip.state_changed_at
    assert sealed.public_status == PublicStatus.CHECKING

    services.tip_state_set(tips=[tip], state="spam", user=ivy)
    tip.refresh_from_db()
    closed_at = tip.closed_at
    assert closed_at is not None
    services.tip_state_set(tips=[tip], state="duplicate", user=ivy)  # closed to closed
    tip.refresh_from_db()
    assert tip.closed_at == closed_at

    services.tip_state_set(tips=[tip], state="new", user=ivy)  # reopened
    tip.refresh_from_db()
    sealed.refresh_from_db()
    assert tip.closed_at is None
    assert sealed.public_status == PublicStatus.CHECKING  # once checked, stays checked

    services.tips_mark_forwarded(tips=[tip.pk], user=ivy)  # what forwarding does
    sealed.refresh_from_db()
    assert sealed.public_status == PublicStatus.PASSED_ON
    services.tip_state_set(tips=[tip], state="closed", user=ivy)
    sealed.refresh_from_db()
    assert sealed.public_status == PublicStatus.PASSED_ON  # passed on stays passed on

    assert services.tip_state_set(tips=[tip], state="closed", user=ivy) == 0  # no change
    events = AuditEvent.objects.filter(action="tip.state_set", target=f"tip {tip.pk}")
    assert [e.data["state"] for e in events.order_by("seq")] == [
        "useful", "spam", "duplicate", "new", "forwarded", "closed"]
    assert events.first().actor == ivy.username


@pytest.mark.parametrize("state", ["", "open", "NEW", "deleted", None, 3])
def test_unknown_state_is_refused_and_nothing_changes(published, make_tip, users,
                                                      state) -> None:
    tip = make_tip(published, "A tip.")
    with pytest.raises(ServiceError) as info:
        services.tip_state_set(tips=[tip], state=state, user=users["investigator"])
    assert info.value.code == "invalid_state"
    tip.refresh_from_db()
    assert tip.state == "new" and tip.state_changed_at is None
    assert not AuditEvent.objects.filter(action="tip.state_set").exists()


def test_whole_cluster_triage(published, make_tip, users) -> None:
    flood = [make_tip(published, "Buy bags at www.spam-shop.example.com") for _ in range(5)]
    alone = make_tip(published, "Sold at KAUFHOF in Krakau")
    other = make_tip(published, "LIDL in Berlin sells it")
    assert TipCluster.objects.get().size == 5
    changed = services.tip_state_set(tips=[flood[0], alone], state="spam",
                                     user=users["investigator"], whole_cluster=True)
    assert changed == 6
    assert set(Tip.objects.filter(state="spam").values_list("id", flat=True)) == {
        t.pk for t in [*flood, alone]}
    other.refresh_from_db()
    assert other.state == "new"
    event = AuditEvent.objects.get(action="tip.state_set")
    assert event.target == "tips (6)" and event.data["whole_cluster"] is True
    assert sorted(event.data["tips"]) == sorted(t.pk for t in [*flood, alone])


# Assignment and notes


def test_assign_to_investigators_only(published, make_tip, users) -> None:
    tips = [make_tip(published, f"tip {n}") for n in range(2)]
    ivy, ian = users["investigator"], users["investigator2"]
    assert services.tip_assign(tips=tips, assignee=ian, user=ivy) == 2
    assert set(Tip.objects.values_list("assigned_to", flat=True)) == {ian.pk}
    assert services.tip_assign(tips=tips, assignee=ian, user=ivy) == 0
    for wrong in ("reviewer", "liaison", "auditor", "outsider"):
        with pytest.raises(ServiceError):
            services.tip_assign(tips=tips, assignee=users[wrong], user=ivy)
    ian.is_active = False
    ian.save()
    with pytest.raises(ServiceError):
        services.tip_assign(tips=tips, assignee=ian, user=ivy)
    assert set(Tip.objects.values_list("assigned_to", flat=True)) == {ian.pk}
    assert services.tip_assign(tips=tips, assignee=None, user=ivy) == 2
    assert set(Tip.objects.values_list("assigned_to", flat=True)) == {None}
    assert AuditEvent.objects.filter(action="tip.assign").count() == 2


def test_notes(published, make_tip, users) -> None:
    tip = make_tip(published, "A tip.")
    note = services.tip_note_add(tip=tip, user=users["investigator"], text="  Checked shop.  ")
    assert (note.text, note.kind, note.author) == ("Checked shop.", "note",
                                                   users["investigator"])
    for bad in ("", "   ", "x" * (services.NOTE_MAX + 1), None):
        with pytest.raises(ServiceError):
            services.tip_note_add(tip=tip, user=users["investigator"], text=bad)
    assert TipNote.objects.count() == 1
    event = AuditEvent.objects.get(action="tip.note_add")
    assert "Checked" not in str(event.data)  # the note's text stays out of the audit log


# Referral of off-topic reports


def _referral_authority(country: str) -> Authority:
    return Authority.objects.update_or_create(country=country, defaults={
        "name": f"Police {country}", "email": f"tips@police-{country.lower()}.example",
        "referral_email": f"report@police-{country.lower()}.example",
        "referral_url": f"https://police-{country.lower()}.example/r"})[0]


def test_refer_to_the_channel_of_the_tips_country(published, make_tip, users) -> None:
    _referral_authority("PL")
    tip = make_tip(published, "Not about the bag: I want to report something else.",
                   country="PL")
    referral = services.tip_refer(tip=tip, user=users["investigator"])
    assert referral.country == "PL" and referral.email == "report@police-pl.example"
    tip.refresh_from_db()
    assert tip.state == TipState.OFF_TOPIC and tip.closed_at is not None
    note = TipNote.objects.get(tip=tip)
    assert note.kind == NoteKind.REFERRAL and "report@police-pl.example" in note.text
    assert AuditEvent.objects.filter(action="tip.refer", target=f"tip {tip.pk}").count() == 1
    assert Tip.objects.filter(pk=tip.pk).exists()  # never lost


def test_refer_uses_a_country_named_in_the_text(published, make_tip, users) -> None:
    _referral_authority("DE")
    tip = make_tip(published, "Something unrelated happened in Berlin.")
    assert services.tip_referral_country(tip) == "DE"
    assert services.tip_refer(tip=tip, user=users["investigator"]).country == "DE"


def test_refer_without_a_channel_asks_for_a_country(published, make_tip, users) -> None:
    tip = make_tip(published, "Something unrelated, no place given.")
    with pytest.raises(ServiceError) as info:
        services.tip_refer(tip=tip, user=users["investigator"])
    assert info.value.code == "no_referral_channel" and "country" in info.value.fields
    Authority.objects.get_or_create(country="FR", defaults={"name": "Police FR",
                                                            "email": "x@police-fr.example"})
    with pytest.raises(ServiceError):  # an authority without a referral channel
        services.tip_refer(tip=tip, user=users["investigator"], country="FR")
    tip.refresh_from_db()
    assert tip.state == "new" and not TipNote.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["tip.refer", "tip.state_set"]).exists()
    _referral_authority("AT")
    assert services.tip_refer(tip=tip, user=users["investigator"], country="at").country == "AT"


# Follow-up with the tipster


def test_question_and_answer_round_trip(published, users,
                                        django_capture_on_commit_callbacks) -> None:
    receipt = _submit(published, "I saw this bag in a shop.")
    services.sealed_tips_open()
    tip = Tip.objects.get()
    ivy = users["investigator"]

    message = services.tip_question_ask(tip=tip, user=ivy, text="Which shop was it?")
    assert (message.direction, message.text, message.author) == (Direction.TO_TIPSTER,
                                                                 "Which shop was it?", ivy)
    sealed_question = message.mailbox_message
    assert b"Which shop" not in bytes(sealed_question.sealed)
    assert AuditEvent.objects.filter(action="tip.question_ask").count() == 1

    box = intake.mailbox_open(receipt=receipt)
    assert [(m.direction, m.text) for m in box.messages] == [
        (Direction.TIP_COPY, ""), (Direction.TO_TIPSTER, "Which shop was it?")]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        intake.mailbox_reply(receipt=receipt, text="The one on Długa street.")
    assert callbacks  # the answer schedules an opening, like a tip does
    answer = MailboxMessage.objects.get(direction=Direction.FROM_TIPSTER)
    assert "Długa".encode() not in bytes(answer.sealed) + bytes(answer.sealed_copy)
    assert answer.opened_at is None

    # the tipster reads their own answer back with the receipt, and with nothing else
    box = intake.mailbox_open(receipt=receipt)
    assert [(m.direction, m.text, m.own_text) for m in box.messages] == [
        (Direction.TIP_COPY, "", "I saw this bag in a shop."),
        (Direction.TO_TIPSTER, "Which shop was it?", ""),
        (Direction.FROM_TIPSTER, "", "The one on Długa street.")]
    with pytest.raises(CryptoError):
        crypto.unseal(crypto.mailbox_private_key("0000-0000-0000-0000-0000",
                                                 key=settings.RECEIPT_HMAC_KEY),
                      bytes(answer.sealed_copy))

    assert services.mailbox_replies_open() == 1
    assert services.mailbox_replies_open() == 0  # exactly once
    conversation = list(tip.messages.order_by("id").values_list("direction", "text"))
    assert conversation == [(Direction.TO_TIPSTER, "Which shop was it?"),
                            (Direction.FROM_TIPSTER, "The one on Długa street.")]
    answer.refresh_from_db()
    assert answer.opened_at is not None


def test_a_question_without_a_language_gets_the_one_recognised(published, users) -> None:
    receipt = _submit(published, "Widziałem tę torbę w sklepie.")
    services.sealed_tips_open()
    tip = Tip.objects.get()
    services.tip_question_ask(tip=tip, user=users["investigator"],
                              text="Which shop was it? Do you remember the street?")
    services.tip_question_ask(tip=tip, user=users["investigator"], language="pl",
                              text="Który to był sklep?")
    with pytest.raises(ServiceError):
        services.tip_question_ask(tip=tip, user=users["investigator"], text="Which one?",
                                  language="xx")
    box = intake.mailbox_open(receipt=receipt)
    assert [(m.text, m.language) for m in box.messages if m.direction == Direction.TO_TIPSTER
            ] == [("Which shop was it? Do you remember the street?", "en"),
                  ("Który to był sklep?", "pl")]


def test_the_answer_goes_with_the_tip_the_question_was_about(published) -> None:
    receipt = _submit(published, "First tip.")
    _submit(published, "Second tip.", receipt=receipt)
    services.sealed_tips_open()
    first = Tip.objects.get(text="First tip.")
    services.tip_question_ask(tip=first, user=None, text="About your first tip?")
    intake.mailbox_reply(receipt=receipt, text="Yes.")
    services.mailbox_replies_open()
    assert list(first.messages.values_list("text", flat=True)) == ["About your first tip?",
                                                                    "Yes."]
    assert not Tip.objects.get(text="Second tip.").messages.exists()


def test_an_answer_waits_for_its_tip_to_be_opened(published) -> None:
    receipt = _submit(published, "A tip.")
    intake.mailbox_reply(receipt=receipt, text="More details.")
    assert services.mailbox_replies_open() == 0
    assert MailboxMessage.objects.get(direction=Direction.FROM_TIPSTER).opened_at is None
    services.sealed_tips_open()
    assert services.mailbox_replies_open() == 1
    assert TipMessage.objects.get().text == "More details."


def test_a_damaged_answer_does_not_block_the_queue(published, caplog) -> None:
    receipt = _submit(published, "A tip.")
    services.sealed_tips_open()
    intake.mailbox_reply(receipt=receipt, text="first")
    intake.mailbox_reply(receipt=receipt, text="second")
    first = MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER).order_by("id").first()
    MailboxMessage.objects.filter(pk=first.pk).update(sealed=b"garbage")
    assert services.mailbox_replies_open() == 1
    assert list(TipMessage.objects.values_list("text", flat=True)) == ["second"]
    assert "could not be opened" in caplog.text
    assert services.mailbox_replies_open() == 0


def test_the_task_opens_tips_and_answers(published) -> None:
    from traceobject.tips.tasks import open_sealed_tips

    receipt = _submit(published, "A tip.")
    intake.mailbox_reply(receipt=receipt, text="An answer.")
    assert open_sealed_tips.call() == 2


def test_question_refused(published, make_tip, users) -> None:
    _submit(published, "A tip.")
    services.sealed_tips_open()
    tip = Tip.objects.get()
    for bad in ("", "  ", "x" * (services.QUESTION_MAX + 1), None):
        with pytest.raises(ServiceError):
            services.tip_question_ask(tip=tip, user=users["investigator"], text=bad)
    orphan = make_tip(published, "A tip whose sealed tip is gone.")
    with pytest.raises(NotFound):
        services.tip_question_ask(tip=orphan, user=users["investigator"], text="Hello?")
    assert not MailboxMessage.objects.filter(direction=Direction.TO_TIPSTER).exists()
    assert not TipMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="tip.question_ask").exists()


def test_cluster_assign_ignores_empty_fingerprints(published, make_tip) -> None:
    tip = make_tip(published, "", cluster=False)
    assert clustering.tip_cluster_assign(tip=tip) is None
    assert not TipBand.objects.exists()
