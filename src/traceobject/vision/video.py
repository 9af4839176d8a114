"""Everything ingest needs from one video file, in one decoding pass (Django-free).

:func:`analyse_video` reads a file once for its SHA-256 and MD5, then decodes its first video
stream once with PyAV and, on the way, computes

- the vPDQ features: one PDQ hash per ``seconds_per_hash`` of video, picked, converted and
  timed as the reference vPDQ hasher (ThreatExchange ``vpdq/cpp``) does it: frame ``n`` (in
  decoder output order, counted from 0) is hashed when ``n % int(seconds_per_hash * fps) == 0``,
  with ``fps`` the stream's average frame rate (else its base rate); the frame is converted to
  RGB24 at the stream's declared size as the reference's swscale does (BT.601 coefficients,
  range from the pixel format, area filter), its timestamp is ``float32(n) / float32(fps)``
  rounded to the millisecond. The hashes are the project's PDQ (``vision.hashing.pdq_hash``);
- the keyframes: the first frame, and every frame after a scene cut (a jump of the mean
  absolute difference of a small grey sample of consecutive frames, ffmpeg's "scene" score),
  at most one per ``keyframe_min_gap`` seconds and ``max_keyframes`` in all, kept at full size
  as the viewer shows them (vision.video_picture: square pixels, upright);
- the container, codecs, size, frame rate, duration, frame count and the creation metadata.

A bad file never raises: it comes back as a :class:`FileRejection` with a short reason code
and a sentence. Only the demuxer that the file's first bytes name is used (never ffmpeg's
guess, which could pick a playlist format that opens other files), declared dimensions and
durations are checked before decoding, and decoding stops at the limits of
:class:`VideoLimits` (frames, seconds of video, wall time). Memory holds the keyframes and
the frame being decoded, nothing else.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import av
import av.error
import numpy as np
import numpy.typing as npt

from traceobject.vision.files import NotRegularFile, fd_path, open_regular
from traceobject.vision.hashing import PDQ_HEX_DIGITS, pdq_hash
from traceobject.vision.rejection import FileRejection
from traceobject.vision.video_picture import display_rgb, frame_seconds

#: How much of a file's head :func:`video_kind` wants.
HEAD_BYTES = 4096

_CHUNK = 1024 * 1024

#: The most frames the frame viewer (vision.video_seek) decodes to show one frame; ingest
#: warns when keyframes lie further apart than this.
MAX_DECODE_FRAMES = 3000


@dataclass(frozen=True)
class VideoLimits:
    max_bytes: int = 8 * 1024**3
    max_width: int = 8192
    max_height: int = 8192
    max_pixels: int = 36_000_000  # per frame
    max_duration: float = 6 * 3600.0  # seconds of video, declared or decoded
    max_frames: int = 2_000_000  # frames decoded
    max_seconds: float = 1800.0  # wall-time budget per file
    seconds_per_hash: float = 1.0  # vPDQ sampling, the reference's default
    keyframe_min_gap: float = 2.0  # at most one keyframe per N seconds
    max_keyframes: int = 500
    #: The keyframes held together, in bytes: of RGB, or of PNG when analyse_video is given
    #: ``keyframe_picture`` (ingest: the worker encodes each keyframe as it is kept and only
    #: the PNGs go to the writer); past it no further keyframe is kept.
    max_keyframe_bytes: int = 256 * 1024**2
    #: Scene-cut threshold: ffmpeg's scene score (0..255 scale) of the grey samples.
    scene_threshold: float = 30.0
    #: 0: each sampled frame is hashed at its full size, as the reference does (the same
    #: hashes). N: scaled down (area) to at most N pixels on its longer side first: at 720p
    #: with 512 about 4x cheaper (5 ms a hash instead of 22), hashes a few bits from the
    #: reference's (bench_video: mean 5.3, at most 14 bits; the match threshold is 31).
    vpdq_max_side: int = 0
    #: Warn when more frames than this lie between two keyframes (the viewer cannot show
    #: the frames that far after a keyframe).
    keyframe_gap_warning: int = MAX_DECODE_FRAMES


@dataclass(frozen=True)
class VpdqFeature:
    frame_number: int  # the reference's: decoded frames counted from 0
    time: float  # the reference's: float32(frame_number) / fps
    pdq: str  # 64 hex digits
    quality: int
    #: Where the frame is for the viewer (vision.video_seek's number and time, from its
    #: presentation timestamp); None when not known (a parsed .vpdq file).
    view_frame: int | None = field(default=None, compare=False)
    view_time: float | None = field(default=None, compare=False)
    pts: int | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Keyframe:
    frame_number: int  # vision.video_seek's number of the frame
    time: float  # seconds from the first frame (vision.video_picture.frame_seconds)
    rgb: npt.NDArray[np.uint8] = field(repr=False, compare=False)  # (h, w, 3), display size
    pts: int | None = field(default=None, repr=False, compare=False)
    #: What ``keyframe_picture`` made of it (its analysis and PNG bytes); rgb is then empty.
    picture: tuple[Any, bytes] | None = field(default=None, repr=False, compare=False)


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
    keyframes: tuple[Keyframe, ...]
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------- sniffing

#: ISO base media brands that are still images, not videos (HEIF/HEIC, AVIF, Canon raw).
_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1",
                           b"msf1", b"avif", b"avis", b"crx ", b"jp2 ", b"jpx "})
#: QuickTime files older than the ftyp box start with one of these atoms.
_QT_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")

#: video_kind -> the one ffmpeg demuxer allowed to read it.
_DEMUXERS: dict[str, str] = {
    "mp4": "mp4", "mov": "mov", "3gp": "3gp", "mkv": "matroska", "webm": "matroska",
    "avi": "avi", "ts": "mpegts", "mpeg": "mpeg", "flv": "flv", "asf": "asf", "ogg": "ogg",
}


def video_kind(head: bytes) -> str | None:
    """The container a file's first bytes (give at least 4096) announce, or None if they are
    not a video container's: "mp4", "mov", "3gp", "mkv", "webm", "avi", "ts", "mpeg",
    "flv", "asf" or "ogg". Still-image formats in video-like boxes (HEIC, AVIF) are None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        size = int.from_bytes(head[0:4], "big")
        compatible = {head[i:i + 4] for i in range(16, min(size, len(head), 256) - 3, 4)}
        if brand in _IMAGE_BRANDS or (brand not in (b"qt  ",) and b"mif1" in compatible
                                      and not compatible & {b"isom", b"mp41", b"mp42"}):
            return None
        if brand == b"qt  ":
            return "mov"
        if brand.startswith((b"3gp", b"3g2", b"3gg")):
            return "3gp"
        return "mp4"
    if len(head) >= 8 and head[4:8] in _QT_ATOMS and int.from_bytes(head[0:4], "big") >= 8:
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        doctype = head[:64]
        if b"webm" in doctype:
            return "webm"
        if b"matroska" in doctype:
            return "mkv"
        return None
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "avi"
    for packet, offset in ((188, 0), (192, 4)):  # MPEG-TS, and M2TS with its 4-byte prefix
        count = min(max(3, len(head) // packet), 20)
        if len(head) >= packet * 2 + offset + 1 and all(
                head[offset + i * packet] == 0x47
                for i in range(count) if offset + i * packet < len(head)):
            return "ts"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return "mpeg"
    if head[:4] == b"FLV\x01":
        return "flv"
    if head[:16] == _ASF_GUID:
        return "asf"
    if head[:4] == b"OggS" and b"\x80theora" in head:
        return "ogg"
    return None


def video_demuxer(head: bytes) -> str | None:
    """The one ffmpeg demuxer allowed to read a file whose first bytes are `head` (as
    :func:`video_kind` names its container), or None if they are not a video's."""
    kind = video_kind(head)
    return _DEMUXERS[kind] if kind is not None else None


# --------------------------------------------------------------------------- structure


def _read_at(fd: int, offset: int, length: int) -> bytes:
    return os.pread(fd, length, offset)


def _truncation(fd: int, size: int, kind: str) -> str | None:
    """A sentence if the container's own structure says the file is cut short, else None.
    Reads a few headers only (top-level boxes, chunks or elements)."""
    if kind in ("mp4", "mov", "3gp"):
        offset, boxes = 0, 0
        while offset < size and boxes < 100_000:
            header = _read_at(fd, offset, 16)
            if len(header) < 8:
                return f"a box header at byte {offset} is cut off"
            length, box = int.from_bytes(header[0:4], "big"), header[4:8]
            name = box.decode("latin-1")
            if length == 1:
                if len(header) < 16:
                    return f"the header of the {name!r} box at byte {offset} is cut off"
                length = int.from_bytes(header[8:16], "big")
            elif length == 0:
                return None  # the last box runs to the end of the file
            if length < 8 or not all(0x20 <= c < 0x7F for c in box):
                return None  # not a box structure we can follow; the demuxer will judge
            if offset + length > size:
                return (f"its {name!r} box at byte {offset} declares {length} bytes but the "
                        f"file ends {offset + length - size} bytes before its end")
            offset += length
            boxes += 1
        return None
    if kind == "avi":
        offset = 0
        while offset + 8 <= size:
            header = _read_at(fd, offset, 12)
            if header[:4] != b"RIFF":
                return None
            length = int.from_bytes(header[4:8], "little") + 8
            if offset + length > size:
                return (f"its RIFF chunk at byte {offset} declares {length} bytes but the "
                        f"file ends {offset + length - size} bytes before its end")
            offset += length + (length & 1)
        return None
    if kind in ("mkv", "webm"):
        return _ebml_truncation(fd, size)
    if kind == "ts":
        head = _read_at(fd, 0, 8)
        packet = 192 if len(head) > 4 and head[0] != 0x47 else 188
        if size % packet:
            return (f"it ends in the middle of a {packet}-byte transport packet "
                    f"({size % packet} bytes of the last one)")
    return None


def _ebml_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int] | None:
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    return value, length


def _ebml_truncation(fd: int, size: int) -> str | None:
    head = _read_at(fd, 0, 4096)
    pos = 0
    for _ in range(2):  # the EBML header, then the Segment
        element = _ebml_vint(head, pos, keep_marker=True)
        if element is None:
            return None
        ident, id_len = element
        length = _ebml_vint(head, pos + id_len, keep_marker=False)
        if length is None:
            return None
        value, len_len = length
        data_start = pos + id_len + len_len
        if value == (1 << (7 * len_len)) - 1:
            return None  # "unknown size": a live recording; nothing to compare with
        if ident == 0x18538067:  # Segment
            if data_start + value > size:
                return (f"its Segment declares {value} bytes but the file ends "
                        f"{data_start + value - size} bytes before its end")
            return None
        pos = data_start + value
    return None


# --------------------------------------------------------------------------- metadata

_MAX_TAGS = 64
_MAX_KEY = 64
_MAX_VALUE = 512
_CREATION_KEYS = ("creation_time", "com.apple.quicktime.creationdate", "date", "DATE")


def _clean(text: Any, limit: int) -> str:
    value = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text))
    return " ".join(value.split())[:limit]


