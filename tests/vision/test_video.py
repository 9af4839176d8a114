"""The video library (vision.video, vision.analyse.analyse_path, search.vpdq_match and
`traceobject hash` for videos) on videos made by tests/videogen.py, with the installed
reference vPDQ hasher (`vpdq.computeHash`, ThreatExchange's C++ built against FFmpeg) as the
oracle, and hostile files made by byte surgery on them."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import vpdq
from PIL import Image

from tests.videogen import FORMATS, Scene, make_video, scene_frames
from traceobject.search.vpdq_match import vpdq_match
from traceobject.vision.analyse import FileAnalysis, FileRejection, analyse_file, analyse_path
from traceobject.vision.hashing import hamming
from traceobject.vision.video import (
    VideoAnalysis,
    VideoLimits,
    VpdqFeature,
    analyse_video,
    video_kind,
    vpdq_format,
    vpdq_parse,
)

W, H, FPS = 160, 120, 25
SCENES = (Scene(11, 2.5), Scene(12, 2.5), Scene(13, 2.5))
LENGTHS = [max(1, round(s.seconds * FPS)) for s in SCENES]  # as videogen counts frames
CUTS = (LENGTHS[0], LENGTHS[0] + LENGTHS[1])  # frame numbers of the cuts
#: The largest per-frame distance to the reference seen on these videos is 0 (same PDQ, same
#: frame choice and conversion); 8 leaves room for a different FFmpeg's rounding in swscale
#: while staying far below the match threshold of 31.
MAX_REFERENCE_DISTANCE = 8


def _size(fmt: str) -> tuple[int, int]:
    return (176, 144) if fmt == "3gp-h263" else (W, H)  # H.263 takes only its fixed sizes


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    made = {}
    for fmt, (_container, suffix, _codec, _pix) in FORMATS.items():
        width, height = _size(fmt)
        made[fmt] = make_video(folder / f"clip-{fmt}{suffix}", fmt=fmt, scenes=SCENES,
                               width=width, height=height, fps=FPS)
    return made


@pytest.fixture(scope="module")
def analyses(videos: dict[str, Path]) -> dict[str, VideoAnalysis]:
    done = {}
    for fmt, path in videos.items():
        result = analyse_video(str(path))
        assert isinstance(result, VideoAnalysis), result
        done[fmt] = result
    return done


def _refused(result: object, reason: str) -> FileRejection:
    assert isinstance(result, FileRejection), result
    assert result.reason == reason, result
    assert len(result.message) > 10, result  # a sentence, not just a code
    return result


# --------------------------------------------------------------------------- facts


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_facts_of_every_format(fmt: str, videos: dict[str, Path],
                               analyses: dict[str, VideoAnalysis]) -> None:
    result, data = analyses[fmt], videos[fmt].read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert result.size == len(data)
    assert (result.width, result.height) == _size(fmt)
    assert result.fps == FPS
    assert result.frame_count == sum(LENGTHS)
    assert result.duration == pytest.approx(sum(LENGTHS) / FPS, abs=0.05)
    assert result.container == {"mp4-h264": "mp4", "mp4-h265": "mp4", "mov-h264": "mov",
                                 "avi-mpeg4": "avi", "mkv-h264": "mkv", "webm-vp9": "webm",
                                 "3gp-h263": "3gp", "ts-mpeg2": "ts"}[fmt]
    assert result.video_codec == {"libx264": "h264", "libx265": "hevc", "mpeg4": "mpeg4",
                                  "libvpx-vp9": "vp9", "h263": "h263",
                                  "mpeg2video": "mpeg2video"}[FORMATS[fmt][2]]
    assert result.audio_codec == "" and result.warnings == ()


def test_video_kind_by_content(videos: dict[str, Path]) -> None:
    for fmt, path in videos.items():
        assert video_kind(path.read_bytes()[:4096]) == FORMATS[fmt][1].lstrip(".").replace(
            "mkv", "mkv"), fmt
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(4000)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    for head in (heic, buffer.getvalue(), os.urandom(4096), b"", b"RIFF\x00\x00\x00\x00WEBPVP8 "):
        assert video_kind(head) is None


# --------------------------------------------------------------------------- vPDQ


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_vpdq_matches_the_reference(fmt: str, videos: dict[str, Path],
                                    analyses: dict[str, VideoAnalysis]) -> None:
    ours = analyses[fmt].features
    reference = vpdq.computeHash(str(videos[fmt]))
    assert abs(len(ours) - len(reference)) <= 1
    assert len(ours) == 8  # one per second of 7.44 s, the first at 0
    pairs = list(zip(ours, reference, strict=False))
    assert [f.frame_number for f, _ in pairs] == [r.frame_number for _, r in pairs]
    assert [f.time for f, _ in pairs] == [round(r.timestamp, 3) for _, r in pairs]
    distances = [hamming(f.pdq, r.hex) for f, r in pairs]
    assert max(distances) <= MAX_REFERENCE_DISTANCE, distances
    assert all(abs(f.quality - r.quality) <= 5 for f, r in pairs)


def _encode(path: Path, frames: list[np.ndarray], *, rate: Fraction | int, codec: str = "libx264",
            colour: tuple[str, str] | None = None, fmt: str = "mp4") -> Path:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if colour:
            stream.codec_context.colorspace = 1  # BT.709
            stream.codec_context.color_range = 2 if colour[1] == "JPEG" else 1
        for array in frames:
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            if colour:
                frame = frame.reformat(format="yuv420p", dst_colorspace=colour[0],
                                       dst_color_range=colour[1])
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_vpdq_matches_the_reference_at_29_97_fps_and_tagged_bt709(tmp_path: Path) -> None:
    frames = scene_frames(Scene(21, 3.5), width=W, height=H, fps=30)
    ntsc = _encode(tmp_path / "ntsc.mp4", frames, rate=Fraction(30000, 1001))
    tagged = _encode(tmp_path / "709.mp4", frames[:60], rate=25, colour=("itu709", "JPEG"))
    for path, count in ((ntsc, 4), (tagged, 3)):
        ours = analyse_video(str(path))
        assert isinstance(ours, VideoAnalysis)
        reference = vpdq.computeHash(str(path))
        assert len(ours.features) == len(reference) == count
        assert [(f.frame_number, f.time) for f in ours.features] == [
            (r.frame_number, round(r.timestamp, 3)) for r in reference]
        assert max(hamming(f.pdq, r.hex) for f, r in zip(ours.features, reference,
                                                         strict=True)) <= MAX_REFERENCE_DISTANCE
    assert [f.frame_number for f in ours.features] == [0, 25, 50]


def test_vpdq_file_format_round_trip(analyses: dict[str, VideoAnalysis]) -> None:
    features = analyses["mp4-h264"].features
    text = vpdq_format(features)
    lines = text.splitlines()
    assert len(lines) == len(features) and text.endswith("\n")
    assert lines[1].split(",")[0] == "25" and lines[1].endswith(",1.000")
    assert vpdq_parse(text) == list(features)
    assert vpdq_parse("\n" + text + "\n\n") == list(features)


@pytest.mark.parametrize("bad", [
    "1,100,abc,0.000", "x,100,{h},0.000", "1,101,{h},0.000", "1,100,{h}", "-1,100,{h},0.5",
    "1,100,{h},-1", "1,100,{h},nan", "1,100,{z},0.0", "1,100,{h},0.0,extra",
])
def test_vpdq_parse_names_the_bad_line(bad: str) -> None:
    good = "0,100," + "ab" * 32 + ",0.000"
    line = bad.format(h="ab" * 32, z="zz" * 32)
    with pytest.raises(ValueError, match=r"^line 2: "):
        vpdq_parse(good + "\n" + line + "\n" + good)


def test_vpdq_match_rule() -> None:
    base = "00" * 32

    def feat(hex_: str, quality: int = 100) -> VpdqFeature:
        return VpdqFeature(0, 0.0, hex_, quality)

    def flip(bits: int) -> str:  # the base hash with its first `bits` bits set
        value = (1 << 256) - (1 << (256 - bits)) if bits else 0
        return f"{value:064x}"

    assert vpdq_match([feat(base)], [feat(flip(31))]) == (100.0, 100.0)  # 31 is inclusive
    assert vpdq_match([feat(base)], [feat(flip(32))]) == (0.0, 0.0)
    # Quality below 50 is left out; repeated hashes count once (as the reference's dedupe).
    query = [feat(base), feat(base), feat(flip(200)), feat(flip(100), quality=49)]
    assert vpdq_match(query, [feat(flip(3))]) == (50.0, 100.0)
    assert vpdq_match([feat(base, 10)], [feat(base)]) == (0.0, 0.0)
    assert vpdq_match([], [feat(base)]) == (0.0, 0.0)
    # The reference dedupes before it filters: a hash seen first at low quality is gone
    # even if it comes again at a good quality.
    assert vpdq_match([feat(base, 10), feat(base, 90)], [feat(base)]) == (0.0, 0.0)
    assert vpdq_match([feat(base, 90), feat(base, 10)], [feat(base)]) == (100.0, 100.0)


def test_copies_match_and_another_video_does_not(tmp_path: Path, videos: dict[str, Path],
                                                 analyses: dict[str, VideoAnalysis]) -> None:
    original = analyses["mp4-h264"].features
    frames = [f for s in SCENES for f in scene_frames(s, width=W, height=H, fps=FPS)]
    half = [np.asarray(Image.fromarray(f).resize((W // 2, H // 2), Image.Resampling.BILINEAR))
            for f in frames]
    copies = {
        "vp9 webm": _encode(tmp_path / "c.webm", frames, rate=FPS, codec="libvpx-vp9",
                            fmt="webm"),
        "half size": _encode(tmp_path / "half.mp4", half, rate=FPS),
        "trimmed 1 s": _encode(tmp_path / "trim.mp4", frames[FPS:], rate=FPS),
        "mpeg2 ts": videos["ts-mpeg2"],
    }
    for name, path in copies.items():
        copy = analyse_video(str(path))
        assert isinstance(copy, VideoAnalysis), (name, copy)
        query, target = vpdq_match(copy.features, original)
        assert query >= 80.0 and target >= 80.0, (name, query, target)
    other = make_video(tmp_path / "other.mp4", scenes=[Scene(91, 2.5), Scene(92, 2.5)],
                       width=W, height=H)
    unrelated = analyse_video(str(other))
    assert isinstance(unrelated, VideoAnalysis)
    assert vpdq_match(unrelated.features, original)[0] < 80.0


# --------------------------------------------------------------------------- keyframes


@pytest.mark.parametrize("fmt", ["mp4-h264", "webm-vp9", "ts-mpeg2", "avi-mpeg4"])
def test_keyframes_at_the_cuts_only(fmt: str, analyses: dict[str, VideoAnalysis]) -> None:
    keyframes = analyses[fmt].keyframes
    numbers = [k.frame_number for k in keyframes]
    assert numbers[0] == 0 and len(numbers) == 3, numbers  # none inside a moving scene
    for number, cut in zip(numbers[1:], CUTS, strict=True):
        assert abs(number - cut) <= 2, numbers
    for keyframe in keyframes:
        assert keyframe.rgb.dtype == np.uint8 and keyframe.rgb.shape == (H, W, 3)
        assert keyframe.time == pytest.approx(keyframe.frame_number / FPS, abs=0.001)


def test_keyframe_gap_and_cap(videos: dict[str, Path]) -> None:
    path = str(videos["mkv-h264"])
    spaced = analyse_video(path, limits=VideoLimits(keyframe_min_gap=3.0))
    assert isinstance(spaced, VideoAnalysis)
    assert [k.frame_number for k in spaced.keyframes][:1] == [0]
    assert len(spaced.keyframes) == 2 and spaced.keyframes[1].time >= 3.0 - 0.001
    capped = analyse_video(path, limits=VideoLimits(max_keyframes=2))
    assert isinstance(capped, VideoAnalysis)
    assert len(capped.keyframes) == 2
    assert any(w.startswith("keyframes_capped") for w in capped.warnings)


# --------------------------------------------------------------------------- metadata


def test_creation_time_audio_and_cleaned_tags(tmp_path: Path) -> None:
    path = tmp_path / "tagged.mov"
    with av.open(str(path), "w", format="mov") as container:
        container.metadata["creation_time"] = "2024-05-06T07:08:09.000000Z"
        container.metadata["title"] = "bad\x1b[31m\x07name " + "x" * 2000
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        audio = container.add_stream("aac", rate=8000, layout="mono")
        for array in scene_frames(Scene(5, 0.4), width=W, height=H, fps=FPS):
            for packet in video.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for index in range(4):
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                                 layout="mono")
            samples.sample_rate, samples.pts = 8000, index * 1024
            for packet in audio.encode(samples):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                container.mux(packet)
    result = analyse_video(str(path))
    assert isinstance(result, VideoAnalysis), result
    assert result.created_meta.startswith("2024-05-06T07:08:09")
    assert result.audio_codec == "aac"
    title = result.metadata["title"]
    assert title.startswith("bad [31m name xxx") and len(title) <= 512
    assert not any(ord(c) < 32 for key, value in result.metadata.items() for c in key + value)


# --------------------------------------------------------------------------- dispatch


def test_analyse_path_goes_by_content(tmp_path: Path, videos: dict[str, Path]) -> None:
    disguised = tmp_path / "holiday.jpg"
    disguised.write_bytes(videos["mp4-h264"].read_bytes())
    assert isinstance(analyse_path(str(disguised)), VideoAnalysis)
    picture = tmp_path / "clip.mp4"
    Image.fromarray(scene_frames(Scene(3, 0.04), width=W, height=H, fps=FPS)[0]).save(
        picture, "JPEG")
    assert isinstance(analyse_path(str(picture)), FileAnalysis)
    _refused(analyse_path(str(tmp_path / "missing.mp4")), "unreadable")


# --------------------------------------------------------------------------- hostile files


def test_empty_random_and_not_regular_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    _refused(analyse_video(str(empty)), "empty")
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(3).bytes(20_000))
    refusal = _refused(analyse_video(str(noise)), "not_a_video")
    assert refusal.sha256 == hashlib.sha256(noise.read_bytes()).hexdigest()
    # An MP4 head followed by noise: the demuxer is tried and fails without raising.
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + noise.read_bytes())
    assert isinstance(analyse_video(str(fake)), FileRejection)
    fifo = tmp_path / "endless.ts"
    os.mkfifo(fifo)
    _refused(analyse_video(str(fifo)), "not_a_file")  # a pipe never ends: not even opened
    _refused(analyse_video("/dev/zero"), "not_a_file")
    _refused(analyse_video(str(tmp_path)), "not_a_file")
    _refused(analyse_video(str(tmp_path / "missing.mkv")), "unreadable")
    # The dispatcher and the image path refuse them too, before any read that could block.
    for path in (str(fifo), "/dev/zero", str(tmp_path)):
        _refused(analyse_path(path), "not_a_file")
        _refused(analyse_file(path), "not_a_file")


@pytest.mark.parametrize("fmt,offset", [("mp4-h264", 0), ("mov-h264", 0), ("mkv-h264", 0),
                                        ("webm-vp9", 0), ("avi-mpeg4", 0), ("ts-mpeg2", 100)])
def test_cut_in_half_is_truncated(fmt: str, offset: int, tmp_path: Path,
                                  videos: dict[str, Path]) -> None:
    data = videos[fmt].read_bytes()
    cut = tmp_path / f"cut{FORMATS[fmt][1]}"
    cut.write_bytes(data[:len(data) // 2 + offset])
    refusal = _refused(analyse_video(str(cut)), "truncated")
    assert "cut short" in refusal.message
    if fmt in ("mp4-h264", "mov-h264"):  # the index (moov) was at the end
        assert "no frame can be decoded" in refusal.message
    else:
        frames = int(refusal.message.split("; ")[-1].split(" frames")[0])
        assert 0 < frames < sum(LENGTHS), refusal.message  # it says how far it got


def _patch(data: bytes, marker: bytes, offset: int, value: bytes) -> bytes:
    at = data.index(marker) + offset
    return data[:at] + value + data[at + len(value):]


def _raw_avi(path: Path) -> Path:
    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream("rawvideo", rate=5)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "gray"
        for index in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16), index * 60, np.uint8), "gray")
            for packet in stream.encode(frame):
                container.mux(packet)
    return path


def test_absurd_dimensions_are_refused_before_decoding(tmp_path: Path,
                                                       videos: dict[str, Path]) -> None:
    data = _raw_avi(tmp_path / "raw.avi").read_bytes()
    huge = (9_000).to_bytes(4, "little")  # ffmpeg itself refuses sizes over 16k
    for marker, offset in ((b"avih", 40), (b"avih", 44), (b"strf", 12), (b"strf", 16)):
        data = _patch(data, marker, offset, huge)
    bomb = tmp_path / "huge.avi"
    bomb.write_bytes(data)
    refusal = _refused(analyse_video(str(bomb)), "too_large_dimensions")
    assert "9000x9000" in refusal.message
    small = analyse_video(str(videos["mp4-h264"]), limits=VideoLimits(max_width=100))
    assert "160x120" in _refused(small, "too_large_dimensions").message
    tight = analyse_video(str(videos["mp4-h264"]), limits=VideoLimits(max_pixels=10_000))
    _refused(tight, "too_large_dimensions")


def test_container_bombs(tmp_path: Path, videos: dict[str, Path]) -> None:
    # MKV: the Segment's Duration (a float, in milliseconds) says 31 years.
    mkv = videos["mkv-h264"].read_bytes()
    at = mkv.index(b"\x44\x89")
    width = mkv[at + 2] & 0x7F
    bomb = mkv[:at + 3] + struct.pack(">d" if width == 8 else ">f", 1e12) + mkv[at + 3 + width:]
    (tmp_path / "bomb.mkv").write_bytes(bomb)
    refusal = _refused(analyse_video(str(tmp_path / "bomb.mkv")), "container_bomb")
    assert "1000000000 s" in refusal.message
    # AVI: the stream header and the main header declare 2^31 frames.
    avi = videos["avi-mpeg4"].read_bytes()
    many = (2**31 - 1).to_bytes(4, "little")
    avi = _patch(_patch(avi, b"strh", 40, many), b"avih", 24, many)
    (tmp_path / "bomb.avi").write_bytes(avi)
    _refused(analyse_video(str(tmp_path / "bomb.avi")), "container_bomb")
    # MP4: the sample table says each frame lasts an hour (46 080 000 / 12 800 s).
    mp4 = _patch(videos["mp4-h264"].read_bytes(), b"stts", 16, (46_080_000).to_bytes(4, "big"))
    (tmp_path / "bomb.mp4").write_bytes(mp4)
    _refused(analyse_video(str(tmp_path / "bomb.mp4")), "container_bomb")


def test_budgets_stop_decoding(videos: dict[str, Path]) -> None:
    path = str(videos["ts-mpeg2"])
    frames = _refused(analyse_video(path, limits=VideoLimits(max_frames=10)), "over_budget")
    assert "stopped after 10 frames" in frames.message
    _refused(analyse_video(path, limits=VideoLimits(max_duration=3.0)), "over_budget")
    _refused(analyse_video(path, limits=VideoLimits(max_seconds=0.0)), "over_budget")
    _refused(analyse_video(path, limits=VideoLimits(max_bytes=1000)), "too_large_file")


def test_damaged_stream_and_audio_only(tmp_path: Path, videos: dict[str, Path]) -> None:
    data = bytearray(videos["mp4-h264"].read_bytes())
    start = data.index(b"mdat") + 4
    end = start - 8 + int.from_bytes(data[start - 8:start - 4], "big")
    data[start + 1500:end - 1500] = np.random.default_rng(5).bytes(end - 3000 - start)
    (tmp_path / "damaged.mp4").write_bytes(bytes(data))
    result = analyse_video(str(tmp_path / "damaged.mp4"))
    assert isinstance(result, FileRejection) and result.reason in ("decode_error",
                                                                   "corrupt_video"), result
    audio = tmp_path / "voice.mp4"
    with av.open(str(audio), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000, layout="mono")
        for index in range(4):
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                                 layout="mono")
            samples.sample_rate, samples.pts = 8000, index * 1024
            for packet in stream.encode(samples):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    refusal = _refused(analyse_video(str(audio)), "no_video_stream")
    assert "audio only" in refusal.message


# --------------------------------------------------------------------------- the command


def test_hash_command_prints_the_vpdq_file(tmp_path: Path, videos: dict[str, Path],
                                           analyses: dict[str, VideoAnalysis]) -> None:
    from traceobject.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["hash", str(videos["webm-vp9"])])
    assert code == 0
    assert out.getvalue() == vpdq_format(analyses["webm-vp9"].features)
    assert analyses["webm-vp9"].sha256 in err.getvalue()


def test_hash_command_refuses_a_bad_video_without_a_traceback(tmp_path: Path,
                                                              videos: dict[str, Path]) -> None:
    data = videos["mkv-h264"].read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[:len(data) // 2])
    done = subprocess.run([sys.executable, "-m", "traceobject.cli", "hash", str(cut)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TRACEOBJECT_HOME": str(tmp_path / "home")})
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"{cut}: truncated: The file is cut short" in done.stderr
    assert "Traceback" not in done.stderr


def test_vpdq_max_side_scales_down_before_hashing(tmp_path: Path) -> None:
    frames = scene_frames(Scene(31, 1.2), width=640, height=480, fps=FPS)
    path = _encode(tmp_path / "vga.mp4", frames, rate=FPS)
    full = analyse_video(str(path))
    small = analyse_video(str(path), limits=VideoLimits(vpdq_max_side=160))
    assert isinstance(full, VideoAnalysis) and isinstance(small, VideoAnalysis)
    assert [f.frame_number for f in small.features] == [f.frame_number for f in full.features]
    distances = [hamming(a.pdq, b.pdq) for a, b in zip(full.features, small.features,
                                                        strict=True)]
    assert 0 < max(distances) <= 31, distances  # other pixels hashed, the same picture
    assert small.keyframes[0].rgb.shape == (480, 640, 3)  # keyframes keep their full size
