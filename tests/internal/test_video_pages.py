"""The back office's video pages: a case's videos, the video page and its frame viewer,
"Crop from this frame", the provenance of a frame on the evidence, crop and object pages;
broken input on every path."""

from __future__ import annotations

import io
import re
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import staff_login
from tests.videogen import Scene
from traceobject.accounts.models import StaffProfile
from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.evidence import crops
from traceobject.evidence.models import Case, EvidenceImage, EvidenceVideo, VideoFrame
from traceobject.evidence.storage import evidence_delete, evidence_put, evidence_read

from ..evidence.conftest import crop_make, video_file, video_make

pytestmark = pytest.mark.django_db

SCENES = (Scene(5, 1.0), Scene(6, 1.0))  # 50 frames at 25 fps; keyframes at 0 and 25
PATH = "phone/DCIM/VID_0001.mp4"


@pytest.fixture(scope="module")
def reference() -> list[np.ndarray]:
    """The test video made once for the module, and its frames decoded from the start."""
    with av.open(str(video_file("mp4-h264", SCENES))) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture
def video(db: Any, reference: list[np.ndarray]) -> EvidenceVideo:
    case = Case.objects.create(ref="CASE-V")
    return video_make(case, PATH, "mp4-h264", SCENES)


@pytest.fixture
def inv(client: Any, users: dict[str, Any]) -> Any:
    staff_login(client, users["investigator"])
    return client


def _steps(page: str) -> dict[str, int]:
    return {name: int(n) for n, name in re.findall(r'href="\?frame=(\d+)" (?:rel="\w+" )?'
                                                   r'data-step="([\w-]+)"', page)}


