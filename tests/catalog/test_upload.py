"""Uploading pictures of an object: safe decoding, the safety gate, and the review rule."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.catalog.models import ObjectImage, ObjectReview, ObjectStatus
from traceobject.core.errors import ServiceError

from ..evidence.conftest import _png_chunk, drawn_image
from .conftest import encoded
from .support import make_reviewer_too, snapshot

pytestmark = pytest.mark.django_db


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() \
        else set()


def _bomb() -> bytes:
    """A tiny PNG that declares 60,000 x 60,000 pixels."""
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4000)) + _png_chunk(b"IEND", b""))


def _polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "hidden")
    return encoded(drawn_image(3), "JPEG") + archive.getvalue()


def test_a_good_picture_is_reencoded_without_metadata(draft, users, media_root):
    picture = drawn_image(5, (2400, 1800))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x0131] = "case-4711 workstation"  # software
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"CASE-4711")
    image = catalog.object_image_upload(obj=draft, user=users["investigator"],
                                        data=buffer.getvalue(), filename="IMG_1.jpg")
    assert (image.width, image.height) == (1600, 1200)  # the published size at most
    assert image.origin == "upload" and image.added_by == users["investigator"]
    assert image.position == 1  # after the draft's first picture
    stored = (media_root / image.folder / "1600.jpg").read_bytes()
    assert b"SecretCam" not in stored and b"CASE-4711" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    event = AuditEvent.objects.get(action="object.image_upload")
    assert event.data["gate"] == "pass" and event.target == draft.ref
    draft.refresh_from_db()
    assert draft.status == ObjectStatus.DRAFT


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("empty.jpg", b"", "empty"),
    ("notes.txt", b"These are my notes, not a picture.\n" * 20, "not_an_image"),
    ("notes.jpg", b"This text file only pretends to be a JPEG.\n" * 20, "not_an_image"),
    ("bomb.png", _bomb(), "decompression_bomb"),
    ("truncated.jpg", encoded(drawn_image(4), "JPEG")[:2000], "truncated"),
    ("both.jpg", _polyglot(), "polyglot"),
    ("page.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "unsupported_format"),
    ("tiny.png", encoded(Image.new("RGB", (8, 8), (10, 20, 30))), "too small"),
])
def test_bad_files_are_refused_and_change_nothing(draft, users, media_root, name, data,
                                                  reason):
    before, files = snapshot(draft), _files(media_root)
    with pytest.raises(ServiceError) as info:
        catalog.object_image_upload(obj=draft, user=users["investigator"], data=data,
                                    filename=name)
    assert info.value.code == "invalid_image"
    assert reason in info.value.message or info.value.fields.get("image") == reason
    assert snapshot(draft) == before and _files(media_root) == files


def test_a_huge_file_is_refused_before_decoding(draft, users, media_root, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a file over the limit must not be decoded")

    monkeypatch.setattr("traceobject.vision.decode.decode_image", never)
    data = b"\xff\xd8\xff\xe0" + b"\x00" * (catalog.MAX_UPLOAD_BYTES + 1)
    before, files = snapshot(draft), _files(media_root)
    with pytest.raises(ServiceError) as info:
        catalog.object_image_upload(obj=draft, user=users["investigator"], data=data)
    assert info.value.code == "too_large" and info.value.status == 413
    assert snapshot(draft) == before and _files(media_root) == files


def test_a_picture_of_a_person_is_refused_by_the_gate(draft, users, media_root):
    from skimage import data as samples

    before, files = snapshot(draft), _files(media_root)
    astronaut = encoded(Image.fromarray(samples.astronaut()), "JPEG")
    with pytest.raises(catalog.GateRefused) as info:
        catalog.object_image_upload(obj=draft, user=users["investigator"], data=astronaut,
                                    filename="astronaut.jpg")
    assert info.value.code == "gate_failed"
    assert "face" in {f["kind"] for f in info.value.findings}
    assert snapshot(draft) == before and _files(media_root) == files


def test_when_the_gate_cannot_run_the_upload_is_refused(draft, users, object_png,
                                                        monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model file missing")

    monkeypatch.setattr("traceobject.vision.gate.gate_check", broken)
    with pytest.raises(catalog.GateRefused) as info:
        catalog.object_image_upload(obj=draft, user=users["investigator"], data=object_png)
    assert info.value.findings[0]["kind"] == "error"
    assert draft.images.count() == 1


def test_upload_refusals_by_role_state_and_count(draft, published, users, object_png,
                                                 make_object):
    for role in ("reviewer", "administrator", "liaison", "auditor", "outsider"):
        with pytest.raises(ServiceError) as info:
            catalog.object_image_upload(obj=draft, user=users[role], data=object_png)
        assert info.value.status == 403
    identified = make_object(identified="PL")
    before = snapshot(identified)
    with pytest.raises(ServiceError) as info:
        catalog.object_image_upload(obj=identified, user=users["investigator"],
                                    data=object_png)
    assert info.value.code == "invalid_state" and snapshot(identified) == before
    for index in range(catalog.MAX_IMAGES - 1):
        catalog.object_image_add(obj=draft, image=drawn_image(index, (64, 48)))
    with pytest.raises(ServiceError) as info:
        catalog.object_image_upload(obj=draft, user=users["investigator"], data=object_png)
    assert info.value.code == "too_many"


def test_new_pictures_send_a_published_object_back_to_review(published, users, object_png,
                                                             client):
    assert client.get(f"/en/objects/{published.ref}/").status_code == 200
    catalog.object_image_upload(obj=published, user=users["investigator"], data=object_png)
    assert published.status == ObjectStatus.IN_REVIEW
    assert published.submitted_by == users["investigator"] and published.approved_by is None
    assert client.get(f"/en/objects/{published.ref}/").status_code == 404
    old = published.images.order_by("position").first()
    assert client.get(f"/media/{old.folder}/{old.widths[0]}.jpg").status_code == 404
    review = ObjectReview.objects.filter(object=published, action="images").get()
    assert "back to review" in review.comment
    assert AuditEvent.objects.get(action="object.image_upload").data["back_to_review"]
    # The one who changed the pictures cannot approve them, a second person can.
    changer = make_reviewer_too(users["investigator"])
    with pytest.raises(ServiceError) as info:
        catalog.object_approve(obj=published, user=changer)
    assert info.value.code == "four_eyes"
    catalog.object_approve(obj=published, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    assert client.get(f"/en/objects/{published.ref}/").status_code == 200


def test_changing_pictures_in_review_restarts_the_review(in_review, users, object_png):
    catalog.object_image_upload(obj=in_review, user=users["investigator2"], data=object_png)
    assert in_review.status == ObjectStatus.IN_REVIEW
    assert in_review.submitted_by == users["investigator2"]
    uploader = make_reviewer_too(users["investigator2"])
    with pytest.raises(ServiceError) as info:
        catalog.object_approve(obj=in_review, user=uploader)
    assert info.value.code == "four_eyes"


def test_removing_a_picture(published, users, media_root, django_capture_on_commit_callbacks):
    image = published.images.get()
    folder = media_root / image.folder
    assert folder.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        catalog.object_image_remove(obj=published, user=users["investigator"], image=image)
    assert not ObjectImage.objects.filter(pk=image.pk).exists()
    assert not any(folder.iterdir())
    assert published.status == ObjectStatus.IN_REVIEW  # off the public site
    with pytest.raises(ServiceError) as info:
        catalog.object_approve(obj=published, user=users["reviewer"],
                               checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    assert info.value.code == "not_ready"  # no picture left


def test_a_picture_of_another_object_cannot_be_removed(draft, published, users):
    other = published.images.get()
    before = snapshot(draft), snapshot(published)
    with pytest.raises(ServiceError) as info:
        catalog.object_image_remove(obj=draft, user=users["investigator"], image=other)
    assert info.value.status == 404
    assert (snapshot(draft), snapshot(published)) == before
