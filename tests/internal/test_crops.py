from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from traceobject.audit.models import AuditEvent
from traceobject.catalog.models import ObjectStatus, TracedObject
from traceobject.core.errors import ServiceError
from traceobject.evidence import crops
from traceobject.evidence.models import Crop

from ..evidence.conftest import crop_make

RECT = {"x": 100, "y": 50, "w": 400, "h": 300}


def test_crop_is_cut_redacted_reencoded_and_audited(users, evidence_image):
    crop = crops.crop_create(
        image=evidence_image, rect=RECT, user=users["investigator"],
        redactions=[{"x": 120, "y": 60, "w": 50, "h": 40, "mode": "black"}],
    )
    picture = crops.crop_pixels(crop)
    assert picture.size == (400, 300)
    pixels = np.asarray(picture)
    assert (pixels[10:50, 20:70] == 0).all(), "the black-out lies at (20, 10) in the crop"
    assert crop.gate_verdict in ("pass", "fail")
    event = AuditEvent.objects.get(action="crop.create")
    assert event.actor == "ivy" and event.data["rect"] == [100, 50, 400, 300]


def test_blur_destroys_detail(users, evidence_image):
    crop = crops.crop_create(image=evidence_image, rect=RECT, user=users["investigator"],
                             redactions=[{"x": 100, "y": 50, "w": 200, "h": 150,
                                          "mode": "blur"}])
    region = np.asarray(crops.crop_pixels(crop))[:150, :200].astype(float)
    assert np.abs(np.diff(region, axis=1)).mean() < 3.0


def test_crop_file_carries_no_metadata(users, evidence_image):
    from django.core.files.storage import storages

    crop = crops.crop_create(image=evidence_image, rect=RECT, user=users["investigator"])
    raw = storages["evidence"].open(crop.storage_key).read()
    image = Image.open(io.BytesIO(raw))
    assert not image.info.get("exif") and not image.info.get("icc_profile")
    assert "xmp" not in image.info and "comment" not in image.info
    assert not image.getexif()


def test_large_crops_are_limited_to_1600_pixels(users, tmp_path, db):
    from traceobject.evidence.ingest import ingest
    from traceobject.evidence.models import EvidenceImage

    from ..evidence.conftest import write_jpeg

    write_jpeg(tmp_path / "big" / "big.jpg", seed=3, size=(3000, 2000))
    ingest([tmp_path / "big"], case_ref="BIG")
    image = EvidenceImage.objects.get(width=3000)
    crop = crops.crop_create(image=image, rect={"x": 0, "y": 0, "w": 3000, "h": 2000},
                             user=users["investigator"])
    assert (crop.width, crop.height) == (1600, 1067)


@pytest.mark.parametrize("rect,redactions", [
    ({"x": 800, "y": 0, "w": 200, "h": 100}, []),           # outside on the right
    ({"x": 0, "y": 0, "w": 10, "h": 10}, []),               # too small
    ({"x": -1, "y": 0, "w": 100, "h": 100}, []),            # negative
    ({"x": "a", "y": 0, "w": 100, "h": 100}, []),           # not a number
    ({"x": True, "y": 0, "w": 100, "h": 100}, []),          # a boolean
    ({"x": 0, "y": 0}, []),                                  # missing sides
    (RECT, [{"x": 0, "y": 0, "w": 10, "h": 10, "mode": "paint"}]),
    (RECT, [{"x": 0, "y": 0, "w": 10_000, "h": 10, "mode": "black"}]),
    (RECT, [{"x": 0, "y": 0, "w": 5, "h": 5, "mode": "black"}] * 101),
])
def test_bad_crops_are_refused_and_change_nothing(users, evidence_image, rect, redactions):
    with pytest.raises(ServiceError):
        crops.crop_create(image=evidence_image, rect=rect, redactions=redactions,
                          user=users["investigator"])
    assert Crop.objects.count() == 0 and not AuditEvent.objects.exists()


def test_only_investigators_crop(users, evidence_image):
    for role in ("reviewer", "liaison", "outsider"):
        with pytest.raises(ServiceError):
            crops.crop_create(image=evidence_image, rect=RECT, user=users[role])


def _failed_crop(users, evidence_image) -> Crop:
    return crop_make(evidence_image, RECT, user=users["investigator"],
                     verdict=Crop.Verdict.FAIL,
                     findings=[{"kind": "face", "score": 0.9, "box": [1, 2, 30, 30],
                                "detail": ""}])


def test_failed_crop_cannot_become_an_object(users, evidence_image):
    crop = _failed_crop(users, evidence_image)
    with pytest.raises(ServiceError) as info:
        crops.crop_to_object(crop=crop, user=users["investigator"], category="toys",
                             title="Toy car")
    assert info.value.code == "gate_failed"
    assert not TracedObject.objects.exists()


