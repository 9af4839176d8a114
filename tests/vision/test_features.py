"""SIFT/RootSIFT local features and their stored form (vision/features.py), no database.

Pictures are generated (bench/object_scenes.py: scikit-image's non-person pictures and drawn
labels in cluttered scenes). The stored form is attacked with truncations, bit flips and
crafted files that carry a valid checksum, so that every field check is reached.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache

import numpy as np
import pytest
from bench.object_scenes import make_scene, object_texture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from traceobject.vision import features as F
from traceobject.vision.features import (
    MAX_FEATURES,
    MAX_PICTURE_SIDE,
    MAX_STORED_FEATURES,
    FeatureFileError,
    LocalFeatures,
    extract,
    features_from_bytes,
    features_to_bytes,
    rootsift,
)

HEADER = struct.Struct("<4sHHIIII")


@cache
def scene() -> Image.Image:
    return make_scene(object_texture(0), seed=3, scale=1.2, rotation=25)[0]


@cache
def scene_features() -> LocalFeatures:
    return extract(scene())


def _craft(*, n: int = 0, width: int = 10, height: int = 10, payload: bytes | None = None,
           version: int = F.FEATURES_VERSION, flags: int = 0, magic: bytes = b"TOSF",
           length: int | None = None, compressed: bytes | None = None) -> bytes:
    """A feature file with a valid checksum around whatever fields are given."""
    payload = b"" if payload is None else payload
    body = HEADER.pack(magic, version, flags, n, width, height,
                       len(payload) if length is None else length)
    body += zlib.compress(payload) if compressed is None else compressed
    return body + struct.pack("<I", zlib.crc32(body))


def _payload(xy: np.ndarray, size: np.ndarray, angle: np.ndarray | None = None) -> bytes:
    n = len(xy)
    angle = np.zeros(n, "<u2") if angle is None else angle
    return b"".join((xy[:, 0].astype("<f4").tobytes(), xy[:, 1].astype("<f4").tobytes(),
                     size.astype("<f2").tobytes(), angle.astype("<u2").tobytes(),
                     np.zeros((n, 128), np.uint8).tobytes()))


# --------------------------------------------------------------------------- extraction


def test_a_scene_has_features_in_its_own_pixels() -> None:
    f = scene_features()
    picture = scene()
    assert 100 < len(f) <= MAX_FEATURES
    assert (f.width, f.height) == picture.size
    assert f.xy.dtype == np.float32 and f.descriptors.dtype == np.uint8
    assert f.descriptors.shape == (len(f), 128)
    assert (f.xy >= -0.5).all() and (f.xy[:, 0] <= f.width).all()
    assert (f.xy[:, 1] <= f.height).all()
    assert (f.size > 0).all() and ((f.angle >= 0) & (f.angle < 360)).all()


def test_a_large_picture_is_described_in_its_original_pixels() -> None:
    """A picture twice as large (each pixel doubled) scaled back to max_side gives exactly
    the same keypoints, reported at twice the coordinates (pixel centres kept)."""
    small = np.asarray(scene().convert("L"))
    big = np.repeat(np.repeat(small, 2, axis=0), 2, axis=1)
    side = max(small.shape)
    a = extract(small, max_side=side)
    b = extract(big, max_side=side)
    assert (b.width, b.height) == (2 * a.width, 2 * a.height)
    assert len(a) == len(b) > 50
    np.testing.assert_allclose(b.xy, (a.xy + 0.5) * 2 - 0.5, atol=1e-3)
    np.testing.assert_allclose(b.size, a.size * 2, rtol=1e-5)
    np.testing.assert_array_equal(b.descriptors, a.descriptors)


def test_max_features_keeps_the_strongest() -> None:
    full = scene_features()
    few = extract(scene(), max_features=40)
    assert len(few) == 40
    everywhere = {(round(float(x), 2), round(float(y), 2)) for x, y in full.xy}
    assert {(round(float(x), 2), round(float(y), 2)) for x, y in few.xy} <= everywhere


@pytest.mark.parametrize("picture", [
    Image.new("RGB", (0, 0)),
    Image.new("RGB", (1, 1), (200, 10, 10)),
    np.zeros((0, 0), np.uint8),
    np.zeros((7, 0, 3), np.uint8),
    np.random.default_rng(1).integers(0, 255, (5, 5), dtype=np.uint8),  # below MIN_SIDE
    Image.new("L", (400, 300), 128),  # flat
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)),  # fully transparent
    np.full((200, 200, 3), 77, np.uint8),
    np.random.default_rng(2).random((20000, 12)),  # tall and thin: under MIN_SIDE scaled
    np.random.default_rng(3).random((16, 9000)),
], ids=["0x0", "1x1", "empty-array", "zero-width", "5x5", "flat", "transparent", "flat-rgb",
        "20000x12", "16x9000"])
def test_empty_tiny_flat_and_thin_pictures_have_no_features(picture: object) -> None:
    f = extract(picture)  # type: ignore[arg-type]
    assert len(f) == 0
    assert f.xy.shape == (0, 2) and f.descriptors.shape == (0, 128)
    shape = np.asarray(picture).shape
    assert (f.height, f.width) == shape[:2]
    assert features_from_bytes(features_to_bytes(f)).width == f.width


@pytest.mark.parametrize("picture", [
    np.random.default_rng(4).integers(0, 65535, (200, 200)).astype(np.uint16),
    Image.fromarray(np.random.default_rng(5).integers(0, 65535, (200, 200)).astype(np.uint16)),
    np.random.default_rng(6).random((200, 200)),  # floats 0..1
    np.random.default_rng(7).standard_normal((200, 200)) * 1e6,  # any floats
    np.random.default_rng(8).random((200, 200)) > 0.5,  # booleans
    np.random.default_rng(9).integers(0, 255, (200, 200, 4), dtype=np.uint8),  # RGBA array
    np.random.default_rng(10).integers(0, 255, (200, 200, 1), dtype=np.uint8),
], ids=["uint16", "pil-16bit", "float01", "float-any", "bool", "rgba", "one-channel"])
def test_other_sample_types_are_described(picture: object) -> None:
    assert len(extract(picture)) > 20  # type: ignore[arg-type]


def test_a_huge_aspect_picture_keeps_its_size_and_coordinates() -> None:
    strip = np.tile(np.asarray(scene().convert("L"))[100:220], (1, 10))  # 120 x 4800
    f = extract(strip)
    assert (f.width, f.height) == (4800, 120)
    assert len(f) > 20 and f.xy[:, 0].max() > 4000 and f.xy[:, 0].min() < 800


def test_a_picture_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        extract(np.zeros((4, 4, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="2-D"):
        extract(np.zeros((10, 10, 2), np.uint8))
    with pytest.raises(ValueError):
        extract(scene(), max_features=0)


def test_rootsift_is_the_hellinger_kernel() -> None:
    d = scene_features().descriptors[:50]
    r = rootsift(d)
    assert r.dtype == np.float32 and r.shape == (50, 128) and (r >= 0).all()
    np.testing.assert_allclose(np.linalg.norm(r, axis=1), 1.0, atol=1e-5)
    p = d.astype(np.float64) / d.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(r @ r.T, np.sqrt(p) @ np.sqrt(p).T, atol=1e-5)
    assert not rootsift(np.zeros((1, 128), np.uint8)).any()
    assert rootsift(np.zeros((0, 128), np.uint8)).shape == (0, 128)


def test_region_selects_and_shifts() -> None:
    f = scene_features()
    r = f.region((100, 50, 200, 150))
    assert (r.width, r.height) == (200, 150) and 0 < len(r) < len(f)
    assert (r.xy >= 0).all() and (r.xy[:, 0] < 200).all() and (r.xy[:, 1] < 150).all()
    inside = (f.xy[:, 0] >= 100) & (f.xy[:, 0] < 300) & (f.xy[:, 1] >= 50) & (f.xy[:, 1] < 200)
    np.testing.assert_array_equal(r.descriptors, f.descriptors[inside])
    np.testing.assert_allclose(r.xy, f.xy[inside] - [100, 50])
    assert len(f.region((0, 0, 0, 10))) == 0


def test_inconsistent_arrays_are_refused() -> None:
    f = scene_features()
    with pytest.raises(ValueError, match="inconsistent"):
        LocalFeatures(f.xy, f.size[:-1], f.angle, f.descriptors, f.width, f.height)
    with pytest.raises(ValueError, match="dtype"):
        LocalFeatures(f.xy.astype(np.float64), f.size, f.angle, f.descriptors, 1, 1)


# --------------------------------------------------------------------------- stored form


def test_round_trip() -> None:
    f = scene_features()
    data = features_to_bytes(f)
    g = features_from_bytes(data)
    assert (g.width, g.height, len(g)) == (f.width, f.height, len(f))
    np.testing.assert_array_equal(g.xy, f.xy)
    np.testing.assert_array_equal(g.descriptors, f.descriptors)
    np.testing.assert_allclose(g.size, f.size, rtol=1e-3)
    turn = np.abs((g.angle - f.angle + 180) % 360 - 180)
    assert turn.max() < 0.01
    assert len(data) / len(f) < 150  # compact
    assert features_from_bytes(bytearray(data)).width == f.width
    assert features_from_bytes(memoryview(data)).height == f.height
    assert features_to_bytes(g) == data  # stable


def test_empty_round_trip() -> None:
    e = LocalFeatures.empty(640, 480)
    g = features_from_bytes(features_to_bytes(e))
    assert len(g) == 0 and (g.width, g.height) == (640, 480)


def test_every_truncation_is_refused() -> None:
    data = features_to_bytes(extract(scene(), max_features=30))
    for cut in range(len(data)):
        with pytest.raises(FeatureFileError):
            features_from_bytes(data[:cut])


def test_a_flipped_bit_anywhere_is_refused() -> None:
    data = features_to_bytes(extract(scene(), max_features=20))
    for bit in range(0, len(data) * 8, 7):
        damaged = bytearray(data)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(FeatureFileError):
            features_from_bytes(bytes(damaged))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(FeatureFileError):
        features_from_bytes(data)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.integers(0, 3), st.integers(0, 2000))
def test_any_payload_with_a_valid_checksum_is_refused_or_credible(
        data: st.DataObject, n: int, side: int) -> None:
    """Whatever a crafted file of the right length holds, parsing raises FeatureFileError
    or gives features that pass LocalFeatures' own checks, inside the declared picture."""
    payload = data.draw(st.binary(min_size=n * 140, max_size=n * 140))
    try:
        f = features_from_bytes(_craft(n=n, width=side, height=side, payload=payload))
    except FeatureFileError:
        return
    assert len(f) == n and (f.width, f.height) == (side, side)
    assert np.isfinite(f.xy).all() and (f.xy >= -1).all() and (f.xy <= side).all()
    assert (f.size >= 0).all() and ((f.angle >= 0) & (f.angle < 360)).all()


