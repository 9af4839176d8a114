"""Everything ingest needs from one file, in one pass (Django-free, runs in worker processes).

:func:`analyse_path` takes any file: a video (known by its first bytes, whatever its name)
goes to :func:`traceobject.vision.video.analyse_video`, anything else to :func:`analyse_file`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from traceobject.vision.decode import DEFAULT_MAX_BYTES, DecodeError, decode_for_hashing
from traceobject.vision.files import NotRegularFile, open_regular
from traceobject.vision.hashing import file_hashes, pdq_hash
from traceobject.vision.rejection import FileRejection
from traceobject.vision.video import (
    HEAD_BYTES,
    VideoAnalysis,
    VideoLimits,
    analyse_video,
    video_kind,
)

THUMB_SIDE = 256


@dataclass(frozen=True)
class FileAnalysis:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    md5: str
    pdq: str
    pdq_quality: int
    width: int
    height: int
    format: str
    mode: str
    frame_count: int
    camera_make: str = ""
    camera_model: str = ""
    software: str = ""
    captured_at: str = ""
    gps_lat: float | None = None
    gps_lon: float | None = None
    orientation: int | None = None
    warnings: tuple[str, ...] = ()
    thumbnail: bytes = field(default=b"", repr=False)


def analyse_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FileAnalysis | FileRejection:
    """Hashes, PDQ, metadata and a thumbnail of one file, or why it was refused.

    Never raises for a bad file: a worker must survive whatever it is given.
    """
    try:
        with os.fdopen(open_regular(path), "rb") as fh:
            stat = os.fstat(fh.fileno())
            if stat.st_size > max_bytes:
                return FileRejection(path, stat.st_size, stat.st_mtime_ns, "too_large_file",
                                     f"{stat.st_size} bytes is over the limit of {max_bytes}")
            raw = fh.read()
    except NotRegularFile as error:
        return FileRejection(path, 0, 0, "not_a_file", str(error))
    except OSError as error:
        return FileRejection(path, 0, 0, "unreadable", str(error))
    sha256, md5 = file_hashes(raw)
    try:
        decoded = decode_for_hashing(raw, filename=os.path.basename(path), max_bytes=max_bytes)
        pdq, quality = pdq_hash(decoded.pixels)
    except DecodeError as error:
        return FileRejection(path, stat.st_size, stat.st_mtime_ns, error.reason_code,
                             error.message, sha256)
    except Exception as error:  # a decoder bug must not take the run down
        return FileRejection(path, stat.st_size, stat.st_mtime_ns, "corrupt",
                             f"{type(error).__name__}: {error}", sha256)
    thumb = decoded.to_pil()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=80)
    return FileAnalysis(
        path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=sha256, md5=md5,
        pdq=pdq, pdq_quality=quality, width=decoded.width, height=decoded.height,
        format=decoded.format, mode=decoded.mode, frame_count=decoded.frame_count,
        camera_make=decoded.camera_make or "", camera_model=decoded.camera_model or "",
        software=decoded.software or "",
        captured_at=decoded.capture_time.isoformat() if decoded.capture_time else "",
        gps_lat=decoded.gps_lat, gps_lon=decoded.gps_lon, orientation=decoded.orientation,
        warnings=tuple(decoded.warnings), thumbnail=buffer.getvalue(),
    )


def analyse_path(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 video_limits: VideoLimits | None = None,
                 keyframe_picture: Callable[[npt.NDArray[np.uint8]], tuple[Any, bytes]]
                 | None = None) -> FileAnalysis | VideoAnalysis | FileRejection:
    """Analyse one file as what its content is: a video container by its first bytes (a
    video named .jpg is a video, an image named .mp4 is an image), else an image. Images
    keep ``max_bytes``; videos have ``video_limits`` (the defaults if None). With
    ``keyframe_picture`` (vision.frames.keyframe_picture) a video's keyframes come as their
    pictures (analysis and PNG), not pixels: what an ingest worker sends the writer.
    Never raises for a bad file."""
    try:
        with os.fdopen(open_regular(path), "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except NotRegularFile as error:
        return FileRejection(path, 0, 0, "not_a_file", str(error))
    except OSError:
        return analyse_file(path, max_bytes=max_bytes)  # says why in its own words
    if video_kind(head) is not None:
        return analyse_video(path, limits=video_limits or VideoLimits(),
                             keyframe_picture=keyframe_picture)
    return analyse_file(path, max_bytes=max_bytes)


__all__ = ["THUMB_SIDE", "FileAnalysis", "FileRejection", "analyse_file", "analyse_path"]
