"""The internal and liaison API: token authentication, roles, country isolation, four-eyes,
bad input. Real services and database underneath."""

from __future__ import annotations

import json
from typing import Any

import pytest

from traceobject.accounts.services import api_token_create, api_token_revoke
from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject
from traceobject.routing.models import Forwarding, Outcome
from traceobject.tips.models import MailboxMessage, Tip, TipMessage

BASE = "/api/internal/v1"


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    return {role: api_token_create(user=user, name="test")[1] for role, user in users.items()}


def call(client: Any, method: str, path: str, token: str | None = None,
         body: Any = None, **headers: str) -> Any:
    extra = dict(headers)
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(BASE + path, **kwargs, **extra)


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def test_openapi_document_lists_the_internal_and_liaison_endpoints(client, tokens):
    doc = call(client, "get", "/openapi.json", tokens["investigator"]).json()
    paths = set(doc["paths"])
    for path in ("/api/internal/v1/tips", "/api/internal/v1/tips/triage",
                 "/api/internal/v1/tips/{tip_id}/questions", "/api/internal/v1/forwardings",
                 "/api/internal/v1/objects/{ref}/approve",
                 "/api/internal/v1/liaison/packages",
                 "/api/internal/v1/liaison/packages/{ref}/acknowledge",
                 "/api/internal/v1/liaison/packages/{ref}/outcomes"):
        assert path in paths, path
    assert doc["components"]["securitySchemes"]


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer tob_nope", "Basic abc",
                                    "Bearer " + "x" * 5000, "Bearer tob_\x00\x01"])
