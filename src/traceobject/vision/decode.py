"""Safe decoding of untrusted image files (Django-free).

Evidence files and uploads are hostile until proven otherwise. Everything here is
bounded before any pixel is decoded:

* the file size (``max_bytes``) before the file is read;
* the format, from an allow-list (JPEG/MPO, PNG, GIF, WebP, TIFF, BMP, AVIF), so
  Pillow never hands the bytes to EPS/Ghostscript, PSD, ICNS, ... decoders;
* the header-declared pixel count (``max_pixels``), checked on the lazily opened
  image before ``load()``;
* the frame count (``max_frames``): read from headers, or for GIF and TIFF counted
  by walking the block / IFD chain without decoding, stopping past the limit;
* the number of JPEG scans (a progressive JPEG with thousands of scans costs
  scans x pixels of CPU), counted by walking the markers;
* the structure itself: JPEG, PNG and GIF are walked (in linear time, with step
  budgets) *before* Pillow parses them, because some of Pillow's header parsers are
  Python loops that megabytes of padding, tiny chunks or tiny GIF sub-blocks keep
  busy for minutes; RLE-compressed BMP (decoded in Python by Pillow) over 1 MiB is
  refused;
* polyglots: a valid ZIP end record (with its central directory) anywhere in the
  file, or a plausible ZIP entry after the image's end marker.

Failures raise :class:`DecodeError` with a stable ``reason_code`` (see
:data:`REASON_CODES`); benign oddities (``extension_mismatch``, ``trailing_data``
after the image end, ``exif_unreadable``) are listed in
:attr:`DecodedImage.warnings`. A path that cannot be read raises ``OSError``.

Pillow's own decompression-bomb guard (``Image.MAX_IMAGE_PIXELS``) is a process-wide
setting; this module never changes it. It enforces its own ``max_pixels`` (default
just below Pillow's warning limit, so Pillow's warning only fires for images that are
rejected anyway), and turns Pillow's ``DecompressionBombError`` (and the warning, when
warnings are configured as errors) into :class:`DecodeError`. Pillow refuses images
above ``2 * Image.MAX_IMAGE_PIXELS`` whatever ``max_pixels`` says.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile, UnidentifiedImageError, features

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_MAX_PIXELS",
    "HASHING_MAX_SIDE",
    "REASON_CODES",
    "DecodeError",
    "DecodedImage",
    "decode_for_hashing",
    "decode_image",
]

#: Declared width x height above which an image is refused (Pillow's own warning limit).
DEFAULT_MAX_PIXELS: Final = 89_478_485
DEFAULT_MAX_BYTES: Final = 256 * 1024 * 1024
DEFAULT_MAX_FRAMES: Final = 1000
#: A progressive JPEG rarely has more than ~30 scans; decoding cost grows with scans x pixels.
MAX_JPEG_SCANS: Final = 256
#: Declared raw RGB bytes per file byte above which an oversized image counts as a bomb.
BOMB_EXPANSION_RATIO: Final = 1000
#: Structure walkers give up (the file is refused) after this many steps: legitimate
#: files need far fewer (GIF and PNG: one per 128/256 bytes allowed on top), crafted
#: ones could otherwise keep Pillow's Python-level parsers busy for minutes.
MAX_STRUCTURE_STEPS: Final = 100_000
#: Pillow's JPEG header parser steps through bytes between markers one at a time in
#: Python (megabytes of padding cost seconds); real files have next to none.
MAX_JPEG_HEADER_JUNK: Final = 64 * 1024
#: Pillow decodes RLE-compressed BMP in Python: slow enough to refuse big ones.
MAX_RLE_BMP_BYTES: Final = 1024 * 1024
#: The reference PDQ hasher thumbnails to 512 x 512 before hashing.
HASHING_MAX_SIDE: Final = 512

REASON_CODES: Final = frozenset(
    {
        "empty",  # zero bytes
        "too_large_file",  # more than max_bytes
        "not_an_image",  # no known image signature
        "unsupported_format",  # an image, but not an allowed format (HEIC, PDF, PSD, SVG, ...)
        "truncated",  # the file ends before the image does
        "corrupt",  # malformed image data
        "too_many_pixels",  # declared width x height above max_pixels
        "decompression_bomb",  # tiny file declaring a huge image, or a CPU bomb
        "too_many_frames",  # more frames than max_frames
        "polyglot",  # also a ZIP archive (e.g. JPEG + ZIP)
    }
)

_ALLOWED_FORMATS: Final[tuple[str, ...]] = tuple(
    ["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"] + (["AVIF"] if features.check("avif") else [])
)

_EXTENSIONS: Final[dict[str, frozenset[str]]] = {
    "JPEG": frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".jif"}),
    "MPO": frozenset({".mpo", ".jpg", ".jpeg"}),
    "PNG": frozenset({".png", ".apng"}),
    "GIF": frozenset({".gif"}),
    "WEBP": frozenset({".webp"}),
    "TIFF": frozenset({".tif", ".tiff"}),
    "BMP": frozenset({".bmp", ".dib"}),
    "AVIF": frozenset({".avif"}),
}

_ORIENTATION_TRANSPOSE: Final[dict[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_MAX_TEXT = 256


class DecodeError(Exception):
    """An image was refused. ``reason_code`` is one of :data:`REASON_CODES`."""

    def __init__(self, reason_code: str, message: str) -> None:
        if reason_code not in REASON_CODES:
            raise ValueError(f"unknown reason code {reason_code!r}")
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """A decoded image and what its file said about itself.

    ``pixels`` is RGB, uint8, C-contiguous, shape ``(h, w, 3)``, oriented per EXIF when
    ``orientation_applied``. It may be smaller than ``width`` x ``height`` (see
    :func:`decode_for_hashing`); ``width``/``height`` are the full-resolution size as
    displayed (swapped for orientations 5..8 when applied).
    ``capture_time`` is naive when the file gives no UTC offset (camera local time).
    """

    pixels: npt.NDArray[np.uint8]
    width: int
    height: int
    format: str
    mode: str
    frame_count: int
    file_size: int
    has_alpha: bool = False
    orientation: int | None = None
    orientation_applied: bool = False
    camera_make: str | None = None
    camera_model: str | None = None
    software: str | None = None
    capture_time: datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def reduced(self) -> bool:
        """True when ``pixels`` is smaller than the full-resolution image."""
        return (self.pixels.shape[1], self.pixels.shape[0]) != (self.width, self.height)

    def to_pil(self) -> Image.Image:
        """The pixels as a Pillow RGB image (a copy)."""
        return Image.fromarray(self.pixels, mode="RGB")


# --------------------------------------------------------------------------- entry points


def decode_image(
    data: bytes | str | os.PathLike[str],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_frames: int = DEFAULT_MAX_FRAMES,
    apply_orientation: bool = True,
    background: tuple[int, int, int] | None = None,
    filename: str | None = None,
) -> DecodedImage:
    """Decode ``data`` (bytes or a path) at full resolution, safely.

    Multi-frame files give their first frame. ``background``: composite transparent
    images over this colour; ``None`` drops the alpha channel like ``convert("RGB")``
    (what the PDQ reference does). ``filename`` (taken from the path when ``data`` is
    one) is only used for the ``extension_mismatch`` warning.
    """
    return _decode(
        data,
        max_pixels=max_pixels,
        max_bytes=max_bytes,
        max_frames=max_frames,
        apply_orientation=apply_orientation,
        background=background,
        filename=filename,
        max_side=None,
    )


def decode_for_hashing(
    data: bytes | str | os.PathLike[str],
    *,
    max_side: int = HASHING_MAX_SIDE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_frames: int = DEFAULT_MAX_FRAMES,
    apply_orientation: bool = True,
    background: tuple[int, int, int] | None = None,
    filename: str | None = None,
) -> DecodedImage:
    """Decode to at most ``max_side`` pixels a side, the way the PDQ reference does.

    Like Pillow's ``thumbnail((512, 512))`` on the opened file, which the reference
    hasher uses, except that JPEGs are decoded at the smallest of 1/2, 1/4 or 1/8 scale
    (DCT-domain scaling, ``draft``) that still covers the final size: several times
    cheaper than a full decode, same hashes on the conformance vectors. Other formats
    are decoded fully, then reduced. The result doubles as a thumbnail.
    """
    if max_side < 1:
        raise ValueError("max_side must be positive")
    return _decode(
        data,
        max_pixels=max_pixels,
        max_bytes=max_bytes,
        max_frames=max_frames,
        apply_orientation=apply_orientation,
        background=background,
        filename=filename,
        max_side=max_side,
    )


# --------------------------------------------------------------------------- pipeline


def _read(data: bytes | str | os.PathLike[str], max_bytes: int) -> tuple[bytes, str | None]:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise DecodeError("too_large_file", f"{len(raw)} bytes, limit {max_bytes}")
        return raw, None
    path = Path(data)
    size = path.stat().st_size
    if size > max_bytes:
        raise DecodeError("too_large_file", f"{size} bytes, limit {max_bytes}")
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:  # grew while we looked
        raise DecodeError("too_large_file", f"more than {max_bytes} bytes")
    return raw, path.name


def _decode(
    data: bytes | str | os.PathLike[str],
    *,
    max_pixels: int,
    max_bytes: int,
    max_frames: int,
    apply_orientation: bool,
    background: tuple[int, int, int] | None,
    filename: str | None,
    max_side: int | None,
) -> DecodedImage:
    raw, path_name = _read(data, max_bytes)
    filename = filename or path_name
    if not raw:
        raise DecodeError("empty", "the file is empty")

    # Walk the container structure before Pillow parses it: some of Pillow's header
    # parsers are Python loops that crafted files can keep busy for minutes.
    structure = _precheck(raw, max_frames)
    im = _open(raw, max_pixels)
    try:
        return _decode_opened(
            im,
            raw,
            structure,
            max_pixels=max_pixels,
            max_frames=max_frames,
            apply_orientation=apply_orientation,
            background=background,
            filename=filename,
            max_side=max_side,
        )
    finally:
        im.close()


def _open(raw: bytes, max_pixels: int) -> ImageFile.ImageFile:
    try:
        return Image.open(io.BytesIO(raw), formats=_ALLOWED_FORMATS)
    except UnidentifiedImageError:
        fmt = _sniff_allowed(raw)
        if fmt is not None:
            raise _damaged(raw, fmt, f"{fmt} signature but the header cannot be read") from None
        other = _sniff_other(raw)
        if other is not None:
            raise DecodeError("unsupported_format", f"{other} files are not accepted") from None
        raise DecodeError("not_an_image", "no known image signature") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _oversize_from_pillow(exc, len(raw), max_pixels) from None
    except DecodeError:
        raise
    except Exception as exc:  # any parser failure in a plugin's _open
        fmt = _sniff_allowed(raw) or "image"
        raise _damaged(raw, fmt, f"cannot read header: {exc}") from None


@dataclass(frozen=True)
class _Structure:
    """What walking the file's structure found (fields None when not applicable)."""

    image_end: int | None = None  # offset just after the image's end marker
    frames: int | None = None  # frame count, when counted here (GIF, TIFF)
    jpeg_complete: bool = True  # JPEG: an end marker was found


