"""Arbitrary form data at the HTML tip form (with the form's one-time token, as a browser sends
it): never a 5xx; a redirect to the receipt only for a stored tip (the honeypot gets a fake
receipt page and stores nothing).

FUZZ_EXAMPLES (default 4, as for the API fuzzing) sets the number of forms: 12 per unit,
48 in `make test`; `make fuzz` runs this file with many more."""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.public.support import form_token
from traceobject.tips import intake
from traceobject.tips.models import Receipt, SealedTip

FIELDS = ["text", "country", "place", "seen_when", "contact_email", "receipt", "website"]
RECEIPT_RE = re.compile(r'id="receipt"[^>]*>\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})\s*<')

# Form values travel as UTF-8: anything but lone surrogates (which cannot be encoded).
# A browser cannot send lone surrogates in a form (they have no UTF-8 encoding); the JSON API
# fuzz test covers them.
any_char = st.one_of(st.characters(exclude_categories=["Cs"]),
                     st.characters(categories=["Cc", "Cf", "Zl", "Zp"]))
readable = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])
value = st.one_of(
    st.text(any_char, max_size=60),
    st.text(readable, min_size=3, max_size=300),
    st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(0, 12_000)),
    st.sampled_from(["", " ", "PL", "DE", "pl", "XX", "a@b.org", "tip@example.org", "x@",
                     "\x00", "valid-receipt", "0000-0000-0000-0000-0000", "Zażółć gęślą jaźń"]),
)
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))  # repeated fields
plausible = st.fixed_dictionaries(
    {"text": st.text(readable, min_size=3, max_size=300)},
    optional={"country": st.sampled_from(["", "PL", "FR", "XX"]),
              "place": st.text(readable, max_size=60),
              "contact_email": st.one_of(st.emails(), st.just("")),
              "receipt": st.sampled_from(["", "valid-receipt", "0000-0000-0000-0000-0000"]),
              "website": st.sampled_from(["", "", "", "http://spam.example"])},
)
arbitrary = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(any_char, max_size=10)),
                            values, max_size=9)
form_data = st.one_of(plausible, arbitrary)
encodings = st.sampled_from(["urlencoded", "multipart"])
EXAMPLES = 12 * int(os.environ.get("FUZZ_EXAMPLES") or 4)


@pytest.fixture
def existing_receipt(published) -> str:
    return intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "Earlier."}))


def _resolve(value, receipt: str):
    if isinstance(value, list):
        return [_resolve(v, receipt) for v in value]
    return receipt if value == "valid-receipt" else value


@pytest.mark.django_db
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=form_data, encoding=encodings)
@example(data={"text": "Seen in Poznań in 2022.", "country": "PL"}, encoding="multipart")
@example(data={"text": "Same mailbox.", "receipt": "valid-receipt"}, encoding="urlencoded")
@example(data={"text": "A bot.", "website": "http://spam.example"}, encoding="urlencoded")
def test_tip_form_never_fails(client, published, existing_receipt, data, encoding) -> None:
    cache.clear()  # rate-limit counters
    url = f"/en/objects/{published.ref}/tip/"
    data = {"form_token": form_token(client, url),
            **{key: _resolve(v, existing_receipt) for key, v in data.items()}}
    before = (SealedTip.objects.count(), Receipt.objects.count())
    if encoding == "multipart" and all(re.fullmatch(r"[\w-]*", k) for k in data):
        response = client.post(url, data)
    else:
        response = client.post(url, urlencode(data, doseq=True),
                               content_type="application/x-www-form-urlencoded")
    event(f"status {response.status_code}")
    assert response.status_code < 500
    after = (SealedTip.objects.count(), Receipt.objects.count())
    page = response.content.decode()
    receipt = RECEIPT_RE.search(page)
    website = data.get("website")
    is_bot = bool(website[-1] if isinstance(website, list) else website)
    if response.status_code == 303:
        assert "no-store" in response["Cache-Control"]
        shown = client.get(response["Location"])
        assert shown.status_code == 200
        receipt = RECEIPT_RE.search(shown.content.decode())
        assert receipt, "the redirect leads to the receipt"
    if response.status_code == 200:
        assert receipt and is_bot, "a 200 answer to a POST is the honeypot's receipt page"
        assert "no-store" in response["Cache-Control"]
        event("honeypot")
        assert after == before
    elif response.status_code == 303:
        assert receipt and not is_bot
        event("stored")
        given_receipt = data.get("receipt")
        given_receipt = given_receipt[-1] if isinstance(given_receipt, list) else given_receipt
        assert after[0] == before[0] + 1
        if given_receipt:
            assert receipt.group(1) == existing_receipt
            assert after[1] == before[1]
        else:
            assert after[1] == before[1] + 1
    else:
        assert response.status_code in (400, 413), response.status_code
        assert receipt is None
        assert after == before, "a refused form changed the database"
