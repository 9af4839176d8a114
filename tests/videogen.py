"""Videos drawn and encoded in the tests (PyAV's own encoders): scenes with a moving object
and hard cuts between them, in the common codecs and containers. No video is downloaded or
shipped; every one is made here from numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

# (container format, file suffix, video codec, pixel format) as an investigator meets them.
FORMATS: dict[str, tuple[str, str, str, str]] = {
    "mp4-h264": ("mp4", ".mp4", "libx264", "yuv420p"),
    "mp4-h265": ("mp4", ".mp4", "libx265", "yuv420p"),
    "mov-h264": ("mov", ".mov", "libx264", "yuv420p"),
    "avi-mpeg4": ("avi", ".avi", "mpeg4", "yuv420p"),
    "mkv-h264": ("matroska", ".mkv", "libx264", "yuv420p"),
    "webm-vp9": ("webm", ".webm", "libvpx-vp9", "yuv420p"),
    "3gp-h263": ("3gp", ".3gp", "h263", "yuv420p"),
    "ts-mpeg2": ("mpegts", ".ts", "mpeg2video", "yuv420p"),
}


@dataclass(frozen=True)
class Scene:
    """A scene: a background pattern (seeded) with a drawn object moving across it."""

    seed: int
    seconds: float


def _background(seed: int, height: int, width: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    for channel in range(3):
        fx, fy, phase = rng.uniform(0.01, 0.08), rng.uniform(0.01, 0.08), rng.uniform(0, 6.3)
        image[..., channel] = 127 + 100 * np.sin(xx * fx + yy * fy + phase)
    # Blocks of flat colour: structure that PDQ and a scene-change detector can see.
    for _ in range(6):
        y0, x0 = int(rng.integers(0, height - 8)), int(rng.integers(0, width - 8))
        h, w = int(rng.integers(8, height // 2)), int(rng.integers(8, width // 2))
        image[y0:y0 + h, x0:x0 + w] = rng.integers(0, 255, 3)
    return image


def scene_frames(scene: Scene, *, width: int, height: int, fps: int) -> list[np.ndarray]:
    """The frames of one scene (RGB uint8): the background with a square moving across."""
    base = _background(scene.seed, height, width)
    count = max(1, round(scene.seconds * fps))
    side = max(8, min(width, height) // 5)
    colour = np.array([(scene.seed * 53) % 256, (scene.seed * 97) % 256, 40], np.float32)
    frames = []
    for index in range(count):
        frame = base.copy()
        x = int((width - side) * index / max(1, count - 1))
        y = (height - side) // 2
        frame[y:y + side, x:x + side] = colour
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


def make_video(
    path: str | Path, *, fmt: str = "mp4-h264", scenes: Sequence[Scene] = (Scene(1, 2.0),),
    width: int = 320, height: int = 240, fps: int = 25, frames: Sequence[np.ndarray] | None = None,
) -> Path:
    """Encode the scenes (or the given RGB frames) into `path` in the named format; returns
    the path. Cuts between scenes are hard cuts, at the sums of the scenes' lengths."""
    container_format, _suffix, codec, pix_fmt = FORMATS[fmt]
    path = Path(path)
    if frames is None:
        frames = [f for s in scenes for f in scene_frames(s, width=width, height=height,
                                                          fps=fps)]
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx265":
            stream.options = {"x265-params": "log-level=error"}
        for array in frames:
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def cut_times(scenes: Sequence[Scene]) -> list[float]:
    """The times of the cuts between the scenes, in seconds."""
    times, t = [], 0.0
    for scene in scenes[:-1]:
        t += scene.seconds
        times.append(t)
    return times