def _precheck(raw: bytes, max_frames: int) -> _Structure:
    fmt = _sniff_allowed(raw)
    if fmt == "JPEG":
        walk = _jpeg_walk(raw)
        if walk.header_junk > MAX_JPEG_HEADER_JUNK:
            raise DecodeError("corrupt", f"{walk.header_junk} stray bytes between JPEG markers")
        if walk.scans > MAX_JPEG_SCANS:
            raise DecodeError(
                "decompression_bomb", f"JPEG with {walk.scans}+ scans (limit {MAX_JPEG_SCANS})"
            )
        return _Structure(image_end=walk.end, jpeg_complete=walk.end is not None)
    if fmt == "PNG":
        return _Structure(image_end=_png_end(raw))
    if fmt == "GIF":
        frames = _gif_frames(raw, max_frames)
    elif fmt == "TIFF":
        frames = _tiff_frames(raw, max_frames)
    else:
        return _Structure()
    if frames > max_frames:
        raise DecodeError("too_many_frames", f"more than {max_frames} frames")
    return _Structure(frames=frames)


def _decode_opened(
    im: ImageFile.ImageFile,
    raw: bytes,
    structure: _Structure,
    *,
    max_pixels: int,
    max_frames: int,
    apply_orientation: bool,
    background: tuple[int, int, int] | None,
    filename: str | None,
    max_side: int | None,
) -> DecodedImage:
    fmt = str(im.format)
    width, height = im.size
    if width <= 0 or height <= 0:
        raise DecodeError("corrupt", f"declared size {width}x{height}")
    _check_pixels(width, height, len(raw), max_pixels)

    warnings: list[str] = []
    if filename:
        ext = os.path.splitext(filename)[1].lower()
        if ext and ext not in _EXTENSIONS.get(fmt, frozenset()):
            warnings.append("extension_mismatch")

    image_end = structure.image_end
    if fmt in ("JPEG", "MPO") and not structure.jpeg_complete:
        # Pillow refuses it too, unless someone set ImageFile.LOAD_TRUNCATED_IMAGES:
        # the answer must not depend on that global.
        raise DecodeError("truncated", "the JPEG data ends before its end marker")
    if fmt == "BMP" and im.info.get("compression") in (1, 2) and len(raw) > MAX_RLE_BMP_BYTES:
        raise DecodeError("unsupported_format", "RLE-compressed BMP files over 1 MiB")
    if _is_zip(raw) or (image_end is not None and _has_zip_entry(raw, image_end)):
        raise DecodeError("polyglot", f"the {fmt} file is also a ZIP archive")
    if (
        fmt != "MPO"  # further pictures follow the first one
        and image_end is not None
        and raw[image_end:].strip(b"\x00\r\n\t ") != b""
    ):
        warnings.append("trailing_data")

    frame_count = structure.frames or _count_frames(im, raw)
    if frame_count > max_frames:
        raise DecodeError("too_many_frames", f"more than {max_frames} frames")

    mode = im.mode
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info

    try:
        if max_side is not None and max(width, height) > max_side:
            # Let the JPEG decoder scale by 1/2, 1/4 or 1/8 in the DCT domain (draft) to
            # the smallest size still at least the final one, then Pillow's thumbnail()
            # as in the PDQ reference hasher. (The reference's own thumbnail() drafts to
            # twice the final size; hashes agree, decoding is up to 4x cheaper.)
            ratio = max_side / max(width, height)
            im.draft(None, (max(1, round(width * ratio)), max(1, round(height * ratio))))
            im.thumbnail((max_side, max_side))
        else:
            im.load()
        rgb = _to_rgb(im, background)
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _oversize_from_pillow(exc, len(raw), max_pixels) from None
    except MemoryError:
        raise DecodeError("too_many_pixels", "not enough memory to decode") from None
    except OSError as exc:
        if "truncated" in str(exc):
            raise DecodeError("truncated", str(exc)) from None
        raise _damaged(raw, fmt, str(exc)) from None
    except Exception as exc:  # decoder errors come in many types (ValueError, SyntaxError, ...)
        raise _damaged(raw, fmt, f"{type(exc).__name__}: {exc}") from None

    # After the pixels: reading EXIF makes Pillow load a PNG (eXIf may follow IDAT), and a
    # failed load must surface above, not be retried silently here.
    meta = _read_exif(im, warnings)
    orientation = meta.pop("orientation", None)
    applied = False
    if apply_orientation and isinstance(orientation, int) and orientation in _ORIENTATION_TRANSPOSE:
        rgb = rgb.transpose(_ORIENTATION_TRANSPOSE[orientation])
        applied = True
        if orientation >= 5:
            width, height = height, width

    pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    return DecodedImage(
        pixels=pixels,
        width=width,
        height=height,
        format=fmt,
        mode=mode,
        frame_count=frame_count,
        file_size=len(raw),
        has_alpha=has_alpha,
        orientation=orientation if isinstance(orientation, int) else None,
        orientation_applied=applied,
        camera_make=meta.get("camera_make"),
        camera_model=meta.get("camera_model"),
        software=meta.get("software"),
        capture_time=meta.get("capture_time"),
        gps_lat=meta.get("gps_lat"),
        gps_lon=meta.get("gps_lon"),
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- limits


def _check_pixels(width: int, height: int, file_size: int, max_pixels: int) -> None:
    pixels = width * height
    if pixels > max_pixels:
        raise _oversize(pixels, file_size, f"{width}x{height} = {pixels} pixels")


def _oversize(pixels: int, file_size: int, what: str) -> DecodeError:
    if pixels * 3 > BOMB_EXPANSION_RATIO * max(file_size, 1):
        return DecodeError("decompression_bomb", f"{what} declared in {file_size} bytes")
    return DecodeError("too_many_pixels", what)


_PILLOW_PIXELS = re.compile(r"\((\d+) pixels\)")


def _oversize_from_pillow(exc: Exception, file_size: int, max_pixels: int) -> DecodeError:
    match = _PILLOW_PIXELS.search(str(exc))
    if match is None:
        return DecodeError("decompression_bomb", str(exc))
    pixels = int(match.group(1))
    return _oversize(pixels, file_size, f"{pixels} pixels (limit {max_pixels})")


# --------------------------------------------------------------------------- format sniffing


def _sniff_allowed(raw: bytes) -> str | None:
    head = raw[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:2] == b"BM":
        return "BMP"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis") and "AVIF" in _ALLOWED_FORMATS:
        return "AVIF"
    return None


_HEIF_BRANDS: Final = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def _sniff_other(raw: bytes) -> str | None:
    head = raw[:64]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIF/HEIC"
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand == b"crx ":
            return "Canon CR3"
        return None  # video containers and the like: not an image
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head.startswith(b"8BPS"):
        return "PSD"
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "PostScript/EPS"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "JPEG XL"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ICO"
    if head.startswith(b"\x76\x2f\x31\x01"):
        return "OpenEXR"
    if head.startswith(b"RIFF") and head[8:12] != b"WEBP":
        return None
    text = raw[:1024].lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in text:
        return "SVG"
    return None


def _damaged(raw: bytes, fmt: str, detail: str) -> DecodeError:
    if _looks_truncated(raw, fmt):
        return DecodeError("truncated", f"the {fmt} data ends early ({detail})")
    return DecodeError("corrupt", detail)


def _looks_truncated(raw: bytes, fmt: str) -> bool:
    if fmt in ("JPEG", "MPO"):
        return _jpeg_walk(raw).end is None
    if fmt == "PNG":
        return _png_end(raw) is None
    if fmt == "GIF":
        return not raw.rstrip(b"\x00").endswith(b"\x3b")
    return False


# --------------------------------------------------------------------------- structure walkers

# A marker inside entropy-coded data: 0xFF followed by anything but a stuffed zero,
# a restart marker or another fill byte.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class _JpegWalk(NamedTuple):
    scans: int  # scans of the main image (stops counting past the limit)
    end: int | None  # offset just after EOI, None if the data ends first
    header_junk: int  # stray/fill bytes skipped before the first scan


def _jpeg_walk(raw: bytes, scan_limit: int = MAX_JPEG_SCANS) -> _JpegWalk:
    """Walk the JPEG markers from SOI to EOI, in linear time.

    Segment payloads (EXIF thumbnails included) are skipped by their length, so only
    the main image's scans count; entropy-coded data is skipped with a regex search.
    """
    n = len(raw)
    pos = 2
    scans = junk = 0
    for _ in range(MAX_STRUCTURE_STEPS):
        if pos + 1 >= n:
            return _JpegWalk(scans, None, junk)
        if raw[pos] != 0xFF or raw[pos + 1] == 0xFF:  # garbage or fill bytes: resync
            match = _JPEG_MARKER.search(raw, pos)
            skipped = (match.start() if match else n) - pos
            junk += skipped if scans == 0 else 0
            if match is None:
                return _JpegWalk(scans, None, junk)
            pos = match.start()
            continue
        marker = raw[pos + 1]
        if marker == 0xD9:  # EOI
            return _JpegWalk(scans, pos + 2, junk)
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0x00):
            pos += 2
            continue
        if pos + 4 > n:
            return _JpegWalk(scans, None, junk)
        seg_len = (raw[pos + 2] << 8) | raw[pos + 3]
        if seg_len < 2:
            return _JpegWalk(scans, None, junk)
        pos += 2 + seg_len
        if marker == 0xDA:  # SOS: entropy-coded data follows
            scans += 1
            if scans > scan_limit:
                return _JpegWalk(scans, None, junk)
            match = _JPEG_MARKER.search(raw, pos)
            if match is None:
                return _JpegWalk(scans, None, junk)
            pos = match.start()
    raise DecodeError("decompression_bomb", "JPEG with too many segments")