def test_override_needs_a_reviewer_other_than_the_author_and_a_reason(users, evidence_image):
    crop = _failed_crop(users, evidence_image)
    reason = "The face is printed on the packaging of a toy, it is a drawing."
    with pytest.raises(ServiceError):
        crops.crop_override(crop=crop, user=users["investigator2"], reason=reason)
    with pytest.raises(ServiceError):
        crops.crop_override(crop=crop, user=users["reviewer"], reason="ok")
    users["investigator"].groups.add(users["reviewer"].groups.get())
    from traceobject.accounts.roles import user_roles

    author = type(users["investigator"]).objects.get(pk=users["investigator"].pk)
    assert "reviewer" in user_roles(author)
    with pytest.raises(ServiceError) as info:
        crops.crop_override(crop=crop, user=author, reason=reason)
    assert info.value.code == "four_eyes"
    crops.crop_override(crop=crop, user=users["reviewer"], reason=reason)
    assert AuditEvent.objects.filter(action="crop.gate_override", actor="rita").exists()
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="toys",
                               title="Toy car", questions=["Where is it sold?", " "])
    assert obj.status == ObjectStatus.DRAFT
    assert obj.images.count() == 1 and obj.texts.get().questions == ["Where is it sold?"]


def test_passing_crop_becomes_a_draft_once(users, evidence_image):
    crop = crop_make(evidence_image, RECT, user=users["investigator"], verdict=Crop.Verdict.PASS)
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                               title="Carton")
    assert obj.ref.startswith("TAO-")
    with pytest.raises(ServiceError):
        crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                             title="Carton")


def test_public_side_never_shows_evidence_fields(users, evidence_image, client):
    from traceobject.catalog.services import REVIEW_CHECK_NAMES, object_approve, object_submit

    crop = crop_make(evidence_image, RECT, user=users["investigator"], verdict=Crop.Verdict.PASS)
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                               title="Carton")
    object_submit(obj=obj, user=users["investigator"])
    object_approve(obj=obj, user=users["reviewer"], checklist=REVIEW_CHECK_NAMES,
                   english_fallback=True)
    secrets = [evidence_image.sha256, evidence_image.md5, evidence_image.pdq, "CASE-9",
               "IMG_0001", evidence_image.storage_key]
    pages = [client.get(f"/api/v1/objects/{obj.ref}"), client.get("/api/v1/objects"),
             client.get(f"/en/objects/{obj.ref}/"), client.get("/en/")]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body
    image_url = client.get(f"/api/v1/objects/{obj.ref}").json()["image"]
    published = Image.open(io.BytesIO(b"".join(client.get(image_url).streaming_content)))
    assert not published.info.get("exif") and not published.getexif()


@pytest.mark.parametrize(("reason", "shown"), [
    ("The face is printed on a toy.\x07 It is a drawing.", "This contains control characters."),
    ("The face is printed on a toy \u202e it is a drawing.",
     "This contains invisible characters that are not allowed."),
])
def test_an_override_reason_with_hostile_characters_is_refused(client, users, evidence_image,
                                                                reason, shown):
    from tests.conftest import staff_login

    crop = _failed_crop(users, evidence_image)
    with pytest.raises(ServiceError) as info:
        crops.crop_override(crop=crop, user=users["reviewer"], reason=reason)
    assert info.value.code == "reason_required" and info.value.fields == {"reason": shown}
    staff_login(client, users["reviewer"])
    response = client.post(f"/internal/crops/{crop.pk}/override/", {"reason": reason})
    assert response.status_code == 400 and shown in response.content.decode()
    crop.refresh_from_db()
    assert crop.override_by is None and crop.override_reason == ""
    assert not AuditEvent.objects.filter(action="crop.gate_override").exists()


def test_a_crop_title_with_hostile_characters_makes_no_object(users, evidence_image):
    crop = crop_make(evidence_image, RECT, user=users["investigator"], verdict=Crop.Verdict.PASS)
    for title, code in (("Toy\u202e car", "invalid_object"), ("Toy car\n2", "invalid_object"),
                        ("x" * 201, "invalid_object")):
        with pytest.raises(ServiceError) as info:
            crops.crop_to_object(crop=crop, user=users["investigator"], category="toys",
                                 title=title)
        assert info.value.code == code and set(info.value.fields) == {"title"}
    with pytest.raises(ServiceError) as info:  # the catalogue cleans the rest
        crops.crop_to_object(crop=crop, user=users["investigator"], category="toys",
                             title="Toy car", description="bell\x07")
    assert info.value.fields == {"description": "This contains control characters."}
    assert not TracedObject.objects.exists()
