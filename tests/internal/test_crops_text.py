"""Identifying text in crops: found when the crop is made, shown on the crop and review
pages, and publication refused until it is blacked out or a reviewer overrides in writing.

The evidence picture is drawn: a parcel with an address label (DejaVu font). Two crops run
the real crop workflow (gate and OCR); the rest reuse stored crops (``crop_make``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.catalog import staff_selectors
from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.evidence import crops
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import Crop, EvidenceImage
from traceobject.evidence.storage import evidence_read
from traceobject.vision.idtext import identifying_text

from ..evidence.conftest import crop_make

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
RECT = {"x": 150, "y": 100, "w": 600, "h": 400}
LABEL = (260, 230, 640, 380)  # the address label, in the evidence picture's pixels
REASON = "The address is the shop's, printed on every parcel of this courier."


@pytest.fixture
def parcel(db, tmp_path: Path) -> EvidenceImage:
    picture = Image.new("RGB", (900, 600), (120, 110, 100))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((150, 100, 750, 500), fill=(176, 132, 84))  # cardboard
    draw.rectangle(LABEL, fill=(250, 250, 245))
    font = ImageFont.truetype(FONT, 30)
    for n, line in enumerate(("Marie Dubois", "Rue des Lilas 12", "75011 Paris")):
        draw.text((LABEL[0] + 20, LABEL[1] + 12 + 46 * n), line, font=font, fill=(20, 20, 20))
    folder = tmp_path / "seized"
    folder.mkdir()
    picture.save(folder / "parcel.png")
    ingest([folder], case_ref="CASE-TEXT")
    return EvidenceImage.objects.get()


@pytest.fixture
def made(users, parcel) -> Crop:
    """A crop through the real workflow: the gate and the text reader run."""
    return crops.crop_create(image=parcel, rect=RECT, user=users["investigator"])


def _open_copy(users, source: Crop | EvidenceImage) -> Crop:
    """A crop of the parcel with the findings the workflow gives it (``made``), or, for a
    picture, with the address line's finding as ``identifying_text`` reports it (tests of
    what follows a finding need not pay for the gate and the reader again)."""
    if isinstance(source, Crop):
        return crop_make(source.image, RECT, user=users["investigator"],
                         verdict=source.gate_verdict, findings=source.gate_findings,
                         text_findings=source.text_findings)
    found = [{"kind": "identifying_text", "what": "address", "text": "Rue des Lilas 12",
              "matched": "Rue des Lilas 12", "score": 0.99, "box": [128, 184, 246, 36],
              "detail": "address: street and house number"},
             {"kind": "identifying_text", "what": "name", "text": "Marie Dubois",
              "matched": "Marie Dubois", "score": 0.99, "box": [128, 140, 200, 36],
              "detail": "name: person's name"}]
    return crop_make(source, RECT, user=users["investigator"], text_findings=found)


def test_an_address_in_a_crop_is_found_and_blocks_the_object(users, made):
    whats = {f["what"] for f in made.text_findings}
    assert "address" in whats and "name" in whats
    address = next(f for f in made.text_findings if f["text"] == "Rue des Lilas 12")
    x, y, w, h = address["box"]  # in the crop's pixels: the label starts at (110, 130)
    assert 110 <= x <= 160 and 160 <= y <= 200 and w > 150 and h > 15
    assert address["kind"] == "identifying_text"
    assert made.gate_verdict == "pass"  # the person verdict is left as it is
    assert not made.may_be_published
    event = AuditEvent.objects.get(action="crop.create")
    assert "address" in event.data["identifying_text"]
    with pytest.raises(ServiceError) as info:
        crops.crop_to_object(crop=made, user=users["investigator"], category="other",
                             title="Parcel")
    assert info.value.code == "identifying_text"
    assert not TracedObject.objects.exists()


def test_blacking_out_every_finding_lets_the_crop_through(users, made,
                                                         django_capture_on_commit_callbacks):
    before = made.storage_key
    for n in range(1, len(made.text_findings) + 1):
        with django_capture_on_commit_callbacks(execute=True):
            crops.crop_text_redact(crop=made, user=users["investigator"], finding=n)
    made.refresh_from_db()
    assert made.storage_key != before and not made.text_open and made.may_be_published
    with pytest.raises(FileNotFoundError):  # the picture with the text readable is gone
        evidence_read(key=before)
    pixels = np.asarray(crops.crop_pixels(made))
    for finding in made.text_findings:
        x, y, w, h = finding["box"]
        assert (pixels[y:y + h, x:x + w] == 0).all()
    assert identifying_text(pixels) == []  # nothing left to read
    # recorded with the crop's other redactions, in the evidence picture's pixels
    assert len(made.redactions) == len(made.text_findings)
    first = made.redactions[0]
    assert RECT["x"] <= first["x"] and first["x"] + first["w"] <= RECT["x"] + RECT["w"]
    assert AuditEvent.objects.filter(action="crop.text_redact").count() == len(
        made.text_findings)
    obj = crops.crop_to_object(crop=made, user=users["investigator"], category="other",
                               title="Parcel")
    assert staff_selectors.object_problems(obj=obj) == []
    with pytest.raises(ServiceError) as info:  # an object's crop is not changed any more
        crops.crop_text_redact(crop=made, user=users["investigator"], finding=1)
    assert info.value.code == "invalid_state"


def test_a_redaction_made_with_the_crop_hides_the_text(users, parcel):
    label = {"x": LABEL[0], "y": LABEL[1], "w": LABEL[2] - LABEL[0], "h": LABEL[3] - LABEL[1],
             "mode": "black"}
    crop = crops.crop_create(image=parcel, rect=RECT, redactions=[label],
                             user=users["investigator"])
    assert crop.text_findings == [] and crop.may_be_published == (crop.gate_verdict == "pass")


def test_a_reviewer_override_in_writing_lets_it_through_and_is_audited(users, parcel):
    crop = _open_copy(users, parcel)
    assert not crop.may_be_published
    with pytest.raises(ServiceError):  # not a reviewer
        crops.crop_override(crop=crop, user=users["investigator2"], reason=REASON)
    with pytest.raises(ServiceError):  # no reason worth the name
        crops.crop_override(crop=crop, user=users["reviewer"], reason="fine")
    crop.refresh_from_db()
    assert not crop.may_be_published
    crops.crop_override(crop=crop, user=users["reviewer"], reason=REASON)
    crop.refresh_from_db()
    assert crop.may_be_published
    event = AuditEvent.objects.get(action="crop.gate_override")
    assert event.actor == users["reviewer"].get_username()
    assert {f["what"] for f in event.data["identifying_text"]} >= {"address", "name"}
    # what and where, never the words read from the evidence (the log is kept for good)
    assert "Lilas" not in json.dumps(event.data)
    assert all(set(f) <= {"what", "box", "score"} for f in event.data["identifying_text"])
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="other",
                               title="Parcel")
    assert staff_selectors.object_problems(obj=obj) == []


def test_the_review_page_shows_the_findings(client, users, parcel):
    from traceobject.catalog import services as catalog

    crop = _open_copy(users, parcel)
    crops.crop_override(crop=crop, user=users["reviewer"], reason=REASON)
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="other",
                               title="Parcel")
    catalog.object_submit(obj=obj, user=users["investigator"])
    staff_login(client, users["reviewer"])
    page = client.get(reverse("internal:review-queue")).content.decode()
    assert "Text that may identify someone" in page and "Rue des Lilas 12" in page
    assert reverse("internal:crop-image", kwargs={"pk": crop.pk, "kind": "annotated"}) in page


def test_a_crop_with_nothing_to_override_is_refused(users, parcel):
    clean = crop_make(parcel, RECT, user=users["investigator"])
    with pytest.raises(ServiceError) as info:
        crops.crop_override(crop=clean, user=users["reviewer"], reason=REASON)
    assert info.value.code == "invalid_state"


@pytest.mark.parametrize("value", ["", "abc", "0", "-1", "99999", "1e3", "1.5", "1" * 5000,
                                   "1\x00", "٣"])
def test_bad_redaction_requests_change_nothing(client, users, parcel, value):
    crop = _open_copy(users, parcel)
    staff_login(client, users["investigator"])
    url = reverse("internal:crop-text-redact", kwargs={"pk": crop.pk})
    response = client.post(url, {"finding": value})
    assert response.status_code == 400
    fresh = Crop.objects.get(pk=crop.pk)
    assert fresh.storage_key == crop.storage_key and fresh.text_findings == crop.text_findings
    assert not AuditEvent.objects.filter(action="crop.text_redact").exists()
    assert client.post(url, {}).status_code == 400


def test_the_pages_show_each_finding_on_the_picture(client, users, parcel):
    crop = _open_copy(users, parcel)
    staff_login(client, users["investigator"])
    page = client.get(reverse("internal:crop", kwargs={"pk": crop.pk})).content.decode()
    assert "Rue des Lilas 12" in page and "Black out finding 1" in page
    assert "<strong>Address</strong>" in page  # the kind by its name, not its code
    assert "Text that may identify someone" in page
    annotated = client.get(reverse("internal:crop-image",
                                   kwargs={"pk": crop.pk, "kind": "annotated"}))
    plain = client.get(reverse("internal:crop-image", kwargs={"pk": crop.pk, "kind": "plain"}))
    import io

    drawn = np.asarray(Image.open(io.BytesIO(annotated.content)).convert("RGB")).astype(int)
    bare = np.asarray(Image.open(io.BytesIO(plain.content)).convert("RGB")).astype(int)
    x, y, w, h = next(f["box"] for f in crop.text_findings if f["what"] == "address")
    outline = drawn[y:y + h + 1, x:x + 3]  # the left edge of the box, drawn in orange
    assert (np.abs(outline - [255, 140, 0]).sum(axis=2) < 30).mean() > 0.5
    assert (np.abs(bare[y:y + h + 1, x:x + 3] - [255, 140, 0]).sum(axis=2) < 30).mean() < 0.1

    response = client.post(reverse("internal:crop-text-redact", kwargs={"pk": crop.pk}),
                           {"finding": "1"})
    assert response.status_code == 302
    assert Crop.objects.get(pk=crop.pk).text_findings[0]["redacted"] is True
    page = client.get(reverse("internal:crop", kwargs={"pk": crop.pk})).content.decode()
    assert "Black out finding 1" not in page
