"""The catalogue's back-office pages: every URL against every role, and the forms."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.catalog.models import Campaign, ObjectStatus, TracedObject

from .conftest import encoded
from .support import make_reviewer_too, snapshot

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "administrator", "investigator", "investigator2", "reviewer", "liaison",
         "liaison_fr", "auditor", "outsider"]
EDITORS = {"investigator", "investigator2"}
REVIEWERS = {"reviewer"}
STAFF = EDITORS | REVIEWERS
ADMINS = {"administrator"}


def _get_urls(obj: TracedObject, campaign: Campaign) -> dict[str, set[str]]:
    image = obj.images.get()
    base = f"/internal/objects/{obj.ref}/"
    return {
        "/internal/objects/": STAFF,
        "/internal/objects/?status=draft": STAFF,
        "/internal/objects/new/": EDITORS,
        base: STAFF,
        base + "?lang=de": STAFF,
        f"{base}images/{image.pk}/{image.widths[0]}.jpg": STAFF,
        "/internal/review/": REVIEWERS,
        "/internal/campaigns/": ADMINS,
        "/internal/campaigns/new/": ADMINS,
        f"/internal/campaigns/{campaign.slug}/": ADMINS,
    }


def _post_urls(obj: TracedObject, campaign: Campaign) -> dict[str, set[str]]:
    image = obj.images.get()
    base = f"/internal/objects/{obj.ref}/"
    slug = f"/internal/campaigns/{campaign.slug}/"
    return {
        "/internal/objects/new/": EDITORS,
        base + "texts/": EDITORS,
        base + "settings/": EDITORS,
        base + "images/": EDITORS,
        f"{base}images/{image.pk}/move/": EDITORS,
        base + "submit/": EDITORS,
        base + "approve/": REVIEWERS,
        base + "reject/": REVIEWERS,
        base + "withdraw/": STAFF,
        base + "identified/": STAFF,
        f"{base}images/{image.pk}/remove/": EDITORS,
        "/internal/campaigns/new/": ADMINS,
        slug: ADMINS,
        slug + "launch/": ADMINS,
        slug + "end/": ADMINS,
        slug + "move/": ADMINS,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_catalogue_page_against_every_role(client, users, draft, campaign, role):
    if role != "anonymous":
        staff_login(client, users[role])
    for url, allowed in _get_urls(draft, campaign).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        elif role in allowed:
            assert response.status_code == 200, (url, role)
            assert "no-store" in response["Cache-Control"] or "no-cache" in response[
                "Cache-Control"], url
        else:
            assert response.status_code == 403, (url, role)


def _campaigns() -> list[tuple]:
    return list(Campaign.objects.order_by("id").values_list(
        "slug", "names", "is_public", "ends_on", "position"))


@pytest.mark.parametrize("role", ROLES)
def test_every_catalogue_action_against_every_role(client, users, draft, campaign, role):
    if role != "anonymous":
        staff_login(client, users[role])
    before_object, before_campaigns = snapshot(draft), _campaigns()
    for url, allowed in _post_urls(draft, campaign).items():
        response = client.post(url, {})
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        elif role in allowed:
            assert response.status_code != 403, (url, role)
            assert "/login/" not in response.get("Location", ""), (url, role)
        else:
            assert response.status_code == 403, (url, role)
    if role not in STAFF:
        assert snapshot(draft)["object"] == before_object["object"]
        assert snapshot(draft)["images"] == before_object["images"]
    if role not in ADMINS:
        assert _campaigns() == before_campaigns
    if role not in STAFF | ADMINS:
        assert snapshot(draft) == before_object  # not even an audit entry


def test_actions_answer_get_with_405(client, users, draft, campaign):
    staff_login(client, users["investigator"])
    for url in _post_urls(draft, campaign):
        if url.endswith(("/new/", f"/{campaign.slug}/")):
            continue
        assert client.get(url).status_code == 405, url


# --------------------------------------------------------------------------- the whole flow


def _upload(client, obj, data: bytes, name: str = "picture.png"):
    return client.post(f"/internal/objects/{obj.ref}/images/",
                       {"image": SimpleUploadedFile(name, data)})


def test_from_a_new_object_to_the_public_site(client, users, campaign, object_png):
    staff_login(client, users["investigator"])
    created = client.post("/internal/objects/new/", {
        "title": "Green mug", "category": "other", "campaign": campaign.pk,
        "description": "A mug with a green handle.", "questions": "Who sells it?\n\nWhere?"})
    assert created.status_code == 302
    obj = TracedObject.objects.get()
    assert created["Location"] == f"/internal/objects/{obj.ref}/"
    page = client.get(created["Location"]).content.decode()
    assert "Draft TAO-" in page and "It needs at least one picture." in page
    refused = client.post(f"/internal/objects/{obj.ref}/submit/")
    assert refused.status_code == 400 and "It needs at least one picture." in (
        refused.content.decode())
    assert _upload(client, obj, object_png).status_code == 302
    assert client.post(f"/internal/objects/{obj.ref}/texts/", {
        "language": "de", "title": "Grüne Tasse", "questions": "Wer verkauft sie?"}
    )["Location"].endswith("?lang=de")
    assert client.post(f"/internal/objects/{obj.ref}/submit/").status_code == 302
    obj.refresh_from_db()
    assert obj.status == ObjectStatus.IN_REVIEW

    client.logout()
    staff_login(client, users["reviewer"])
    queue = client.get("/internal/review/").content.decode()
    assert obj.ref in queue and "Green mug" in queue and "Who sells it?" in queue
    assert f"/internal/objects/{obj.ref}/images/" in queue  # the preview's pictures
    done = client.post(f"/internal/objects/{obj.ref}/approve/",
                       {"comment": "Fine.", "next": "review",
                        "checklist": list(catalog.REVIEW_CHECKS), "english_fallback": "on"})
    assert done.status_code == 302 and done["Location"] == "/internal/review/"
    assert "Nothing is waiting for review." in client.get("/internal/review/").content.decode()
    assert client.get(f"/en/objects/{obj.ref}/").status_code == 200
    assert "Grüne Tasse" in client.get(f"/de/objects/{obj.ref}/").content.decode()


def test_the_review_queue_shows_the_crop_and_its_provenance(client, users, evidence_store,
                                                            tmp_path):
    from traceobject.evidence import crops
    from traceobject.evidence.ingest import ingest
    from traceobject.evidence.models import Crop, EvidenceImage

    from ..evidence.conftest import write_jpeg

    write_jpeg(tmp_path / "seized" / "IMG_0001.jpg", seed=11, size=(900, 600))
    ingest([tmp_path / "seized"], case_ref="CASE-7")
    crop = crops.crop_create(image=EvidenceImage.objects.get(),
                             rect={"x": 10, "y": 10, "w": 300, "h": 200},
                             user=users["investigator"])
    Crop.objects.filter(pk=crop.pk).update(gate_verdict=Crop.Verdict.PASS)
    crop.refresh_from_db()
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                               title="Carton from a crop")
    catalog.object_submit(obj=obj, user=users["investigator"])
    staff_login(client, users["reviewer"])
    queue = client.get("/internal/review/").content.decode()
    assert f"/internal/crops/{crop.pk}/annotated.png" in queue
    assert f"/internal/crops/{crop.pk}/" in queue and "CASE-7" in queue
    assert "verdict-pass" in queue
    assert client.get(f"/internal/crops/{crop.pk}/annotated.png").status_code == 200
    # The public never learns the case.
    catalog.object_approve(obj=obj, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    client.logout()
    assert "CASE-7" not in client.get(f"/en/objects/{obj.ref}/").content.decode()


def test_the_author_sees_why_they_cannot_approve(client, users, in_review):
    author = make_reviewer_too(users["investigator"])
    staff_login(client, author)
    page = client.get(f"/internal/objects/{in_review.ref}/").content.decode()
    assert "You cannot approve this object: you created it." in page
    assert f"/internal/objects/{in_review.ref}/approve/" not in page
    before = snapshot(in_review)
    response = client.post(f"/internal/objects/{in_review.ref}/approve/", {"comment": ""})
    assert response.status_code == 403 and "A second person must approve it" in (
        response.content.decode())
    assert snapshot(in_review) == before


def test_reject_withdraw_and_identify_through_the_forms(client, users, in_review):
    staff_login(client, users["reviewer"])
    url = f"/internal/objects/{in_review.ref}/"
    assert client.post(url + "reject/", {"comment": ""}).status_code == 400
    assert client.post(url + "reject/", {"comment": "x" * 2001}).status_code == 400
    assert client.post(url + "reject/", {"comment": "Blur the label, please."}
                       ).status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == ObjectStatus.DRAFT
    assert "Blur the label, please." in client.get(url).content.decode()
    catalog.object_submit(obj=in_review, user=users["investigator"])
    assert client.post(url + "approve/", {"checklist": list(catalog.REVIEW_CHECKS),
                                         "english_fallback": "on"}).status_code == 302
    bad = client.post(url + "identified/", {"country": "ZZ"})
    assert bad.status_code == 400
    assert client.post(url + "identified/", {"country": "PL",
                                             "thank_you": "Found thanks to you."}
                       ).status_code == 302
    assert "Found thanks to you." in client.get(f"/en/objects/{in_review.ref}/").content.decode()
    assert client.post(url + "withdraw/", {"reason": "short"}).status_code == 400
    assert client.post(url + "withdraw/", {"reason": "The shop asked us to remove it."}
                       ).status_code == 302
    assert client.get(f"/en/objects/{in_review.ref}/").status_code == 404
    in_review.refresh_from_db()
    assert in_review.status == ObjectStatus.WITHDRAWN


# --------------------------------------------------------------------------- hostile input


def test_bad_uploads_through_the_form(client, users, draft, monkeypatch):
    from skimage import data as samples

    staff_login(client, users["investigator"])
    before = snapshot(draft)
    text = _upload(client, draft, b"just some text, not a picture\n" * 10, "photo.jpg")
    assert text.status_code == 400 and "not_an_image" in text.content.decode()
    face = _upload(client, draft, encoded(Image.fromarray(samples.astronaut()), "JPEG"),
                   "astronaut.jpg")
    assert face.status_code == 400
    body = face.content.decode()
    assert "The safety gate refused this picture" in body and "verdict-fail" in body
    assert client.post(f"/internal/objects/{draft.ref}/images/", {}).status_code == 400
    monkeypatch.setattr(catalog, "MAX_UPLOAD_BYTES", 200_000)
    big = _upload(client, draft, b"\xff\xd8" + b"\x00" * 400_000, "big.jpg")
    assert big.status_code == 413 and "at most" in big.content.decode()
    assert snapshot(draft) == before


def test_upload_keeps_the_csrf_check(users, draft, object_png):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    staff_login(strict, users["investigator"])
    response = strict.post(f"/internal/objects/{draft.ref}/images/",
                           {"image": SimpleUploadedFile("p.png", object_png)})
    assert response.status_code == 403
    assert draft.images.count() == 1


@pytest.mark.parametrize("data", [
    {"language": "xx", "title": "Unknown"},
    {"language": "en", "title": ""},
    {"language": "en", "title": "t" * 201},
    {"language": "en", "title": "Bag", "questions": "\n".join(f"Q{i}?" for i in range(11))},
    {"language": "en", "title": "Bag", "description": "d" * 5001},
    {"language": "en", "title": "Bag\x00"},
    {"language": "en", "title": "Bag \u202e"},
    {"language": "en", "title": "Bag", "description": "bell\x07"},
    {"language": "en", "title": "Bag", "thank_you": "\u2066isolated\u2069"},
    {"title": "No language"},
])
def test_bad_texts_through_the_form(client, users, draft, data):
    staff_login(client, users["investigator"])
    before = snapshot(draft)
    response = client.post(f"/internal/objects/{draft.ref}/texts/", data)
    assert response.status_code == 400
    assert snapshot(draft) == before


def test_settings_form(client, users, draft, campaign):
    staff_login(client, users["investigator"])
    url = f"/internal/objects/{draft.ref}/settings/"
    for data in ({"category": "weapons", "position": 1},
                 {"category": "toys", "position": -1},
                 {"category": "toys", "position": 1, "campaign": 999_999}):
        assert client.post(url, data).status_code == 400
    assert client.post(url, {"category": "toys", "position": 3, "campaign": ""}
                       ).status_code == 302
    draft.refresh_from_db()
    assert (draft.category, draft.position, draft.campaign_id) == ("toys", 3, None)


def test_catalogue_text_is_escaped_in_the_back_office(client, users, make_object):
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    obj = make_object(publish=False, texts={"en": {"title": f"Bag {attack}",
                                                   "description": attack,
                                                   "questions": [attack]}})
    staff_login(client, users["investigator"])
    for url in (f"/internal/objects/{obj.ref}/", "/internal/objects/"):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body and 'onerror="alert(2)"' not in body


def test_private_picture_route(client, users, draft, published):
    staff_login(client, users["reviewer"])
    image = draft.images.get()
    url = f"/internal/objects/{draft.ref}/images/{image.pk}/{image.widths[0]}.jpg"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    Image.open(io.BytesIO(b"".join(response.streaming_content))).verify()
    # Drafts are never served on the public media route.
    assert client.get(f"/media/{image.folder}/{image.widths[0]}.jpg").status_code == 404
    other = published.images.get()
    for bad in (f"/internal/objects/{draft.ref}/images/{image.pk}/999.jpg",
                f"/internal/objects/{draft.ref}/images/{other.pk}/{other.widths[0]}.jpg",
                f"/internal/objects/TAO-1999-0001/images/{image.pk}/{image.widths[0]}.jpg",
                f"/internal/objects/..%2f..%2fetc/images/{image.pk}/{image.widths[0]}.jpg"):
        assert client.get(bad).status_code == 404, bad
    assert client.get("/internal/objects/not-a-ref/").status_code == 404


def test_object_list_counts_and_filter(client, users, draft, published):
    staff_login(client, users["investigator"])
    page = client.get("/internal/objects/").content.decode()
    assert "Draft <span class=\"count\">(1)</span>" in page
    assert "Published <span class=\"count\">(1)</span>" in page
    drafts = client.get("/internal/objects/?status=draft").content.decode()
    assert draft.ref in drafts and published.ref not in drafts
    assert client.get("/internal/objects/?status=bogus").status_code == 200


def test_image_move_and_remove_through_the_forms(client, users, draft, object_png):
    catalog.object_image_upload(obj=draft, user=users["investigator"], data=object_png)
    first, second = draft.images.order_by("position", "id")
    staff_login(client, users["investigator"])
    base = f"/internal/objects/{draft.ref}/images/"
    assert client.post(f"{base}{second.pk}/move/", {"offset": "7"}).status_code == 400
    assert client.post(f"{base}{second.pk}/move/", {"offset": "-1"}).status_code == 302
    assert list(draft.images.order_by("position").values_list("id", flat=True)) == [
        second.pk, first.pk]
    assert client.post(f"{base}{first.pk}/remove/").status_code == 302
    assert list(draft.images.values_list("id", flat=True)) == [second.pk]
    assert client.post(f"{base}{first.pk}/remove/").status_code == 404


# --------------------------------------------------------------------------- campaigns


def test_campaign_pages(client, users, campaign):
    staff_login(client, users["administrator"])
    bad = client.post("/internal/campaigns/new/", {"slug": "new", "name": "Reserved"})
    assert bad.status_code == 400
    taken = client.post("/internal/campaigns/new/", {"slug": campaign.slug, "name": "Again"})
    assert taken.status_code == 400 and Campaign.objects.count() == 1
    created = client.post("/internal/campaigns/new/", {"slug": "baltic", "name": "Baltic",
                                                       "description": "Coast."})
    assert created.status_code == 302 and created["Location"] == "/internal/campaigns/baltic/"
    baltic = Campaign.objects.get(slug="baltic")
    assert not baltic.is_public
    assert client.post("/internal/campaigns/baltic/", {
        "language": "pl", "name": "Bałtyk", "description": ""}).status_code == 302
    assert client.post("/internal/campaigns/baltic/", {
        "language": "en", "name": "", "description": ""}).status_code == 400
    assert client.post("/internal/campaigns/baltic/end/").status_code == 409  # not launched
    assert client.post("/internal/campaigns/baltic/launch/").status_code == 302
    assert client.post("/internal/campaigns/baltic/launch/").status_code == 409
    assert client.post("/internal/campaigns/baltic/move/", {"offset": "-1"}).status_code == 302
    assert client.post("/internal/campaigns/baltic/move/", {"offset": "x"}).status_code == 400
    assert client.post("/internal/campaigns/baltic/end/", {"ends_on": "not a date"}
                       ).status_code == 400
    assert client.post("/internal/campaigns/baltic/end/").status_code == 302
    baltic.refresh_from_db()
    assert baltic.names == {"en": "Baltic", "pl": "Bałtyk"} and baltic.ends_on is not None
    assert list(Campaign.objects.order_by("position").values_list("slug", flat=True))[0] == (
        "baltic")
    listing = client.get("/internal/campaigns/").content.decode()
    assert "Baltic" in listing and "ended" in listing
    assert client.get("/internal/campaigns/nope/").status_code == 404
    actions = set(AuditEvent.objects.filter(actor="adam").values_list("action", flat=True))
    assert {"campaign.create", "campaign.update", "campaign.launch", "campaign.reorder",
            "campaign.end"} <= actions


def test_the_django_admin_cannot_change_the_catalogue(client, published):
    from tests.conftest import make_staff

    boss = make_staff("boss", "administrator")
    boss.is_superuser = boss.is_staff = True
    boss.save()
    staff_login(client, boss)
    url = f"/internal/admin/catalog/tracedobject/{published.pk}/change/"
    assert client.get(url).status_code == 200  # view only
    assert client.post(url, {"status": "withdrawn", "ref": published.ref}).status_code == 403
    assert client.post(f"/internal/admin/catalog/tracedobject/{published.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert client.get("/internal/admin/catalog/tracedobject/add/").status_code == 403
    published.refresh_from_db()
    assert published.status == ObjectStatus.PUBLISHED
