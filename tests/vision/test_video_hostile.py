"""Hostile and awkward videos in the frame viewer (vision.video_seek) and at ingest
(vision.video): the demuxer is the one the file's first bytes name (an SDP text hidden in a
transport stream opens no socket), the shown size is bounded whatever the aspect ratio says,
a frame far from any keyframe is refused within a budget, and ingest and the viewer give a
frame the same number and time (damaged packets, variable frame rate)."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.videogen import Scene, make_video
from traceobject.vision.video import VideoAnalysis, VideoLimits, analyse_video, video_kind
from traceobject.vision.video_seek import frame_index, read_frame

SDP = (b"\nv=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\n"
       b"m=video 47000 RTP/AVP 96\na=rtpmap:96 H264/90000\n")


#: How long FFmpeg waits on the UDP ports an SDP file names.
SDP_WAIT = 20.0


def sdp_in_ts(folder: Path) -> Path:
    """A one-frame 16x16 MPEG-TS led by a null packet whose payload is SDP text: ffmpeg's
    guess reads it as SDP (binds UDP ports, waits 20 s)."""
    frames = [np.full((16, 16, 3), 200, np.uint8)]
    base = make_video(folder / "tiny.ts", fmt="ts-mpeg2", frames=frames, width=16, height=16)
    null_packet = b"\x47\x1f\xff\x10" + SDP.ljust(184, b"\n")
    path = folder / "sdp.ts"
    path.write_bytes(null_packet + base.read_bytes())
    return path


def test_a_transport_stream_holding_sdp_text_is_read_as_a_transport_stream(tmp_path):
    path = sdp_in_ts(tmp_path)
    assert path.stat().st_size < 1000
    assert video_kind(path.read_bytes()[:4096]) == "ts"
    assert isinstance(analyse_video(str(path)), VideoAnalysis)
    for source in (str(path), path.open("rb")):
        started = time.monotonic()
        index = frame_index(source)
        got = read_frame(source, 0, index=index)
        # Not a speed check: read as SDP, FFmpeg binds UDP ports and waits 20 s.
        assert time.monotonic() - started < SDP_WAIT / 2
        assert index.frame_count == 1 and got.rgb.shape == (16, 16, 3)


def test_a_file_that_is_not_a_video_container_is_refused(tmp_path):
    path = tmp_path / "x.sdp"
    path.write_bytes(SDP)
    started = time.monotonic()
    with pytest.raises(ValueError, match="does not start like any video container"):
        frame_index(str(path))
    with pytest.raises(ValueError, match="does not start like any video container"):
        read_frame(path.open("rb"), 0)
    assert time.monotonic() - started < SDP_WAIT / 2  # refused, not waited on as SDP


def _with_aspect(path: Path, width: int, height: int, sar: Fraction) -> Path:
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.sample_aspect_ratio = sar
        for i in range(3):
            rgb = np.random.default_rng(i).integers(0, 255, (height, width, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_the_shown_size_is_bounded_whatever_the_aspect_ratio(tmp_path):
    # 1000 x 16 with square-ish pixels 10:1 would be shown 10000 wide (over 8192 a side)
    wide = _with_aspect(tmp_path / "wide.mkv", 1000, 16, Fraction(10, 1))
    with av.open(str(wide)) as container:
        assert container.streams.video[0].sample_aspect_ratio == 10
    got = read_frame(str(wide), 1)
    assert got.rgb.shape == (16, 1000, 3)
    # a plausible ratio is applied
    normal = _with_aspect(tmp_path / "normal.mkv", 160, 120, Fraction(4, 3))
    assert read_frame(str(normal), 1).rgb.shape == (120, 213, 3)


def _single_gop(path: Path, frames: int) -> Path:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"x264-params": "keyint=infinite:scenecut=0:log-level=error",
                          "preset": "ultrafast"}
        base = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.roll(base, i, axis=1), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_a_frame_far_from_a_keyframe_is_refused_within_the_budget(tmp_path):
    path = _single_gop(tmp_path / "gop.mp4", 120)
    index = frame_index(str(path))
    assert index.keyframes == (0,) and index.frame_count == 120
    near = read_frame(str(path), 40, index=index, max_decode_frames=60)
    assert near.frame_number == 40
    with pytest.raises(ValueError, match="more than 60 frames") as refused:
        read_frame(str(path), 100, index=index, max_decode_frames=60)
    assert type(refused.value).__name__ == "FrameTooFar"
    with pytest.raises(ValueError, match="too long"):
        read_frame(str(path), 100, index=index, max_decode_seconds=0.0)
    # ingest says so
    result = analyse_video(str(path), limits=VideoLimits(keyframe_gap_warning=100))
    assert isinstance(result, VideoAnalysis)
    assert [w for w in result.warnings if w.startswith("keyframe_gap: up to 120 frames")]
    plain = analyse_video(str(path))
    assert isinstance(plain, VideoAnalysis) and plain.warnings == ()


def damaged_mkv(folder: Path) -> Path:
    """Three 2 s scenes at 25 fps (150 frames, Matroska, H.264) with packets 20-22 (in
    decoding order) replaced by random bytes."""
    clean = make_video(folder / "clean.mkv", fmt="mkv-h264",
                       scenes=[Scene(1, 2.0), Scene(2, 2.0), Scene(3, 2.0)],
                       width=160, height=120)
    rng = np.random.default_rng(5)
    path = folder / "damaged.mkv"
    with av.open(str(clean)) as src, av.open(str(path), "w", format="matroska") as dst:
        source = src.streams.video[0]
        out = dst.add_stream_from_template(source)
        for i, packet in enumerate(src.demux(source)):
            if packet.size == 0:
                continue
            if 20 <= i < 23:
                bad = av.Packet(bytes(rng.integers(0, 256, packet.size, dtype=np.uint8)))
                bad.pts, bad.dts, bad.time_base = packet.pts, packet.dts, packet.time_base
                bad.is_keyframe = packet.is_keyframe
                packet = bad
            packet.stream = out
            dst.mux(packet)
    return path


def test_ingest_and_the_viewer_number_a_damaged_video_alike(tmp_path):
    path = damaged_mkv(tmp_path)
    result = analyse_video(str(path))
    assert isinstance(result, VideoAnalysis)
    assert result.warnings == ("decode_errors: 3 of 150 video packets could not be decoded",)
    index = frame_index(str(path))
    assert index.frame_count == 150 and index.exact
    assert [k.frame_number for k in result.keyframes] == [0, 50, 100]
    for keyframe in result.keyframes:
        shown = read_frame(str(path), keyframe.frame_number, index=index)
        assert np.array_equal(shown.rgb, keyframe.rgb), keyframe.frame_number
        assert shown.time == keyframe.time == index.time_of(keyframe.frame_number)
    # the frames whose packets are damaged cannot be shown; every other one can
    unreadable = []
    for number in range(15, 60):
        try:
            read_frame(str(path), number, index=index)
        except ValueError:
            unreadable.append(number)
    assert 1 <= len(unreadable) <= 3 and all(18 <= n <= 25 for n in unreadable)
    assert read_frame(str(path), 149, index=index).frame_number == 149


def vfr_mp4(path: Path) -> Path:
    """5 s at 30 fps then 5 s at 5 fps in one H.264 stream (175 frames)."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 90000)
        stamps = [i * 3000 for i in range(150)] + [450_000 + i * 18000 for i in range(25)]
        for i, pts in enumerate(stamps):
            rgb = np.full((120, 160, 3), (i * 37) % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 90000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_vpdq_features_carry_the_viewer_frame_and_time_of_a_vfr_video(tmp_path):
    path = vfr_mp4(tmp_path / "vfr.mp4")
    result = analyse_video(str(path))
    assert isinstance(result, VideoAnalysis) and result.frame_count == 175
    index = frame_index(str(path))
    by_number = {f.frame_number: f for f in result.features}
    # the reference's time stays float32(n)/fps; the viewer's is when the frame is shown
    assert by_number[108].time == pytest.approx(108 / result.fps, abs=2e-3)
    assert by_number[108].view_frame == 108 and by_number[108].view_time == 3.6
    late = max(result.features, key=lambda f: f.frame_number)
    assert late.frame_number > 150 and late.view_time == pytest.approx(
        5 + (late.frame_number - 150) * 0.2, abs=1e-3)
    for feature in result.features:
        assert feature.view_time == index.time_of(feature.view_frame)
        assert index.frame_at(feature.view_time) == feature.view_frame


def test_ingest_workers_send_keyframes_as_pictures_not_pixels(tmp_path):
    import io
    import pickle

    from PIL import Image

    from traceobject.vision.analyse import analyse_path
    from traceobject.vision.frames import keyframe_picture

    path = make_video(tmp_path / "v.mp4", fmt="mp4-h264", scenes=[Scene(1, 2.0), Scene(2, 2.0)],
                      width=320, height=240)
    pixels = analyse_video(str(path))
    pictures = analyse_path(str(path), keyframe_picture=keyframe_picture)
    assert isinstance(pixels, VideoAnalysis) and isinstance(pictures, VideoAnalysis)
    assert [k.frame_number for k in pictures.keyframes] == [k.frame_number
                                                            for k in pixels.keyframes] == [0, 50]
    for with_pixels, with_picture in zip(pixels.keyframes, pictures.keyframes, strict=True):
        assert with_picture.rgb.size == 0 and with_picture.picture is not None
        analysis, png = with_picture.picture
        decoded = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        assert np.array_equal(decoded, with_pixels.rgb)
        assert (analysis.width, analysis.height, analysis.format) == (320, 240, "PNG")
    assert len(pickle.dumps(pictures)) < len(pickle.dumps(pixels)) / 2


def test_a_huge_pixel_aspect_box_is_ignored(tmp_path):
    """An MP4 whose sample entry has a pasp box of 2000:1: shown at its coded size, not
    640,000 pixels wide."""
    import struct

    data = bytearray(make_video(tmp_path / "p.mp4", fmt="mp4-h264", scenes=[Scene(1, 0.4)],
                                width=320, height=240).read_bytes())
    offsets, start = [], 0
    for name in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"):
        at = start
        while data[at + 4:at + 8] != name:
            at += struct.unpack(">I", data[at:at + 4])[0]
        offsets.append(at)
        start = at + 8
    entry = start + 8
    size = struct.unpack(">I", data[entry:entry + 4])[0]
    assert data[entry + 4:entry + 8] == b"avc1"
    data[entry + size:entry + size] = struct.pack(">I4sII", 16, b"pasp", 2000, 1)
    for at in [*offsets, entry]:
        data[at:at + 4] = struct.pack(">I", struct.unpack(">I", data[at:at + 4])[0] + 16)
    path = tmp_path / "pasp.mp4"
    path.write_bytes(bytes(data))
    with av.open(str(path)) as container:
        assert container.streams.video[0].sample_aspect_ratio == 2000
    assert read_frame(str(path), 3).rgb.shape == (240, 320, 3)
