"""The public API's Idempotency-Key: a retried tip or reply is stored once and answered the same;
a key cannot fetch another request's answer; keys expire after a day; hostile keys are refused
with the one error shape and change nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from traceobject.tips import intake, once
from traceobject.tips.models import Direction, MailboxMessage, OnceKey, Receipt, SealedTip

pytestmark = pytest.mark.django_db

TIP = {"text": "Sold in a supermarket in Gdańsk.", "country": "PL"}


@pytest.fixture(autouse=True)
def lenient(settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}


def _tip(client, ref: str, body: object = TIP, **headers: str):
    return client.post(f"/api/v1/objects/{ref}/tips", body, content_type="application/json",
                       **headers)


def _reply(client, receipt: str, body: object, **headers: str):
    return client.post("/api/v1/mailbox/replies", body, content_type="application/json",
                       HTTP_X_RECEIPT=receipt, **headers)


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_the_same_key_gets_the_same_answer_and_stores_once(client, published) -> None:
    key = str(uuid.uuid4())
    first = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key)
    second = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert "receipt" in first.json()
    assert "no-store" in first["Cache-Control"] and "no-store" in second["Cache-Control"]
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1
    # Without a key, every post is a new tip (as before), and its 201 is not kept either.
    plain = _tip(client, published.ref)
    assert plain.status_code == 201 and "no-store" in plain["Cache-Control"]
    assert plain.json() != first.json()
    assert SealedTip.objects.count() == 2


def test_a_key_reused_for_another_request_is_refused(client, published, make_object) -> None:
    key = "retry-" + uuid.uuid4().hex
    receipt = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key).json()["receipt"]
    other = make_object(title="Red towel", image=False)
    for response in (
        _tip(client, published.ref, {**TIP, "text": "Sold somewhere else."},
             HTTP_IDEMPOTENCY_KEY=key),  # another body
        _tip(client, other.ref, HTTP_IDEMPOTENCY_KEY=key),  # another object
        _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key, HTTP_X_RECEIPT=receipt),
    ):
        error = _error(response, 422, "idempotency_key_reused")
        assert receipt not in json.dumps(error)
    assert SealedTip.objects.count() == 1
    # The same key on the other operation is another key.
    assert _reply(client, receipt, {"text": "More."}, HTTP_IDEMPOTENCY_KEY=key
                  ).status_code == 204


def test_replies_are_stored_once(client, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    key = str(uuid.uuid4())
    answers = MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER)
    for _ in range(3):
        response = _reply(client, receipt, {"text": "The shop by the station."},
                          HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 204 and response.content == b""
        assert "no-store" in response["Cache-Control"]
    assert answers.count() == 1
    _error(_reply(client, receipt, {"text": "Another answer."}, HTTP_IDEMPOTENCY_KEY=key),
           422, "idempotency_key_reused")
    assert answers.count() == 1
    # Another receipt cannot replay this key, even with the same words.
    other = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "Other."}))
    _error(_reply(client, other, {"text": "The shop by the station."},
                  HTTP_IDEMPOTENCY_KEY=key), 422, "idempotency_key_reused")
    assert answers.count() == 1


def test_an_expired_key_works_anew(client, published) -> None:
    key = str(uuid.uuid4())
    first = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key).json()["receipt"]
    # A day and more later (times are kept to the hour: a key lives 24 to 25 hours).
    OnceKey.objects.update(created_at=timezone.now() - timedelta(hours=25, minutes=1))
    again = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again.json()["receipt"] != first
    assert SealedTip.objects.count() == 2
    assert OnceKey.objects.count() == 1  # the old record made way for the new one
    # Within its day, a key still answers.
    OnceKey.objects.update(created_at=timezone.now() - timedelta(hours=23))
    assert _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key).json() == again.json()


def test_the_purge_removes_keys_past_their_day(client, published) -> None:
    _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY="old")
    _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY="new")
    OnceKey.objects.filter(pk=OnceKey.objects.order_by("id").first().pk).update(
        created_at=timezone.now() - timedelta(hours=26))
    assert once.once_purge() == 1
    assert OnceKey.objects.count() == 1
    assert once.once_purge() == 0


def test_the_purge_in_batches_removes_the_oldest_first_and_leaves_the_rest(client,
                                                                           published) -> None:
    for n in range(5):
        _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=f"key-{n}")
    fresh = OnceKey.objects.order_by("id").last().pk
    OnceKey.objects.exclude(pk=fresh).update(created_at=timezone.now() - timedelta(hours=26))
    assert [once.once_purge(limit=3), once.once_purge(limit=3), once.once_purge(limit=3)] == [
        3, 1, 0]
    assert list(OnceKey.objects.values_list("pk", flat=True)) == [fresh]


@pytest.mark.parametrize("key", [
    "",  # empty
    "x" * (once.KEY_MAX + 1),  # too long
    "ключ-идемпотентности",  # not ASCII
    "naïve",
    "two words",  # a space
    "tab\there",
])
def test_hostile_keys_are_refused_and_change_nothing(client, published, key) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    before = (SealedTip.objects.count(), MailboxMessage.objects.count())
    for response in (_tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key),
                     _reply(client, receipt, {"text": "More."}, HTTP_IDEMPOTENCY_KEY=key)):
        error = _error(response, 400, "invalid_idempotency_key")
        assert "Idempotency-Key" in error["message"]
        assert set(error["fields"]) == {"Idempotency-Key"}
    assert (SealedTip.objects.count(), MailboxMessage.objects.count()) == before
    assert OnceKey.objects.count() == 0


def test_the_longest_key_and_every_visible_character_are_taken(client, published) -> None:
    for key in ("k" * once.KEY_MAX, "".join(chr(c) for c in range(0x21, 0x7F))):
        first = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key)
        assert first.status_code == 201
        assert _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key).json() == first.json()
    assert SealedTip.objects.count() == 2


def test_a_refused_request_records_nothing(client, published) -> None:
    key = str(uuid.uuid4())
    _error(_tip(client, published.ref, {"text": ""}, HTTP_IDEMPOTENCY_KEY=key), 422)
    assert OnceKey.objects.count() == 0
    # Corrected, with the same key: carried out.
    assert _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key).status_code == 201


def test_keys_and_receipts_are_not_stored_readably(client, published) -> None:
    key = "my-key-" + uuid.uuid4().hex
    receipt = _tip(client, published.ref, HTTP_IDEMPOTENCY_KEY=key).json()["receipt"]
    row = OnceKey.objects.get()
    stored = f"{row.digest} {row.request} {bytes(row.sealed or b'')!r}"
    assert key not in stored and receipt not in stored
    assert key.encode() not in bytes(row.sealed) and receipt.encode() not in bytes(row.sealed)


def test_two_requests_racing_with_one_key_store_once(published) -> None:
    """The second of two requests with one key (a double send) finds the key recorded by the
    first in its own transaction, stores nothing and gets the first answer."""
    claim = once.api_claim(scope="tip", key="race", request=b"the same request")
    tip = intake.tip_validate({"text": "Raced twice."})
    receipt = intake.tip_submit(ref=published.ref, tip=tip,
                                once=once.Pending(claim=claim, status=201, body={}))
    with pytest.raises(once.Taken):
        intake.tip_submit(ref=published.ref, tip=tip,
                          once=once.Pending(claim=claim, status=201, body={}))
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1
    found = once.find(claim)
    assert found is not None and found.body is not None
    assert (found.status, found.body["receipt"]) == (201, receipt)


def test_the_openapi_document_states_the_header(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/objects/{ref}/tips", "/api/v1/mailbox/replies"):
        parameters = document["paths"][path]["post"]["parameters"]
        header = next(p for p in parameters if p["name"] == "Idempotency-Key")
        assert header["in"] == "header" and not header.get("required")
        assert "24 hours" in header["description"]
