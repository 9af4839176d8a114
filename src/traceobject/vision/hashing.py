"""File digests and PDQ perceptual hashes (Django-free).

PDQ hashes are 256 bits. Their text form is the ThreatExchange convention:
64 lower-case hex digits, most significant bit first, so that bit ``i`` of the
hash is bit ``7 - i % 8`` of byte ``i // 8`` of :func:`hex_to_array`. That is
exactly what ``numpy.packbits`` produces from the bit vector ``pdqhash``
returns, and what the reference implementations print.

The hasher is the reference's algorithm (ThreatExchange ``pdq/cpp``: float luma, two
passes of Jarosz box filters along each axis, 64 x 64 decimation, 16 x 16 DCT, median
threshold) computed where it is needed: both box passes along an axis are one linear
operator, and only the 64 rows and columns that decimation keeps are ever computed, so a
720p frame costs about 2 ms instead of pdqhash's 14 (1080p: 4 against 53). Hashes and
quality are those of ``pdqhash.compute`` and ``compute_dihedral`` (tests/vision/
test_hashing.py compares them bit for bit on photographs, drawn and random images of
every shape from the 5-pixel minimum up; pdqhash is the tests' oracle).

The PDQ *quality* (0..100) says how much structure the image has; the
ThreatExchange guidance is to neither store nor match hashes below 50
(:data:`PDQ_MIN_QUALITY`), because flat or nearly flat images all hash alike.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

PDQ_BITS = 256
PDQ_BYTES = PDQ_BITS // 8
PDQ_HEX_DIGITS = PDQ_BITS // 4
#: Hashes of lower quality are neither indexed nor matched (ThreatExchange guidance).
PDQ_MIN_QUALITY = 50
#: Distance at or below which two PDQ hashes are considered a match (ThreatExchange guidance).
PDQ_MATCH_THRESHOLD = 31

_CHUNK = 1024 * 1024

#: Popcount of every byte value, for code that cannot rely on ``np.bitwise_count``.
POPCOUNT_TABLE: npt.NDArray[np.uint8] = np.array(
    [bin(i).count("1") for i in range(256)], dtype=np.uint8
)


def file_hashes(data: bytes | str | os.PathLike[str]) -> tuple[str, str]:
    """Return ``(sha256_hex, md5_hex)`` of ``data`` (bytes, or a file path read in chunks).

    MD5 is computed because evidence exchanges (e.g. Project VIC, CAID) still key on it;
    it is never used for anything security-relevant.
    """
    sha = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    if isinstance(data, bytes | bytearray | memoryview):
        sha.update(data)
        md5.update(data)
    else:
        with open(data, "rb") as fh:
            while block := fh.read(_CHUNK):
                sha.update(block)
                md5.update(block)
    return sha.hexdigest(), md5.hexdigest()


def _check_rgb(rgb: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected an RGB image array of shape (height, width, 3)")
    if rgb.dtype != np.uint8:
        raise ValueError(f"expected dtype uint8, got {rgb.dtype}")
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError("empty image")
    return np.ascontiguousarray(rgb)


#: The reference's luma weights, its smallest hashable side and its DCT matrix (16 x 64,
#: float, made as pdqhashing.cpp makes it).
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_MIN_SIDE = 5
_DCT_SCALE = float(np.float32(math.sqrt(2.0 / 64)))
_DCT = np.array([[_DCT_SCALE * math.cos(math.pi / 2.0 / 64 * (i + 1) * (2 * j + 1))
                  for j in range(64)] for i in range(16)], np.float32)


def _box_spans(length: int) -> list[tuple[int, int]]:
    """The input span [lo, hi) averaged into each output of the reference's box filter
    (downscaling.cpp box1DFloat) along a side of `length`, with its window for 64 outputs."""
    window = (length + 2 * 64 - 1) // (2 * 64)
    half = (window + 2) // 2
    lo, hi = 0, half - 1
    spans = []
    for _ in range(window - half + 1):
        hi += 1
        spans.append((lo, hi))
    for _ in range(length - window):
        lo, hi = lo + 1, hi + 1
        spans.append((lo, hi))
    for _ in range(half - 1):
        lo += 1
        spans.append((lo, hi))
    return spans


@lru_cache(maxsize=256)
def _jarosz_rows(length: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32],
                                       npt.NDArray[np.float32]]:
    """The 64 samples that decimation keeps of two box passes along a side of `length`, as
    weights on the input: (first input of each sample's band, the band's weights (64 x K),
    the same as a dense 64 x length matrix)."""
    spans = _box_spans(length)
    dense = np.zeros((64, length))
    for out in range(64):
        lo, hi = spans[int((out + 0.5) * length / 64)]
        for middle in range(lo, hi):
            inner_lo, inner_hi = spans[middle]
            dense[out, inner_lo:inner_hi] += 1.0 / (hi - lo) / (inner_hi - inner_lo)
    used = dense != 0
    first = used.argmax(axis=1)
    width = int((length - used[:, ::-1].argmax(axis=1) - first).max())
    start = np.minimum(first, length - width)
    band = np.stack([dense[i, s:s + width] for i, s in enumerate(start)])
    return start, band.astype(np.float32), dense.astype(np.float32)


def _pdq_dct(rgb: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[Any], int]:
    """The 16 x 16 DCT the hash bits are read from, and the quality, of a C-ordered RGB
    image of at least 5 pixels a side."""
    height, width = rgb.shape[:2]
    start, band, _dense = _jarosz_rows(height)
    _start, _band, across = _jarosz_rows(width)
    rows = rgb.reshape(height, width * 3)
    filtered = band[:, 0, None] * rows[start]
    for k in range(1, band.shape[1]):
        filtered += band[:, k, None] * rows[start + k]
    luma = filtered.reshape(64, width, 3) @ _LUMA
    small = luma @ across.T  # 64 x 64
    return (_DCT @ small) @ _DCT.T, _quality(small)


def _quality(small: npt.NDArray[Any]) -> int:
    """pdqImageDomainQualityMetric: the sum of the truncated neighbour differences."""
    total = 0
    for diff in (small[:-1, :] - small[1:, :], small[:, :-1] - small[:, 1:]):
        total += int(np.abs(np.trunc(diff * np.float32(100) / np.float32(255))).sum())
    return min(total // 90, 100)


def _dct_bits(dct: npt.NDArray[Any]) -> str:
    """Bits above the median (the lower one of 256, as the reference's torben), most
    significant first: bit i * 16 + j of the reference is digit 255 - (i * 16 + j)."""
    flat = dct.ravel()
    median = np.partition(flat, 127)[127]
    return _bits_to_hex((flat > median)[::-1])


def _bits_to_hex(bits: npt.NDArray[Any]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_hash(rgb: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ hash of an RGB uint8 image array: ``(64 hex digits, quality 0..100)``.

    Feed it the pixels from :func:`traceobject.vision.decode.decode_for_hashing` (at most
    512 pixels a side, like the reference hasher) for hashes that agree with other
    agencies' PDQ lists. An image under 5 pixels a side hashes to zeros with quality 0,
    as in the reference.
    """
    image = _check_rgb(rgb)
    if min(image.shape[:2]) < _MIN_SIDE:
        return "0" * PDQ_HEX_DIGITS, 0
    dct, quality = _pdq_dct(image)
    return _dct_bits(dct), quality


#: The reference's dihedral variants, read from the DCT of the original (pdqhashing.cpp
#: dct16OriginalTo...): (transpose, sign pattern of (i, j) that is negated).
_DIHEDRAL: tuple[tuple[bool, Any], ...] = (
    (False, None),  # original
    (True, lambda i, j: (j & 1) == 0),  # rotate 90
    (False, lambda i, j: ((i + j) & 1) == 1),  # rotate 180
    (True, lambda i, j: (i & 1) == 0),  # rotate 270
    (False, lambda i, j: (i & 1) == 0),  # flip about the x axis
    (False, lambda i, j: (j & 1) == 0),  # flip about the y axis
    (True, None),  # flip about the main diagonal
    (True, lambda i, j: ((i + j) & 1) == 1),  # flip about the anti-diagonal
)
_I, _J = np.indices((16, 16))
_DIHEDRAL_SIGNS = [
    (transpose, np.where(negate(_I, _J), -1, 1).astype(np.float32) if negate else None)
    for transpose, negate in _DIHEDRAL
]


def pdq_hash_dihedral(rgb: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """PDQ hashes of the 8 rotations/flips of an image, in the reference order.

    Order: original, rotate 90, rotate 180, rotate 270 (counter-clockwise), flip about the
    x axis (upside down), flip about the y axis (mirror), flip about the main diagonal
    (transpose), flip about the anti-diagonal.
    Matching a query's 8 variants against an index finds rotated or mirrored copies.
    """
    image = _check_rgb(rgb)
    if min(image.shape[:2]) < _MIN_SIDE:
        return ["0" * PDQ_HEX_DIGITS] * 8, 0
    dct, quality = _pdq_dct(image)
    hashes = []
    for transpose, signs in _DIHEDRAL_SIGNS:
        variant = dct * signs if signs is not None else dct
        hashes.append(_dct_bits(variant.T if transpose else variant))
    return hashes, quality


def hex_to_bytes(hex_hash: str) -> bytes:
    """64 hex digits -> 32 bytes (raises ``ValueError`` on anything else)."""
    text = hex_hash.strip()
    if len(text) != PDQ_HEX_DIGITS:
        raise ValueError(f"a PDQ hash has {PDQ_HEX_DIGITS} hex digits, got {len(text)}")
    return bytes.fromhex(text)


def hex_to_array(hex_hash: str) -> npt.NDArray[np.uint8]:
    """64 hex digits -> uint8 array of shape (32,)."""
    return np.frombuffer(hex_to_bytes(hex_hash), dtype=np.uint8).copy()


def hexes_to_array(hex_hashes: Iterable[str]) -> npt.NDArray[np.uint8]:
    """Many hex hashes -> uint8 array of shape (n, 32)."""
    raw = b"".join(hex_to_bytes(h) for h in hex_hashes)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, PDQ_BYTES).copy()


def array_to_hex(code: npt.NDArray[np.uint8] | bytes) -> str:
    """uint8 array of shape (32,) (or 32 bytes) -> 64 hex digits."""
    raw = bytes(code) if isinstance(code, bytes | bytearray) else np.asarray(code).tobytes()
    if len(raw) != PDQ_BYTES:
        raise ValueError(f"a PDQ hash has {PDQ_BYTES} bytes, got {len(raw)}")
    return raw.hex()


def as_code(value: str | bytes | npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Accept a hash as hex, 32 bytes or a (32,) uint8 array; return a (32,) uint8 array."""
    if isinstance(value, str):
        return hex_to_array(value)
    if isinstance(value, bytes | bytearray):
        if len(value) != PDQ_BYTES:
            raise ValueError(f"a PDQ hash has {PDQ_BYTES} bytes, got {len(value)}")
        return np.frombuffer(bytes(value), dtype=np.uint8).copy()
    arr = np.asarray(value)
    if arr.dtype != np.uint8 or arr.shape != (PDQ_BYTES,):
        raise ValueError(
            f"expected a uint8 array of shape ({PDQ_BYTES},), got {arr.dtype} {arr.shape}"
        )
    return arr


def hamming(a: str | bytes | npt.NDArray[Any], b: str | bytes | npt.NDArray[Any]) -> int:
    """Hamming distance between two PDQ hashes (hex, bytes or arrays)."""
    x = np.bitwise_xor(as_code(a), as_code(b))
    return int(POPCOUNT_TABLE[x].sum())
