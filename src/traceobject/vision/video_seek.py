"""One frame of a video, found by seeking (Django-free): the frame viewer steps frame by frame
through a long video without decoding it from the start each time.

Frames are numbered from 0 in presentation order, by the container's packets: the frame
index is read from them (no decoding), the N-th smallest presentation timestamp is frame N,
and the keyframes are where decoding may start. Ingest (vision.video) numbers the keyframes
it keeps the same way, so a frame number means one picture everywhere, also when packets are
damaged (an undecodable packet keeps its number and cannot be shown; the frames after it
can). To read frame N the reader seeks to the last keyframe at or before it and decodes
forward to the frame with that timestamp, skipping packets the decoder refuses (as ingest
does). When a stream's timestamps cannot be trusted (missing, repeated) frames are numbered
as they are decoded from the start, by ingest and here alike.

A read decodes at most ``max_decode_frames`` frames for at most ``max_decode_seconds``
(:class:`FrameTooFar` past that): a frame far from any keyframe is refused rather than
costing the web worker minutes.

Only the demuxer the file's first bytes name is used (vision.video.video_demuxer), with no
other protocol and no external references: ffmpeg's own guess could pick a format that opens
network ports or other files. Anything the container or the codec refuses becomes a
ValueError with a clear message.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt

from traceobject.vision.video import HEAD_BYTES, MAX_DECODE_FRAMES, video_demuxer
from traceobject.vision.video_picture import MAX_PIXELS, display_rgb, frame_seconds

#: An index is refused beyond this many frames (ten hours at 60 fps).
MAX_FRAMES = 2_160_000
#: Wall time one frame read may spend decoding.
MAX_DECODE_SECONDS = 5.0
#: What the demuxer may do besides reading the file: nothing (no network, no other file).
_OPEN_OPTIONS = {"protocol_whitelist": "file", "enable_drefs": "0", "use_absolute_path": "0"}


class FrameTooFar(ValueError):
    """Showing the frame would decode more than a read's budget allows."""


@dataclass(frozen=True)
class FrameIndex:
    """Where each frame is: its presentation timestamp (in the stream's time base), sorted,
    and which of them are keyframes (decoding may start there)."""

    pts: tuple[int, ...]
    keyframes: tuple[int, ...]  # frame numbers of the keyframes, ascending
    time_base: float
    fps: float
    exact: bool  # every packet had its own timestamp: seeking is safe

    @property
    def frame_count(self) -> int:
        return len(self.pts)

    def time_of(self, frame_number: int) -> float:
        """Seconds from the first frame, to the millisecond (vision.video_picture's
        frame_seconds, as ingest times its keyframes)."""
        return frame_seconds(self.pts[frame_number], self.pts[0], self.time_base)

    def frame_at(self, seconds: float) -> int:
        """The frame shown at `seconds` from the start (the last one starting at or before
        it; the first or the last frame outside the video)."""
        if not self.pts:
            raise ValueError("the video has no frames")
        target = self.pts[0] + seconds / self.time_base
        at = bisect.bisect_right(self.pts, target + 1e-6) - 1
        return min(max(at, 0), len(self.pts) - 1)

    def keyframe_before(self, frame_number: int) -> int | None:
        """The frame number of the last keyframe at or before `frame_number`, or None."""
        at = bisect.bisect_right(self.keyframes, frame_number) - 1
        return self.keyframes[at] if at >= 0 else None


@dataclass(frozen=True)
class SeekResult:
    rgb: npt.NDArray[np.uint8]  # height x width x 3, at display size (aspect, rotation)
    frame_number: int
    time: float  # seconds from the first frame
    frame_count: int | None
    fps: float


def _head(source: str | BinaryIO) -> bytes:
    if isinstance(source, str):
        with open(source, "rb") as file:
            return file.read(HEAD_BYTES)
    source.seek(0)
    head = source.read(HEAD_BYTES)
    source.seek(0)
    return bytes(head)


@contextmanager
def _opened(source: str | BinaryIO) -> Iterator[Any]:
    """The container, read by the demuxer its first bytes name (ValueError if they are not
    a video container's), with every PyAV or I/O failure turned into a ValueError."""
    try:
        demuxer = video_demuxer(_head(source))
        if demuxer is None:
            raise ValueError("the file does not start like any video container")
        container = av.open(source, mode="r", format=demuxer, metadata_errors="replace",
                            options=dict(_OPEN_OPTIONS))
    except (av.FFmpegError, OSError, UnicodeDecodeError, EOFError) as error:
        raise ValueError(f"not a readable video: {error}") from error
    try:
        yield container
    except (av.FFmpegError, OSError, EOFError, MemoryError) as error:
        raise ValueError(f"the video cannot be decoded: {error}") from error
    finally:
        container.close()


def _video_stream(container: Any, max_pixels: int) -> Any:
    if not container.streams.video:
        raise ValueError("the file has no video stream")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
    if width * height > max_pixels:
        raise ValueError(f"a frame of {width} x {height} pixels is larger than the "
                         f"{max_pixels} pixels allowed")
    return stream


def _fps(stream: Any) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            value = float(rate)
            if 0 < value < 1000:
                return value
    return 0.0


