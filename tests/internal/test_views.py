from __future__ import annotations

import pytest

from tests.conftest import staff_login
from traceobject.evidence.models import Crop

from ..evidence.conftest import crop_make

ROLE_NAMES = ["anonymous", "outsider", "liaison", "auditor", "reviewer", "investigator"]


@pytest.fixture
def crop(users, evidence_image) -> Crop:
    """A crop that passed the gate (the gate's run: test_crop_through_the_form_and_bad_input)."""
    return crop_make(evidence_image, {"x": 10, "y": 10, "w": 300, "h": 200},
                     user=users["investigator"])


def _urls(evidence_image, crop) -> dict[str, set[str]]:
    """URL -> roles allowed to GET it."""
    inv = {"investigator"}
    both = {"investigator", "reviewer"}
    pk = evidence_image.pk
    return {
        "/internal/": {"liaison", "auditor", "reviewer", "investigator"},  # start page
        "/internal/cases/": inv,
        "/internal/cases/CASE-9/": inv,
        f"/internal/evidence/{pk}/": inv,
        f"/internal/evidence/{pk}/thumb.jpg": inv,
        f"/internal/evidence/{pk}/display.jpg": inv,
        f"/internal/crops/{crop.pk}/": both,
        f"/internal/crops/{crop.pk}/plain.png": both,
        f"/internal/crops/{crop.pk}/annotated.png": both,
    }


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_internal_url_against_every_role(client, users, evidence_image, crop, role):
    if role != "anonymous":
        staff_login(client, users[role])
    for url, allowed in _urls(evidence_image, crop).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"], url
        elif role in allowed:
            assert response.status_code == 200, (url, role)
            if url.endswith((".jpg", ".png")):
                assert "no-store" in response["Cache-Control"]
        else:
            assert response.status_code == 403, (url, role)


def test_evidence_is_not_reachable_from_the_public_media_route(client, evidence_image):
    for path in (evidence_image.storage_key, evidence_image.thumb_key,
                 f"../evidence/{evidence_image.storage_key}"):
        assert client.get(f"/media/{path}").status_code == 404


def test_crop_through_the_form_and_bad_input(client, users, evidence_image):
    staff_login(client, users["investigator"])
    url = f"/internal/evidence/{evidence_image.pk}/crop/"
    bad = client.post(url, {"x": 0, "y": 0, "w": 5000, "h": 10, "redactions": "[]"})
    assert bad.status_code == 400 and Crop.objects.count() == 0
    assert client.post(url, {"x": 0, "y": 0, "w": 100, "h": 100,
                             "redactions": "{not json"}).status_code == 400
    good = client.post(url, {"x": 0, "y": 0, "w": 300, "h": 300, "redactions":
                             '[{"x": 5, "y": 5, "w": 50, "h": 50, "mode": "blur"}]'})
    assert good.status_code == 302
    crop = Crop.objects.get()
    assert crop.redactions == [{"x": 5, "y": 5, "w": 50, "h": 50, "mode": "blur"}]
    page = client.get(good["Location"])
    assert b"Safety gate" in page.content


def test_reviewer_override_through_the_form(client, users, crop):
    crop.gate_verdict = Crop.Verdict.FAIL
    crop.save()
    staff_login(client, users["reviewer"])
    url = f"/internal/crops/{crop.pk}/override/"
    assert client.post(url, {"reason": "short"}).status_code == 400
    response = client.post(url, {"reason": "A drawn face on a cereal box, not a person."})
    assert response.status_code == 302
    crop.refresh_from_db()
    assert crop.override_by == users["reviewer"]
    staff_login(client, users["investigator"])
    made = client.post(f"/internal/crops/{crop.pk}/object/",
                       {"title": "Cereal box", "category": "packaging", "questions": "Brand?"})
    assert made.status_code == 302
    crop.refresh_from_db()
    assert crop.traced_object is not None and crop.traced_object.status == "draft"
