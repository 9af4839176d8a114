"""Input the internal API must refuse with a 4xx in the one error shape, never a 500: ids
beyond the 64-bit range of the database, NUL characters (PostgreSQL cannot store them) in
query parameters, paths and bodies. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from typing import Any

import pytest

from traceobject.accounts.services import api_token_create
from traceobject.evidence.models import Case
from traceobject.routing.models import Forwarding
from traceobject.tips.models import Tip, TipMessage

BASE = "/api/internal/v1"
BIG = 2**63  # one more than the largest id a row can have


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    return {role: api_token_create(user=user, name="test")[1] for role, user in users.items()}


@pytest.fixture
def tip(published: Any, submit_tips: Any, authorities: Any) -> Tip:
    return submit_tips(published, {"text": "Sold at a shop in Köln.", "country": "DE"})[0]


def _call(client: Any, method: str, path: str, token: str, body: Any = None) -> Any:
    client.raise_request_exception = False  # a server error must show as a 500, not raise
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(BASE + path, **kwargs)


def _refused(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error


@pytest.mark.parametrize("ids", [[BIG], [2**64], [10**30], [-(2**63) - 1], [0], [1, BIG]])
def test_triage_with_ids_outside_the_64_bit_range_is_422(client, tokens, tip, ids):
    response = _call(client, "post", "/tips/triage", tokens["investigator"],
                     {"tips": ids, "state": "spam"})
    error = _refused(response, 422)
    assert error["code"] == "invalid"
    assert [name for name in error["fields"] if name.startswith("tips.")], error
    assert Tip.objects.get(pk=tip.pk).state == "new"


@pytest.mark.parametrize("ids", [[BIG], [2**64], [-(2**63) - 1]])
def test_forwarding_with_ids_outside_the_64_bit_range_is_422(client, tokens, tip, ids):
    response = _call(client, "post", "/forwardings", tokens["investigator"],
                     {"tips": ids, "authority": "DE", "summary": "One tip names Köln."})
    _refused(response, 422)
    assert not Forwarding.objects.exists()


@pytest.mark.parametrize("method, path, body", [
    ("get", "/tips/{id}", None),
    ("get", "/tips/{id}/messages", None),
    ("post", "/tips/{id}/questions", {"text": "Where exactly?"}),
])
def test_tip_ids_in_the_path_are_bounded(client, tokens, tip, method, path, body):
    for number in (BIG, 2**64, 10**40):
        response = _call(client, method, path.format(id=number), tokens["investigator"], body)
        error = _refused(response, 422)
        assert set(error["fields"]) == {"tip_id"}
    # the largest possible id is simply not found
    _refused(_call(client, method, path.format(id=BIG - 1), tokens["investigator"], body), 404)
    assert not TipMessage.objects.exists()


@pytest.mark.parametrize("query", ["q=a%00b", "country=a%00", "language=a%00", "object=T%00",
                                   "q=%00", "state=new%00"])
def test_nul_in_tip_filters_is_refused(client, tokens, tip, query):
    _refused(_call(client, "get", f"/tips?{query}", tokens["investigator"]), 400, 422)


@pytest.mark.parametrize("path", ["/cases/X%00/country", "/objects/X%00/country",
                                  "/cases/%00/country", "/objects/TAO-2026-0001%00/country"])
def test_nul_in_country_estimate_paths_is_refused(client, tokens, db, path):
    Case.objects.create(ref="X")
    _refused(_call(client, "get", path, tokens["investigator"]), 400, 404)


@pytest.mark.parametrize("method, path, role", [
    ("get", "/liaison/packages/FWD%00", "liaison"),
    ("post", "/liaison/packages/FWD%00/acknowledge", "liaison"),
    ("post", "/objects/TAO%00/submit", "investigator"),
    ("get", "/tips?q=a%ED%A0%80b", "investigator"),  # broken UTF-8: replaced, not stored
])
def test_nul_in_other_paths_is_refused(client, tokens, db, method, path, role):
    response = _call(client, method, path, tokens[role])
    if "%00" in path:
        _refused(response, 400, 404)
    else:
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("field, value", [
    ("authority", "D\x00"), ("authority", "\x00\x00"), ("authority", "D\ud800"),
    ("summary", "\udfff"),
])
def test_forwarding_with_nul_or_lone_surrogates_is_refused(client, tokens, tip, field, value):
    body = {"tips": [tip.pk], "authority": "DE", "summary": "One tip names Köln.",
            field: value}
    response = _call(client, "post", "/forwardings", tokens["investigator"], body)
    _refused(response, 400, 422)
    assert not Forwarding.objects.exists()
    assert Tip.objects.get(pk=tip.pk).state == "new"


@pytest.mark.parametrize("summary", ["One\x00 tip", "One\x07 tip", "One \u202etip"])
def test_control_characters_in_the_forwarding_summary_are_refused(client, tokens, tip,
                                                                   summary):
    """Refused with the one error shape (they used to be dropped silently); nothing stored."""
    response = _call(client, "post", "/forwardings", tokens["investigator"],
                     {"tips": [tip.pk], "authority": "DE", "summary": summary})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"summary"}
    assert not Forwarding.objects.exists()
    assert Tip.objects.get(pk=tip.pk).state == "new"


@pytest.mark.parametrize("body", [{"comment": "fine\x00"}, {"comment": "\ud800"},
                                  {"comment": "fine \u202e but reversed"}])
def test_review_comment_with_nul_or_surrogate_is_refused(client, tokens, published, body):
    response = _call(client, "post", f"/objects/{published.ref}/reject", tokens["reviewer"],
                     body)
    _refused(response, 400, 409, 422)
    published.refresh_from_db()
    assert published.status == "published"