def _actions(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _error(page: str) -> str:
    found = re.search(r'role="alert"><p>(.*?)</p>', page, re.S)
    return found.group(1) if found else ""


def test_the_case_page_lists_the_videos(inv, video):
    keyframes = list(video.frames.order_by("frame_number"))
    assert [k.frame_number for k in keyframes] == [0, 25]
    response = inv.get("/internal/cases/CASE-V/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Videos" in page and "1 video" in page and PATH in page
    assert "0:02.000" in page and "160 × 120" in page and "h264" in page
    for k in keyframes:
        assert f'href="/internal/videos/{video.pk}/?frame={k.frame_number}"' in page
        assert f"/internal/evidence/{k.image_id}/thumb.jpg" in page
    grid = _actions("view.evidence_grid")[-1]
    assert grid.data["images"] == [k.image_id for k in keyframes]


def test_the_video_page_shows_metadata_and_the_first_frame(inv, video):
    response = inv.get(f"/internal/videos/{video.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    for text in (video.sha256, video.md5, "mp4", "h264", "160 × 120", "0:02.000", PATH,
                 "CASE-V", "25 frames a second", "no sound"):
        assert text in page, text
    assert re.search(r"<dt>Frames</dt><dd>50</dd>", page)
    assert "Frame 0 of 0–49 · 0:00.000 of 0:01.960 · keyframe" in page
    assert f'src="/internal/videos/{video.pk}/frames/0.jpg"' in page
    assert 'name="frame" value="0"' in page and "Crop from this frame" in page
    seen = _actions("view.video")
    assert len(seen) == 1 and seen[0].target == f"video {video.pk}"
    assert seen[0].data["images"] == [k.image_id for k in video.frames.order_by("frame_number")]


def test_the_steps_go_to_the_right_frames(inv, video):
    page = inv.get(f"/internal/videos/{video.pk}/?frame=10").content.decode()
    assert "Frame 10 of 0–49 · 0:00.400" in page
    assert _steps(page) == {"previous-key": 0, "previous": 9, "next": 11, "back": 0,
                            "forward": 35, "next-key": 25}
    page = inv.get(f"/internal/videos/{video.pk}/?frame=30").content.decode()
    assert _steps(page) == {"previous-key": 25, "previous": 29, "next": 31, "back": 5,
                            "forward": 49}  # past the end: the last frame; no keyframe after 25
    first = _steps(inv.get(f"/internal/videos/{video.pk}/?frame=0").content.decode())
    assert first == {"next": 1, "forward": 25, "next-key": 25}
    last = _steps(inv.get(f"/internal/videos/{video.pk}/?frame=49").content.decode())
    assert last == {"previous-key": 25, "previous": 48, "back": 24}
    # a time shows the frame on screen at that time
    for seconds, frame in (("1", 25), ("1.5", 37), ("0.039", 0), ("1.96", 49), ("300", 49)):
        page = inv.get(f"/internal/videos/{video.pk}/?t={seconds}").content.decode()
        assert f"Frame {frame} of 0–49" in page, seconds


def test_the_frame_endpoint_sends_the_frame(inv, video, reference):
    response = inv.get(f"/internal/videos/{video.pk}/frames/30.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    picture = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), np.int16)
    assert picture.shape == (120, 160, 3)
    error = np.abs(picture - reference[30]).mean()
    assert error < 4 and np.abs(picture - reference[10]).mean() > 3 * error
    assert [e.target for e in _actions("view.video_frame")] == [f"video {video.pk} frame 30"]
    beyond = inv.get(f"/internal/videos/{video.pk}/frames/50.jpg")
    assert beyond.status_code == 400 and beyond.content.decode() == "This video has no frame 50."
    assert inv.get(f"/internal/videos/{video.pk + 99}/frames/0.jpg").status_code == 404
    assert inv.head(f"/internal/videos/{video.pk}/frames/3.jpg").status_code == 200
    assert len(_actions("view.video_frame")) == 1  # HEAD shows nothing


def test_capture_keeps_the_frame_once(inv, users, video, reference):
    images, frames = EvidenceImage.objects.count(), VideoFrame.objects.count()
    response = inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": "30"})
    frame = VideoFrame.objects.get(video=video, frame_number=30)
    assert response.status_code == 302
    assert response["Location"] == f"/internal/evidence/{frame.image_id}/"
    assert frame.kind == "captured" and frame.time == pytest.approx(1.2)
    assert EvidenceImage.objects.count() == images + 1
    assert VideoFrame.objects.count() == frames + 1
    stored = np.asarray(Image.open(io.BytesIO(evidence_read(key=frame.image.storage_key))))
    assert np.array_equal(stored, reference[30])  # lossless: the decoded pixels
    (event,) = _actions("video.frame_capture")
    assert event.actor == users["investigator"].get_username()
    assert event.target == f"evidence {frame.image_id}"
    assert event.data["frame"] == 30 and event.data["video"] == video.pk
    assert event.data["reused"] is False
    # again: the same image, nothing new but the record of the action
    again = inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": "30"})
    assert again["Location"] == response["Location"]
    assert EvidenceImage.objects.count() == images + 1
    assert VideoFrame.objects.count() == frames + 1
    assert [e.data["reused"] for e in _actions("video.frame_capture")] == [False, True]
    # a keyframe kept at ingest is reused as it is
    keyframe = VideoFrame.objects.get(video=video, frame_number=25)
    kept = inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": "25"})
    assert kept["Location"] == f"/internal/evidence/{keyframe.image_id}/"
    assert VideoFrame.objects.get(video=video, frame_number=25).kind == "keyframe"
    # the evidence page of the frame opens with the crop tool
    page = inv.get(response["Location"]).content.decode()
    assert 'id="crop-form"' in page


def test_provenance_on_the_evidence_crop_and_object_pages(client, inv, users, video):
    inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": "30"})
    frame = VideoFrame.objects.get(video=video, frame_number=30)
    sentence = f"Frame 30 at 0:01.200 of video {video.pk}"
    link = f'href="/internal/videos/{video.pk}/?frame=30"'
    page = inv.get(f"/internal/evidence/{frame.image_id}/").content.decode()
    assert sentence in page and link in page and f"CASE-V: <span class=\"mono\">{PATH}" in page
    crop = crop_make(frame.image, {"x": 10, "y": 10, "w": 100, "h": 80},
                     user=users["investigator"])
    page = inv.get(f"/internal/crops/{crop.pk}/").content.decode()
    assert sentence in page and link in page and PATH in page
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                               title="Box seen in a video")
    page = inv.get(f"/internal/objects/{obj.ref}/").content.decode()
    assert sentence in page and link in page and PATH in page and "CASE-V" in page
    # a reviewer reads it without the investigators' link
    catalog.object_submit(obj=obj, user=users["investigator"])
    staff_login(client, users["reviewer"])
    page = client.get(f"/internal/objects/{obj.ref}/").content.decode()
    # (the case, not the seized file's path: paths often carry names, as on image crops)
    assert sentence in page and link not in page and PATH not in page and "CASE-V" in page
    catalog.object_approve(obj=obj, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    client.logout()
    public = client.get(f"/en/objects/{obj.ref}/")
    assert public.status_code == 200
    text = public.content.decode()
    assert sentence not in text and PATH not in text and "CASE-V" not in text


@pytest.mark.parametrize(("blur", "grey"), [(True, True), (False, True), (False, False)])
def test_the_viewer_follows_the_welfare_settings(inv, users, video, blur, grey):
    StaffProfile.objects.update_or_create(user=users["investigator"], defaults={
        "evidence_blur": blur, "evidence_greyscale": grey})
    page = inv.get(f"/internal/videos/{video.pk}/").content.decode()
    body = re.search(r'<body class="([^"]*)"', page).group(1).split()
    assert ("ev-blur" in body) is blur and ("ev-grey" in body) is grey
    # the frame and the keyframes are inside the blurred/greyed media boxes
    assert re.search(r'<div class="ev-media video-frame">\s*<img id="video-frame"',
                     page)
    assert page.count('<div class="ev-media"><a href="/internal/videos/') == 2


@pytest.mark.parametrize(("query", "message"), [
    ("frame=-1", "A frame number is a whole number from 0."),
    ("frame=99999999999999", "A frame number is a whole number from 0."),
    ("frame=50", "This video has frames 0 to 49."),
    ("frame=1e3", "A frame number is a whole number from 0."),
    ("frame=", "A frame number is a whole number from 0."),
    ("t=abc", "A time is a number of seconds from 0."),
    ("t=nan", "A time is a number of seconds from 0."),
    ("t=-1", "A time is a number of seconds from 0."),
    ("t=inf", "A time is a number of seconds from 0."),
    ("t=1e308", "A time is a number of seconds from 0."),
])
def test_bad_addresses_get_a_clear_error(inv, video, query, message):
    response = inv.get(f"/internal/videos/{video.pk}/?{query}")
    assert response.status_code == 400
    assert _error(response.content.decode()) == message


def test_an_unknown_video_is_not_found(inv, video):
    assert inv.get(f"/internal/videos/{video.pk + 99}/").status_code == 404
    assert inv.post(f"/internal/videos/{video.pk + 99}/capture/",
                    {"frame": "1"}).status_code == 404


def _nothing_captured(before: tuple[int, int]) -> bool:
    return ((EvidenceImage.objects.count(), VideoFrame.objects.count()) == before
            and not _actions("video.frame_capture"))


@pytest.mark.parametrize("value", ["", "-1", "abc", "50", "1e3", "99999999999", "3.5", " "])
def test_a_bad_capture_changes_nothing(inv, video, value):
    before = (EvidenceImage.objects.count(), VideoFrame.objects.count())
    response = inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": value})
    assert response.status_code == 400
    error = _error(response.content.decode())
    assert error in ("A frame number is a whole number from 0.", "This video has no frame 50.")
    assert _nothing_captured(before)


def test_a_missing_video_file(inv, video):
    evidence_delete(key=video.storage_key)
    before = (EvidenceImage.objects.count(), VideoFrame.objects.count())
    response = inv.get(f"/internal/videos/{video.pk}/?frame=3")
    page = response.content.decode()
    assert response.status_code == 404
    assert _error(page) == "The stored video file is missing."
    assert video.sha256 in page and "Traceback" not in page  # the record is still shown
    assert inv.get(f"/internal/videos/{video.pk}/frames/3.jpg").status_code == 404
    response = inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": "3"})
    assert response.status_code == 404
    assert _nothing_captured(before)
    # a keyframe kept before is still an evidence image: capturing it needs no video
    assert inv.post(f"/internal/videos/{video.pk}/capture/",
                    {"frame": "25"}).status_code == 302


def test_a_corrupt_video_file(inv, video, evidence_store):
    evidence_put(key=video.storage_key, data=b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 5000)
    before = (EvidenceImage.objects.count(), VideoFrame.objects.count())
    response = inv.get(f"/internal/videos/{video.pk}/")
    assert response.status_code == 422
    page = response.content.decode()
    # FFmpeg's words (which name the store's path) are logged, not shown
    assert _error(page) == "The stored video cannot be decoded."
    assert str(evidence_store) not in page and "Invalid data" not in page
    frame = inv.get(f"/internal/videos/{video.pk}/frames/0.jpg")
    assert frame.status_code == 422
    assert frame.content.decode() == "The stored video cannot be decoded."
    response = inv.post(f"/internal/videos/{video.pk}/capture/", {"frame": "3"})
    assert response.status_code == 422
    assert _error(response.content.decode()) == "The stored video cannot be decoded."
    assert _nothing_captured(before)


def test_other_roles_cannot_capture(client, users, video):
    staff_login(client, users["reviewer"])
    before = (EvidenceImage.objects.count(), VideoFrame.objects.count())
    assert client.post(f"/internal/videos/{video.pk}/capture/",
                       {"frame": "3"}).status_code == 403
    assert client.get(f"/internal/videos/{video.pk}/frames/3.jpg").status_code == 403
    assert _nothing_captured(before)
