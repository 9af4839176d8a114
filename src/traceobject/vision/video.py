"""Videos analysed for evidence (Django-free, runs in worker processes): metadata, one PDQ
hash a second (vPDQ features) and keyframes at scene changes, decoded with PyAV."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import av
import numpy as np

from traceobject.vision.analyse import FileRejection
from traceobject.vision.hashing import file_hashes, pdq_hash

#: A grey 32x32 thumbnail differing by more than this (mean absolute, 0..255) is a new scene.
SCENE_CHANGE = 30.0


@dataclass(frozen=True)
class VideoLimits:
    max_bytes: int = 8 * 1024**3
    max_width: int = 8192
    max_height: int = 8192
    max_pixels: int = 36_000_000
    max_duration: float = 6 * 3600.0
    max_frames: int = 2_000_000
    max_seconds: float = 1800.0
    seconds_per_hash: float = 1.0
    keyframe_min_gap: float = 2.0
    max_keyframes: int = 500


@dataclass(frozen=True)
class VpdqFeature:
    frame_number: int
    time: float
    pdq: str
    quality: int


@dataclass(frozen=True)
class Keyframe:
    frame_number: int
    time: float
    rgb: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class VideoAnalysis:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    md5: str
    container: str
    video_codec: str
    audio_codec: str
    width: int
    height: int
    fps: float
    duration: float
    frame_count: int
    created_meta: str
    metadata: dict[str, str]
    features: tuple[VpdqFeature, ...]
    keyframes: tuple[Keyframe, ...] = field(repr=False)
    warnings: tuple[str, ...] = ()


def video_kind(head: bytes) -> str | None:
    """The container a file's first bytes announce, or None if they are not a video's."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "mpegts"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg"
    if head[:3] == b"FLV":
        return "flv"
    return None


def analyse_video(path: str, *, limits: VideoLimits = VideoLimits()
                  ) -> VideoAnalysis | FileRejection:
    """Metadata, vPDQ features and keyframes of one video, or why it was refused."""
    try:
        stat = os.stat(path)
    except OSError as error:
        return FileRejection(path, 0, 0, "unreadable", str(error))
    if stat.st_size > limits.max_bytes:
        return FileRejection(path, stat.st_size, stat.st_mtime_ns, "too_large_file",
                             f"{stat.st_size} bytes is over the limit of {limits.max_bytes}")
    try:
        sha256, md5 = file_hashes(path)
        return _decode(path, stat, sha256, md5, limits)
    except Exception as error:  # a decoder error must not take the worker down
        return FileRejection(path, stat.st_size, stat.st_mtime_ns, "corrupt_video",
                             f"{type(error).__name__}: {error}")


def _decode(path: str, stat: os.stat_result, sha256: str, md5: str,
            limits: VideoLimits) -> VideoAnalysis | FileRejection:
    started = time.monotonic()
    warnings: list[str] = []
    with av.open(path) as container:
        if not container.streams.video:
            return FileRejection(path, stat.st_size, stat.st_mtime_ns, "no_video_stream",
                                 "the file holds no video stream", sha256)
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if (width > limits.max_width or height > limits.max_height
                or width * height > limits.max_pixels):
            return FileRejection(path, stat.st_size, stat.st_mtime_ns, "too_large_video",
                                 f"{width}x{height} is over the limits", sha256)
        fps = float(stream.average_rate or 0) or 25.0
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
        metadata = {str(k)[:64]: str(v)[:256] for k, v in container.metadata.items()}
        features: list[VpdqFeature] = []
        keyframes: list[Keyframe] = []
        next_sample = 0.0
        last_grey: np.ndarray | None = None
        last_key = -1e9
        count = 0
        last_time = 0.0
        for frame in container.decode(stream):
            t = float(frame.time) if frame.time is not None else count / fps
            last_time = max(last_time, t)
            if count >= limits.max_frames or t > limits.max_duration:
                warnings.append("stopped at the frame or duration limit")
                break
            if time.monotonic() - started > limits.max_seconds:
                warnings.append("stopped at the time budget")
                break
            grey = frame.reformat(width=32, height=32, format="gray").to_ndarray()
            grey = grey.astype(np.float32)
            changed = last_grey is None or float(np.abs(grey - last_grey).mean()) > SCENE_CHANGE
            last_grey = grey
            rgb: np.ndarray | None = None
            if t >= next_sample:
                rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                pdq, quality = pdq_hash(rgb)
                features.append(VpdqFeature(count, round(t, 3), pdq, quality))
                next_sample = t + limits.seconds_per_hash
            if (changed and t - last_key >= limits.keyframe_min_gap
                    and len(keyframes) < limits.max_keyframes):
                if rgb is None:
                    rgb = frame.to_ndarray(format="rgb24")
                keyframes.append(Keyframe(count, round(t, 3), np.ascontiguousarray(rgb)))
                last_key = t
            count += 1
        if count == 0:
            return FileRejection(path, stat.st_size, stat.st_mtime_ns, "corrupt_video",
                                 "no frame could be decoded", sha256)
        return VideoAnalysis(
            path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=sha256, md5=md5,
            container=container.format.name.split(",")[0][:32],
            video_codec=stream.codec_context.name[:32], audio_codec=audio[:32],
            width=width, height=height, fps=fps,
            duration=round(last_time + 1 / fps, 3), frame_count=count,
            created_meta=metadata.pop("creation_time", "")[:40], metadata=metadata,
            features=tuple(features), keyframes=tuple(keyframes), warnings=tuple(warnings),
        )


def vpdq_format(features: Iterable[VpdqFeature]) -> str:
    """The vPDQ features as text, one line a feature: frame_number,pdq,quality,timestamp."""
    return "".join(f"{f.frame_number},{f.pdq},{f.quality},{f.time:.3f}\n" for f in features)


def vpdq_parse(text: str) -> list[VpdqFeature]:
    """The features written by vpdq_format; ValueError for a malformed line."""
    features = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(",")
        if len(parts) != 4 or len(parts[1]) != 64:
            raise ValueError(f"line {number}: not a vPDQ feature")
        int(parts[1], 16)
        features.append(VpdqFeature(int(parts[0]), float(parts[3]), parts[1].lower(),
                                    int(parts[2])))
    return features