def frame_index(source: str | BinaryIO, *, max_pixels: int = MAX_PIXELS) -> FrameIndex:
    """The index of the video's frames, read from its packets (no decoding: a pass over
    the file at the speed of reading it)."""
    with _opened(source) as container:
        stream = _video_stream(container, max_pixels)
        stamps: list[tuple[int, bool]] = []
        exact = True
        for packet in container.demux(stream):
            if packet.size == 0:
                continue  # the demuxer's end marker
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:
                exact = False
                stamp = stamps[-1][0] + 1 if stamps else 0
            stamps.append((stamp, bool(packet.is_keyframe)))
            if len(stamps) > MAX_FRAMES:
                raise ValueError(f"the video has more than {MAX_FRAMES} frames")
        time_base = float(stream.time_base) if stream.time_base else 0.0
        fps = _fps(stream)
    stamps.sort()
    pts = tuple(s for s, _k in stamps)
    if len(set(pts)) != len(pts) or time_base <= 0:
        exact = False
    if time_base <= 0:
        time_base = 1 / fps if fps else 1 / 25
    keyframes = tuple(i for i, (_s, key) in enumerate(stamps) if key)
    return FrameIndex(pts=pts, keyframes=keyframes, time_base=time_base, fps=fps, exact=exact)


def _rgb(frame: Any, stream: Any) -> npt.NDArray[np.uint8]:
    """The frame as shown (vision.video_picture: square pixels, upright), as ingest keeps
    its keyframes."""
    return display_rgb(frame, stream)


def _check_number(frame_number: int, count: int) -> None:
    if count == 0:
        raise ValueError("the video has no frames")
    if not 0 <= frame_number < count:
        raise ValueError(f"frame {frame_number} is out of range: the video has frames "
                         f"0 to {count - 1}")


def read_frame(source: str | BinaryIO, frame_number: int, *, max_pixels: int = MAX_PIXELS,
               index: FrameIndex | None = None, max_decode_frames: int = MAX_DECODE_FRAMES,
               max_decode_seconds: float = MAX_DECODE_SECONDS) -> SeekResult:
    """Frame `frame_number` (0-based, see the module) of the video at `source` (a path or a
    seekable binary file), decoded from the keyframe before it. `index` is the video's
    frame_index (read here when not given; callers that step through one video keep it).
    FrameTooFar when that takes more than `max_decode_frames` decoded frames or
    `max_decode_seconds`; ValueError for a frame out of range, one that cannot be decoded,
    or a video that cannot be read."""
    if isinstance(frame_number, bool) or not isinstance(frame_number, int):
        raise ValueError("a frame number is a whole number")
    if index is None:
        index = frame_index(source, max_pixels=max_pixels)
    _check_number(frame_number, index.frame_count)
    budget = _Budget(max_decode_frames, max_decode_seconds)
    with _opened(source) as container:
        stream = _video_stream(container, max_pixels)
        if index.exact:
            rgb = _by_seeking(container, stream, index, frame_number, budget)
            if rgb is None:  # the keyframes do not lead to it: from the start, by timestamp
                container.seek(0, backward=True, any_frame=False, stream=stream)
                rgb = _from_start(container, stream, budget, pts=index.pts[frame_number])
        else:
            rgb = _from_start(container, stream, budget, number=frame_number)
    if rgb is None:
        raise ValueError(f"frame {frame_number} could not be decoded")
    return SeekResult(rgb=rgb, frame_number=frame_number, time=index.time_of(frame_number),
                      frame_count=index.frame_count, fps=index.fps)


class _Budget:
    """Frames and wall time one read may spend decoding."""

    def __init__(self, frames: int, seconds: float) -> None:
        self.frames, self.left = frames, frames
        self.deadline = time.monotonic() + seconds

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0 or time.monotonic() > self.deadline:
            raise FrameTooFar(f"showing this frame would decode more than {self.frames} "
                              "frames or take too long")


def decoded_frames(container: Any, stream: Any) -> Iterator[Any]:
    """The stream's frames from where the container stands, in decoder output order,
    skipping packets the decoder refuses (as ingest does), then the decoder's last ones."""
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.FFmpegError:
            continue


def _frames(container: Any, stream: Any, budget: _Budget) -> Iterator[Any]:
    for frame in decoded_frames(container, stream):
        budget.spend()
        yield frame


def _by_seeking(container: Any, stream: Any, index: FrameIndex, frame_number: int,
                budget: _Budget) -> npt.NDArray[np.uint8] | None:
    """Seek to the keyframe before the frame and decode forward to its timestamp; if the
    first frame decoded there is already past it (a stream whose keyframes are not where
    decoding may start), try the keyframe before. None if that does not find it."""
    target = index.pts[frame_number]
    start = index.keyframe_before(frame_number)
    for _attempt in range(3):
        if start is None:
            return None
        container.seek(index.pts[start], backward=True, any_frame=False, stream=stream)
        first = True
        for frame in _frames(container, stream, budget):
            if frame.pts is None:
                return None
            if frame.pts == target:
                return _rgb(frame, stream)
            if frame.pts > target:
                if first:
                    break  # landed after it: start from an earlier keyframe
                return None  # skipped over it (its packet is damaged, or the index is off)
            first = False
        else:
            return None
        start = index.keyframe_before(start - 1) if start > 0 else None
    return None


def _from_start(container: Any, stream: Any, budget: _Budget, *, pts: int | None = None,
                number: int | None = None) -> npt.NDArray[np.uint8] | None:
    """Decode from the start (a freshly opened or rewound container) to the frame with
    timestamp `pts`, or to the `number`-th frame decoded."""
    for count, frame in enumerate(_frames(container, stream, budget)):
        if (frame.pts == pts) if pts is not None else count == number:
            return _rgb(frame, stream)
    return None