def _png_end(raw: bytes) -> int | None:
    """Offset just after the IEND chunk, or None when the chunk list ends early."""
    pos = 8
    n = len(raw)
    for _ in range(max(MAX_STRUCTURE_STEPS, n // 256)):
        if pos + 12 > n:
            return None
        (length,) = struct.unpack_from(">I", raw, pos)
        ctype = raw[pos + 4 : pos + 8]
        pos += 12 + length
        if ctype == b"IEND":
            return pos if pos <= n else None
    raise DecodeError("decompression_bomb", "PNG with too many chunks")


_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_CENTRAL = b"PK\x01\x02"
_ZIP_END = b"PK\x05\x06"
_ZIP64_END = b"PK\x06\x06"


def _is_zip(raw: bytes) -> bool:
    """True if ``raw`` ends with a valid ZIP end-of-central-directory record.

    That is what ``unzip`` and ``zipfile`` look for, wherever the archive starts, so
    it catches an archive appended to an image or hidden inside one. Requiring the
    central directory signature where the record says makes chance hits in
    compressed image data practically impossible.
    """
    n = len(raw)
    floor = max(0, n - (0xFFFF + 22))
    i = raw.rfind(_ZIP_END, floor)
    while i != -1:
        if i + 22 <= n:
            entries, cd_size, _cd_offset, comment_len = struct.unpack_from("<HIIH", raw, i + 10)
            if i + 22 + comment_len <= n:
                cd_start = i - cd_size
                if cd_size == 0 and entries == 0:
                    return True
                if cd_start >= 0 and raw.startswith(_ZIP_CENTRAL, cd_start):
                    return True
                # ZIP64: the record points at a ZIP64 end record instead
                if raw.rfind(_ZIP64_END, max(0, i - 76), i) != -1:
                    return True
        i = raw.rfind(_ZIP_END, floor, i)
    return False


_ZIP_METHODS: Final = frozenset({0, 1, 6, 8, 9, 12, 14, 93, 95, 98, 99})


def _has_zip_entry(raw: bytes, image_end: int) -> bool:
    """True if a plausible ZIP local file header follows the end of the image.

    Catches archives appended without a usable central directory. The header fields
    are checked too, because data legitimately appended to photos (e.g. the video of
    a "motion photo") contains the 4-byte signature by chance about once per 4 GB.
    """
    pos = raw.find(_ZIP_LOCAL, image_end)
    for _ in range(10_000):  # thousands of signatures after an image: an archive anyway
        if pos == -1 or pos + 30 > len(raw):
            return False
        version, _flags, method = struct.unpack_from("<HHH", raw, pos + 4)
        name_len, extra_len = struct.unpack_from("<HH", raw, pos + 26)
        if (
            version <= 0x3F
            and method in _ZIP_METHODS
            and 0 < name_len <= 1024
            and extra_len < 0x4000
        ):
            name = raw[pos + 30 : pos + 30 + name_len]
            if len(name) == name_len and b"\x00" not in name:
                return True
        pos = raw.find(_ZIP_LOCAL, pos + 1)
    return True


def _gif_frames(raw: bytes, limit: int) -> int:
    """Count GIF image descriptors by walking the blocks; stop once past ``limit``."""
    n = len(raw)
    if n < 13:
        return 1
    flags = raw[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    frames = 0
    # encoders write 255-byte sub-blocks: a legitimate file needs ~n / 255 steps
    budget = [max(MAX_STRUCTURE_STEPS, n // 128)]
    while pos < n:
        block = raw[pos]
        if block == 0x2C:  # image descriptor
            frames += 1
            if frames > limit or pos + 10 > n:
                break
            local = raw[pos + 9]
            pos += 10 + (3 * (2 << (local & 7)) if local & 0x80 else 0) + 1
            pos = _skip_sub_blocks(raw, pos, budget)
        elif block == 0x21:  # extension
            pos = _skip_sub_blocks(raw, pos + 2, budget)
        else:  # trailer or garbage
            break
    return max(frames, 1)


def _skip_sub_blocks(raw: bytes, pos: int, budget: list[int]) -> int:
    n = len(raw)
    while pos < n:
        budget[0] -= 1
        if budget[0] < 0:  # tiny sub-blocks by the million: crafted
            raise DecodeError("decompression_bomb", "GIF with too many data sub-blocks")
        size = raw[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size
    return n


def _tiff_frames(raw: bytes, limit: int) -> int:
    """Count TIFF (or BigTIFF) IFDs by following the chain; stop past ``limit`` or at a loop."""
    n = len(raw)
    order = "<" if raw[:2] == b"II" else ">"
    if n < 16:
        return 1
    (magic,) = struct.unpack_from(order + "H", raw, 2)
    if magic == 42:
        count_fmt, next_fmt, entry_size = "H", "I", 12
        (offset,) = struct.unpack_from(order + "I", raw, 4)
    elif magic == 43:
        count_fmt, next_fmt, entry_size = "Q", "Q", 20
        (offset,) = struct.unpack_from(order + "Q", raw, 8)
    else:
        return 1
    count_size, next_size = struct.calcsize(count_fmt), struct.calcsize(next_fmt)
    seen: set[int] = set()
    while offset and offset not in seen and len(seen) <= limit and offset + count_size <= n:
        seen.add(offset)
        (entries,) = struct.unpack_from(order + count_fmt, raw, offset)
        next_at = offset + count_size + entries * entry_size
        if next_at + next_size > n:
            break
        (offset,) = struct.unpack_from(order + next_fmt, raw, next_at)
    return max(len(seen), 1)


def _count_frames(im: ImageFile.ImageFile, raw: bytes) -> int:
    """Frames declared in a header: PNG (acTL), WebP, AVIF, MPO; no decoding."""
    try:
        return max(1, int(getattr(im, "n_frames", 1)))
    except Exception as exc:
        raise _damaged(raw, str(im.format), f"cannot count frames: {exc}") from None


# --------------------------------------------------------------------------- pixels


def _to_rgb(im: Image.Image, background: tuple[int, int, int] | None) -> Image.Image:
    mode = im.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return Image.fromarray(_to_uint8(np.asarray(im)), mode="L").convert("RGB")
    alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if alpha and background is not None:
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if mode == "RGB":
        return im
    return im.convert("RGB")


def _to_uint8(arr: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Scale 16-bit, 32-bit integer or float samples to 0..255."""
    if arr.dtype.kind in "ui" and arr.dtype.itemsize == 2:
        return (arr.astype(np.uint16) >> 8).astype(np.uint8)
    values = arr.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(arr.shape, dtype=np.uint8)
    lo, hi = float(finite.min()), float(finite.max())
    if arr.dtype.kind in "ui" and lo >= 0 and hi <= 255:
        return arr.astype(np.uint8)
    if arr.dtype.kind in "ui" and lo >= 0 and hi <= 65535:
        return (arr.astype(np.uint32) >> 8).astype(np.uint8)
    if arr.dtype.kind == "f" and lo >= 0 and hi <= 1:
        lo, hi = 0.0, 1.0
    span = hi - lo if hi > lo else 1.0
    scaled = np.nan_to_num((values - lo) * (255.0 / span), nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(scaled, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- EXIF

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_TAG_MAKE, _TAG_MODEL, _TAG_ORIENTATION, _TAG_SOFTWARE, _TAG_DATETIME = 271, 272, 274, 305, 306
_TAG_DATETIME_ORIGINAL, _TAG_DATETIME_DIGITIZED = 36867, 36868
_TAG_OFFSET_TIME, _TAG_OFFSET_TIME_ORIGINAL = 36880, 36881
_EXIF_DATETIME = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


def _read_exif(im: Image.Image, warnings: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        exif = im.getexif()
    except Exception:
        warnings.append("exif_unreadable")
        return out
    if not exif:
        return out
    try:
        out["camera_make"] = _text(exif.get(_TAG_MAKE))
        out["camera_model"] = _text(exif.get(_TAG_MODEL))
        out["software"] = _text(exif.get(_TAG_SOFTWARE))
        orientation = exif.get(_TAG_ORIENTATION)
        if isinstance(orientation, int) and 1 <= orientation <= 8:
            out["orientation"] = orientation
        sub = _ifd(exif, _EXIF_IFD)
        stamp = sub.get(_TAG_DATETIME_ORIGINAL) or sub.get(_TAG_DATETIME_DIGITIZED)
        offset = sub.get(_TAG_OFFSET_TIME_ORIGINAL) or sub.get(_TAG_OFFSET_TIME)
        if stamp is None:
            stamp = exif.get(_TAG_DATETIME)
            offset = sub.get(_TAG_OFFSET_TIME)
        out["capture_time"] = _exif_datetime(_text(stamp), _text(offset))
        gps = _ifd(exif, _GPS_IFD)
        lat = _gps_coordinate(gps.get(2), _text(gps.get(1)), 90.0)
        lon = _gps_coordinate(gps.get(4), _text(gps.get(3)), 180.0)
        if lat is not None and lon is not None:
            out["gps_lat"], out["gps_lon"] = lat, lon
    except Exception:
        warnings.append("exif_unreadable")
    return out


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:
        return {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).replace("\x00", "").strip()
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:_MAX_TEXT] or None


def _exif_datetime(stamp: str | None, offset: str | None) -> datetime | None:
    if not stamp:
        return None
    match = _EXIF_DATETIME.match(stamp)
    if match is None:
        return None
    tz: timezone | None = None
    if offset:
        off = _EXIF_OFFSET.match(offset)
        if off is not None:
            minutes = int(off.group(2)) * 60 + int(off.group(3))
            if minutes < 24 * 60:
                tz = timezone(timedelta(minutes=-minutes if off.group(1) == "-" else minutes))
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    try:
        # Naive on purpose when the file gives no offset: camera local time, zone unknown.
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:  # "0000:00:00 00:00:00" and friends
        return None


def _gps_coordinate(value: Any, ref: str | None, limit: float) -> float | None:
    if value is None:
        return None
    try:
        parts = [float(v) for v in value] if isinstance(value, tuple | list) else [float(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or not all(math.isfinite(p) for p in parts):
        return None
    degrees = (
        parts[0]
        + (parts[1] / 60 if len(parts) > 1 else 0)
        + (parts[2] / 3600 if len(parts) > 2 else 0)
    )
    if ref and ref.upper()[:1] in ("S", "W"):
        degrees = -degrees
    if not -limit <= degrees <= limit:
        return None
    return round(degrees, 7)
