"""A demo case of generated 'evidence' pictures and videos (objects only, no people), so a
newcomer can try the evidence pages, near-duplicate search, the video viewer and the crop
tool."""

from __future__ import annotations

import random
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageEnhance

from traceobject.demo.images import KINDS, draw_object
from traceobject.evidence.ingest import IngestSummary, ingest
from traceobject.evidence.models import Case

DEMO_CASE = "DEMO-2026-001"


def _scene(seed: int) -> Image.Image:
    """Two or three objects on one picture, as if photographed in a room."""
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    scene = draw_object(rng.choice(KINDS), seed, (1600, 1200))
    for slot in range(rng.randint(1, 2)):
        item = draw_object(rng.choice(KINDS), seed * 7 + slot, (560, 420))
        scene.paste(item, (rng.randint(0, 1000), rng.randint(0, 740)))
    return scene


def _pan(scene: Image.Image, frames: int, size: tuple[int, int]) -> list[np.ndarray]:
    """A slow camera pan across a scene: `frames` RGB frames of `size`."""
    width, height = size
    wide = scene.resize((width * 2, height * 2))
    out = []
    for index in range(frames):
        x = round(width * index / max(1, frames - 1))
        y = round(height * 0.5 * index / max(1, frames - 1))
        out.append(np.asarray(wide.crop((x, y, x + width, y + height)).convert("RGB")))
    return out


def demo_video_write(path: Path, *, seeds: tuple[int, ...], size: tuple[int, int] = (640, 360),
                     seconds: float = 3.0, fps: int = 25, codec: str = "libx264") -> Path:
    """A video of a few scenes (each panned for `seconds`, hard cuts between them)."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)  # a video codec makes a video stream
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for seed in seeds:
            for array in _pan(_scene(seed), round(seconds * fps), size):
                for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def demo_evidence_load(*, folder: Path, count: int = 24, videos: bool = True
                       ) -> IngestSummary | None:
    """Generate `count` scenes plus altered copies (resized, recompressed, brightened) and,
    with `videos`, two videos (one of them with a smaller re-encoded copy), write them under
    `folder`, and ingest them into the demo case. Idempotent."""
    if Case.objects.filter(ref=DEMO_CASE).exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        scene = _scene(1000 + i)
        exif = Image.Exif()
        exif[0x010F] = "Demo"  # camera make
        exif[0x0110] = f"Camera {i % 3 + 1}"  # model
        scene.save(folder / f"IMG_{i:04d}.jpg", "JPEG", quality=90, exif=exif)
        if i % 4 == 0:  # the same picture found again, altered: near-duplicates
            copy = ImageEnhance.Brightness(scene.resize((800, 600))).enhance(1.1)
            copy.save(folder / f"shared_{i:04d}.jpg", "JPEG", quality=70)
    if videos:
        demo_video_write(folder / "VID_0001.mp4", seeds=(1000, 1001, 1002))
        demo_video_write(folder / "VID_0002.mkv", seeds=(1005, 1006), seconds=4.0)
        # The first video found again: smaller, re-encoded with another codec.
        demo_video_write(folder / "clip_shared.webm", seeds=(1000, 1001, 1002),
                         size=(320, 180), codec="libvpx-vp9")
    return ingest([folder], case_ref=DEMO_CASE, workers=1)
