"""Every request body of the APIs is a JSON object (so say the OpenAPI documents). Another JSON
value (null, a number, a string, true, a list) is refused with 422 and changes nothing; before,
django-ninja read it as an object with no fields, so that `50` reported an outcome with the
defaults and `null` approved an object (found by tests/api/test_schema_fuzz.py)."""

from __future__ import annotations

from typing import Any

import pytest

from traceobject.accounts.services import api_token_create
from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject
from traceobject.routing.models import Outcome
from traceobject.tips.models import SealedTip, TipMessage

NOT_OBJECTS = [b"null", b"50", b"50.0", b'"text"', b"true", b"[]", b'[{"text": "x"}]']


def _post(client: Any, path: str, body: bytes, **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", **headers)


def _refused(response: Any) -> None:
    assert response.status_code == 422, (response.status_code, response.content)
    assert response.json() == {"error": {"code": "invalid", "message": "The request is not valid.",
                                         "fields": {"body": "Send a JSON object."}}}


@pytest.fixture
def bearer(users: dict[str, Any]) -> Any:
    return lambda role: {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=users[role], name='t')[1]}"}


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_an_outcome_is_not_reported_from_a_bare_value(client, bearer, forwarding_de, body):
    response = _post(client, f"/api/internal/v1/liaison/packages/{forwarding_de.ref}/outcomes",
                     body, **bearer("liaison"))
    _refused(response)
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_an_object_is_not_reviewed_from_a_bare_value(client, bearer, users, make_object,
                                                     action, body):
    obj = make_object(publish=False)
    catalog.object_submit(obj=obj, user=users["investigator"])
    _refused(_post(client, f"/api/internal/v1/objects/{obj.ref}/{action}", body,
                   **bearer("reviewer")))
    assert TracedObject.objects.get(pk=obj.pk).status == "in_review"


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_other_internal_bodies_and_the_public_ones(client, bearer, published, submit_tips,
                                                  body):
    tip = submit_tips(published, {"text": "Seen in Graz."})[0]
    for path in ("/api/internal/v1/tips/triage", f"/api/internal/v1/tips/{tip.pk}/questions",
                 "/api/internal/v1/forwardings"):
        _refused(_post(client, path, body, **bearer("investigator")))
    assert not TipMessage.objects.exists()
    sealed = SealedTip.objects.count()
    _refused(_post(client, f"/api/v1/objects/{published.ref}/tips", body))
    assert SealedTip.objects.count() == sealed


def test_an_object_body_still_works(client, bearer, forwarding_de):
    response = _post(client, f"/api/internal/v1/liaison/packages/{forwarding_de.ref}/outcomes",
                     b'{"location_found": true}', **bearer("liaison"))
    assert response.status_code == 201 and response.json()["location_found"] is True
    assert Outcome.objects.count() == 1
