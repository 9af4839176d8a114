"""vision.video_seek: frame N read by seeking to the keyframe before it is the N-th frame
the decoder gives out when decoding from the start, in the common containers and codecs;
numbers out of range and broken files are a ValueError."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from tests.videogen import Scene, make_video
from traceobject.vision import video_seek
from traceobject.vision.video_seek import frame_index, read_frame

FORMATS = ["mp4-h264", "mkv-h264", "webm-vp9", "avi-mpeg4", "ts-mpeg2"]
SCENES = (Scene(3, 1.0), Scene(4, 1.0))  # 50 frames at 25 fps, a cut at frame 25
NUMBERS = [0, 13, 24, 25, 26, 49]  # first, middle, last before the cut, after it, last


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Any]]]:
    """Each format's video and its frames decoded from the start (the reference)."""
    folder = tmp_path_factory.mktemp("seek")
    made = {}
    for fmt in FORMATS:
        path = make_video(folder / f"{fmt}.{fmt.split('-')[0]}", fmt=fmt, scenes=SCENES,
                          width=160, height=120)
        with av.open(str(path)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        made[fmt] = (path, frames)
    return made


def _differ(a: np.ndarray, b: np.ndarray) -> int:
    assert a.shape == b.shape
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_frame_read_by_seeking_is_the_frame_decoded_from_the_start(videos, fmt):
    path, frames = videos[fmt]
    assert len(frames) == 50
    index = frame_index(str(path))
    assert index.frame_count == 50 and index.exact and index.fps == 25
    for number in NUMBERS:
        got = read_frame(str(path), number, index=index)
        assert got.frame_number == number and got.frame_count == 50
        assert got.time == pytest.approx(number / 25, abs=1e-3)
        assert got.rgb.dtype == np.uint8 and got.rgb.shape == (120, 160, 3)
        assert _differ(got.rgb, frames[number]) <= 2, (fmt, number)
    # the neighbour is a different picture (the object moves): equality above means something
    assert _differ(frames[12], frames[13]) > 20
    assert _differ(frames[24], frames[25]) > 50  # the cut


@pytest.mark.parametrize("fmt", ["avi-mpeg4", "ts-mpeg2"])
def test_the_seek_itself_finds_frames_after_a_later_keyframe(videos, fmt):
    """These encoders put a keyframe every 12 frames: the seek lands on one in the middle
    of the video and decodes forward from there (not the count from the start)."""
    path, frames = videos[fmt]
    index = frame_index(str(path))
    assert len(index.keyframes) > 2
    for number in (index.keyframes[2], index.keyframes[2] + 5, 49):
        assert index.keyframe_before(number) >= index.keyframes[2]
        with av.open(str(path)) as container:
            rgb = video_seek._by_seeking(container, container.streams.video[0], index, number,
                                             video_seek._Budget(3000, 5.0))
        assert rgb is not None and _differ(rgb, frames[number]) <= 2


def test_an_open_file_reads_like_a_path(videos):
    path, frames = videos["mp4-h264"]
    with open(path, "rb") as fh:
        first = read_frame(fh, 30)
        second = read_frame(fh, 31)  # the same file again: read from its start each time
    assert _differ(first.rgb, frames[30]) <= 2 and _differ(second.rgb, frames[31]) <= 2
    in_memory = read_frame(io.BytesIO(path.read_bytes()), 49)
    assert _differ(in_memory.rgb, frames[49]) <= 2


def test_time_to_frame(videos):
    index = frame_index(str(videos["mkv-h264"][0]))
    assert index.frame_at(0) == 0
    assert index.frame_at(1.0) == 25
    assert index.frame_at(1.039) == 25 and index.frame_at(1.04) == 26
    assert index.frame_at(99) == 49
    assert index.time_of(25) == pytest.approx(1.0)


@pytest.mark.parametrize("number", [-1, 50, 10**9])
def test_a_frame_out_of_range_is_refused(videos, number):
    with pytest.raises(ValueError, match=r"out of range: the video has frames 0 to 49"):
        read_frame(str(videos["webm-vp9"][0]), number)


@pytest.mark.parametrize("number", ["3", 2.0, True, None])
def test_a_frame_number_is_an_int(videos, number):
    with pytest.raises(ValueError, match="whole number"):
        read_frame(str(videos["webm-vp9"][0]), number)


def test_broken_input_is_a_value_error(videos, tmp_path):
    data = videos["mp4-h264"][0].read_bytes()
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    for source in (io.BytesIO(b""), io.BytesIO(b"\x00" * 4096), io.BytesIO(data[:200]),
                   io.BytesIO(np.random.default_rng(1).bytes(50_000)), str(text),
                   str(tmp_path / "missing.mp4")):
        with pytest.raises(ValueError):
            read_frame(source, 0)


def test_a_truncated_video_has_fewer_frames(videos):
    data = videos["ts-mpeg2"][0].read_bytes()
    cut = io.BytesIO(data[: len(data) // 2])
    index = frame_index(cut)
    assert 0 < index.frame_count < 50
    with pytest.raises(ValueError, match="out of range"):
        read_frame(cut, 49, index=index)
    read_frame(cut, index.frame_count - 1, index=index)  # what is there still reads


def test_damaged_bytes_in_the_middle_do_not_crash(videos):
    data = bytearray(videos["avi-mpeg4"][0].read_bytes())
    rng = np.random.default_rng(7)
    for at in rng.integers(2000, len(data) - 100, 40):
        data[at:at + 16] = rng.bytes(16)
    for number in (0, 25, 40):
        try:
            got = read_frame(io.BytesIO(bytes(data)), number)
        except ValueError:
            continue
        assert got.rgb.ndim == 3 and got.rgb.shape[2] == 3


def test_too_many_pixels_is_refused(videos):
    with pytest.raises(ValueError, match="larger than the 10000 pixels allowed"):
        read_frame(str(videos["mkv-h264"][0]), 0, max_pixels=10_000)