def test_wrong_magic_version_and_flags_are_refused() -> None:
    with pytest.raises(FeatureFileError, match="magic"):
        features_from_bytes(_craft(magic=b"JUNK"))
    with pytest.raises(FeatureFileError, match="version 2"):
        features_from_bytes(_craft(version=2))
    with pytest.raises(FeatureFileError, match="flags"):
        features_from_bytes(_craft(flags=1))
    with pytest.raises(FeatureFileError, match="bytes"):
        features_from_bytes("TOSF")  # type: ignore[arg-type]


def test_hostile_sizes_are_refused_before_inflating() -> None:
    with pytest.raises(FeatureFileError, match="declares"):
        features_from_bytes(_craft(n=MAX_STORED_FEATURES + 1, length=0))
    with pytest.raises(FeatureFileError, match="picture"):
        features_from_bytes(_craft(width=MAX_PICTURE_SIDE + 1))
    with pytest.raises(FeatureFileError, match="empty picture"):
        features_from_bytes(_craft(n=1, width=0, payload=b"\0" * 140))
    with pytest.raises(FeatureFileError, match="length"):
        features_from_bytes(_craft(n=2, payload=b"\0" * 140))


def test_a_zip_bomb_stops_at_the_declared_length() -> None:
    """The payload inflates to 16 MB; the parser reads the declared 140 bytes and one."""
    bomb = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    compressed = b"".join(bomb.compress(chunk) for _ in range(16)) + bomb.flush()
    assert len(compressed) < 40_000
    with pytest.raises(FeatureFileError, match="inflate"):
        features_from_bytes(_craft(n=1, length=140, compressed=compressed))