def test_without_a_valid_token_everything_is_401_in_the_one_error_shape(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    for path in ("/tips", "/forwardings", "/liaison/packages", "/objects"):
        response = client.get(BASE + path, **extra)
        assert response.status_code == 401, (path, header)
        assert error_code(response) == "unauthorized"


def test_a_revoked_token_stops_at_once(client, users):
    row, token = api_token_create(user=users["investigator"], name="laptop")
    assert call(client, "get", "/tips", token).status_code == 200
    api_token_revoke(token=row, user=users["investigator"])
    assert call(client, "get", "/tips", token).status_code == 401


# Every endpoint against every role: (method, path, body) -> roles allowed.
def _endpoints(tip: Tip, fwd: Forwarding, obj: TracedObject) -> list[tuple[str, str, Any,
                                                                         set[str]]]:
    inv = {"investigator", "investigator2"}
    catalogue = inv | {"reviewer", "administrator"}
    return [
        ("get", "/tips", None, inv),
        ("get", f"/tips/{tip.pk}", None, inv),
        ("get", f"/tips/{tip.pk}/messages", None, inv),
        ("get", "/forwardings", None, inv),
        ("get", "/objects", None, catalogue),
        ("get", "/liaison/packages", None, {"liaison", "liaison_fr"}),
        ("get", f"/liaison/packages/{fwd.ref}", None, {"liaison"}),
        ("post", "/tips/triage", {"tips": [tip.pk], "state": "useful"}, inv),
        ("post", f"/objects/{obj.ref}/approve", {"comment": ""}, {"reviewer"}),
    ]


ALL_ROLES = ["administrator", "investigator", "investigator2", "reviewer", "liaison",
             "liaison_fr", "auditor", "outsider"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_matrix(client, tokens, forwarding_de, role):
    tip = forwarding_de.tips.first()
    obj = forwarding_de.object
    for method, path, body, allowed in _endpoints(tip, forwarding_de, obj):
        response = call(client, method, path, tokens[role], body)
        if role in allowed:
            # The approve call is refused by the workflow (object not in review), not by role.
            assert response.status_code in (200, 201, 409), (method, path, role,
                                                             response.content)
        elif role == "liaison_fr" and path.startswith("/liaison/packages/"):
            assert response.status_code == 404, (path, role)  # not "forbidden": no hint
        else:
            assert response.status_code == 403, (method, path, role, response.content)
            assert error_code(response) == "forbidden"


def test_investigator_lists_filters_and_triages_a_cluster(client, tokens, published,
                                                          submit_tips):
    tips = submit_tips(
        published,
        {"text": "This bag is from POLANA supermarkets in Kraków.", "country": "PL"},
        {"text": "POLANA supermarket bag, Krakow.", "country": "PL"},
        {"text": "Seen it in a shop in Lisbon, Portugal.", "country": "PT"},
    )
    listed = call(client, "get", f"/tips?object={published.ref}", tokens["investigator"])
    assert listed.status_code == 200 and listed.json()["count"] == 3
    only_pt = call(client, "get", "/tips?country=PT", tokens["investigator"]).json()
    assert [t["id"] for t in only_pt["items"]] == [tips[2].pk]
    found = call(client, "get", "/tips?q=lisbon", tokens["investigator"]).json()
    assert [t["id"] for t in found["items"]] == [tips[2].pk]

    first = Tip.objects.get(pk=tips[0].pk)
    assert first.cluster_id is not None and first.cluster_id == Tip.objects.get(
        pk=tips[1].pk).cluster_id
    response = call(client, "post", "/tips/triage", tokens["investigator"],
                    {"tips": [first.pk], "state": "useful", "whole_cluster": True})
    assert response.status_code == 200 and response.json() == {"changed": 2}
    assert set(Tip.objects.filter(state="useful").values_list("pk", flat=True)) == {
        tips[0].pk, tips[1].pk}
    assert AuditEvent.objects.filter(action__startswith="tip.", actor="ivy").exists()


@pytest.mark.parametrize("body", [
    {"tips": [], "state": "useful"},
    {"tips": [1], "state": "bogus"},
    {"tips": ["x"], "state": "useful"},
    {"tips": list(range(1, 2000)), "state": "useful"},
    {"state": "useful"},
    "not an object",
])
def test_bad_triage_input_is_refused_and_changes_nothing(client, tokens, published,
                                                         submit_tips, body):
    submit_tips(published, {"text": "One tip."})
    before = list(Tip.objects.values_list("pk", "state"))
    response = call(client, "post", "/tips/triage", tokens["investigator"], body)
    assert response.status_code in (400, 404, 422)
    assert "error" in response.json()
    assert list(Tip.objects.values_list("pk", "state")) == before


def test_unknown_tip_ids_are_404_and_nothing_changes(client, tokens, published, submit_tips):
    tip = submit_tips(published, {"text": "One tip."})[0]
    response = call(client, "post", "/tips/triage", tokens["investigator"],
                    {"tips": [tip.pk, 999_999], "state": "spam"})
    assert response.status_code == 404
    assert Tip.objects.get(pk=tip.pk).state == "new"


def test_question_reaches_the_mailbox_sealed(client, tokens, published, submit_tips):
    tip = submit_tips(published, {"text": "I know this bag."})[0]
    response = call(client, "post", f"/tips/{tip.pk}/questions", tokens["investigator"],
                    {"text": "Where exactly did you see it?"})
    assert response.status_code == 201
    assert TipMessage.objects.filter(tip=tip, direction="to_tipster").count() == 1
    sealed = MailboxMessage.objects.get(direction="to_tipster")
    assert b"Where exactly" not in bytes(sealed.sealed)
    messages = call(client, "get", f"/tips/{tip.pk}/messages", tokens["investigator"]).json()
    assert messages[0]["text"] == "Where exactly did you see it?"
    too_long = call(client, "post", f"/tips/{tip.pk}/questions", tokens["investigator"],
                    {"text": "x" * 5000})
    assert too_long.status_code == 422
    unknown = call(client, "post", f"/tips/{tip.pk}/questions", tokens["investigator"],
                   {"text": "Wo genau?", "language": "xx"})
    assert unknown.status_code == 422 and "language" in unknown.json()["error"]["fields"]
    assert TipMessage.objects.filter(tip=tip).count() == 1


def test_a_question_carries_its_language_to_the_mailbox(client, tokens, published):
    from traceobject.tips import intake
    from traceobject.tips.services import sealed_tips_open

    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    sealed_tips_open()
    tip = Tip.objects.get()
    for text, language in (("Wo genau?", "de"), ("Where exactly?", None)):
        response = call(client, "post", f"/tips/{tip.pk}/questions", tokens["investigator"],
                        {"text": text, **({"language": language} if language else {})})
        assert response.status_code == 201
    asked = [(m.text, m.language) for m in intake.mailbox_open(receipt=receipt).messages
             if m.direction == "to_tipster"]
    assert asked == [("Wo genau?", "de"), ("Where exactly?", "en")]  # given, recognised


def test_forward_then_liaison_acknowledges_and_reports(client, tokens, published, submit_tips,
                                                       authorities):
    tips = submit_tips(published, {"text": "Sold at a shop in Köln.", "country": "DE"})
    made = call(client, "post", "/forwardings", tokens["investigator"],
                {"tips": [tips[0].pk], "authority": "DE", "summary": "One tip names Köln."})
    assert made.status_code == 201, made.content
    ref = made.json()["ref"]
    assert Tip.objects.get(pk=tips[0].pk).state == "forwarded"

    listed = call(client, "get", "/forwardings", tokens["investigator"]).json()
    assert [f["ref"] for f in listed] == [ref]
    assert AuditEvent.objects.filter(action="routing.export", actor="ivy",
                                     target=f"forwarding {ref}").count() == 1
    mine = call(client, "get", "/liaison/packages", tokens["liaison"]).json()
    assert [p["ref"] for p in mine] == [ref]
    assert AuditEvent.objects.filter(action="routing.export", actor="lars").count() == 1
    assert call(client, "get", "/liaison/packages", tokens["liaison_fr"]).json() == []
    package = call(client, "get", f"/liaison/packages/{ref}", tokens["liaison"]).json()
    assert AuditEvent.objects.filter(action="routing.export", actor="lars",
                                     target=f"forwarding {ref}",
                                     data={"via": "api", "refs": [ref]}).exists()  # taken out
    assert package["package"]["tips"][0]["text"] == "Sold at a shop in Köln."
    dumped = json.dumps(package).lower()  # no tipster contact; the agency's contact point
    assert "contact_email" not in dumped and "contact_sealed" not in dumped
    assert set(package["package"]["contact_point"]) == {"investigator", "agency"}

    ack = call(client, "post", f"/liaison/packages/{ref}/acknowledge", tokens["liaison"])
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    outcome = call(client, "post", f"/liaison/packages/{ref}/outcomes", tokens["liaison"],
                   {"lead_useful": True, "location_found": True, "country_confirmed": True,
                    "children_safeguarded": 1, "offenders_arrested": 1, "text": "Found."})
    assert outcome.status_code == 201
    assert client.get("/en/statistics/").status_code == 200
    assert b">1<" in client.get("/en/statistics/").content


def test_liaison_of_another_country_cannot_reach_a_package(client, tokens, forwarding_de):
    for method, path, body in (
        ("get", f"/liaison/packages/{forwarding_de.ref}", None),
        ("post", f"/liaison/packages/{forwarding_de.ref}/acknowledge", None),
        ("post", f"/liaison/packages/{forwarding_de.ref}/outcomes",
         {"children_safeguarded": 3}),
    ):
        response = call(client, method, path, tokens["liaison_fr"], body)
        assert response.status_code == 404, (path, response.content)
    forwarding_de.refresh_from_db()
    assert forwarding_de.state == "sent" and not Outcome.objects.exists()


@pytest.mark.parametrize("body", [
    {"children_safeguarded": -1}, {"offenders_arrested": 10**9}, {"text": "x" * 20_000},
    {"lead_useful": "perhaps"},
])
def test_bad_outcomes_are_refused(client, tokens, forwarding_de, body):
    response = call(client, "post", f"/liaison/packages/{forwarding_de.ref}/outcomes",
                    tokens["liaison"], body)
    assert response.status_code == 422
    assert not Outcome.objects.exists()


def test_forwarding_bad_input(client, tokens, published, submit_tips, authorities):
    tip = submit_tips(published, {"text": "A tip."})[0]
    for body, status in (
        ({"tips": [tip.pk], "authority": "ZZ", "summary": "s"}, 422),
        ({"tips": [tip.pk], "authority": "IT", "summary": "s"}, 400),  # inactive
        ({"tips": [tip.pk], "authority": "DE", "summary": ""}, 422),
        ({"tips": [tip.pk], "authority": "DE", "summary": "x" * 20_000}, 422),
        ({"tips": [999_999], "authority": "DE", "summary": "s"}, 404),
    ):
        response = call(client, "post", "/forwardings", tokens["investigator"], body)
        assert response.status_code == status, (body, response.content)
    assert not Forwarding.objects.exists()
    assert Tip.objects.get(pk=tip.pk).state == "new"


def test_four_eyes_through_the_api(client, users, tokens, make_object):
    """The author of an object cannot approve it, even holding the reviewer role."""
    author = users["reviewer"]
    author.groups.add(*users["investigator"].groups.all())
    obj = make_object(title="Green mug")
    obj.status = "draft"
    obj.save(update_fields=["status"])
    TracedObject.objects.filter(pk=obj.pk).update(created_by=author)
    obj.refresh_from_db()
    catalog.object_submit(obj=obj, user=author)
    refused = call(client, "post", f"/objects/{obj.ref}/approve", tokens["reviewer"],
                   {"comment": "looks fine"})
    assert refused.status_code == 403 and error_code(refused) == "four_eyes"
    obj.refresh_from_db()
    assert obj.status == "in_review"
    # An investigator (no reviewer role) is refused by role; a second reviewer may approve.
    assert call(client, "post", f"/objects/{obj.ref}/approve",
                tokens["investigator2"], {}).status_code == 403
    other = users["administrator"]
    other.groups.add(*users["reviewer"].groups.filter(name="reviewer"))
    _, other_token = api_token_create(user=other, name="second")
    unchecked = call(client, "post", f"/objects/{obj.ref}/approve", other_token, {})
    assert unchecked.status_code == 400 and error_code(unchecked) == "checklist_incomplete"
    checks = list(catalog.REVIEW_CHECKS)
    english_only = call(client, "post", f"/objects/{obj.ref}/approve", other_token,
                        {"checklist": checks})
    assert english_only.status_code == 400 and error_code(english_only) == "not_translated"
    assert TracedObject.objects.get(pk=obj.pk).status == "in_review"
    approved = call(client, "post", f"/objects/{obj.ref}/approve", other_token,
                    {"checklist": checks, "english_fallback": True})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "published"


@pytest.mark.parametrize(("text", "reason"), [
    ("Where\x00 exactly?", "This contains control characters."),
    ("Where\x1b[8m exactly?", "This contains control characters."),
    ("Where \u202eexactly?", "This contains invisible characters that are not allowed."),
])
def test_a_question_with_hostile_characters_is_refused_not_a_server_error(
        client, tokens, published, submit_tips, text, reason):
    """PostgreSQL cannot store NUL; controls and direction overrides are refused too (the one
    text cleaner), with the one error shape."""
    tip = submit_tips(published, {"text": "I know this bag."})[0]
    response = call(client, "post", f"/tips/{tip.pk}/questions", tokens["investigator"],
                    {"text": text})
    assert response.status_code == 422
    assert error_code(response) == "invalid_message"
    assert response.json()["error"]["fields"] == {"text": reason}
    assert not TipMessage.objects.filter(tip=tip).exists()
    assert not MailboxMessage.objects.filter(direction="to_tipster").exists()
