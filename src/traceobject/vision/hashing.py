"""File digests and PDQ perceptual hashes (Django-free).

PDQ hashes are 256 bits. Their text form is the ThreatExchange convention:
64 lower-case hex digits, most significant bit first, so that bit ``i`` of the
hash is bit ``7 - i % 8`` of byte ``i // 8`` of :func:`hex_to_array`. That is
exactly what ``numpy.packbits`` produces from the bit vector ``pdqhash``
returns, and what the reference implementations print.

The PDQ *quality* (0..100) says how much structure the image has; the
ThreatExchange guidance is to neither store nor match hashes below 50
(:data:`PDQ_MIN_QUALITY`), because flat or nearly flat images all hash alike.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Any

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
    # pdqhash reads the luma buffer as C-ordered: a Fortran-ordered or otherwise
    # non-contiguous array silently gives a wrong hash.
    return np.ascontiguousarray(rgb)


def _bits_to_hex(bits: npt.NDArray[Any]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_hash(rgb: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ hash of an RGB uint8 image array: ``(64 hex digits, quality 0..100)``.

    Feed it the pixels from :func:`traceobject.vision.decode.decode_for_hashing` (at most
    512 pixels a side, like the reference hasher) for hashes that agree with other
    agencies' PDQ lists.
    """
    bits, quality = pdqhash.compute(_check_rgb(rgb))
    return _bits_to_hex(bits), int(quality)


def pdq_hash_dihedral(rgb: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """PDQ hashes of the 8 rotations/flips of an image, in the reference order.

    Order: original, rotate 90, rotate 180, rotate 270 (counter-clockwise), flip about the
    x axis (upside down), flip about the y axis (mirror), flip about the main diagonal
    (transpose), flip about the anti-diagonal.
    Matching a query's 8 variants against an index finds rotated or mirrored copies.
    """
    hashes, quality = pdqhash.compute_dihedral(_check_rgb(rgb))
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
