"""A decoded video frame made into what an evidence image needs (Django-free): the lossless
picture, its hashes, PDQ and thumbnail, in the shape ingest records for any image."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from traceobject.vision.analyse import THUMB_SIDE, FileAnalysis
from traceobject.vision.hashing import file_hashes, pdq_hash


def frame_analysis(rgb: npt.NDArray[np.uint8], *, name: str) -> tuple[FileAnalysis, bytes]:
    """The analysis of one frame (RGB uint8, height x width x 3) and its PNG bytes. `name`
    stands for the path (e.g. "video <sha>@frame 125"); a frame has no file of its own."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"a frame is an (h, w, 3) uint8 array, not {rgb.dtype} {rgb.shape}")
    picture = Image.fromarray(rgb, "RGB")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", compress_level=3)
    data = buffer.getvalue()
    sha256, md5 = file_hashes(data)
    pdq, quality = pdq_hash(rgb)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    analysis = FileAnalysis(
        path=name, size=len(data), mtime_ns=0, sha256=sha256, md5=md5, pdq=pdq,
        pdq_quality=quality, width=picture.width, height=picture.height, format="PNG",
        mode="RGB", frame_count=1, thumbnail=out.getvalue(),
    )
    return analysis, data


def keyframe_picture(rgb: npt.NDArray[np.uint8]) -> tuple[FileAnalysis, bytes]:
    """A video's keyframe made into its picture where it is decoded (vision.analyse's
    ``keyframe_picture``: an ingest worker sends the writer PNG bytes, not pixels)."""
    return frame_analysis(rgb, name="video keyframe")
