"""Local features for same-object search: SIFT keypoints and descriptors (Django-free).

:func:`extract` runs OpenCV's SIFT (no learned weights) on the picture's luma, scaled down
first so that its longer side is at most ``max_side`` (:data:`MAX_SIDE`), and keeps the
``max_features`` keypoints of strongest response (:data:`MAX_FEATURES`). Keypoint positions
and sizes are given in the *original* picture's pixels, so features of a picture and of a
crop of it, or of a large and a small copy, are in their own pictures' coordinates. An
empty, tiny or flat picture has no features (``len(f) == 0``), which is not an error.

:func:`rootsift` turns SIFT descriptors into RootSIFT (Arandjelović & Zisserman, CVPR
2012: L1-normalise, square root), whose Euclidean distance is the Hellinger kernel of the
SIFT histograms; matching and visual words use it. The stored descriptors are SIFT's own
uint8 values (lossless), so RootSIFT is computed when needed.

:func:`features_to_bytes` / :func:`features_from_bytes` are the stored form::

    magic "TOSF" | version u16 | flags u16 | n u32 | width u32 | height u32 |
    payload length u32 | zlib(payload) | CRC-32 of everything before it (u32)

all little-endian; the payload is columnar: x (float32 x n), y (float32 x n), size
(float16 x n), angle (uint16 x n, 1/65536 of a turn), descriptors (uint8 x 128n). Positions
and descriptors are exact; sizes keep 11 bits of precision, angles 0.0055 degrees. About
101 bytes a feature measured (140 before zlib). :func:`features_from_bytes` trusts
nothing: wrong magic or version, bad checksum, truncation, trailing bytes, a payload that
inflates to anything but the declared length (a zip bomb stops at that length), more than
:data:`MAX_STORED_FEATURES` features, picture sides over :data:`MAX_PICTURE_SIDE`,
non-finite or out-of-picture positions all raise :class:`FeatureFileError`.

Cost, measured on a shared 2-core machine: about 55 ms of CPU for a 480 x 360 picture
(~480 features) and 285 ms for one scaled to 1024 (1,000 features).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

FEATURES_VERSION = 1
#: The picture is scaled down so that its longer side is at most this before SIFT.
MAX_SIDE = 1024
#: The strongest keypoints kept (by SIFT response).
MAX_FEATURES = 1000
#: A stored feature file may hold at most this many features.
MAX_STORED_FEATURES = MAX_FEATURES * 4
#: A stored feature file may describe a picture with sides up to this.
MAX_PICTURE_SIDE = 1 << 17
#: SIFT's contrast threshold (OpenCV's default 0.04): lower keeps fainter blobs, which
#: small and low-contrast objects need. Measured (bench/bench_object_verify.py): at 0.03
#: 98 % of the planted objects at scale 1-2x verify instead of 92 %, for the same CPU time
#: (the strongest MAX_FEATURES are kept either way); 0.02 gains little more and costs more.
CONTRAST_THRESHOLD = 0.03
#: Pictures whose shorter side is below this (after scaling) have no features.
MIN_SIDE = 8
DESCRIPTOR_SIZE = 128

_MAGIC = b"TOSF"
_HEADER = struct.Struct("<4sHHIIII")
_CRC = struct.Struct("<I")
_PER_FEATURE = 4 + 4 + 2 + 2 + DESCRIPTOR_SIZE
_ANGLE_STEP = 360.0 / 65536.0


class FeatureFileError(ValueError):
    """A stored feature file is damaged, truncated, of another version or not credible."""


@dataclass(frozen=True, eq=False)
class LocalFeatures:
    """The SIFT features of one picture (``n`` keypoints, strongest first).

    ``xy`` (n, 2) float32 and ``size`` (n,) float32 are in the original picture's pixels,
    ``angle`` (n,) float32 in degrees [0, 360), ``descriptors`` (n, 128) uint8 SIFT;
    ``width`` and ``height`` are the original picture's.
    """

    xy: npt.NDArray[np.float32]
    size: npt.NDArray[np.float32]
    angle: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.uint8]
    width: int
    height: int

    def __post_init__(self) -> None:
        n = len(self.xy)
        if (self.xy.shape != (n, 2) or self.size.shape != (n,) or self.angle.shape != (n,)
                or self.descriptors.shape != (n, DESCRIPTOR_SIZE)):
            raise ValueError("inconsistent feature arrays")
        if (self.xy.dtype != np.float32 or self.size.dtype != np.float32
                or self.angle.dtype != np.float32 or self.descriptors.dtype != np.uint8):
            raise ValueError("feature arrays of the wrong dtype")
        if self.width < 0 or self.height < 0:
            raise ValueError("negative picture size")

    def __len__(self) -> int:
        return len(self.xy)

    @classmethod
    def empty(cls, width: int = 0, height: int = 0) -> LocalFeatures:
        """No features (of a picture of ``width`` x ``height``)."""
        return cls(np.zeros((0, 2), np.float32), np.zeros(0, np.float32),
                   np.zeros(0, np.float32), np.zeros((0, DESCRIPTOR_SIZE), np.uint8),
                   int(width), int(height))

    def select(self, keep: npt.NDArray[Any]) -> LocalFeatures:
        """The features at ``keep`` (a boolean mask or indices), same picture size."""
        return LocalFeatures(self.xy[keep], self.size[keep], self.angle[keep],
                             self.descriptors[keep], self.width, self.height)

    def region(self, box: tuple[int, int, int, int]) -> LocalFeatures:
        """The features whose keypoint lies in ``box`` (x, y, w, h), in the coordinates of a
        crop of that box: a query for a region of an already described picture."""
        x, y, w, h = (int(v) for v in box)
        if w <= 0 or h <= 0:
            return LocalFeatures.empty(max(w, 0), max(h, 0))
        px, py = self.xy[:, 0], self.xy[:, 1]
        keep = (px >= x) & (px < x + w) & (py >= y) & (py < y + h)
        out = self.select(keep)
        shifted = (out.xy - np.array([x, y], np.float32)).astype(np.float32)
        return LocalFeatures(shifted, out.size, out.angle, out.descriptors, w, h)


# --------------------------------------------------------------------------- extraction


def _luma(picture: Image.Image | npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """The picture as 8-bit grey (H, W)."""
    if isinstance(picture, Image.Image):
        if picture.mode in ("RGBA", "LA", "PA") or (
                picture.mode == "P" and "transparency" in picture.info):
            background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
            background.alpha_composite(picture.convert("RGBA"))
            picture = background
        if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            return _to_uint8(np.asarray(picture, dtype=np.float64))
        return np.asarray(picture.convert("L"), dtype=np.uint8)
    array: npt.NDArray[Any] = np.asarray(picture)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"a picture is 2-D (grey) or 3-D (RGB/RGBA), not shape {array.shape}")
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    if array.size == 0:
        return np.zeros(array.shape[:2], np.uint8)
    if array.ndim == 3:
        rgb = array[..., :3]
        if array.dtype != np.uint8:
            rgb = _to_uint8(rgb.astype(np.float64))
        return np.asarray(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY),
                          dtype=np.uint8)
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    return _to_uint8(array.astype(np.float64))


def _to_uint8(values: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    """Other sample types to 8 bits, by their range: 0..1 (floats) times 255, up to 255 as
    they are, up to 65535 (16-bit) divided by 257, beyond that stretched; NaN -> 0."""
    array = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    if array.size:
        lo, hi = float(array.min()), float(array.max())
        if lo >= 0.0 and hi <= 1.0:
            array = array * 255.0
        elif lo >= 0.0 and hi > 255.0 and hi <= 65535.0:
            array = array / 257.0
        elif lo < 0.0 or hi > 65535.0:
            array = (array - lo) * (255.0 / max(hi - lo, 1e-12))
    return np.clip(np.rint(array), 0, 255).astype(np.uint8)


def extract(picture: Image.Image | npt.NDArray[Any], *, max_features: int = MAX_FEATURES,
            max_side: int = MAX_SIDE) -> LocalFeatures:
    """The SIFT features of ``picture`` (PIL image or array), strongest ``max_features``."""
    if max_features < 1 or max_side < MIN_SIDE:
        raise ValueError("max_features must be >= 1 and max_side >= MIN_SIDE")
    grey = _luma(picture)
    height, width = grey.shape[:2]
    if min(width, height) < MIN_SIDE:
        return LocalFeatures.empty(width, height)
    scale = min(1.0, max_side / max(width, height))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if min(size) < MIN_SIDE:
            return LocalFeatures.empty(width, height)
        grey = np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), np.uint8)
    if int(grey.max()) == int(grey.min()):
        return LocalFeatures.empty(width, height)
    sift = cv2.SIFT_create(  # type: ignore[attr-defined]
        nfeatures=max_features, contrastThreshold=CONTRAST_THRESHOLD)
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        return LocalFeatures.empty(width, height)
    response = np.array([k.response for k in keypoints], np.float32)
    order = np.argsort(-response, kind="stable")[:max_features]
    # pixel centres: original = (scaled + 0.5) / s - 0.5, per axis
    sx, sy = grey.shape[1] / width, grey.shape[0] / height
    pt = np.array([keypoints[i].pt for i in order], np.float64).reshape(-1, 2)
    xy = np.empty_like(pt)
    xy[:, 0] = (pt[:, 0] + 0.5) / sx - 0.5
    xy[:, 1] = (pt[:, 1] + 0.5) / sy - 0.5
    xy = np.clip(xy, -0.5, [width - 0.5, height - 0.5])
    sizes = np.array([keypoints[i].size for i in order], np.float64) / ((sx + sy) / 2)
    angles = np.array([keypoints[i].angle for i in order], np.float64) % 360.0
    desc = np.clip(np.rint(descriptors[order]), 0, 255).astype(np.uint8)
    return LocalFeatures(xy.astype(np.float32), sizes.astype(np.float32),
                         angles.astype(np.float32), np.ascontiguousarray(desc), width, height)


def rootsift(descriptors: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """RootSIFT (n, 128) float32 of SIFT descriptors: L1-normalised, then square-rooted
    (so each row has unit L2 norm; an all-zero row stays zero)."""
    d = np.asarray(descriptors, dtype=np.float32).reshape(-1, DESCRIPTOR_SIZE)
    total = d.sum(axis=1, keepdims=True)
    d = d / np.maximum(total, 1e-12)
    return np.sqrt(np.maximum(d, 0.0)).astype(np.float32)


# --------------------------------------------------------------------------- stored form


def features_to_bytes(f: LocalFeatures) -> bytes:
    """The stored form of ``f`` (see the module text)."""
    n = len(f)
    if n > MAX_STORED_FEATURES:
        raise ValueError(f"{n} features: at most {MAX_STORED_FEATURES} can be stored")
    if max(f.width, f.height) > MAX_PICTURE_SIDE:
        raise ValueError(f"picture sides over {MAX_PICTURE_SIDE} cannot be stored")
    angle = np.rint((f.angle.astype(np.float64) % 360.0) / _ANGLE_STEP).astype(np.int64)
    payload = b"".join((
        np.ascontiguousarray(f.xy[:, 0], "<f4").tobytes(),
        np.ascontiguousarray(f.xy[:, 1], "<f4").tobytes(),
        f.size.astype("<f2").tobytes(),
        (angle % 65536).astype("<u2").tobytes(),
        np.ascontiguousarray(f.descriptors, np.uint8).tobytes(),
    ))
    body = _HEADER.pack(_MAGIC, FEATURES_VERSION, 0, n, f.width, f.height, len(payload))
    body += zlib.compress(payload, 6)
    return body + _CRC.pack(zlib.crc32(body))


def features_from_bytes(data: bytes) -> LocalFeatures:
    """The features stored in ``data``; :class:`FeatureFileError` on anything wrong."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FeatureFileError("feature data must be bytes")
    data = bytes(data)
    if len(data) < _HEADER.size + _CRC.size:
        raise FeatureFileError("feature file truncated: shorter than its header")
    magic, version, flags, n, width, height, length = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise FeatureFileError("not a feature file (wrong magic)")
    if version != FEATURES_VERSION:
        raise FeatureFileError(f"feature file version {version}, this code reads "
                               f"{FEATURES_VERSION}")
    (crc,) = _CRC.unpack_from(data, len(data) - _CRC.size)
    if zlib.crc32(data[:-_CRC.size]) != crc:
        raise FeatureFileError("feature file damaged (checksum mismatch)")
    if flags != 0:
        raise FeatureFileError(f"feature file has unknown flags {flags:#x}")
    if n > MAX_STORED_FEATURES:
        raise FeatureFileError(f"feature file declares {n} features (at most "
                               f"{MAX_STORED_FEATURES})")
    if width > MAX_PICTURE_SIDE or height > MAX_PICTURE_SIDE:
        raise FeatureFileError(f"feature file declares a {width} x {height} picture")
    if n and (width == 0 or height == 0):
        raise FeatureFileError("feature file declares features on an empty picture")
    if length != n * _PER_FEATURE:
        raise FeatureFileError("feature file payload length does not match its count")
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(data[_HEADER.size:-_CRC.size], length)
        if len(payload) == length:
            payload += inflater.decompress(inflater.unconsumed_tail, 1)
    except zlib.error as exc:
        raise FeatureFileError(f"feature file payload damaged ({exc})") from None
    if len(payload) != length or not inflater.eof or inflater.unconsumed_tail \
            or inflater.unused_data:
        raise FeatureFileError("feature file payload does not inflate to its length")
    return _columns(payload, n, width, height)


def _columns(payload: bytes, n: int, width: int, height: int) -> LocalFeatures:
    at = 0

    def take(dtype: str, count: int) -> npt.NDArray[Any]:
        nonlocal at
        array = np.frombuffer(payload, dtype=dtype, count=count, offset=at)
        at += array.nbytes
        return array

    x = take("<f4", n)
    y = take("<f4", n)
    size = take("<f2", n).astype(np.float32)
    angle = take("<u2", n).astype(np.float64) * _ANGLE_STEP
    descriptors = take("u1", n * DESCRIPTOR_SIZE).reshape(n, DESCRIPTOR_SIZE).copy()
    xy = np.stack([x, y], axis=1).astype(np.float32)
    if not (np.isfinite(xy).all() and np.isfinite(size).all()):
        raise FeatureFileError("feature file holds non-finite positions or sizes")
    if n and ((xy < -1).any() or (xy[:, 0] > width).any() or (xy[:, 1] > height).any()):
        raise FeatureFileError("feature file holds positions outside its picture")
    if (size < 0).any():
        raise FeatureFileError("feature file holds negative keypoint sizes")
    return LocalFeatures(xy, size, angle.astype(np.float32), descriptors, width, height)
