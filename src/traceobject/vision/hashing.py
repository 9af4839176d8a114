"""File digests and PDQ perceptual hashes (Django-free).

PDQ hashes are 256 bits. Their text form is the ThreatExchange convention:
64 lower-case hex digits, most significant bit first, so that bit ``i`` of the
hash is bit ``7 - i % 8`` of byte ``i // 8`` of :func:`hex_to_array`. That is
exactly what ``numpy.packbits`` produces from the bit vector ``pdqhash``
returns, and what the reference implementations print.

The hasher is the reference's algorithm (ThreatExchange ``pdq/cpp``, as the ``pdqhash``
bindings run it: luma, two passes of Jarosz box filters along each axis, 64 x 64
decimation, 16 x 16 DCT, median threshold), computed where it is needed: both box passes
along an axis are one linear operator, and only the 64 rows and columns that decimation
keeps are computed, so a 720p video frame costs about 5 ms instead of 14-20. Where a bit
or the quality lies so close to its threshold that the reference's float rounding could
decide it (flat, symmetric or drawn pictures), the reference's own bindings (pdqhash) hash
the image instead. Hashes and quality equal pdqhash's on every photograph, video frame,
drawn and random image tested (tests/vision/test_hashing.py, bench/bench_pdq_hash.py). One
known exception: a picture crafted so that the reference's single-precision running sums
drift the same way along a very long row can get a quality one away from pdqhash's (the
hash stays the same); quality only decides whether a hash is indexed (50 and over).

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
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pdqhash

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
    # the rows are read as C-ordered, here and by pdqhash (which silently gives a wrong
    # hash for a Fortran-ordered or otherwise non-contiguous array)
    return np.ascontiguousarray(rgb)


#: The reference's luma weights (as pdqhash applies them, in double precision), its
#: smallest hashable side and its DCT matrix (16 x 64, float, made as pdqhashing.cpp does).
_LUMA = np.array([0.299, 0.587, 0.114])
_MIN_SIDE = 5
_DCT_SCALE = float(np.float32(math.sqrt(2.0 / 64)))
_DCT = np.array([[_DCT_SCALE * math.cos(math.pi / 2.0 / 64 * (i + 1) * (2 * j + 1))
                  for j in range(64)] for i in range(16)], np.float32)
#: How far this computation's 64 x 64 samples and DCT may lie from the reference's float
#: arithmetic (its running sums round at every step). Measured on photographs, noise and
#: 240 frames of 720p and 1080p video: samples at most 0.0006 apart; DCT coefficients at
#: most 0.30 of the DCT slack below (also on 150 random shapes from 5 x 4000 to 2500 x
#: 4000). A review crafted rows along which the reference's sums drift one way at every
#: step: samples 0.015 apart at 3,840 pixels, 0.06 at 40,000, their DCT within its slack.
#: Bits and quality closer than this to their threshold are taken from the reference
#: itself (about 1 hash in 20 on video frames).


def _sample_slack(height: int, width: int) -> float:
    return 0.003 + 1e-6 * max(height, width)


def _dct_slack(height: int, width: int, dct: npt.NDArray[Any]) -> float:
    """More than three times the largest distance measured between this DCT and the
    reference's: a little, more for large coefficients and long sides, and more again for
    a side under 64 pixels (decimation repeats its rows, and their rounding with them)."""
    spread = 0.006 + 3e-6 * float(np.abs(dct).max()) + 3e-6 * max(height, width)
    return spread * max(1.0, 64 / min(height, width))


def _window(length: int) -> int:
    """The reference's box window along a side of `length` for 64 outputs
    (computeJaroszFilterWindowSize)."""
    return (length + 2 * 64 - 1) // (2 * 64)


def _box_spans(length: int) -> list[tuple[int, int]]:
    """The input span [lo, hi) averaged into each output of the reference's box filter
    (downscaling.cpp box1DFloat) along a side of `length`."""
    window = _window(length)
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


class _Decimation(NamedTuple):
    """The 64 samples that decimation keeps of two box passes along a side, as weights on
    the input: sample i is sum_k weights[i, k] * x[starts[i] + k]. Where both passes
    average whole windows (all but the samples at the ends), the weights are whole counts
    over `divisor` (window squared), so that uint8 input sums exactly in single precision;
    `uneven` lists the other samples."""

    starts: npt.NDArray[np.intp]
    weights: npt.NDArray[np.float64]
    counts: npt.NDArray[np.float32]
    divisor: float
    uneven: npt.NDArray[np.intp]


@lru_cache(maxsize=256)
def _decimation(length: int) -> _Decimation:
    spans = _box_spans(length)
    window = _window(length)
    weights = np.zeros((64, length))
    counts = np.zeros((64, length), np.float32)
    uneven = []
    for out in range(64):
        lo, hi = spans[int((out + 0.5) * length / 64)]
        inner = [spans[middle] for middle in range(lo, hi)]
        for inner_lo, inner_hi in inner:
            weights[out, inner_lo:inner_hi] += 1.0 / (hi - lo) / (inner_hi - inner_lo)
            counts[out, inner_lo:inner_hi] += 1
        if hi - lo != window or any(b - a != window for a, b in inner):
            uneven.append(out)
    # (a count times 255 summed over window squared inputs stays an exact float32)
    if 255 * window * window >= 2 ** 24:
        uneven = list(range(64))
    used = weights != 0
    first = used.argmax(axis=1)
    width = int((length - used[:, ::-1].argmax(axis=1) - first).max())
    starts = np.minimum(first, length - width)
    rows = np.arange(64)[:, None]
    band = starts[:, None] + np.arange(width)
    counts[uneven] = 0
    kept = _Decimation(starts, weights[rows, band], counts[rows, band], float(window * window),
                       np.array(uneven, np.intp))
    for array in kept[:3]:
        array.flags.writeable = False  # shared by every caller and thread
    return kept


def _samples(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The reference's 64 x 64 buffer (luma, Jarosz-filtered, decimated) of a C-ordered RGB
    image of at least 5 pixels a side: only the 64 rows and columns decimation keeps are
    computed, each as one weighted sum of the input, exactly (whole counts in single
    precision) or in double precision, so that flat areas come out exact, as the
    reference's running sums leave them. (No BLAS call: its threads would spin beside a
    decoder's.)"""
    height, width = rgb.shape[:2]
    down, across = _decimation(height), _decimation(width)
    rows = rgb.reshape(height, width * 3)
    if len(down.uneven) < 64:
        summed = down.counts[:, 0, None] * rows[down.starts]
        term = np.empty_like(summed)
        for k in range(1, down.counts.shape[1]):
            np.multiply(down.counts[:, k, None], rows[down.starts + k], out=term)
            summed += term
        filtered = summed.astype(np.float64) / down.divisor
    else:
        filtered = np.empty((64, width * 3))
    for out in down.uneven:
        band = rows[down.starts[out]:down.starts[out] + down.weights.shape[1]]
        filtered[out] = (down.weights[out, :, None] * band).sum(axis=0)
    pixels = filtered.reshape(64, width, 3)
    small = across.weights[None, :, 0, None] * pixels[:, across.starts]
    for k in range(1, across.weights.shape[1]):
        small += across.weights[None, :, k, None] * pixels[:, across.starts + k]
    luma = small[..., 0] * _LUMA[0] + small[..., 1] * _LUMA[1] + small[..., 2] * _LUMA[2]
    return luma.astype(np.float32)