def _tags(container: Any, stream: Any) -> tuple[str, dict[str, str]]:
    """created_meta and the other tags (the video stream's prefixed "video:")."""
    raw: list[tuple[str, Any]] = list(dict(container.metadata).items())
    raw += [(f"video:{key}", value) for key, value in dict(stream.metadata).items()]
    created = ""
    for key in _CREATION_KEYS:
        for name in (key, f"video:{key}"):
            for tag, value in raw:
                if tag == name and not created:
                    created = _clean(value, 64)
    metadata: dict[str, str] = {}
    for key, value in raw:
        clean_key = _clean(key, _MAX_KEY)
        if not clean_key or clean_key in metadata or clean_key in _CREATION_KEYS:
            continue
        if len(metadata) >= _MAX_TAGS:
            break
        metadata[clean_key] = _clean(value, _MAX_VALUE)
    return created, metadata


# --------------------------------------------------------------------------- frames

#: Pixel formats whose first plane is 8-bit luma: the scene signal reads it without converting.
_LUMA8 = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p",
                    "yuv411p", "yuv410p", "yuv440p", "yuvj440p", "nv12", "nv21", "nv16",
                    "gray", "yuva420p"})
_SAMPLE_SIDE = 64


def _grey_sample(frame: Any) -> npt.NDArray[np.float32]:
    """A small grey picture of the frame (about 64 samples on its short side)."""
    width, height = frame.width, frame.height
    step = max(1, min(width, height) // _SAMPLE_SIDE)
    if frame.format.name in _LUMA8:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        luma = rows[:height:step, :width:step]
    else:
        small = frame.reformat(width=max(1, width // step), height=max(1, height // step),
                               format="gray")
        luma = small.to_ndarray()
        if luma.ndim == 3:
            luma = luma[..., 0]
    return luma.astype(np.float32)


def _vpdq_rgb(frame: Any, width: int, height: int) -> npt.NDArray[np.uint8]:
    """The frame as the reference vPDQ hasher converts it: swscale to RGB24 at the stream's
    declared size, area filter, BT.601 coefficients, the range its pixel format says."""
    full = frame.format.name.startswith("yuvj")
    converted = frame.reformat(width=width, height=height, format="rgb24",
                               src_colorspace="itu601", interpolation="AREA",
                               src_color_range="JPEG" if full else "MPEG")
    return np.ascontiguousarray(converted.to_ndarray())


def _seconds(value: Any, base: Any) -> float | None:
    if value is None or base is None:
        return None
    return float(value * Fraction(base))


# --------------------------------------------------------------------------- analysis

class _Refused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def _stream_hashes(fd: int) -> tuple[str, str, bytes]:
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    head = b""
    offset = 0
    while block := os.pread(fd, _CHUNK, offset):
        if offset == 0:
            head = block[:HEAD_BYTES]
        sha.update(block)
        md5.update(block)
        offset += len(block)
    return sha.hexdigest(), md5.hexdigest(), head


def analyse_video(path: str, *, limits: VideoLimits = VideoLimits(),
                  keyframe_picture: Callable[[npt.NDArray[np.uint8]], tuple[Any, bytes]]
                  | None = None) -> VideoAnalysis | FileRejection:
    """Hashes, metadata, vPDQ and keyframes of one video file, or why it was refused.
    With ``keyframe_picture`` (vision.frames.keyframe_picture for ingest) each keyframe is
    made into its picture as it is kept and its pixels are let go.

    Never raises for a bad file (a worker must survive whatever it is given)."""
    try:
        fd = open_regular(path)
    except NotRegularFile as error:
        return FileRejection(path, 0, 0, "not_a_file", str(error))
    except OSError as error:
        return FileRejection(path, 0, 0, "unreadable", f"The file cannot be opened: {error}.")
    try:
        info = os.fstat(fd)
        size, mtime = info.st_size, info.st_mtime_ns
        if size == 0:
            return FileRejection(path, 0, mtime, "empty", "The file is empty.")
        if size > limits.max_bytes:
            return FileRejection(path, size, mtime, "too_large_file",
                                 f"The file has {size} bytes, over the limit of "
                                 f"{limits.max_bytes}.")
        try:
            sha256, md5, head = _stream_hashes(fd)
        except OSError as error:
            return FileRejection(path, size, mtime, "unreadable",
                                 f"The file cannot be read: {error}.")
        kind = video_kind(head)
        if kind is None:
            return FileRejection(path, size, mtime, "not_a_video",
                                 "The file does not start like any video container.", sha256)
        try:
            return _decode(path, fd, size, mtime, sha256, md5, kind, limits,
                           keyframe_picture)
        except _Refused as refusal:
            return FileRejection(path, size, mtime, refusal.reason, refusal.message, sha256)
        except MemoryError:
            return FileRejection(path, size, mtime, "too_large_dimensions",
                                 "There is not enough memory to decode the video.", sha256)
        except Exception as error:  # a decoder bug must not take the run down
            return FileRejection(path, size, mtime, "corrupt_video",
                                 f"The video cannot be decoded ({type(error).__name__}: "
                                 f"{_clean(error, 200)}).", sha256)
    finally:
        os.close(fd)


def _ffmpeg_message(error: Exception) -> str:
    text = getattr(error, "strerror", None) or str(error)
    log = getattr(error, "log", None)
    if log and len(log) >= 3 and log[2]:
        text = f"{text}: {log[2]}"
    return _clean(text, 200)


def _decode(path: str, fd: int, size: int, mtime: int, sha256: str, md5: str, kind: str,
            limits: VideoLimits, keyframe_picture: Any = None) -> VideoAnalysis:
    truncated = _truncation(fd, size, kind)
    # The file as this descriptor sees it (the bytes just hashed), not whatever the path
    # names by now; where /proc is missing, the path.
    source = fd_path(fd, path)
    try:
        container = av.open(source, format=_DEMUXERS[kind], metadata_errors="replace",
                            options={"enable_drefs": "0"})
    except av.error.FFmpegError as error:
        if truncated:
            raise _Refused("truncated", f"The file is cut short: {truncated}; no frame can be "
                           "decoded from what is there.") from None
        raise _Refused("corrupt_video", f"The {kind} container cannot be read "
                       f"({_ffmpeg_message(error)}).") from None
    with container:
        return _decode_container(path, container, size, mtime, sha256, md5, kind, limits,
                                 truncated, keyframe_picture)


def _decode_container(path: str, container: Any, size: int, mtime: int, sha256: str, md5: str,
                      kind: str, limits: VideoLimits, truncated: str | None,
                      keyframe_picture: Any = None) -> VideoAnalysis:
    started = time.monotonic()
    if not container.streams.video:
        raise _Refused("no_video_stream", "The file holds no video stream"
                       + (" (audio only)." if container.streams.audio else "."))
    stream = container.streams.video[0]
    audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
    codec = stream.codec_context
    width, height = int(codec.width or 0), int(codec.height or 0)
    _check_dimensions(width, height, limits, declared=True)
    rate = stream.average_rate or stream.base_rate or stream.guessed_rate
    fps = float(rate) if rate else 0.0
    if not fps > 0:
        raise _Refused("corrupt_video", "The video stream declares no frame rate.")

    declared = [d for d in (_seconds(stream.duration, stream.time_base),
                            container.duration / 1e6 if container.duration else None)
                if d is not None and d > 0]
    declared_seconds = max(declared, default=0.0)
    declared_frames = int(stream.frames or 0)
    _check_declared(declared_seconds, declared_frames, size, limits)

    created, metadata = _tags(container, stream)
    stream.thread_type = "AUTO"
    stream.codec_context.options = {"max_pixels": str(limits.max_pixels)}

    frame_mod = max(1, int(limits.seconds_per_hash * fps))
    hash_size = (width, height)
    if 0 < limits.vpdq_max_side < max(width, height):
        scale = limits.vpdq_max_side / max(width, height)
        hash_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fps32 = np.float32(fps)
    features: list[VpdqFeature] = []
    keyframes: list[Keyframe] = []
    keyframe_bytes = 0
    warnings: list[str] = []
    previous: npt.NDArray[np.float32] | None = None
    previous_mafd = 0.0
    last_key_time = -np.inf
    first_pts: int | None = None
    last_end = 0.0
    count = 0
    packets = bad_packets = 0
    stamps: list[int | None] = []  # each packet's timestamp: the viewer's frame numbers
    key_gap = last_key_packet = 0
    demux_error = ""
    keyframes_capped = False
    changed_size = False

    def frames() -> Iterable[Any]:
        nonlocal packets, bad_packets, demux_error, key_gap, last_key_packet
        iterator = iter(container.demux(stream))
        while True:
            try:
                packet = next(iterator)
            except StopIteration:
                return
            except av.error.FFmpegError as error:
                demux_error = _ffmpeg_message(error)
                yield from _flush(stream)
                return
            if time.monotonic() - started > limits.max_seconds:
                raise _Refused("over_budget", f"Decoding took longer than {limits.max_seconds:g} s "
                               f"(the limit for one file); stopped after {count} frames.")
            if packet.size > 0:
                packets += 1
                stamps.append(packet.pts if packet.pts is not None else packet.dts)
                if packet.is_keyframe:
                    key_gap = max(key_gap, packets - 1 - last_key_packet)
                    last_key_packet = packets - 1
            try:
                yield from packet.decode()
            except av.error.FFmpegError:
                bad_packets += 1
                if bad_packets > 50 and bad_packets > packets // 2:
                    raise _Refused("decode_error", f"{bad_packets} of {packets} video packets "
                                   "could not be decoded: the stream is damaged.") from None

    for frame in frames():
        if frame.width != width or frame.height != height:
            _check_dimensions(frame.width, frame.height, limits, declared=False)
            changed_size = True
        if frame.pts is not None:
            if first_pts is None:
                first_pts = frame.pts
            seconds = float((frame.pts - first_pts) * frame.time_base)
            step = float(frame.duration * frame.time_base) if frame.duration else 1.0 / fps
            last_end = max(last_end, seconds + step)
        else:
            seconds = count / fps
            last_end = max(last_end, seconds + 1.0 / fps)
        if count >= limits.max_frames or seconds > limits.max_duration:
            raise _Refused("over_budget", "The video runs past the limit of "
                           f"{limits.max_frames} frames or {limits.max_duration:g} s; "
                           f"stopped after {count} frames ({seconds:.1f} s).")
        if time.monotonic() - started > limits.max_seconds:
            raise _Refused("over_budget", f"Decoding took longer than {limits.max_seconds:g} s "
                           f"(the limit for one file); stopped after {count} frames.")

        if count % frame_mod == 0:
            pdq, quality = pdq_hash(_vpdq_rgb(frame, *hash_size))
            stamp = round(float(np.float32(count) / fps32), 3)
            features.append(VpdqFeature(count, stamp, pdq, quality, pts=frame.pts))

        sample = _grey_sample(frame)
        is_cut = False
        if previous is None:
            is_cut = True
        elif previous.shape == sample.shape:
            mafd = float(np.abs(sample - previous).mean())
            score = min(mafd, abs(mafd - previous_mafd))
            previous_mafd = mafd
            is_cut = (score > limits.scene_threshold
                      and seconds - last_key_time >= limits.keyframe_min_gap)
        previous = sample
        if is_cut and not keyframes_capped:
            # As the back office shows and captures it (square pixels, upright).
            rgb = display_rgb(frame, stream, max_pixels=limits.max_pixels)
            picture = keyframe_picture(rgb) if keyframe_picture is not None else None
            held = len(picture[1]) if picture is not None else rgb.nbytes
            if picture is not None:
                rgb = rgb[:0, :0]
            if (len(keyframes) >= limits.max_keyframes
                    or keyframe_bytes + held > limits.max_keyframe_bytes):
                keyframes_capped = True
                warnings.append(f"keyframes_capped: only the first {len(keyframes)} scene "
                                "changes are kept")
            else:
                stamp_key = (frame_seconds(frame.pts, first_pts, frame.time_base)
                             if frame.pts is not None and first_pts is not None
                             else round(seconds, 3))
                keyframes.append(Keyframe(count, stamp_key, rgb, frame.pts, picture))
                keyframe_bytes += held
                last_key_time = seconds
        count += 1

    if truncated:
        raise _Refused("truncated", f"The file is cut short: {truncated}; {count} frames "
                       f"({last_end:.1f} s of video) decode up to the cut.")
    if count == 0:
        raise _Refused("decode_error", "No frame of the video could be decoded"
                       + (f" ({demux_error})." if demux_error else "."))
    if demux_error:
        raise _Refused("corrupt_video", f"The {kind} container is damaged after {count} frames "
                       f"({last_end:.1f} s of video): {demux_error}.")
    if bad_packets:
        warnings.append(f"decode_errors: {bad_packets} of {packets} video packets could not "
                        "be decoded")
    if changed_size:
        warnings.append("size_changes: the frame size changes within the video")
    key_gap = max(key_gap, packets - last_key_packet)
    if key_gap > limits.keyframe_gap_warning:
        warnings.append(f"keyframe_gap: up to {key_gap} frames lie between keyframes; the "
                        f"viewer shows at most {MAX_DECODE_FRAMES} frames after one")
    features, keyframes = _viewer_numbers(features, keyframes, stamps, stream.time_base)
    duration = last_end
    stream_declared = _seconds(stream.duration, stream.time_base) or 0.0
    if stream_declared > 2 * duration + 60:
        raise _Refused("container_bomb", f"The container declares {stream_declared:.0f} s of "
                       f"video but holds {duration:.1f} s.")
    if _implausible(duration, size):
        raise _Refused("container_bomb", f"The frames' timestamps span {duration:.0f} s of "
                       f"video in {size} bytes, which cannot hold it.")
    return VideoAnalysis(
        path=path, size=size, mtime_ns=mtime, sha256=sha256, md5=md5, container=kind,
        video_codec=codec.name, audio_codec=audio, width=width, height=height,
        fps=round(fps, 3), duration=round(duration, 3), frame_count=count,
        created_meta=created, metadata=metadata, features=tuple(features),
        keyframes=tuple(keyframes), warnings=tuple(warnings),
    )


def _viewer_numbers(features: list[VpdqFeature], keyframes: list[Keyframe],
                    stamps: list[int | None], time_base: Any
                    ) -> tuple[list[VpdqFeature], list[Keyframe]]:
    """The features and keyframes with the frame numbers and times the viewer
    (vision.video_seek.frame_index) gives them: with a timestamp on every packet, none
    repeated, a frame is the rank of its timestamp among the packets' and its time is from
    the smallest; otherwise frames are counted as decoded (as the viewer then does)."""
    ordered = sorted(s for s in stamps if s is not None)
    exact = (len(ordered) == len(stamps) and len(set(ordered)) == len(ordered)
             and bool(time_base) and float(time_base) > 0)

    def place(pts: int | None, count: int, fallback: float) -> tuple[int, float]:
        if exact and pts is not None:
            at = bisect.bisect_left(ordered, pts)
            if at < len(ordered) and ordered[at] == pts:
                return at, frame_seconds(pts, ordered[0], time_base)
        return count, fallback

    new_features = []
    for f in features:
        frame, seconds = place(f.pts, f.frame_number, f.time)
        new_features.append(replace(f, view_frame=frame, view_time=seconds))
    new_keyframes = []
    for k in keyframes:
        frame, seconds = place(k.pts, k.frame_number, k.time)
        new_keyframes.append(replace(k, frame_number=frame, time=seconds))
    return new_features, new_keyframes


def _flush(stream: Any) -> Iterable[Any]:
    try:
        yield from stream.decode(None)
    except av.error.FFmpegError:
        return


#: Below this many bytes per declared second (2 kbit/s) a declared length is not believable.
_MIN_BYTES_PER_SECOND = 256


def _implausible(seconds: float, size: int) -> bool:
    """Over ten minutes of video in under 2 kbit/s: no camera or encoder makes that."""
    return seconds > 600 and size < seconds * _MIN_BYTES_PER_SECOND


def _check_declared(seconds: float, frames: int, size: int, limits: VideoLimits) -> None:
    if _implausible(seconds, size) or frames > size:
        what = f"{seconds:.0f} s" if _implausible(seconds, size) else f"{frames} frames"
        raise _Refused("container_bomb", f"The container declares {what} of video in "
                       f"{size} bytes, which cannot hold it.")
    if seconds > limits.max_duration:
        raise _Refused("over_budget", f"The video declares {seconds:.0f} s, over the limit of "
                       f"{limits.max_duration:g} s.")
    if frames > limits.max_frames:
        raise _Refused("over_budget", f"The video declares {frames} frames, over the limit of "
                       f"{limits.max_frames}.")


def _check_dimensions(width: int, height: int, limits: VideoLimits, *, declared: bool) -> None:
    what = "declares" if declared else "has a frame of"
    if width <= 0 or height <= 0:
        raise _Refused("corrupt_video", f"The video stream {what} no picture size.")
    if width > limits.max_width or height > limits.max_height or width * height > limits.max_pixels:
        raise _Refused("too_large_dimensions",
                       f"The video {what} {width}x{height} pixels, over the limit of "
                       f"{limits.max_width}x{limits.max_height} and {limits.max_pixels} pixels.")


# --------------------------------------------------------------------------- vPDQ files


def vpdq_format(features: Iterable[VpdqFeature]) -> str:
    """The reference's vPDQ file (vpdq-hash-video, vpdqio.cpp): one line per feature,
    ``frame_number,quality,pdq_hex,seconds`` with the seconds to 3 decimals. The reference
    reader takes no header or comment line, so there is none."""
    return "".join(f"{f.frame_number},{f.quality},{f.pdq},{f.time:.3f}\n" for f in features)


def vpdq_parse(text: str) -> list[VpdqFeature]:
    """The inverse of :func:`vpdq_format`; blank lines are skipped. Raises ValueError naming
    the line of the first bad one."""
    features = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(",")
        try:
            if len(parts) != 4:
                raise ValueError(f"{len(parts)} fields instead of 4")
            frame_text, quality_text, pdq, time_text = (p.strip() for p in parts)
            frame_number, quality = int(frame_text), int(quality_text)
            seconds = float(time_text)
            if frame_number < 0:
                raise ValueError("a negative frame number")
            if not 0 <= quality <= 100:
                raise ValueError(f"quality {quality} is not within 0..100")
            if len(pdq) != PDQ_HEX_DIGITS or any(c not in "0123456789abcdefABCDEF" for c in pdq):
                raise ValueError(f"a PDQ hash is {PDQ_HEX_DIGITS} hex digits")
            if not (seconds >= 0 and np.isfinite(seconds)):
                raise ValueError(f"time {time_text!r} is not a non-negative number")
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
        features.append(VpdqFeature(frame_number, seconds, pdq.lower(), quality))
    return features


__all__ = ["HEAD_BYTES", "MAX_DECODE_FRAMES", "Keyframe", "VideoAnalysis", "VideoLimits",
           "VpdqFeature", "analyse_video", "video_demuxer", "video_kind", "vpdq_format",
           "vpdq_parse"]
