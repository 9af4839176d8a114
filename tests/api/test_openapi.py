"""The OpenAPI documents: the internal one only for staff; both list every answer the servers
give (400, 409, 413, 414, 429 where they happen) with the error schema, and the text limits."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from tests.conftest import staff_login
from traceobject.accounts.services import api_token_create

PUBLIC = "/api/v1/openapi.json"
INTERNAL = "/api/internal/v1/openapi.json"
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    return {role: api_token_create(user=user, name="test")[1] for role, user in users.items()}


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- who may read the internal document ----------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer tob_nope", "Basic abc",
                                    "Bearer " + "tob_" + "x" * 43])
def test_the_internal_document_needs_a_token(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(INTERNAL, **extra)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized",
                                         "message": "Authentication required."}}


def test_a_token_without_a_role_is_403(client, tokens):
    response = client.get(INTERNAL, **_bearer(tokens["outsider"]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ["investigator", "reviewer", "liaison", "administrator",
                                  "auditor"])
def test_staff_tokens_read_the_internal_document(client, tokens, role):
    response = client.get(INTERNAL, **_bearer(tokens[role]))
    assert response.status_code == 200
    assert "/api/internal/v1/tips" in response.json()["paths"]


def test_a_staff_session_reads_it_only_with_the_second_factor(client, users):
    client.force_login(users["investigator"])  # password only
    assert client.get(INTERNAL).status_code == 401
    staff_login(client, users["investigator"])
    assert client.get(INTERNAL).status_code == 200
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    assert client.get(INTERNAL).status_code == 401


def test_the_public_document_stays_public(client, db):
    assert client.get(PUBLIC).status_code == 200


# --- what the documents list --------------------------------------------------------------

def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path): operation for path, item in doc["paths"].items()
            for method, operation in item.items()}


def _is_error(response: dict[str, Any]) -> bool:
    return response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}


def _check(doc: dict[str, Any], expected: dict[tuple[str, str], set[int]]) -> None:
    operations = _operations(doc)
    for (method, path), operation in operations.items():
        responses = operation["responses"]
        assert "400" in responses, (method, path)
        assert "414" in responses and "URI Too Long" in responses["414"]["description"]
        if "requestBody" in operation:  # a body: it can be too large or not valid
            assert {"413", "422"} <= set(responses), (method, path)
        for code, response in responses.items():
            if 400 <= int(code) < 500 and code != "414":
                assert _is_error(response), (method, path, code)
    for (method, path), codes in expected.items():
        listed = {int(code) for code in operations[(method, path)]["responses"]}
        assert codes <= listed, (method, path, codes - listed)


def test_the_public_document_lists_every_answer(client, db):
    doc = client.get(PUBLIC).json()
    base = "/api/v1"
    _check(doc, {
        ("get", f"{base}/objects"): {200, 400, 414, 422},
        ("get", f"{base}/objects/{{ref}}"): {200, 400, 404, 414},
        ("post", f"{base}/objects/{{ref}}/tips"): {201, 400, 404, 413, 414, 415, 422, 429},
        ("get", f"{base}/mailbox"): {200, 400, 401, 404, 414, 429},
        ("post", f"{base}/mailbox/replies"): {204, 400, 401, 404, 413, 414, 415, 422, 429},
    })


def test_the_public_document_states_the_text_limits(client, db):
    schemas = client.get(PUBLIC).json()["components"]["schemas"]
    text = schemas["TipIn"]["properties"]["text"]
    assert (text["minLength"], text["maxLength"]) == (3, 5000)
    assert schemas["TipIn"]["required"] == ["text"]
    assert schemas["TipIn"]["properties"]["place"]["maxLength"] == 200
    assert schemas["TipIn"]["properties"]["country"]["maxLength"] == 2
    reply = schemas["ReplyIn"]["properties"]["text"]
    assert (reply["minLength"], reply["maxLength"]) == (1, 5000)


def test_the_internal_document_lists_every_answer(client, tokens):
    doc = client.get(INTERNAL, **_bearer(tokens["investigator"])).json()
    base = "/api/internal/v1"
    _check(doc, {
        ("post", f"{base}/forwardings"): {201, 400, 401, 403, 404, 409, 413, 414, 422},
        ("post", f"{base}/tips/triage"): {200, 400, 401, 403, 413, 414, 422},
        ("post", f"{base}/tips/{{tip_id}}/questions"): {201, 400, 413, 414, 422},
        ("get", f"{base}/tips/{{tip_id}}"): {200, 400, 401, 403, 404, 414, 422},
        ("post", f"{base}/objects/{{ref}}/submit"): {200, 409, 414},
        ("post", f"{base}/objects/{{ref}}/approve"): {200, 403, 409, 413},
        ("post", f"{base}/liaison/packages/{{ref}}/acknowledge"): {200, 404, 409},
        ("post", f"{base}/liaison/packages/{{ref}}/outcomes"): {201, 413, 422},
        ("get", f"{base}/objects/{{ref}}/country"): {200, 400, 401, 404, 414},
    })
    tip_id = next(p for p in doc["paths"][f"{base}/tips/{{tip_id}}"]["get"]["parameters"]
                  if p["name"] == "tip_id")
    assert tip_id["schema"]["maximum"] == 2**63 - 1
    triage = doc["components"]["schemas"]["TriageIn"]["properties"]["tips"]["items"]
    assert triage["maximum"] == 2**63 - 1 and triage["minimum"] == 1


def test_the_documented_400_and_413_are_what_the_internal_api_answers(client, tokens):
    auth = _bearer(tokens["investigator"])
    for path in ("/api/internal/v1/tips/triage", "/api/internal/v1/forwardings"):
        bad = client.post(path, b"{not json", content_type="application/json", **auth)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
        big = client.post(path, b'{"summary": "' + b"x" * 70_000 + b'"}',
                          content_type="application/json", **auth)
        assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
