"""A video frame as shown: the display matrix (quarter turns and mirroring, as PyAV writes it
into an MP4 and FFmpeg reads it back), a legacy ``rotate`` tag, the pixel aspect ratio; the
keyframes of analyse_video and the frames of read_frame are the same pictures, and their
times agree."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.videogen import Scene, make_video, scene_frames
from traceobject.vision.video import analyse_video
from traceobject.vision.video_picture import display_rgb, frame_orientation
from traceobject.vision.video_seek import frame_index, read_frame

SCENES = (Scene(21, 2.0), Scene(22, 2.0))  # a cut at 2 s: keyframes 0 and 50


def _frames(width: int = 160, height: int = 120) -> list[np.ndarray]:
    frames = [f for s in SCENES for f in scene_frames(s, width=width, height=height, fps=25)]
    for frame in frames:
        frame[:16, :16] = (255, 0, 0)  # a red mark in the picture's top-left corner
    return frames


def _turned(path: Path, frames: list[np.ndarray], *, fmt: str = "mp4",
            rotation: int | None = None, hflip: bool = False, vflip: bool = False,
            tag: str | None = None) -> Path:
    height, width = frames[0].shape[:2]
    with av.open(str(path), mode="w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation, hflip=hflip, vflip=vflip)
        if tag is not None:
            stream.metadata["rotate"] = tag
        for array in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("turned")
    frames = _frames()
    made = {f"r{r}{'h' if h else ''}{'v' if v else ''}": _turned(
        root / f"r{r}{h}{v}.mp4", frames[:3], rotation=r, hflip=h, vflip=v)
        for r, h, v in [(90, False, False), (180, False, False), (270, False, False),
                        (0, True, False), (0, False, True), (90, True, False)]}
    made["phone"] = _turned(root / "phone.mp4", frames, rotation=90)
    made["tagged"] = _turned(root / "tagged.mkv", frames[:3], fmt="matroska", tag="90")
    made["h263"] = make_video(root / "qcif.3gp", fmt="3gp-h263", scenes=SCENES, width=176,
                              height=144)
    return made


def _first(path: Path) -> tuple[np.ndarray, np.ndarray, object]:
    """The first frame as decoded (no turning) and as shown, and its orientation."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        return (frame.to_ndarray(format="rgb24"), display_rgb(frame, stream),
                frame_orientation(frame, stream))


@pytest.mark.parametrize(("name", "expected"), [
    # set_display_rotation's degrees are counter-clockwise; the mirroring comes after
    ("r90", lambda a: np.rot90(a, 1)),
    ("r180", lambda a: np.rot90(a, 2)),
    ("r270", lambda a: np.rot90(a, 3)),
    ("r0h", lambda a: a[:, ::-1]),
    ("r0v", lambda a: a[::-1]),
    ("r90h", lambda a: np.rot90(a, 1)[:, ::-1]),
])
def test_the_display_matrix_turns_the_picture(videos, name, expected):
    decoded, shown, _turn = _first(videos[name])
    assert np.array_equal(shown, expected(decoded))


def test_a_quarter_turn_puts_the_corner_mark_where_a_player_shows_it(videos):
    _decoded, shown, _turn = _first(videos["r90"])
    assert shown.shape == (160, 120, 3)
    corners = {"top-left": shown[:12, :12], "top-right": shown[:12, -12:],
               "bottom-left": shown[-12:, :12], "bottom-right": shown[-12:, -12:]}
    red = {name: bool(np.abs(c.mean(axis=(0, 1)) - (255, 0, 0)).max() < 40)
           for name, c in corners.items()}
    # counter-clockwise: the top-left corner goes to the bottom-left
    assert red == {"top-left": False, "top-right": False, "bottom-left": True,
                   "bottom-right": False}


def test_a_legacy_rotate_tag_turns_it_clockwise(videos):
    decoded, shown, turn = _first(videos["tagged"])
    assert turn.transpose
    assert np.array_equal(shown, np.rot90(decoded, -1))


def test_non_square_pixels_are_widened(videos):
    with av.open(str(videos["h263"])) as container:
        assert container.streams.video[0].sample_aspect_ratio == Fraction(12, 11)  # QCIF H.263
    decoded, shown, _turn = _first(videos["h263"])
    assert decoded.shape == (144, 176, 3) and shown.shape == (144, 192, 3)


@pytest.mark.parametrize("name", ["phone", "h263"])
def test_keyframes_are_the_frames_the_viewer_reads(videos, name):
    analysis = analyse_video(str(videos[name]))
    assert [k.frame_number for k in analysis.keyframes] == [0, 50]
    index = frame_index(str(videos[name]))
    for keyframe in analysis.keyframes:
        seen = read_frame(str(videos[name]), keyframe.frame_number, index=index)
        assert np.array_equal(seen.rgb, keyframe.rgb)
        assert seen.time == keyframe.time == index.time_of(keyframe.frame_number)
    assert analysis.keyframes[1].time == 2.0
    upright = (160, 120, 3) if name == "phone" else (144, 192, 3)
    assert analysis.keyframes[0].rgb.shape == upright


def test_vpdq_still_hashes_the_decoded_frame(videos):
    """Turning the keyframes changes nothing of vPDQ: the rotated file's hashes are those
    of the same frames without the matrix."""
    plain = analyse_video(str(_turned(videos["phone"].with_name("plain.mp4"), _frames())))
    turned = analyse_video(str(videos["phone"]))
    assert [f.pdq for f in turned.features] == [f.pdq for f in plain.features]
    assert turned.keyframes[0].rgb.shape != plain.keyframes[0].rgb.shape
