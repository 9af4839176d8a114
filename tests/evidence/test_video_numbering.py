"""One frame number and one time per frame, from ingest to the viewer: a video with damaged
packets keeps its keyframes under the numbers the viewer shows them at (same pixels; a
capture of that number is that picture; the frames after the damage can be shown), and a
variable-frame-rate video's vPDQ features are found at the time the frame is shown (the
reference's own frame numbers and times stay in the .vpdq file)."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import staff_login
from tests.videogen import Scene, scene_frames
from tests.vision.test_video_hostile import damaged_mkv
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceVideoFile, VideoFrame
from traceobject.evidence.selectors import video_frame_read, videos_containing_image
from traceobject.evidence.storage import evidence_read
from traceobject.evidence.video_ingest import vpdq_key
from traceobject.evidence.video_services import video_frame_capture
from traceobject.vision.video import vpdq_parse


def _vfr(path: Path) -> Path:
    """5 s at 30 fps then 5 s at 5 fps in one H.264 stream: textured frames (PDQ quality)."""
    frames = (scene_frames(Scene(7, 5.0), width=160, height=120, fps=30)
              + scene_frames(Scene(8, 5.0), width=160, height=120, fps=5))
    stamps = [i * 3000 for i in range(150)] + [450_000 + i * 18000 for i in range(25)]
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 90000)
        for rgb, pts in zip(frames, stamps, strict=True):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 90000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.django_db(transaction=True)
def test_ingest_and_viewer_agree_on_damaged_and_vfr_videos(tmp_path: Path, client: Any,
                                                           users: dict[str, Any],
                                                           evidence_store: Path) -> None:
    folder = tmp_path / "seized"
    folder.mkdir()
    damaged = damaged_mkv(tmp_path)
    damaged.rename(folder / "damaged.mkv")
    _vfr(folder / "vfr.mp4")
    summary = ingest([folder], case_ref="NUM", workers=1)
    assert summary.videos == 2, summary.rejected

    # damaged packets: the keyframes are where the viewer shows them
    video = EvidenceVideoFile.objects.get(path__endswith="damaged.mkv").video
    assert video.warnings == ["decode_errors: 3 of 150 video packets could not be decoded"]
    keyframes = list(VideoFrame.objects.filter(video=video).select_related("image"))
    assert [k.frame_number for k in keyframes] == [0, 50, 100]
    investigator = users["investigator"]
    for keyframe in keyframes:
        stored = np.asarray(Image.open(io.BytesIO(evidence_read(
            key=keyframe.image.storage_key))).convert("RGB"))
        shown = video_frame_read(video=video, frame_number=keyframe.frame_number)
        assert np.array_equal(stored, shown.rgb) and shown.time == keyframe.time
        kept = video_frame_capture(user=investigator, video=video,
                                   frame_number=keyframe.frame_number)
        assert kept.pk == keyframe.image_id
    for number in (30, 49, 149):  # after the damage
        assert video_frame_read(video=video, frame_number=number).frame_number == number
    # the page tells the investigator in a sentence, not the machine's words
    staff_login(client, investigator)
    page = client.get(f"/internal/videos/{video.pk}/").content.decode()
    assert "3 of the video&#x27;s 150 packets could not be decoded" in page
    assert "decode_errors" not in page

    # variable frame rate: a feature is found at the time its frame is shown
    vfr = EvidenceVideoFile.objects.get(path__endswith="vfr.mp4").video
    reference = {f.frame_number: f for f in vpdq_parse(
        evidence_read(key=vpdq_key(vfr.sha256)).decode())}
    row = vfr.hashes.get(frame_number=108)
    assert reference[108].time == pytest.approx(5.863, abs=2e-3) == row.time
    assert (row.view_frame, row.view_time) == (108, 3.6)
    late = vfr.hashes.order_by("-frame_number").first()
    assert late is not None and late.view_time == pytest.approx(
        5 + (late.view_frame - 150) * 0.2, abs=1e-3)
    found = [v for v in videos_containing_image(pdq=row.pdq, quality=row.quality, threshold=0)
             if v.video.pk == vfr.pk]
    assert found and 3.6 in found[0].times and 108 in found[0].frame_numbers
    assert not any(abs(t - 5.863) < 0.01 for t in found[0].times)