def test_trailing_and_garbled_payloads_are_refused() -> None:
    good = _payload(np.array([[1.0, 2.0]]), np.array([3.0]))
    assert len(features_from_bytes(_craft(n=1, payload=good))) == 1
    with pytest.raises(FeatureFileError, match="inflate"):  # short payload
        features_from_bytes(_craft(n=1, length=140, payload=good[:-1]))
    with pytest.raises(FeatureFileError, match="inflate"):  # bytes after the stream
        features_from_bytes(_craft(n=1, length=140,
                                   compressed=zlib.compress(good) + b"extra"))
    with pytest.raises(FeatureFileError, match="damaged"):  # not zlib at all
        features_from_bytes(_craft(n=1, length=140, compressed=b"\x78\x9c" + b"\xff" * 30))


@pytest.mark.parametrize("xy,size,what", [
    ([[np.nan, 1.0]], [1.0], "non-finite"),
    ([[1.0, np.inf]], [1.0], "non-finite"),
    ([[1.0, 1.0]], [np.inf], "non-finite"),
    ([[50.0, 1.0]], [1.0], "outside"),
    ([[1.0, -5.0]], [1.0], "outside"),
    ([[1.0, 1.0]], [-2.0], "negative"),
])
def test_incredible_values_are_refused(xy: list[list[float]], size: list[float],
                                       what: str) -> None:
    payload = _payload(np.array(xy, np.float32), np.array(size, np.float32))
    with pytest.raises(FeatureFileError, match=what):
        features_from_bytes(_craft(n=1, width=10, height=10, payload=payload))


def test_writing_refuses_what_reading_would() -> None:
    n = MAX_STORED_FEATURES + 1
    many = LocalFeatures(np.zeros((n, 2), np.float32), np.ones(n, np.float32),
                         np.zeros(n, np.float32), np.zeros((n, 128), np.uint8), 10, 10)
    with pytest.raises(ValueError, match="at most"):
        features_to_bytes(many)
    with pytest.raises(ValueError, match="sides"):
        features_to_bytes(LocalFeatures.empty(MAX_PICTURE_SIDE + 1, 1))
