from __future__ import annotations

import io
import random
import secrets
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw


def drawn_image(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randint(0, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, x1 = sorted(rng.randint(0, size[0]) for _ in range(2))
        y0, y1 = sorted(rng.randint(0, size[1]) for _ in range(2))
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rng.randint(0, 255) for _ in range(3)))
    return image


def write_jpeg(path: Path, seed: int, size: tuple[int, int] = (640, 480)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    drawn_image(seed, size).save(path, "JPEG", quality=90)
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def hostile_files(folder: Path) -> dict[str, str]:
    """Bad files, each with the reason ingest must give."""
    folder.mkdir(parents=True, exist_ok=True)
    good = io.BytesIO()
    drawn_image(99).save(good, "JPEG", quality=90)
    jpeg = good.getvalue()
    expected = {}
    (folder / "text.jpg").write_text("this is not a picture\n")
    expected["text.jpg"] = "not_an_image"
    (folder / "empty.jpg").write_bytes(b"")
    expected["empty.jpg"] = "empty"
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    expected["truncated.jpg"] = "truncated"
    huge = (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b""))
    (folder / "huge.png").write_bytes(huge)
    expected["huge.png"] = "decompression_bomb"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "hidden")
    (folder / "polyglot.jpg").write_bytes(jpeg + archive.getvalue())
    expected["polyglot.jpg"] = "polyglot"
    return expected


@pytest.fixture
def evidence_tree(tmp_path: Path) -> Path:
    root = tmp_path / "seized"
    for i in range(12):
        write_jpeg(root / "phone" / f"IMG_{i:04d}.jpg", seed=i)
    # The same picture twice, in two places.
    write_jpeg(root / "laptop" / "copy_of_3.jpg", seed=3)
    return root


def crop_make(image: Any, rect: dict[str, int], *, user: Any, verdict: str = "pass",
              findings: list[dict[str, Any]] | None = None,
              text_findings: list[dict[str, Any]] | None = None) -> Any:
    """A crop of `image` stored as `crops.crop_create` stores it (cut from the evidence file,
    re-encoded as PNG into the evidence store, its row), with the safety gate's verdict given
    instead of run: the gate costs seconds a crop, which tests of what follows a verdict
    (override, object, pages, roles) would pay again and again. crop_create itself and the
    gate are tested running (tests/internal/test_crops*.py, tests/vision)."""
    from traceobject.evidence.models import Crop
    from traceobject.evidence.storage import evidence_put, evidence_read
    from traceobject.vision.decode import decode_image

    x, y, w, h = rect["x"], rect["y"], rect["w"], rect["h"]
    picture = decode_image(evidence_read(key=image.storage_key)).to_pil()
    cut = picture.crop((x, y, x + w, y + h)).convert("RGB")
    buffer = io.BytesIO()
    cut.save(buffer, "PNG")
    key = f"crops/{secrets.token_hex(16)}.png"
    evidence_put(key=key, data=buffer.getvalue())
    return Crop.objects.create(image=image, x=x, y=y, w=w, h=h, redactions=[], storage_key=key,
                               width=cut.width, height=cut.height, created_by=user,
                               gate_verdict=verdict, gate_findings=findings or [],
                               text_findings=text_findings or [])


_VIDEOS: dict[tuple[Any, ...], Path] = {}  # generated once per test process


def video_file(fmt: str = "mp4-h264", scenes: Any = None, *, width: int = 160,
               height: int = 120, fps: int = 25) -> Path:
    """A test video (tests/videogen.py) made once per process and reused: the same
    arguments give the same file."""
    import tempfile

    from tests.videogen import FORMATS, Scene, make_video

    scenes = tuple(scenes or (Scene(1, 1.0), Scene(2, 1.0)))
    key = (fmt, scenes, width, height, fps)
    if key not in _VIDEOS or not _VIDEOS[key].exists():
        folder = Path(tempfile.mkdtemp(prefix="videos-"))
        _VIDEOS[key] = make_video(folder / f"v{FORMATS[fmt][1]}", fmt=fmt, scenes=scenes,
                                  width=width, height=height, fps=fps)
    return _VIDEOS[key]


def video_make(case: Any, path: str, fmt: str = "mp4-h264", scenes: Any = None, *,
               width: int = 160, height: int = 120, fps: int = 25) -> Any:
    """A video found in `case` at `path` as ingest records one: the file (video_file) in
    the evidence store under its content address, its EvidenceVideo and EvidenceVideoFile
    rows, and a keyframe (decoded with PyAV, recorded with video_frame_record) at the start
    of each scene. vPDQ is left out (vpdq_key empty): the back office does not read it."""
    import hashlib

    import av

    from tests.videogen import FORMATS, Scene, cut_times
    from traceobject.evidence.models import EvidenceVideo, EvidenceVideoFile
    from traceobject.evidence.storage import evidence_put
    from traceobject.evidence.video_frames import video_frame_record

    scenes = tuple(scenes or (Scene(1, 1.0), Scene(2, 1.0)))
    source = video_file(fmt, scenes, width=width, height=height, fps=fps)
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    key = f"videos/{sha[:2]}/{sha[2:4]}/{sha}"
    evidence_put(key=key, data=data)
    starts = {0, *(round(t * fps) for t in cut_times(scenes))}
    pictures = {}
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        for number, frame in enumerate(container.decode(stream)):
            if number in starts:
                pictures[number] = (frame.to_ndarray(format="rgb24"), number / fps)
        count = number + 1
        video, _created = EvidenceVideo.objects.get_or_create(sha256=sha, defaults={
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(), "file_size": len(data),
            "container": FORMATS[fmt][0],
            "video_codec": stream.codec_context.name, "audio_codec": "",
            "width": stream.codec_context.width, "height": stream.codec_context.height,
            "fps": float(fps), "duration": count / fps, "frame_count": count,
            "storage_key": key, "vpdq_key": ""})
    EvidenceVideoFile.objects.get_or_create(case=case, path=path, defaults={
        "video": video, "size": len(data), "mtime_ns": 0})
    for number, (rgb, time) in sorted(pictures.items()):
        video_frame_record(video=video, rgb=rgb, frame_number=number, time=time,
                           kind="keyframe")
    return video
