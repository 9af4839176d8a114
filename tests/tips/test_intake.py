"""Sealed intake, opening, contact reveal and the tipster's mailbox (tips.intake, tips.services)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.public import PublicKey

from traceobject.catalog.models import ObjectStatus, TracedObject
from traceobject.core import crypto
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.keys import intake_private_key
from traceobject.tips import intake, services
from traceobject.tips.models import Direction, MailboxMessage, Receipt, SealedTip, Tip

pytestmark = pytest.mark.django_db

VALID: dict[str, Any] = {
    "text": "I saw this bag in a Biedronka shop.\nIt was blue.",
    "country": "pl",
    "place": "Kraków, ul. Długa",
    "seen_when": "summer 2023",
    "contact_email": "tipster@example.org",
    "language": "pl",
}


def _errors(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ServiceError) as info:
        intake.tip_validate(data)
    assert info.value.code == "invalid_tip"
    assert info.value.message
    return info.value.fields


# Validation


def test_valid_tip_is_cleaned() -> None:
    tip = intake.tip_validate({**VALID, "text": "  Cafe\u0301 in Paris  ", "country": "fr"})
    assert tip.text == "Café in Paris"  # trimmed and NFC
    assert tip.country == "FR"
    assert tip.place == VALID["place"]
    assert tip.contact_email == VALID["contact_email"]
    assert tip.language == "pl"


def test_only_text_is_required() -> None:
    tip = intake.tip_validate({"text": "abc"})
    assert (tip.country, tip.place, tip.seen_when, tip.contact_email) == ("", "", "", "")
    tip = intake.tip_validate({"text": "abc", "country": None, "place": None})
    assert tip.country == ""


@pytest.mark.parametrize("text", [None, "", "  ", "ab", "\n\n\t"])
def test_missing_text(text) -> None:
    assert set(_errors({**VALID, "text": text})) == {"text"}


@pytest.mark.parametrize("field, maximum", [
    ("text", intake.TEXT_MAX), ("place", intake.PLACE_MAX), ("seen_when", intake.WHEN_MAX),
])
def test_too_long(field, maximum) -> None:
    assert intake.tip_validate({**VALID, field: "x" * maximum})
    fields = _errors({**VALID, field: "x" * (maximum + 1)})
    assert set(fields) == {field}
    assert str(maximum) in fields[field]


def test_too_long_email() -> None:
    local = "a" * 64
    too_long = f"{local}@{'b' * 63}.{'c' * 63}.{'d' * 63}.{'e' * 63}.org"
    assert len(too_long) > intake.EMAIL_MAX
    assert set(_errors({**VALID, "contact_email": too_long})) == {"contact_email"}


@pytest.mark.parametrize("email", [
    "not-an-address", "a@b", "tipster@", "@example.org", "two@@example.org",
    "tipster@example.org, other@example.org", "tip ster@example.org",
])
def test_bad_email(email) -> None:
    assert set(_errors({**VALID, "contact_email": email})) == {"contact_email"}


@pytest.mark.parametrize("country", ["XX", "ZZ", "EU", "POL", "1", "Poland"])
def test_unknown_country(country) -> None:
    assert set(_errors({**VALID, "country": country})) == {"country"}


def test_unknown_language() -> None:
    assert set(_errors({**VALID, "language": "tlh"})) == {"language"}


@pytest.mark.parametrize("field", ["text", "place", "seen_when", "contact_email", "country"])
@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\x7f", "\u0085"])
def test_control_characters(field, bad) -> None:
    value = {"country": f"P{bad}", "contact_email": f"a{bad}@example.org"}.get(
        field, f"some text {bad} more")
    assert field in _errors({**VALID, field: value})


def test_line_breaks_allowed_only_in_text() -> None:
    assert intake.tip_validate({**VALID, "text": "line one\r\nline two\tend"}).text == (
        "line one\nline two end")
    assert _errors({**VALID, "place": "line one\nline two"}) == {
        "place": "This must be a single line."}
    assert _errors({**VALID, "place": "tab\there"}) == {
        "place": "This contains control characters."}


@pytest.mark.parametrize("field", ["text", "place", "seen_when", "contact_email"])
@pytest.mark.parametrize("bad", ["\u202e", "\u2066", "\ufeff", "\ufdd0"])
def test_invisible_direction_and_reserved_characters(field, bad) -> None:
    assert _errors({**VALID, field: f"some{bad}text"}) == {
        field: "This contains invisible characters that are not allowed."}


def test_scripts_with_joiners_are_kept() -> None:
    tip = intake.tip_validate({**VALID, "text": "می\u200cخواهم — क्\u200dष — 👩\u200d👩\u200d👧",
                               "place": "Cafe\u0301 \u00a0 Malmo\u0308"})
    assert tip.text == "می\u200cخواهم — क्\u200dष — 👩\u200d👩\u200d👧"
    assert tip.place == "Café Malmö"


@pytest.mark.parametrize("field", ["text", "place", "seen_when", "contact_email"])
def test_lone_surrogate(field) -> None:
    assert field in _errors({**VALID, field: "abc\ud800def"})


@pytest.mark.parametrize("field", ["text", "country", "place", "seen_when", "contact_email",
                                   "language"])
@pytest.mark.parametrize("value", [42, 4.2, True, ["a list"], {"a": "dict"}, b"bytes"])
def test_non_text_types(field, value) -> None:
    fields = _errors({**VALID, field: value})
    assert field in fields


def test_all_errors_reported_at_once() -> None:
    fields = _errors({"text": "", "country": "XX", "place": "p" * 500,
                      "seen_when": "\x00", "contact_email": "nope"})
    assert set(fields) == {"text", "country", "place", "seen_when", "contact_email"}


# Submission


def _tip(**overrides: Any) -> intake.TipInput:
    return intake.tip_validate({**VALID, **overrides})


def test_submit_stores_one_sealed_tip_and_one_receipt(published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=_tip())
    assert crypto.receipt_normalize(receipt) == receipt
    assert Receipt.objects.count() == 1 and SealedTip.objects.count() == 1
    record = Receipt.objects.get()
    assert record.digest == crypto.receipt_digest(receipt, key=settings.RECEIPT_HMAC_KEY)
    sealed_tip = SealedTip.objects.get()
    assert sealed_tip.object_id == published.id and sealed_tip.receipt_id == record.id
    assert sealed_tip.opened_at is None
    assert sealed_tip.public_status == "received"
    # received_at is kept only to the hour
    assert (sealed_tip.received_at.minute, sealed_tip.received_at.second,
            sealed_tip.received_at.microsecond) == (0, 0, 0)
    sealed = bytes(sealed_tip.sealed)
    assert b"Biedronka" not in sealed and b"tipster@example.org" not in sealed
    payload = json.loads(crypto.unseal(intake_private_key(), sealed))
    assert payload["text"] == VALID["text"] and payload["ref"] == published.ref
    assert payload["contact_email"] == VALID["contact_email"]


def test_submit_with_lowercase_ref(published) -> None:
    intake.tip_submit(ref=published.ref.lower(), tip=_tip())
    assert SealedTip.objects.count() == 1


def test_submit_with_existing_receipt_keeps_one_mailbox(published, make_object) -> None:
    other = make_object(title="Red towel", category="textiles")
    receipt = intake.tip_submit(ref=published.ref, tip=_tip())
    typed = receipt.replace("-", " ").lower()
    again = intake.tip_submit(ref=other.ref, tip=_tip(text="Also this towel."), receipt=typed)
    assert again == receipt
    assert Receipt.objects.count() == 1
    assert SealedTip.objects.count() == 2
    assert set(SealedTip.objects.values_list("receipt_id", flat=True)) == {
        Receipt.objects.get().id}
    assert [t.ref for t in intake.mailbox_open(receipt=receipt).tips] == [published.ref, other.ref]


@pytest.mark.parametrize("receipt", [
    "0000-0000-0000-0000-0000",  # well formed, unknown
    "not a receipt",
    "X" * 1000,
])
def test_submit_with_unknown_receipt_stores_nothing(published, receipt) -> None:
    with pytest.raises(NotFound) as info:
        intake.tip_submit(ref=published.ref, tip=_tip(), receipt=receipt)
    assert info.value.code == "unknown_receipt"
    assert SealedTip.objects.count() == 0 and Receipt.objects.count() == 0


@pytest.mark.parametrize("status", [ObjectStatus.DRAFT, ObjectStatus.IN_REVIEW,
                                    ObjectStatus.WITHDRAWN])
def test_submit_for_a_non_public_object(make_object, status) -> None:
    obj = make_object(publish=False, image=False)
    TracedObject.objects.filter(id=obj.id).update(status=status)
    with pytest.raises(NotFound) as info:
        intake.tip_submit(ref=obj.ref, tip=_tip())
    assert info.value.code == "unknown_object"
    assert SealedTip.objects.count() == 0 and Receipt.objects.count() == 0


def test_submit_for_an_unknown_object(db) -> None:
    with pytest.raises(NotFound):
        intake.tip_submit(ref="TAO-1999-0001", tip=_tip())
    assert Receipt.objects.count() == 0


def test_submit_for_an_identified_object(make_object) -> None:
    obj = make_object(identified="PL", image=False)
    assert intake.tip_submit(ref=obj.ref, tip=_tip())
    assert SealedTip.objects.count() == 1


def test_submit_schedules_opening(published, django_capture_on_commit_callbacks) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        intake.tip_submit(ref=published.ref, tip=_tip())
    assert len(callbacks) == 1
    assert DBTaskResult.objects.count() == 1


# Opening


def test_open_into_tip(published) -> None:
    intake.tip_submit(ref=published.ref, tip=_tip())
    intake.tip_submit(ref=published.ref, tip=_tip(text="No e-mail here.", contact_email=""))
    assert services.sealed_tips_open() == 2
    assert Tip.objects.count() == 2
    first, second = Tip.objects.order_by("intake_id")
    sealed_first = SealedTip.objects.get(id=first.intake_id)
    assert first.object_id == published.id
    assert first.text == VALID["text"]
    assert (first.country, first.place, first.seen_when, first.language) == (
        "PL", VALID["place"], VALID["seen_when"], "pl")
    assert first.received_at == sealed_first.received_at
    assert first.state == "new"
    # the ciphertext is dropped from the public table, the time of opening kept
    assert bytes(sealed_first.sealed) == b""
    assert sealed_first.opened_at is not None
    # the contact address stays sealed
    assert first.contact_sealed
    assert b"tipster@example.org" not in bytes(first.contact_sealed)
    from traceobject.audit.models import AuditEvent

    assert services.tip_contact_reveal(tip=first, user=None) == VALID["contact_email"]
    assert AuditEvent.objects.filter(action="tip.contact_reveal",
                                     target=f"tip {first.pk}").count() == 1
    assert second.contact_sealed is None
    assert services.tip_contact_reveal(tip=second, user=None) == ""
    # idempotent
    assert services.sealed_tips_open() == 0
    assert Tip.objects.count() == 2


def test_open_works_through_the_whole_queue_in_batches(published) -> None:
    for n in range(3):
        intake.tip_submit(ref=published.ref, tip=_tip(text=f"tip number {n}"))
    assert services.sealed_tips_open(batch=2) == 3
    assert services.sealed_tips_open(batch=2) == 0
    assert sorted(Tip.objects.values_list("text", flat=True)) == [
        "tip number 0", "tip number 1", "tip number 2"]


def test_tip_sealed_to_another_key_is_kept(published, caplog) -> None:
    intake.tip_submit(ref=published.ref, tip=_tip())
    other = crypto.seal(PublicKey(bytes(crypto.mailbox_private_key("x", key="y").public_key)),
                        b"{}")
    SealedTip.objects.update(sealed=other)
    intake.tip_submit(ref=published.ref, tip=_tip(text="a good tip after a bad one"))
    assert services.sealed_tips_open(batch=1) == 1  # the bad one does not block the queue
    bad = SealedTip.objects.order_by("id").first()
    assert bad.opened_at is None and bytes(bad.sealed) == other
    assert bad.open_error == "CryptoError"
    assert list(Tip.objects.values_list("text", flat=True)) == ["a good tip after a bad one"]
    assert "could not be opened" in caplog.text
    assert services.sealed_tips_open() == 0  # not retried in a loop


# Mailbox


def test_mailbox_shows_tips_and_messages(published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=_tip())
    box = intake.mailbox_open(receipt=receipt)
    assert [(t.ref, t.status, t.status_label) for t in box.tips] == [
        (published.ref, "received", "Received")]
    # the tipster's own tip, readable with the receipt (and only shown when asked for)
    assert [(m.direction, m.text, m.own_text) for m in box.messages] == [
        (Direction.TIP_COPY, "", _tip().text)]
    sealed_tip = SealedTip.objects.get()
    message = intake.mailbox_message_to_tipster(
        sealed_tip_id=sealed_tip.id, text="Which shop exactly? Gdzie dokładnie?")
    assert b"Which shop" not in bytes(message.sealed)
    SealedTip.objects.update(public_status="checking")
    box = intake.mailbox_open(receipt=receipt.lower().replace("-", ""))
    assert [(t.status, t.status_label) for t in box.tips] == [("checking", "Being checked")]
    assert [(m.direction, m.text, m.ref) for m in box.messages] == [
        (Direction.TIP_COPY, "", published.ref),
        (Direction.TO_TIPSTER, "Which shop exactly? Gdzie dokładnie?", published.ref)]


def test_message_to_tipster_needs_text(published) -> None:
    intake.tip_submit(ref=published.ref, tip=_tip())
    with pytest.raises(ServiceError):
        intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id, text="  ")
    assert MailboxMessage.objects.filter(direction=Direction.TO_TIPSTER).count() == 0


def test_reply_is_sealed_to_the_intake_key(published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=_tip())
    message = intake.mailbox_reply(receipt=receipt, text="It was the shop on Długa street.")
    assert message.direction == Direction.FROM_TIPSTER
    assert message.sealed_tip_id == SealedTip.objects.get().id
    stored = MailboxMessage.objects.get(direction=Direction.FROM_TIPSTER)
    assert "Długa".encode() not in bytes(stored.sealed)
    assert services.mailbox_reply_read(message=stored) == "It was the shop on Długa street."
    # the tipster cannot read it back (nor can anyone holding only the receipt)
    box = intake.mailbox_open(receipt=receipt)
    assert [(m.direction, m.text) for m in box.messages] == [
        (Direction.TIP_COPY, ""), (Direction.FROM_TIPSTER, "")]
    with pytest.raises(CryptoError):
        crypto.unseal(crypto.mailbox_private_key(receipt, key=settings.RECEIPT_HMAC_KEY),
                      bytes(stored.sealed))


@pytest.mark.parametrize("text", ["", "   ", "\x00", "x" * (intake.MESSAGE_MAX + 1),
                                  "answer \u202eevil", "bell\x07", "\ud800"])
def test_reply_refuses_bad_text(published, text) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=_tip())
    with pytest.raises(ServiceError) as info:
        intake.mailbox_reply(receipt=receipt, text=text)
    assert "text" in info.value.fields
    assert MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER).count() == 0


def test_reply_with_unknown_receipt(published) -> None:
    with pytest.raises(NotFound):
        intake.mailbox_reply(receipt="0000-0000-0000-0000-0000", text="hello")
    assert MailboxMessage.objects.count() == 0


def test_other_receipt_cannot_read_messages(published) -> None:
    mine = intake.tip_submit(ref=published.ref, tip=_tip())
    theirs = intake.tip_submit(ref=published.ref, tip=_tip(text="A different tip."))
    my_tip = SealedTip.objects.get(receipt__digest=crypto.receipt_digest(
        mine, key=settings.RECEIPT_HMAC_KEY))
    intake.mailbox_message_to_tipster(sealed_tip_id=my_tip.id, text="Only for you.")
    intake.mailbox_reply(receipt=mine, text="My private answer.")
    box = intake.mailbox_open(receipt=theirs)
    assert len(box.tips) == 1 and box.tips[0].id != my_tip.id
    assert [(m.direction, m.tip) for m in box.messages] == [
        (Direction.TIP_COPY, box.tips[0].number)]  # their own tip only
    # even pointing their mailbox at my message, their key cannot open it
    message = MailboxMessage.objects.get(direction=Direction.TO_TIPSTER)
    with pytest.raises(CryptoError):
        crypto.unseal(crypto.mailbox_private_key(theirs, key=settings.RECEIPT_HMAC_KEY),
                      bytes(message.sealed))
    assert [(m.text, m.own_text) for m in intake.mailbox_open(receipt=mine).messages] == [
        ("", _tip().text), ("Only for you.", ""), ("", "My private answer.")]


@pytest.mark.parametrize("receipt", ["0000-0000-0000-0000-0000", "garbage", "", "X" * 100_000])
def test_unknown_and_malformed_receipts_look_the_same(db, receipt) -> None:
    with pytest.raises(NotFound) as info:
        intake.mailbox_open(receipt=receipt)
    assert (info.value.code, info.value.status) == ("unknown_receipt", 404)
    assert info.value.message == intake._unknown_receipt().message
