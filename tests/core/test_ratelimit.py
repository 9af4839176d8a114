"""Per-client rate limits: 429 past the limit, and no client address kept anywhere."""

from __future__ import annotations

import hashlib
import pickle

import pytest
from django.core.cache import cache
from django.test import Client

from tests.public.support import tip_post
from traceobject.tips.models import SealedTip

TIP = {"text": "I saw this bag in a supermarket."}


def _tip_url(obj) -> str:
    return f"/api/v1/objects/{obj.ref}/tips"


def _locmem_entries() -> list[tuple[str, bytes]]:
    store = getattr(cache, "_cache", None)
    if store is None:
        pytest.skip("the cache is not the in-memory cache; its content cannot be inspected")
    return list(store.items())


@pytest.mark.django_db
def test_api_tip_limit(client, published, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tip": (3, 600)}
    for _ in range(3):
        assert client.post(_tip_url(published), TIP, content_type="application/json"
                           ).status_code == 201
    response = client.post(_tip_url(published), TIP, content_type="application/json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["message"]
    assert SealedTip.objects.count() == 3
    # another client is not affected
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(_tip_url(published), TIP, content_type="application/json"
                      ).status_code == 201


@pytest.mark.django_db
def test_form_tip_limit(client, published, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tip": (2, 600)}
    url = f"/en/objects/{published.ref}/tip/"
    assert tip_post(client, published.ref, TIP, follow=False).status_code == 303
    assert client.post(url, {"text": ""}).status_code == 400  # invalid posts count too
    response = tip_post(client, published.ref, TIP, follow=False)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b'<html lang="en"' in response.content
    assert SealedTip.objects.count() == 1


@pytest.mark.django_db
def test_mailbox_limit_guards_receipt_guessing(client, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "receipt": (2, 600)}
    for _ in range(2):
        assert client.get("/api/v1/mailbox", HTTP_X_RECEIPT="0000-0000-0000-0000-0000"
                          ).status_code == 404
    response = client.get("/api/v1/mailbox", HTTP_X_RECEIPT="0000-0000-0000-0000-0000")
    assert response.status_code == 429
    assert "Retry-After" in response
    page = client.post("/en/mailbox/", {"receipt": "0000-0000-0000-0000-0000"})
    assert page.status_code == 429


@pytest.mark.django_db
def test_cache_holds_no_client_address(published, settings) -> None:
    settings.RATE_LIMITS = {"tip": (2, 600), "receipt": (2, 600)}
    addresses = ["127.0.0.1", "203.0.113.77", "2001:db8::4711"]
    for address in addresses:
        client = Client(REMOTE_ADDR=address)
        for _ in range(3):
            client.post(_tip_url(published), TIP, content_type="application/json")
            client.get("/api/v1/mailbox", HTTP_X_RECEIPT="0000-0000-0000-0000-0000")
            client.post(f"/en/objects/{published.ref}/tip/", TIP)
    entries = _locmem_entries()
    assert sum(":rl:" in key for key, _value in entries) >= 2 * len(addresses)
    for key, value in entries:
        readable = f"{key} {pickle.loads(value)!r}"  # noqa: S301 (our own cache)
        for address in addresses:
            forms = {address, address.replace(".", "-"), address.replace(":", "_"),
                     hashlib.sha256(address.encode()).hexdigest()[:16],
                     hashlib.md5(address.encode()).hexdigest()[:16]}  # noqa: S324
            for form in forms:
                assert form not in readable, (form, key)
                assert form.encode() not in value, (form, key)


@pytest.mark.django_db
def test_forwarded_for_uses_the_trusted_proxy_entry(published, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tip": (2, 600)}
    settings.NUM_PROXIES = 1
    client = Client(REMOTE_ADDR="10.0.0.1")  # the proxy
    url = _tip_url(published)
    # A client cannot escape the limit by forging entries in front of the proxy's.
    for forged in ["1.1.1.1", "2.2.2.2"]:
        response = client.post(url, TIP, content_type="application/json",
                               HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.5")
        assert response.status_code == 201
    response = client.post(url, TIP, content_type="application/json",
                           HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.5")
    assert response.status_code == 429
    # A different client behind the same proxy has its own budget.
    response = client.post(url, TIP, content_type="application/json",
                           HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert response.status_code == 201
