"""Geometric verification (search/verify.py) on generated scenes, no database.

An object's picture (bench/object_scenes.py) is the query; scenes with the object planted
at scale 0.3-2x, rotated, in perspective, partly hidden, lit differently and re-compressed
must verify, with the object's corners mapped near where they truly are; scenes of other
objects, distractor scenes and unrelated pictures must not.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from bench.object_scenes import (
    BUNDLED,
    Scene,
    distractor,
    make_scene_full,
    object_texture,
    planted_item,
    planted_set,
)
from PIL import Image

from traceobject.search.verify import (
    MIN_INLIERS,
    Verification,
    draw_match,
    plausible_model,
    verify,
)
from traceobject.vision.features import LocalFeatures, extract

#: object ids of bench/object_scenes.py used below (after the bundled pictures, drawn ones
#: come as label, logo, print, label, logo...)
COINS, IHC, LABEL, LOGO, PRINT = 3, 8, len(BUNDLED), len(BUNDLED) + 4, len(BUNDLED) + 2


@cache
def query(object_id: int) -> LocalFeatures:
    return extract(object_texture(object_id).image)


@cache
def planted(object_id: int, seed: int, **conditions: float) -> tuple[Scene, LocalFeatures]:
    scene = make_scene_full(object_texture(object_id), seed=seed, **conditions)
    return scene, extract(scene.image)


def corner_error(v: Verification, object_id: int, scene: Scene) -> float:
    """How far the object's corners, mapped by the found homography, are from their true
    place in the scene, in object sizes."""
    assert v.homography is not None and scene.quad is not None
    w, h = object_texture(object_id).image.size
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], np.float64)
    mapped = corners @ v.homography.T
    mapped = mapped[:, :2] / mapped[:, 2:]
    size = float(np.max(np.ptp(scene.quad, axis=0)))
    return float(np.max(np.linalg.norm(mapped - scene.quad, axis=1)) / size)


# --------------------------------------------------------------------------- true pairs

CASES = [
    # object, seed, conditions
    (COINS, 1, {"scale": 1.0}),
    (IHC, 2, {"scale": 0.3, "jpeg_quality": 80}),
    (LABEL, 3, {"scale": 0.35, "rotation": 30.0}),
    (PRINT, 4, {"scale": 2.0, "rotation": -120.0, "perspective": 0.1}),
    (LOGO, 5, {"scale": 1.0, "rotation": 180.0, "lighting": 0.6}),
    (0, 6, {"scale": 1.3, "perspective": 0.15, "occlusion": 0.3, "jpeg_quality": 55}),
    (COINS, 7, {"scale": 0.9, "rotation": 90.0, "occlusion": 0.35, "lighting": 1.4}),
    (LABEL, 8, {"scale": 1.6, "rotation": 45.0, "perspective": 0.12, "jpeg_quality": 50}),
]


@pytest.mark.parametrize("object_id,seed,conditions", CASES,
                         ids=[f"{o}-" + "-".join(f"{k}{v}" for k, v in c.items())
                              for o, _, c in CASES])
def test_planted_occurrences_verify_in_the_right_place(
        object_id: int, seed: int, conditions: dict[str, float]) -> None:
    scene, candidate = planted(object_id, seed, **conditions)
    v = verify(query(object_id), candidate)
    assert v.verified, v.inliers
    assert v.inliers >= MIN_INLIERS and len(v.pairs) >= v.inliers
    assert corner_error(v, object_id, scene) < 0.1
    assert v.query_box is not None and v.candidate_quad is not None
    # the inliers are inside the object in the scene, and their box inside the query
    x, y, w, h = v.query_box
    qw, qh = object_texture(object_id).image.size
    assert x >= -1 and y >= -1 and x + w <= qw + 1 and y + h <= qh + 1
    assert scene.box is not None
    bx, by, bw, bh = scene.box
    cx, cy = v.pairs[:, 2], v.pairs[:, 3]
    assert ((cx >= bx - 2) & (cx <= bx + bw + 2) & (cy >= by - 2) & (cy <= by + bh + 2)).all()


def test_a_crop_of_one_scene_finds_the_object_in_another() -> None:
    """The usual query: a region drawn on an evidence picture, searched in another."""
    first, first_features = planted(LABEL, 11, scale=1.2, rotation=20.0)
    second, second_features = planted(LABEL, 12, scale=0.7, rotation=-60.0, perspective=0.1)
    assert first.box is not None
    crop = first_features.region(first.box)
    v = verify(crop, second_features)
    assert v.verified, v.inliers
    # through the two scenes' own placements: crop -> texture -> second scene
    assert first.homography is not None and second.homography is not None
    bx, by = first.box.x, first.box.y
    truth = second.homography @ np.linalg.inv(first.homography) @ np.array(
        [[1, 0, bx], [0, 1, by], [0, 0, 1]], np.float64)
    assert v.query_box is not None
    x, y, w, h = v.query_box
    points = np.array([[x, y, 1], [x + w, y, 1], [x + w, y + h, 1], [x, y + h, 1]], float)
    expected = points @ truth.T
    expected = expected[:, :2] / expected[:, 2:]
    assert v.candidate_quad is not None
    error = np.linalg.norm(np.array(v.candidate_quad) - expected, axis=1).max()
    assert error < 0.1 * max(w, h)


def test_a_picture_verifies_against_itself_with_the_identity() -> None:
    _, f = planted(COINS, 1, scale=1.0)
    v = verify(f, f)
    assert v.verified and v.homography is not None
    np.testing.assert_allclose(v.homography / v.homography[2, 2], np.eye(3), atol=1e-3)


def test_verification_is_deterministic() -> None:
    scene, candidate = planted(IHC, 2, scale=0.3, jpeg_quality=80)
    a, b = verify(query(IHC), candidate), verify(query(IHC), candidate)
    assert a.inliers == b.inliers
    np.testing.assert_array_equal(a.pairs, b.pairs)


# --------------------------------------------------------------------------- false pairs


@cache
def unrelated_pictures() -> list[np.ndarray]:
    """scikit-image pictures that no object is made of (no person among them)."""
    import skimage.data

    horse = skimage.data.horse().astype(np.uint8) * 255
    return [horse, skimage.data.cell(), skimage.data.clock(), skimage.data.grass(),
            skimage.data.colorwheel(), skimage.data.checkerboard()]


def test_unrelated_pictures_and_distractors_do_not_verify() -> None:
    candidates = [extract(p) for p in unrelated_pictures()]
    candidates += [extract(distractor(seed)) for seed in range(4)]
    for object_id in (0, COINS, IHC, LABEL, LOGO, PRINT):
        for candidate in candidates:
            v = verify(query(object_id), candidate)
            assert not v.verified, (object_id, v.inliers)
            assert v.homography is None and v.query_box is None and v.candidate_quad is None


def test_other_objects_scenes_do_not_verify() -> None:
    """Each object against a scene of each other object (labels share their typeface)."""
    ids = (0, COINS, IHC, LABEL, LOGO, PRINT, LABEL + 3)
    scenes = {i: planted(i, 40 + i, scale=1.0, rotation=15.0)[1] for i in ids}
    for q in ids:
        for c in ids:
            v = verify(query(q), scenes[c])
            assert v.verified == (q == c), (q, c, v.inliers)


def test_empty_and_tiny_feature_sets_do_not_verify() -> None:
    empty = LocalFeatures.empty(100, 100)
    _, f = planted(COINS, 1, scale=1.0)
    for a, b in ((empty, f), (f, empty), (empty, empty), (f.select(np.arange(3)), f)):
        v = verify(a, b)
        assert not v.verified and v.inliers == 0 and v.homography is None


# --------------------------------------------------------------------------- degenerate


def _synthetic(points_q: np.ndarray, points_c: np.ndarray, size: int = 400
               ) -> tuple[LocalFeatures, LocalFeatures]:
    """Features whose descriptors match one to one (distinct random descriptors)."""
    n = len(points_q)
    rng = np.random.default_rng(0)
    d = rng.integers(0, 60, (n, 128)).astype(np.uint8)
    d[np.arange(n), rng.integers(0, 128, n)] = 255
    zeros = np.zeros(n, np.float32)
    q = LocalFeatures(points_q.astype(np.float32), zeros + 4, zeros, d, size, size)
    c = LocalFeatures(points_c.astype(np.float32), zeros + 4, zeros, d.copy(), size, size)
    return q, c


def _moved(points: np.ndarray, h: np.ndarray) -> np.ndarray:
    mapped = np.hstack([points, np.ones((len(points), 1))]) @ h.T
    return mapped[:, :2] / mapped[:, 2:]


SHIFT = np.array([[0.9, -0.1, 30.0], [0.1, 0.9, 12.0], [0.0, 0.0, 1.0]])


def test_spread_matches_verify_but_collinear_ones_do_not() -> None:
    rng = np.random.default_rng(1)
    spread = rng.uniform(20, 380, (30, 2))
    q, c = _synthetic(spread, _moved(spread, SHIFT))
    assert verify(q, c).verified
    line = np.stack([np.linspace(20, 380, 30), np.linspace(50, 300, 30)], axis=1)
    line += rng.normal(0, 0.3, line.shape)
    q, c = _synthetic(line, _moved(line, SHIFT))
    assert not verify(q, c).verified


def test_matches_on_one_small_spot_of_the_query_do_not_verify() -> None:
    """The same few letters in the same typeface: many matches, all within a tiny part."""
    rng = np.random.default_rng(2)
    spot = rng.uniform(100, 150, (30, 2))  # 50 x 50 of a 400 x 400 query: 1.6 %
    q, c = _synthetic(spot, _moved(spot, SHIFT))
    assert not verify(q, c).verified
    wider = rng.uniform(100, 200, (30, 2))  # 6 %
    q, c = _synthetic(wider, _moved(wider, SHIFT))
    assert verify(q, c).verified


def test_inliers_whose_keypoints_disagree_with_the_model_do_not_count() -> None:
    """Positions that fit, but keypoint sizes or orientations that the model does not
    explain (a chance fit): not verified. The same positions with agreeing keypoints are."""
    rng = np.random.default_rng(4)
    points = rng.uniform(20, 380, (30, 2))
    q, c = _synthetic(points, _moved(points, SHIFT))
    assert verify(q, c).verified
    turned = LocalFeatures(c.xy, c.size, rng.uniform(60, 300, 30).astype(np.float32),
                           c.descriptors, c.width, c.height)
    assert not verify(q, turned).verified
    grown = LocalFeatures(c.xy, c.size * 3, c.angle, c.descriptors, c.width, c.height)
    assert not verify(q, grown).verified


def test_a_mirrored_view_is_refused() -> None:
    rng = np.random.default_rng(3)
    points = rng.uniform(20, 380, (30, 2))
    mirror = np.array([[-1.0, 0.0, 400.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    q, c = _synthetic(points, _moved(points, mirror))
    assert not verify(q, c).verified


@pytest.mark.parametrize("h,ok", [
    (np.eye(3), True),
    (SHIFT, True),
    (np.diag([0.3, 0.3, 1.0]), True),
    (np.diag([-1.0, 1.0, 1.0]), False),  # mirrored
    (np.diag([100.0, 100.0, 1.0]), False),  # scale change beyond MAX_SCALE_CHANGE
    (np.diag([0.01, 0.01, 1.0]), False),
    (np.array([[1.0, 0, 0], [0, 1.0, 0], [-0.01, 0, 1.0]]), False),  # crosses the horizon
    (np.array([[1.0, 0, 0], [0, 1.0, 0], [0.02, 0, 1.0]]), False),  # depth ratio 5
    (np.array([[1.0, 0, 0], [0, 1.0, 0], [0.0005, 0, 1.0]]), True),  # mild perspective
    (np.array([[1.0, 2.0, 0], [1.0, 2.0, 0], [0, 0, 1.0]]), False),  # collapsed to a line
    (np.full((3, 3), np.nan), False),
])
def test_plausible_models(h: np.ndarray, ok: bool) -> None:
    assert plausible_model(h, (0, 0, 200, 100)) is ok


# --------------------------------------------------------------------------- drawing


def test_draw_match_outlines_the_region_on_both_pictures() -> None:
    scene, candidate = planted(COINS, 1, scale=1.0)
    texture = object_texture(COINS).image
    v = verify(query(COINS), candidate)
    sheet = draw_match(texture, scene.image, v)
    assert sheet.height == max(texture.height, scene.image.height)
    assert sheet.width == texture.width + 8 + scene.image.width
    pixels = np.asarray(sheet)
    outline = np.all(pixels == (255, 200, 0), axis=2)
    assert outline[:, : texture.width].sum() > 100  # the query box
    assert outline[:, texture.width + 8:].sum() > 100  # its corners in the candidate
    lines = np.all(pixels == (0, 220, 120), axis=2)
    assert lines[:, texture.width: texture.width + 8].sum() >= 1  # lines cross the gap


def test_draw_match_scales_large_pictures_and_draws_no_region_when_unverified() -> None:
    big = Image.new("RGB", (3000, 1500), (90, 90, 90))
    small = Image.new("L", (50, 80), 200)
    sheet = draw_match(big, small, Verification(0), max_side=400)
    assert sheet.size == (400 + 8 + 50, 200)
    pixels = np.asarray(sheet)
    assert not np.all(pixels == (255, 200, 0), axis=2).any()


# --------------------------------------------------------------------------- the scenes


def test_planted_sets_are_deterministic_and_labelled() -> None:
    items = list(planted_set(3, 2, 2, seed=5, size=(160, 120)))
    again = list(planted_set(3, 2, 2, seed=5, size=(160, 120)))
    assert sorted((i for _, i in items), key=lambda i: -1 if i is None else i) == [
        None, None, 0, 0, 1, 1, 2, 2]
    for (a, i), (b, j) in zip(items, again, strict=True):
        assert i == j and np.array_equal(np.asarray(a), np.asarray(b))
    alone, label = planted_item(4, n_objects=3, per_object=2, n_distractors=2, seed=5,
                                size=(160, 120))
    assert label == items[4][1] and np.array_equal(np.asarray(alone), np.asarray(items[4][0]))
    other = list(planted_set(3, 2, 2, seed=6, size=(160, 120)))
    assert not all(np.array_equal(np.asarray(a), np.asarray(b))
                   for (a, _), (b, _) in zip(items, other, strict=True))
