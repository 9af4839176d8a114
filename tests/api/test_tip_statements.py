"""A tip sent through the public API costs a fixed, small number of database statements:
counted here, not timed (bench/bench_http.py measures the time against /healthz). A statement
added to the path a flood hits shows up as a failure here first."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from traceobject.tips.models import Direction, MailboxMessage, OnceKey, Receipt, SealedTip

pytestmark = pytest.mark.django_db

TIP = {"text": "Sold in a supermarket in Gdańsk.", "country": "PL"}
# Transaction control differs between databases and between a test's transaction and none.
_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


@pytest.fixture(autouse=True)
def lenient(settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}


def _sent(client, ref: str, **headers: str) -> tuple[dict, list[tuple[str, str]]]:
    """The 201's body and the statements the request ran, as (verb, table)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/api/v1/objects/{ref}/tips", TIP,
                               content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    tables = {m._meta.db_table for m in (Receipt, SealedTip, MailboxMessage, OnceKey)}
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"].strip()
        verb = sql.split()[0].upper()
        if verb in _CONTROL:
            continue
        statements.append((verb, next((t for t in sorted(tables) if f'"{t}"' in sql), "?")))
    return response.json(), statements


def test_a_new_tip_is_three_inserts_and_nothing_else(client, published) -> None:
    _sent(client, published.ref)  # the object's id is in the cache from here on
    body, statements = _sent(client, published.ref)
    assert statements == [("INSERT", "tips_receipt"), ("INSERT", "tips_sealedtip"),
                          ("INSERT", "tips_mailboxmessage")]
    # ... and they stored the tip with its copy for the mailbox.
    receipt = Receipt.objects.order_by("-id").first()
    assert receipt is not None and body["receipt"]
    assert list(receipt.messages.values_list("direction", flat=True)) == [Direction.TIP_COPY]
    assert receipt.tips.count() == 1


def test_an_idempotency_key_adds_one_lookup_and_one_insert(client, published) -> None:
    _sent(client, published.ref)
    key = str(uuid.uuid4())
    first, statements = _sent(client, published.ref, HTTP_IDEMPOTENCY_KEY=key)
    assert statements == [("SELECT", "tips_oncekey"), ("INSERT", "tips_receipt"),
                          ("INSERT", "tips_sealedtip"), ("INSERT", "tips_mailboxmessage"),
                          ("INSERT", "tips_oncekey")]
    # The retry is answered from the one lookup and stores nothing.
    tips = SealedTip.objects.count()
    again, statements = _sent(client, published.ref, HTTP_IDEMPOTENCY_KEY=key)
    assert again == first
    assert statements == [("SELECT", "tips_oncekey")]
    assert SealedTip.objects.count() == tips


def test_a_tip_to_an_existing_receipt_reads_the_receipt_and_its_latest_message(
        client, published) -> None:
    body, _ = _sent(client, published.ref)
    _, statements = _sent(client, published.ref, HTTP_X_RECEIPT=body["receipt"])
    assert statements == [("SELECT", "tips_receipt"), ("SELECT", "tips_mailboxmessage"),
                          ("INSERT", "tips_sealedtip"), ("INSERT", "tips_mailboxmessage")]
    assert Receipt.objects.count() == 1 and SealedTip.objects.count() == 2
    assert MailboxMessage.objects.filter(direction=Direction.TIP_COPY).count() == 2
