"""Public API v1 through the Django test client: objects, tips, mailbox, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.core.locales import read_catalog, translation_of
from traceobject.catalog import services as catalog
from traceobject.catalog.models import Campaign, ObjectStatus, TracedObject
from traceobject.core import crypto
from traceobject.tips import intake
from traceobject.tips.models import MailboxMessage, Receipt, SealedTip

pytestmark = pytest.mark.django_db

ON_POSTGRES = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]
TIP = {"text": "I saw this bag in a supermarket in Gdańsk.", "country": "PL"}


def _error(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message"[, "fields"]}}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def _submit(client: Client, obj: TracedObject, payload: Any = None, **extra: Any):
    return client.post(f"/api/v1/objects/{obj.ref}/tips", TIP if payload is None else payload,
                       content_type="application/json", **extra)


def _nothing_stored() -> None:
    assert SealedTip.objects.count() == 0
    assert Receipt.objects.count() == 0


@pytest.fixture
def lenient(settings) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}


# Objects


def test_list_shape(client, published) -> None:
    response = client.get("/api/v1/objects")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["page"] == 1 and body["pages"] == 1
    [item] = body["items"]
    assert item["ref"] == published.ref
    assert item["title"] == "Blue shop bag"
    assert item["category"] == "packaging"
    assert item["status"] == "published"
    assert item["campaign"] == "test-campaign"
    assert item["url"] == f"/en/objects/{published.ref}/"
    assert item["questions"] == ["Where is this bag sold?"]
    assert item["image"] and item["image"].startswith("/media/objects/")
    [image] = item["images"]
    assert image["full"] == item["image"]
    assert [r["width"] for r in image["renditions"]] == sorted(
        r["width"] for r in image["renditions"])
    for url in [item["image"], image["renditions"][0]["webp"]]:
        picture = client.get(url)
        assert picture.status_code == 200
        assert picture["Content-Type"] in ("image/jpeg", "image/webp")
    # nothing internal leaks into the public representation
    assert not {"id", "case", "evidence", "position", "created_at"} & set(item)


def test_list_hides_drafts_withdrawn_and_private_campaigns(client, make_object) -> None:
    shown = make_object(image=False)
    make_object(publish=False, image=False)
    withdrawn = make_object(image=False)
    TracedObject.objects.filter(id=withdrawn.id).update(status=ObjectStatus.WITHDRAWN)
    hidden_campaign = Campaign.objects.create(slug="hidden", names={"en": "Hidden"},
                                              is_public=False)
    in_hidden = make_object(image=False)
    TracedObject.objects.filter(id=in_hidden.id).update(campaign=hidden_campaign)
    body = client.get("/api/v1/objects").json()
    assert [i["ref"] for i in body["items"]] == [shown.ref]
    assert body["count"] == 1
    for status in ("draft", "withdrawn", "in_review"):
        assert client.get(f"/api/v1/objects?status={status}").json()["count"] == 0


def test_list_filters(client, make_object) -> None:
    other = catalog.campaign_create(slug="second", names={"en": "Second"})
    bag = make_object(category="packaging", image=False)
    shirt = make_object(category="clothing", image=False)
    towel = make_object(category="textiles", image=False, identified="PL")
    TracedObject.objects.filter(id=towel.id).update(campaign=other)

    def refs(query: str) -> set[str]:
        response = client.get(f"/api/v1/objects?{query}")
        assert response.status_code == 200, response.content
        return {i["ref"] for i in response.json()["items"]}

    assert refs("") == {bag.ref, shirt.ref, towel.ref}
    assert refs("category=clothing") == {shirt.ref}
    assert refs("campaign=second") == {towel.ref}
    assert refs("campaign=test-campaign") == {bag.ref, shirt.ref}
    assert refs("campaign=nope") == set()
    assert refs("status=identified") == {towel.ref}
    assert refs("status=published") == {bag.ref, shirt.ref}
    assert refs("category=packaging&campaign=second") == set()
    identified = client.get("/api/v1/objects?status=identified").json()["items"][0]
    assert identified["identified_country"] == "PL"
    _error(client.get("/api/v1/objects?category=weapons"), 422, "invalid")
    _error(client.get("/api/v1/objects?page=abc"), 422, "invalid")
    # A number in the address is digits only (the document says integer): pydantic alone
    # would read "9\r", " 2", "1_0" and "²" as numbers.
    for bad in ("9%0D", "%202", "1_0", "%C2%B2", "+1"):
        _error(client.get(f"/api/v1/objects?page={bad}"), 422, "invalid")
        _error(client.get(f"/api/v1/objects?per_page={bad}"), 422, "invalid")


def test_pagination(client, make_object) -> None:
    made = [make_object(title=f"Object {n}", image=False) for n in range(5)]
    pages = [client.get(f"/api/v1/objects?per_page=2&page={n}").json() for n in (1, 2, 3)]
    assert [p["count"] for p in pages] == [5, 5, 5]
    assert [p["pages"] for p in pages] == [3, 3, 3]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    seen = [i["ref"] for p in pages for i in p["items"]]
    assert sorted(seen) == sorted(o.ref for o in made)
    # out of range pages and sizes are clamped, not errors
    assert client.get("/api/v1/objects?per_page=2&page=99").json()["page"] == 3
    assert client.get("/api/v1/objects?per_page=0&page=-4").json()["page"] == 1
    assert len(client.get("/api/v1/objects?per_page=100000").json()["items"]) == 5


def test_language_param_and_accept_language(client, published, make_object) -> None:
    english_only = make_object(title="Red towel", image=False)
    by_ref = {i["ref"]: i for i in client.get("/api/v1/objects?language=de").json()["items"]}
    assert by_ref[published.ref]["title"] == "Blaue Einkaufstüte"
    assert by_ref[published.ref]["language"] == "de"
    assert by_ref[published.ref]["url"] == f"/de/objects/{published.ref}/"
    assert by_ref[english_only.ref]["title"] == "Red towel"  # English fallback
    assert by_ref[english_only.ref]["language"] == "en"
    by_ref = {i["ref"]: i for i in client.get("/api/v1/objects",
                                              HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").json()["items"]}
    assert by_ref[published.ref]["title"] == "Blaue Einkaufstüte"
    assert by_ref[english_only.ref]["title"] == "Red towel"
    # an unknown language parameter falls back, it is not an error
    body = client.get("/api/v1/objects?language=tlh").json()
    assert {i["ref"]: i["title"] for i in body["items"]}[published.ref] == "Blue shop bag"
    detail = client.get(f"/api/v1/objects/{published.ref}?language=de").json()
    assert detail["title"] == "Blaue Einkaufstüte"
    assert detail["questions"] == ["Wo wird diese Tüte verkauft?"]
    detail = client.get(f"/api/v1/objects/{published.ref}", HTTP_ACCEPT_LANGUAGE="de").json()
    assert detail["title"] == "Blaue Einkaufstüte"


def test_object_detail(client, published) -> None:
    response = client.get(f"/api/v1/objects/{published.ref}")
    assert response.status_code == 200
    body = response.json()
    assert body["ref"] == published.ref and body["description"] == "A plastic bag."
    assert client.get(f"/api/v1/objects/{published.ref.lower()}").json()["ref"] == published.ref


def test_unknown_and_draft_objects_are_404_alike(client, make_object) -> None:
    draft = make_object(publish=False, image=False)
    unknown = client.get("/api/v1/objects/TAO-1999-0001")
    hidden = client.get(f"/api/v1/objects/{draft.ref}")
    assert _error(unknown, 404, "unknown_object") == _error(hidden, 404, "unknown_object")


def test_nul_in_reference_is_a_clean_400(client, published) -> None:
    """NUL in a path or query string is refused site-wide (RequestInputMiddleware)."""
    client.raise_request_exception = False
    _error(client.get("/api/v1/objects/TAO%00"), 400)
    _error(client.post("/api/v1/objects/TAO%00/tips", TIP, content_type="application/json"), 400)
    _error(client.get("/api/v1/objects?campaign=%00"), 400)
    assert client.get("/en/objects/TAO%00/").status_code == 400
    assert client.get("/en/objects/TAO%00/tip/").status_code == 400


# Tips


def test_submit_tip(client, published) -> None:
    response = _submit(client, published)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"receipt"}
    assert crypto.receipt_normalize(body["receipt"]) == body["receipt"]
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1
    assert SealedTip.objects.get().object_id == published.id


def test_submit_with_receipt_header_uses_the_same_mailbox(client, published, lenient) -> None:
    receipt = _submit(client, published).json()["receipt"]
    again = _submit(client, published, HTTP_X_RECEIPT=receipt.lower())
    assert again.status_code == 201 and again.json()["receipt"] == receipt
    assert Receipt.objects.count() == 1 and SealedTip.objects.count() == 2
    _error(_submit(client, published, HTTP_X_RECEIPT="0000-0000-0000-0000-0000"), 404,
           "unknown_receipt")
    assert SealedTip.objects.count() == 2


def test_submit_to_unknown_or_draft_object(client, make_object) -> None:
    draft = make_object(publish=False, image=False)
    _error(_submit(client, draft), 404, "unknown_object")
    missing = client.post("/api/v1/objects/TAO-1999-0001/tips", TIP,
                          content_type="application/json")
    _error(missing, 404, "unknown_object")
    _nothing_stored()


@pytest.mark.parametrize("payload, field", [
    ({}, "text"),
    ({"text": 12345}, "text"),
    ({"text": ["a", "b"]}, "text"),
    ({"text": "fine text", "place": {"a": 1}}, "place"),
])
def test_schema_errors_are_422(client, published, payload, field) -> None:
    error = _error(_submit(client, published, payload), 422)
    assert field in error["fields"] and error["fields"][field]
    _nothing_stored()


INVALID_FIELDS = [
    ({"text": ""}, "text"),
    ({"text": "x" * (intake.TEXT_MAX + 1)}, "text"),
    ({"text": "fine text", "contact_email": "not-an-address"}, "contact_email"),
    ({"text": "fine text", "country": "XX"}, "country"),
    ({"text": "fine text", "place": "p" * (intake.PLACE_MAX + 1)}, "place"),
    ({"text": "fine text", "seen_when": "w" * (intake.WHEN_MAX + 1)}, "seen_when"),
    ({"text": "nul \x00 inside"}, "text"),
    ({"text": "lone \ud800 surrogate"}, "text"),
    ({"text": "reversed \u202e text"}, "text"),
    ({"text": "fine text", "place": "two\nlines"}, "place"),
    ({"text": "fine text", "seen_when": "\u2066isolated\u2069"}, "seen_when"),
    ({"text": "fine text", "contact_email": "a\x07@example.org"}, "contact_email"),
]


@pytest.mark.parametrize("payload, field", INVALID_FIELDS)
def test_invalid_fields_get_per_field_messages(client, published, lenient, payload, field) -> None:
    response = _submit(client, published, payload)
    assert response.status_code in (400, 422)
    error = _error(response, response.status_code, "invalid_tip")
    assert set(error["fields"]) == {field}
    assert error["fields"][field]
    _nothing_stored()


@pytest.mark.parametrize("payload, field", INVALID_FIELDS[:3])
def test_invalid_fields_are_422(client, published, lenient, payload, field) -> None:
    _error(_submit(client, published, payload), 422, "invalid_tip")


@pytest.mark.parametrize("body", [b"{bad", b'{"text": "abc"', b"\xff\xfe\x00garbage", b"[" * 5000,
                                  b'{"text": ' + b"1" * 5000 + b"}"])
def test_malformed_json_is_400(client, published, body) -> None:
    response = client.post(f"/api/v1/objects/{published.ref}/tips", body,
                           content_type="application/json")
    _error(response, 400, "bad_request")
    _nothing_stored()


def test_body_over_the_limit_is_413(client, published, settings) -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 64 * 1024
    big = json.dumps({"text": "x" * (64 * 1024)})
    _error(client.post(f"/api/v1/objects/{published.ref}/tips", big,
                       content_type="application/json"), 413, "too_large")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    small_enough = json.dumps({"text": "y" * 1500})
    assert _submit(client, published, small_enough).status_code == 201
    SealedTip.objects.all().delete()
    Receipt.objects.all().delete()
    _error(_submit(client, published, json.dumps({"text": "y" * 2100})), 413, "too_large")
    _nothing_stored()


@pytest.mark.parametrize("content_type, body", [
    ("application/x-www-form-urlencoded", "text=hello+there+from+a+form"),
    ("multipart/form-data; boundary=xyz",
     '--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello there\r\n--xyz--\r\n'),
])
def test_form_encodings_are_refused(client, published, content_type, body) -> None:
    response = client.post(f"/api/v1/objects/{published.ref}/tips", body,
                           content_type=content_type)
    assert response.status_code in (400, 415)
    _error(response, response.status_code)
    _nothing_stored()


def test_text_plain_json_is_refused(client, published) -> None:
    response = client.post(f"/api/v1/objects/{published.ref}/tips", json.dumps(TIP),
                           content_type="text/plain")
    _error(response, 415)
    _nothing_stored()


def test_rate_limit(client, published, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tip": (2, 600)}
    assert [_submit(client, published).status_code for _ in range(2)] == [201, 201]
    response = _submit(client, published)
    _error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
    assert SealedTip.objects.count() == 2


# Mailbox


def test_mailbox(client, published, lenient) -> None:
    receipt = _submit(client, published).json()["receipt"]
    intake.mailbox_message_to_tipster(sealed_tip_id=SealedTip.objects.get().id,
                                      text="Which town?")
    response = client.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipt)
    assert response.status_code == 200
    body = response.json()
    assert [(t["ref"], t["status"], t["status_label"]) for t in body["tips"]] == [
        (published.ref, "received", "Received")]
    assert body["tips"][0]["received_at"].endswith(("Z", "+00:00"))
    assert not {"id", "digest", "receipt"} & set(body["tips"][0])
    assert [(m["direction"], m["text"], m["ref"]) for m in body["messages"]] == [
        ("to_tipster", "Which town?", published.ref)]
    # typed as a person would
    typed = receipt.replace("-", " ").lower().replace("0", "o")
    assert client.get("/api/v1/mailbox", HTTP_X_RECEIPT=typed).json() == body


def test_mailbox_needs_a_receipt(client) -> None:
    _error(client.get("/api/v1/mailbox"), 401, "receipt_required")
    _error(client.get("/api/v1/mailbox", HTTP_X_RECEIPT=""), 401)


def test_bad_and_unknown_receipts_are_indistinguishable(client, published, lenient) -> None:
    _submit(client, published)
    answers = [client.get("/api/v1/mailbox", HTTP_X_RECEIPT=r) for r in (
        "0000-0000-0000-0000-0000", crypto.receipt_new(), "not a receipt", "!" * 500, "x")]
    first = answers[0]
    _error(first, 404, "unknown_receipt")
    for other in answers[1:]:
        assert (other.status_code, other.content) == (first.status_code, first.content)


def test_mailbox_is_not_cacheable(client, published) -> None:
    receipt = _submit(client, published).json()["receipt"]
    response = client.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipt)
    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", "")


def test_reply(client, published, lenient) -> None:
    receipt = _submit(client, published).json()["receipt"]
    response = client.post("/api/v1/mailbox/replies", {"text": "The shop near the station."},
                           content_type="application/json", HTTP_X_RECEIPT=receipt)
    assert response.status_code == 204
    message = MailboxMessage.objects.get(direction="from_tipster")
    assert b"station" not in bytes(message.sealed)
    from traceobject.tips.services import mailbox_reply_read

    assert mailbox_reply_read(message=message) == "The shop near the station."
    messages = client.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipt).json()["messages"]
    assert [(m["direction"], m["text"]) for m in messages] == [("from_tipster", "")]


def test_reply_errors(client, published, lenient) -> None:
    receipt = _submit(client, published).json()["receipt"]
    url = "/api/v1/mailbox/replies"
    _error(client.post(url, {"text": "hi"}, content_type="application/json"), 401)
    _error(client.post(url, {"text": "hi"}, content_type="application/json",
                       HTTP_X_RECEIPT="0000-0000-0000-0000-0000"), 404, "unknown_receipt")
    response = client.post(url, {"text": "  "}, content_type="application/json",
                           HTTP_X_RECEIPT=receipt)
    assert "text" in _error(response, response.status_code)["fields"]
    assert response.status_code in (400, 422)
    _error(client.post(url, {}, content_type="application/json", HTTP_X_RECEIPT=receipt), 422)
    for tip in (0, 2, -1, "first", 1.5):  # the mailbox has tip 1 only
        response = client.post(url, {"text": "More.", "tip": tip},
                               content_type="application/json", HTTP_X_RECEIPT=receipt)
        assert response.status_code == 422, tip
        assert "tip" in _error(response, 422)["fields"], tip
    assert MailboxMessage.objects.filter(direction="from_tipster").count() == 0


def test_reply_answer_is_json_or_no_content(client, published) -> None:
    receipt = _submit(client, published).json()["receipt"]
    response = client.post("/api/v1/mailbox/replies", {"text": "ok then"},
                           content_type="application/json", HTTP_X_RECEIPT=receipt)
    assert response.status_code == 204 and response.content == b""


# The API as a whole


def test_openapi(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/objects", "/api/v1/objects/{ref}", "/api/v1/objects/{ref}/tips",
            "/api/v1/mailbox", "/api/v1/mailbox/replies"} <= set(document["paths"])
    assert "post" in document["paths"]["/api/v1/objects/{ref}/tips"]


def test_unknown_path(client) -> None:
    _error(client.get("/api/v1/nothing"), 404, "not_found")
    _error(client.post("/api/v1/nothing/else", {}, content_type="application/json"), 404)


def test_wrong_method_has_the_error_shape(client, published) -> None:
    response = client.delete(f"/api/v1/objects/{published.ref}/tips")
    assert response.status_code == 405
    _error(response, 405)


def _error_messages(client: Client, published: TracedObject, **headers: Any) -> dict[str, str]:
    url = f"/api/v1/objects/{published.ref}/tips"
    responses = {
        "invalid_tip": _submit(client, published, {"text": ""}, **headers),
        "invalid": _submit(client, published, {}, **headers),
        "bad_request": client.post(url, b"{bad", content_type="application/json", **headers),
        "unknown_object": client.get("/api/v1/objects/TAO-1999-0001", **headers),
        "unknown_receipt": client.get("/api/v1/mailbox", HTTP_X_RECEIPT="x", **headers),
        "receipt_required": client.get("/api/v1/mailbox", **headers),
        "not_found": client.get("/api/v1/nothing", **headers),
        "too_large": client.post(url, json.dumps({"text": "x" * 70_000}),
                                 content_type="application/json", **headers),
    }
    return {code: r.json()["error"]["message"] for code, r in responses.items()}


def test_every_error_message_is_translatable(client, published, lenient) -> None:
    msgids = {m.id for m in read_catalog("de") if isinstance(m.id, str)}
    messages = _error_messages(client, published)
    untranslatable = {code: m for code, m in messages.items() if m not in msgids}
    assert untranslatable == {}


def test_error_messages_follow_accept_language(client, published, lenient,
                                               use_compiled_locales) -> None:
    german = translation_of("de", "Some fields need your attention.")
    if german is None:
        pytest.skip("German catalogue does not translate 'Some fields need your attention.' "
                    "yet (src/traceobject/locale/de/LC_MESSAGES/django.po)")
    response = _submit(client, published, {"text": ""}, HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == "de"
    assert response.json()["error"]["message"] == german
    english = _submit(client, published, {"text": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "Some fields need your attention."
    # every other translated error message too
    messages = _error_messages(client, published, HTTP_ACCEPT_LANGUAGE="de")
    for code, message in messages.items():
        expected = translation_of("de", _error_messages_en[code])
        if expected:
            assert message == expected, code


_error_messages_en = {
    "invalid_tip": "Some fields need your attention.",
    "invalid": "The request is not valid.",
    "bad_request": "The request body is not valid JSON.",
    "unknown_object": "There is no published object with this reference.",
    "unknown_receipt": "No mailbox matches this receipt. Check what you typed.",
    "receipt_required": "Send your receipt in the X-Receipt header.",
    "not_found": "There is nothing at this address. The object may have been withdrawn.",
    "too_large": "The request is too large.",
}


def test_english_error_messages(client, published, lenient) -> None:
    assert _error_messages(client, published, HTTP_ACCEPT_LANGUAGE="en") == _error_messages_en
