"""Videos as investigators meet them in the back office: a keyframe kept at ingest and the
frame captured in the viewer at the same frame number are one evidence image, upright and
with square pixels, at one time; the evidence page of a still lists the videos holding it;
a video's page lists its other copies and the evidence images like its frames."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import staff_login
from tests.videogen import Scene, make_video, scene_frames
from traceobject.audit.models import AuditEvent
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceFile, EvidenceImage, EvidenceVideoFile, VideoFrame
from traceobject.evidence.storage import evidence_read

pytestmark = pytest.mark.django_db(transaction=True)

FPS = 25
SCENES = (Scene(51, 2.0), Scene(52, 2.0))  # keyframes at frames 0 and 50
ORIGINAL = (Scene(11, 2.0), Scene(12, 2.0), Scene(13, 2.0))
STILL_FRAME = 75  # vPDQ samples frame 75 (3 s): the still is that frame


def _phone(path: Path) -> Path:
    """A phone video: a 160x120 picture with a display matrix turning it a quarter turn
    (counter-clockwise) to stand upright, a red mark in the picture's top-left corner."""
    frames = [f for s in SCENES for f in scene_frames(s, width=160, height=120, fps=FPS)]
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.set_display_rotation(90)
        for array in frames:
            array[:16, :16] = (255, 0, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("links")
    for name in ("phone", "qcif", "first", "second", "stills"):
        (root / name).mkdir()
    _phone(root / "phone" / "VID_0001.mp4")
    make_video(root / "qcif" / "clip.3gp", fmt="3gp-h263", scenes=SCENES, width=176,
               height=144, fps=FPS)
    frames = [f for s in ORIGINAL for f in scene_frames(s, width=240, height=180, fps=FPS)]
    make_video(root / "first" / "original.mp4", frames=frames, width=240, height=180, fps=FPS)
    small = [np.asarray(Image.fromarray(f).resize((160, 120), Image.Resampling.BILINEAR))
             for f in frames]
    make_video(root / "second" / "copy_small.mp4", frames=small, width=160, height=120,
               fps=FPS)
    make_video(root / "second" / "unrelated.mp4", width=240, height=180, fps=FPS,
               scenes=[Scene(71, 2.0), Scene(72, 2.0), Scene(73, 2.0)])
    with av.open(str(root / "first" / "original.mp4")) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number == STILL_FRAME:
                Image.fromarray(frame.to_ndarray(format="rgb24")).save(
                    root / "stills" / "still.jpg", "JPEG", quality=90)
                break
    return {name: root / name for name in ("phone", "qcif", "first", "second", "stills")}


@pytest.fixture
def inv(client: Any, users: dict[str, Any]) -> Any:
    staff_login(client, users["investigator"])
    return client


def _video_at(path_end: str) -> Any:
    return EvidenceVideoFile.objects.get(path__endswith=path_end).video


@pytest.mark.parametrize(("folder", "name", "shown"), [
    ("phone", "VID_0001.mp4", (120, 160)),  # stored 160x120, turned upright
    ("qcif", "clip.3gp", (192, 144)),  # 176x144 with 12/11 pixels
])
def test_a_keyframe_and_the_frame_captured_at_its_number_are_one_image(
        inv, clips, folder, name, shown):
    summary = ingest([clips[folder]], case_ref="ROT-1")
    assert summary.videos == 1 and summary.keyframes == 2
    video = _video_at(name)
    keyframes = list(video.frames.order_by("frame_number"))
    assert [(k.frame_number, k.time, k.kind) for k in keyframes] == [
        (0, 0.0, "keyframe"), (50, 2.0, "keyframe")]
    for keyframe in keyframes:
        image = keyframe.image
        assert (image.width, image.height) == shown
        # the viewer shows the same time for that frame number
        page = inv.get(f"/internal/videos/{video.pk}/?frame={keyframe.frame_number}")
        assert (f"Frame {keyframe.frame_number} of 0–99 · 0:0{int(keyframe.time)}.000"
                in page.content.decode())
        # the keyframe row forgotten (its picture kept): the capture makes the same picture
        keyframe.delete()
        response = inv.post(f"/internal/videos/{video.pk}/capture/",
                            {"frame": str(keyframe.frame_number)})
        assert response.status_code == 302
        assert response["Location"] == f"/internal/evidence/{image.pk}/"
        captured = VideoFrame.objects.get(video=video, frame_number=keyframe.frame_number)
        assert (captured.image_id, captured.kind) == (image.pk, "captured")
        assert captured.time == keyframe.time
        assert EvidenceImage.objects.filter(sha256=image.sha256).count() == 1
    if folder == "phone":
        picture = np.asarray(Image.open(io.BytesIO(evidence_read(key=image.storage_key))))
        # upright: the picture's top-left corner is shown at the bottom-left
        assert np.abs(picture[-12:, :12].mean(axis=(0, 1)) - (255, 0, 0)).max() < 40
        assert np.abs(picture[:12, :12].mean(axis=(0, 1)) - (255, 0, 0)).max() > 40


def _ingest_all(clips: dict[str, Path]) -> dict[str, Any]:
    ingest([clips["first"]], case_ref="LINK-1")
    ingest([clips["second"]], case_ref="LINK-2")
    ingest([clips["stills"]], case_ref="LINK-3")
    return {"original": _video_at("original.mp4"), "copy": _video_at("copy_small.mp4"),
            "unrelated": _video_at("unrelated.mp4"),
            "still": EvidenceFile.objects.get(path__endswith="still.jpg").image}


def _last_view(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


def test_the_page_of_a_still_lists_the_videos_holding_it(inv, clips):
    found = _ingest_all(clips)
    still, original = found["still"], found["original"]
    page = inv.get(f"/internal/evidence/{still.pk}/").content.decode()
    section = page.split("Videos holding this picture", 1)[1]
    link = f'href="/internal/videos/{original.pk}/?frame={STILL_FRAME}"'
    assert link in section
    assert f"Video {original.pk} at 0:03.000" in section
    assert f'href="/internal/videos/{found["copy"].pk}/?frame={STILL_FRAME}"' in section
    assert f"/internal/videos/{found['unrelated'].pk}/" not in section
    # the keyframe shown for the original: the last at or before frame 75 (frame 50)
    shown = VideoFrame.objects.get(video=original, frame_number=50)
    assert f"/internal/evidence/{shown.image_id}/thumb.jpg" in section
    assert shown.image_id in _last_view("view.evidence").data["images"]
    # and the link opens the viewer at that frame, whose time is the one listed
    viewer = inv.get(f"/internal/videos/{original.pk}/?frame={STILL_FRAME}").content.decode()
    assert f"Frame {STILL_FRAME} of 0–149 · 0:03.000" in viewer


def test_a_video_page_lists_its_copies_and_images_like_its_frames(inv, clips):
    found = _ingest_all(clips)
    original, copy, unrelated = found["original"], found["copy"], found["unrelated"]
    page = inv.get(f"/internal/videos/{original.pk}/").content.decode()
    copies = page.split("Other copies of this video", 1)[1].split(
        "Evidence images like its frames", 1)[0]
    assert f'href="/internal/videos/{copy.pk}/"' in copies
    assert f'href="/internal/videos/{unrelated.pk}/"' not in copies
    assert f'href="/internal/videos/{original.pk}/"' not in copies  # not itself
    percents = re.findall(r"([\d.]+) % of this video’s frames are in it, ([\d.]+) % of its",
                          copies)
    assert len(percents) == 1 and all(float(p) >= 80 for p in percents[0])
    assert "LINK-2" in copies
    images = page.split("Evidence images like its frames", 1)[1]
    assert f'href="/internal/evidence/{found["still"].pk}/"' in images
    assert f'href="?frame={STILL_FRAME}"' in images and "like the frame at 0:03.000" in images
    own = set(original.frames.values_list("image_id", flat=True))
    assert not any(f'href="/internal/evidence/{i}/"' in images for i in own)
    shown = set(_last_view("view.video").data["images"])
    copy_thumb = copy.frames.order_by("frame_number").first().image_id
    assert {found["still"].pk, copy_thumb} | own <= shown
    # the unrelated video has no copy and is like none of these images
    other = inv.get(f"/internal/videos/{unrelated.pk}/").content.decode()
    assert "No other video matches this one." in other
    assert f'href="/internal/videos/{original.pk}/"' not in other
    assert "No evidence image lies within the PDQ threshold of its frames." in other
