"""A decoded video frame made into what an evidence image needs (Django-free): the lossless
picture, its hashes, PDQ and thumbnail, in the shape ingest records for any image."""

from __future__ import annotations

import io

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from traceobject.vision.analyse import THUMB_SIDE, FileAnalysis
from traceobject.vision.decode import HASHING_MAX_SIDE
from traceobject.vision.hashing import file_hashes, pdq_hash

#: The frames' PNG files: zlib level 1 and the "up" filter on every row, instead of Pillow's
#: level 3 with a filter chosen per row: on grainy camera frames (bench/bench_video.py) 40 %
#: of the time (720p 29 ms instead of 75, 1080p 66 instead of 169), files 1-2 % larger.
PNG_PARAMS = (cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP)


def frame_analysis(rgb: npt.NDArray[np.uint8], *, name: str) -> tuple[FileAnalysis, bytes]:
    """The analysis of one frame (RGB uint8, height x width x 3) and its PNG bytes. `name`
    stands for the path (e.g. "video <sha>@frame 125"); a frame has no file of its own.

    The PDQ hash and the thumbnail are made as image ingest (vision.analyse.analyse_file)
    makes them from the PNG file: PDQ of the picture reduced to at most 512 pixels a side by
    Pillow's thumbnail(), the thumbnail from that. A frame saved and ingested as an image
    gets the same hash."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"a frame is an (h, w, 3) uint8 array, not {rgb.dtype} {rgb.shape}")
    encoded, png = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]), PNG_PARAMS)
    if not encoded:
        raise ValueError("the frame cannot be encoded as PNG")
    data = png.tobytes()
    sha256, md5 = file_hashes(data)
    height, width = rgb.shape[:2]
    picture = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    picture.thumbnail((HASHING_MAX_SIDE, HASHING_MAX_SIDE))
    pdq, quality = pdq_hash(np.asarray(picture, dtype=np.uint8))
    picture.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    analysis = FileAnalysis(
        path=name, size=len(data), mtime_ns=0, sha256=sha256, md5=md5, pdq=pdq,
        pdq_quality=quality, width=width, height=height, format="PNG",
        mode="RGB", frame_count=1, thumbnail=out.getvalue(),
    )
    return analysis, data


def keyframe_picture(rgb: npt.NDArray[np.uint8]) -> tuple[FileAnalysis, bytes]:
    """A video's keyframe made into its picture where it is decoded: what ingest gives
    vision.analyse.analyse_path as ``keyframe_picture``, so a worker sends the writer PNG
    bytes, not pixels (a module-level function: it travels to worker processes)."""
    return frame_analysis(rgb, name="video keyframe")