def _quality(small: npt.NDArray[np.float32], sample_slack: float) -> int | None:
    """pdqImageDomainQualityMetric (the sum of the truncated neighbour differences / 90,
    at most 100), or None where the reference's rounding could make it another value."""
    total = below = above = 0
    slack = np.float32(sample_slack * 2 * 100 / 255)
    for diff in (small[:-1, :] - small[1:, :], small[:, :-1] - small[:, 1:]):
        scaled = np.abs(diff * np.float32(100) / np.float32(255))
        total += int(np.trunc(scaled).sum())
        nearest = np.rint(scaled)
        close = (np.abs(scaled - nearest) < slack) & (nearest > 0)
        above += int((close & (scaled >= nearest)).sum())
        below += int((close & (scaled < nearest)).sum())
    low, high = min((total - above) // 90, 100), min((total + below) // 90, 100)
    return low if low == high else None


def _dct_bits(dct: npt.NDArray[Any], slack: float) -> str | None:
    """Bits above the median (the lower one of 256, as the reference's torben), most
    significant first (bit i * 16 + j of the reference is digit 255 - (i * 16 + j)); None
    where the 128th and 129th values are too close to tell which the reference keeps."""
    flat = dct.ravel()
    ranked = np.partition(flat, (127, 128))
    if ranked[128] - ranked[127] <= 2 * slack:
        return None
    return _bits_to_hex((flat > ranked[127])[::-1])


def _bits_to_hex(bits: npt.NDArray[Any]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _negated(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
    signs = np.where(mask, -1, 1).astype(np.float32)
    signs.flags.writeable = False
    return signs


_I, _J = np.indices((16, 16))
#: The reference's dihedral variants, read from the DCT of the original (pdqhashing.cpp
#: dct16OriginalTo...): whether it is transposed, and the signs that negate some (i, j).
_DIHEDRAL: tuple[tuple[bool, npt.NDArray[np.float32] | None], ...] = (
    (False, None),  # original
    (True, _negated(_J % 2 == 0)),  # rotate 90
    (False, _negated((_I + _J) % 2 == 1)),  # rotate 180
    (True, _negated(_I % 2 == 0)),  # rotate 270
    (False, _negated(_I % 2 == 0)),  # flip about the x axis
    (False, _negated(_J % 2 == 0)),  # flip about the y axis
    (True, None),  # flip about the main diagonal
    (True, _negated((_I + _J) % 2 == 1)),  # flip about the anti-diagonal
)
_DCT.flags.writeable = False


def _fast_pdq(image: npt.NDArray[np.uint8], variants: bool
              ) -> tuple[list[str], int] | None:
    """The hash (and with `variants` the 8 dihedral hashes) and quality computed here, or
    None where the reference must decide (a bit or the quality too close to call, or a side
    under the reference's smallest, where it hashes to zeros)."""
    if min(image.shape[:2]) < _MIN_SIDE:
        return None
    small = _samples(image)
    quality = _quality(small, _sample_slack(*image.shape[:2]))
    if quality is None:
        return None
    dct = (_DCT @ small) @ _DCT.T
    slack = _dct_slack(image.shape[0], image.shape[1], dct)
    hashes = []
    for transpose, signs in _DIHEDRAL if variants else _DIHEDRAL[:1]:
        variant = dct * signs if signs is not None else dct
        bits = _dct_bits(variant.T if transpose else variant, slack)
        if bits is None:
            return None
        hashes.append(bits)
    return hashes, quality


def pdq_hash(rgb: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ hash of an RGB uint8 image array: ``(64 hex digits, quality 0..100)``.

    Feed it the pixels from :func:`traceobject.vision.decode.decode_for_hashing` (at most
    512 pixels a side, like the reference hasher) for hashes that agree with other
    agencies' PDQ lists.
    """
    image = _check_rgb(rgb)
    if (fast := _fast_pdq(image, False)) is not None:
        return fast[0][0], fast[1]
    bits, quality = pdqhash.compute(image)
    return _bits_to_hex(bits), int(quality)


def pdq_hash_dihedral(rgb: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """PDQ hashes of the 8 rotations/flips of an image, in the reference order.

    Order: original, rotate 90, rotate 180, rotate 270 (counter-clockwise), flip about the
    x axis (upside down), flip about the y axis (mirror), flip about the main diagonal
    (transpose), flip about the anti-diagonal.
    Matching a query's 8 variants against an index finds rotated or mirrored copies.
    (The reference's dihedral entry point filters a 64 x 64 image with a window of one
    pixel where its single hash skips the filter: the same samples either way.)
    """
    image = _check_rgb(rgb)
    if (fast := _fast_pdq(image, True)) is not None:
        return fast
    hashes, quality = pdqhash.compute_dihedral(image)
    return [_bits_to_hex(bits) for bits in hashes], int(quality)


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
