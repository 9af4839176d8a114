"""A decoded video frame as the investigator sees it (Django-free): the one conversion used
for the keyframes kept at ingest (vision.video) and for the frames the back office shows and
captures (vision.video_seek), so a keyframe and a captured frame of the same frame number are
the same picture, pixel for pixel.

- Square pixels: the stream's sample aspect ratio is applied to the width (as players and
  ffmpeg do: a 176x144 H.263 frame with SAR 12/11 is shown 192x144). A ratio outside 1/10..10,
  or one that would make the frame larger than ``max_pixels`` or wider than ``MAX_SIDE``, is
  ignored; a frame that is larger than that as decoded is refused (ValueError) before any
  conversion.
- Upright: the frame's display matrix (side data, which FFmpeg takes from an MP4/MOV track
  matrix) is applied, rotations by quarter turns and mirroring, the way ffmpeg's autorotate
  does; without one, a legacy ``rotate`` tag on the stream (degrees clockwise, as older
  ffmpeg wrote it, e.g. ``ROTATE`` in a Matroska file; FFmpeg itself no longer applies it).
  A matrix or tag that is not a quarter turn is taken to the nearest one.

vPDQ does not use this: it hashes the decoded frame as the reference hasher does.

The time of a frame, everywhere (keyframes, the viewer, captured frames): its presentation
timestamp minus the first frame's, in seconds, rounded to the millisecond
(:func:`frame_seconds`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: A frame's pixels are bounded like an image's (a 36-megapixel frame is 108 MB as RGB).
MAX_PIXELS = 36_000_000
#: ...and each side at most this many pixels, as shown (after the aspect ratio and turning).
MAX_SIDE = 8192


@dataclass(frozen=True)
class Orientation:
    """How the decoded picture is turned to be shown: transposed first (rows become
    columns), then mirrored left-right and/or top-bottom."""

    transpose: bool = False
    hflip: bool = False
    vflip: bool = False


def _matrix(frame: Any) -> tuple[int, ...] | None:
    try:
        from av.sidedata.sidedata import Type

        container = frame.side_data
        # PyAV 18 made the container a mapping (iterating gives the types); before, iterating
        # gave the side data themselves.
        sides = container.values() if hasattr(container, "values") else container
        for side in sides:
            if side.type == Type.DISPLAYMATRIX:
                data = bytes(side)
                if len(data) >= 36:
                    return struct.unpack("=9i", data[:36])
    except (AttributeError, ImportError, TypeError, ValueError):
        return None
    return None


def orientation_of_matrix(matrix: tuple[int, ...]) -> Orientation:
    """The quarter turn and mirroring a display matrix describes (FFmpeg's int32 matrix,
    row-major: a picture point (x, y) is shown at (a*x + c*y, b*x + d*y))."""
    a, b, c, d = matrix[0], matrix[1], matrix[3], matrix[4]
    if abs(a) + abs(d) >= abs(b) + abs(c):
        return Orientation(transpose=False, hflip=a < 0, vflip=d < 0)
    return Orientation(transpose=True, hflip=c < 0, vflip=b < 0)


#: The legacy ``rotate`` tag: the picture turned clockwise by this many degrees.
_ROTATE_TAG = {90: Orientation(transpose=True, hflip=True),
               180: Orientation(hflip=True, vflip=True),
               270: Orientation(transpose=True, vflip=True)}


def frame_orientation(frame: Any, stream: Any) -> Orientation:
    """The frame's display matrix, else the stream's ``rotate`` tag, else upright."""
    matrix = _matrix(frame)
    if matrix is not None:
        return orientation_of_matrix(matrix)
    try:
        tags = {str(k).lower(): v for k, v in (stream.metadata or {}).items()}
        tag = str(tags.get("rotate", "")).strip()[:16]
        degrees = round(float(tag)) % 360 if tag else 0
    except (AttributeError, TypeError, ValueError, OverflowError):
        degrees = 0
    nearest = (round(degrees / 90) * 90) % 360
    return _ROTATE_TAG.get(nearest, Orientation())


def sample_aspect(stream: Any) -> float:
    """The stream's pixel aspect ratio (width of a pixel over its height), 1 if unknown or
    implausible."""
    for owner in (stream, getattr(stream, "codec_context", None)):
        try:
            ratio = owner.sample_aspect_ratio if owner is not None else None
            value = float(ratio) if ratio else 0.0
        except (AttributeError, TypeError, ValueError, ZeroDivisionError):
            value = 0.0
        if 0.1 <= value <= 10:
            return value
    return 1.0


def display_size(width: int, height: int, stream: Any, *,
                 max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """The decoded size with square pixels (before turning)."""
    aspect = sample_aspect(stream)
    if abs(aspect - 1) > 1e-3:
        wide = max(1, round(width * aspect))
        if wide * height <= max_pixels and wide <= MAX_SIDE:
            return wide, height
    return width, height


def display_rgb(frame: Any, stream: Any, *,
                max_pixels: int = MAX_PIXELS) -> npt.NDArray[np.uint8]:
    """The decoded PyAV VideoFrame as shown: RGB (height x width x 3, contiguous), square
    pixels, upright. ValueError for a frame over ``max_pixels`` or ``MAX_SIDE``."""
    if (frame.width > MAX_SIDE or frame.height > MAX_SIDE
            or frame.width * frame.height > max_pixels):
        raise ValueError(f"a frame of {frame.width} x {frame.height} pixels is larger than "
                         f"{MAX_SIDE} pixels a side or {max_pixels} pixels")
    width, height = display_size(frame.width, frame.height, stream, max_pixels=max_pixels)
    rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    turn = frame_orientation(frame, stream)
    if turn.transpose:
        rgb = rgb.transpose(1, 0, 2)
    if turn.hflip:
        rgb = rgb[:, ::-1]
    if turn.vflip:
        rgb = rgb[::-1]
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def frame_seconds(pts: int, first_pts: int, time_base: Any) -> float:
    """A frame's time: seconds from the first frame (presentation timestamps, in the
    stream's time base), to the millisecond."""
    return round(float(pts - first_pts) * float(time_base), 3)


__all__ = ["MAX_PIXELS", "MAX_SIDE", "Orientation", "display_rgb", "display_size",
           "frame_orientation", "frame_seconds", "orientation_of_matrix", "sample_aspect"]
