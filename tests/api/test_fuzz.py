"""Arbitrary input at POST /api/v1/objects/{ref}/tips: never a 5xx, and a refusal stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from traceobject.core import crypto
from traceobject.tips import intake
from traceobject.tips.models import Receipt, SealedTip

FIELDS = ["text", "country", "place", "seen_when", "contact_email", "language"]

# Text with anything in it: controls, NUL, lone surrogates, astral characters, RTL marks.
any_char = st.one_of(st.characters(), st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp"]))
any_text = st.one_of(
    st.text(any_char, max_size=60),
    st.text(st.characters(codec="utf-8"), min_size=3, max_size=300),
    st.builds(lambda ch, n: ch * n, st.characters(), st.integers(0, 70_000)),  # huge strings
    st.sampled_from(["", " ", "PL", "de", "a@b.org", "tip@example.org", "\x00", "\ud800",
                     "XX", "pl", "Zażółć gęślą jaźń"]),
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        any_text)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)
tip_like = st.fixed_dictionaries(
    {"text": st.one_of(any_text, json_value)},
    optional={name: st.one_of(any_text, json_value) for name in FIELDS[1:]},
)
readable = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])
plausible_tip = st.fixed_dictionaries(
    {"text": st.text(readable, min_size=3, max_size=400)},
    optional={
        "country": st.sampled_from(["PL", "de", "fr", "", None, "XX"]),
        "place": st.text(readable, max_size=80),
        "seen_when": st.text(readable, max_size=40),
        "contact_email": st.one_of(st.emails(), st.just("")),
        "language": st.sampled_from(["de", "en", "pl", "", "xx"]),
    },
)
arbitrary_dict = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)),
                                 json_value, max_size=8)


def _dumps(value: Any) -> bytes:
    # ensure_ascii escapes lone surrogates as \ud800, which JSON allows and Python decodes.
    return json.dumps(value, ensure_ascii=True).encode()


bodies = st.one_of(
    st.builds(_dumps, plausible_tip),
    st.builds(_dumps, tip_like),
    st.builds(_dumps, arbitrary_dict),
    st.builds(_dumps, json_value),  # arrays, strings, numbers at the top level
    st.binary(max_size=200),  # not JSON at all
    st.builds(lambda s: s.encode("utf-8", "surrogatepass"), st.text(any_char, max_size=100)),
    st.builds(lambda n: b"[" * n + b"]" * n, st.integers(1, 20_000)),  # deep nesting
    st.builds(lambda d: _dumps(d)[:-1], tip_like),  # truncated
)
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/plain", "application/x-www-form-urlencoded"])
receipt_headers = st.one_of(st.none(), st.just("valid"), st.just("0000-0000-0000-0000-0000"),
                            st.text(st.characters(codec="latin-1"), max_size=80))


@pytest.fixture
def existing_receipt(published) -> str:
    tip = intake.tip_validate({"text": "An earlier tip."})
    return intake.tip_submit(ref=published.ref, tip=tip)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(body=bodies, content_type=content_types, receipt=receipt_headers)
@example(body=b'{"text": "Seen in Gda\\u0144sk, 2021.", "country": "pl"}',
         content_type="application/json", receipt=None)
@example(body=b'{"text": "Same mailbox.", "contact_email": "a@example.org"}',
         content_type="application/json", receipt="valid")
@example(body=b'{"text": "Unknown mailbox."}', content_type="application/json",
         receipt="0000-0000-0000-0000-0000")
def test_tip_endpoint_never_fails(client, published, existing_receipt, body, content_type,
                                  receipt) -> None:
    cache.clear()  # rate-limit counters
    if receipt == "valid":
        receipt = existing_receipt
    headers = {} if receipt is None else {"HTTP_X_RECEIPT": receipt}
    before = (SealedTip.objects.count(), Receipt.objects.count())
    response = client.post(f"/api/v1/objects/{published.ref}/tips", body,
                           content_type=content_type, **headers)
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.content[:500]
    after = (SealedTip.objects.count(), Receipt.objects.count())
    payload = response.json()
    if response.status_code == 201:
        assert set(payload) == {"receipt"}
        assert crypto.receipt_normalize(payload["receipt"]) == payload["receipt"]
        if receipt:
            assert payload["receipt"] == existing_receipt
            assert after == (before[0] + 1, before[1])
        else:
            assert after == (before[0] + 1, before[1] + 1)
    else:
        assert response.status_code in (400, 401, 404, 413, 415, 422), response.status_code
        assert set(payload) == {"error"} and payload["error"]["code"]
        assert isinstance(payload["error"]["message"], str) and payload["error"]["message"]
        assert after == before, "a refused tip changed the database"
