"""Geometric verification of a same-object candidate (Django-free).

:func:`verify` says whether a candidate picture shows the query's object, and where:

1. Matching: RootSIFT descriptors (:func:`traceobject.vision.features.rootsift`), nearest
   and second-nearest candidate descriptor for each query descriptor (exact, one matrix
   product), Lowe's ratio test (``ratio``), then one match per candidate keypoint (the
   closest query descriptor wins).
2. A model: a homography by RANSAC (``cv2.findHomography``); when there is none, or it is
   degenerate, an affine model by RANSAC (``cv2.estimateAffine2D``) instead. The
   reprojection threshold grows with the candidate picture (features are extracted at
   ``MAX_SIDE``, so a large original's keypoints are coarser in its own pixels).
3. Degenerate models are refused: mirrored (the object is never seen from behind), a
   linear scale change over :data:`MAX_SCALE_CHANGE`, a strong projective part (the query's
   region would cross the horizon, or its corners' depth ratio exceed
   :data:`MAX_DEPTH_RATIO`), inliers that lie on a line in either picture, and inliers
   that cover less than :data:`MIN_QUERY_COVER` of the query picture (the same few letters
   in the same typeface match anywhere).
4. An inlier must also agree with the model through its keypoints: the size ratio and the
   turn between its two keypoints must be the model's local scale and rotation there
   (within :data:`MAX_SIZE_FACTOR` and :data:`MAX_TURN`); chance inliers seldom do.
5. Inliers are counted once per query position and once per candidate position (SIFT puts
   several orientations on one point; they are one piece of evidence).

A candidate is verified when it has at least :data:`MIN_INLIERS` inliers. That number and
:data:`MIN_QUERY_COVER` are measured (bench/bench_object_verify.py, figures in
bench/README.md): 40 objects planted 4 times each at scale 0.3-2x under rotation,
perspective, occlusion, lighting change and JPEG, against 100 distractor scenes, 7
unrelated pictures and the other objects' scenes, for three seeds. Of 31,560 false pairs
none reached more than 8 inliers (before the cover rule, letters of a drawn label matched
the same letters in the same typeface with up to 14 inliers, all on under 3.1 % of the
query, while true pairs with 10 or more inliers covered at least 5.6 %); true pairs have a
median of 17-20 inliers.

:func:`draw_match` draws a verification for people: both pictures side by side, the
matched region outlined on both, a line per inlier pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from traceobject.vision.features import LocalFeatures, rootsift

#: A candidate with fewer inliers (unique positions) is not verified: 1.5 times the most a
#: false pair reached in the measurement (8, see the module text).
MIN_INLIERS = 12
#: Largest linear scale change accepted between query and candidate (either way).
MAX_SCALE_CHANGE = 40.0
#: Largest ratio between the projective depths of the query region's corners.
MAX_DEPTH_RATIO = 4.0
#: The inliers must spread over at least this fraction of the query picture's area (their
#: bounding box): a query is a picture of the object, and a handful of matches on one
#: small spot (the same letters in the same typeface) is not the object.
MIN_QUERY_COVER = 0.04
#: An inlier's keypoints must agree with the model where they are: the candidate keypoint's
#: size over the query keypoint's within this factor of the model's local scale, and the
#: difference of their orientations within MAX_TURN degrees of the model's local rotation.
#: Measured on true pairs: 99 % within a factor 1.3 and 13 degrees.
MAX_SIZE_FACTOR = 1.6
MAX_TURN = 25.0
#: RANSAC reprojection threshold: this fraction of the candidate's longer side, at least
#: MIN_THRESHOLD pixels.
THRESHOLD_FRACTION = 0.006
MIN_THRESHOLD = 3.0
#: Inliers whose spread (smaller standard deviation) is below this in either picture, in
#: pixels, lie on a line: refused.
MIN_SPREAD = 3.0
_RANSAC_ITERATIONS = 4000
_RANSAC_CONFIDENCE = 0.999


@dataclass(frozen=True, eq=False)
class Verification:
    """The outcome of :func:`verify`.

    ``inliers`` counts the matches that agree with the model (0 without a model);
    ``homography`` maps query pixels to candidate pixels (3x3 float64; an affine model is
    given as a homography with last row 0, 0, 1), None when not verified; ``query_box`` is
    the box (x, y, w, h) of the inliers in the query and ``candidate_quad`` its four corners
    (top-left, top-right, bottom-right, bottom-left) in the candidate; ``pairs`` (k, 4)
    float32 are the inlier matches (qx, qy, cx, cy); ``model`` is "homography" or "affine"
    ("" without a model). Below MIN_INLIERS, ``inliers``, ``pairs`` and ``model`` still say
    what the best plausible model had, for measurements; the rest is None.
    """

    inliers: int
    homography: npt.NDArray[np.float64] | None = None
    query_box: tuple[int, int, int, int] | None = None
    candidate_quad: list[tuple[float, float]] | None = None
    pairs: npt.NDArray[np.float32] = field(
        default_factory=lambda: np.zeros((0, 4), np.float32))
    model: str = ""

    @property
    def verified(self) -> bool:
        return self.homography is not None and self.inliers >= MIN_INLIERS


def match(query: LocalFeatures, candidate: LocalFeatures, *, ratio: float = 0.8
          ) -> npt.NDArray[np.intp]:
    """Tentative matches (m, 2): query index, candidate index (ratio test, one per
    candidate keypoint)."""
    if len(query) == 0 or len(candidate) < 2:
        return np.zeros((0, 2), np.intp)
    q = rootsift(query.descriptors)
    c = rootsift(candidate.descriptors)
    # unit vectors: squared distance = 2 - 2 cos. cv2.gemm, not numpy's matmul: OpenBLAS's
    # threads make this small product several times slower on a busy machine.
    similarity = np.asarray(cv2.gemm(q, c, 1.0, None, 0.0,  # type: ignore[call-overload]
                                     flags=cv2.GEMM_2_T), np.float32)
    rows = np.arange(len(q))
    nearest = np.argmax(similarity, axis=1)
    s1 = similarity[rows, nearest].copy()
    similarity[rows, nearest] = -np.inf
    s2 = similarity.max(axis=1)
    d1 = np.sqrt(np.maximum(2.0 - 2.0 * s1, 0.0))
    d2 = np.sqrt(np.maximum(2.0 - 2.0 * s2, 0.0))
    good = d1 < ratio * d2
    qi, ci, dist = rows[good], nearest[good], d1[good]
    # one match per candidate keypoint: the closest
    order = np.lexsort((dist, ci))
    qi, ci = qi[order], ci[order]
    first_of = np.ones(len(ci), bool)
    first_of[1:] = ci[1:] != ci[:-1]
    return np.stack([qi[first_of], ci[first_of]], axis=1).astype(np.intp)


def _threshold(candidate: LocalFeatures) -> float:
    return max(MIN_THRESHOLD, THRESHOLD_FRACTION * max(candidate.width, candidate.height))


def _unique_count(pairs: npt.NDArray[np.float32]) -> int:
    """Inliers counted once per query position and once per candidate position."""
    if not len(pairs):
        return 0
    q = {(round(float(x)), round(float(y))) for x, y in pairs[:, :2]}
    c = {(round(float(x)), round(float(y))) for x, y in pairs[:, 2:]}
    return min(len(q), len(c))


def _spread(points: npt.NDArray[np.float32]) -> float:
    """The smaller standard deviation of ``points`` (0 for fewer than 3)."""
    if len(points) < 3:
        return 0.0
    cov = np.cov(points.astype(np.float64).T)
    return float(np.sqrt(max(np.linalg.eigvalsh(cov)[0], 0.0)))


def _box(points: npt.NDArray[np.float32]) -> tuple[int, int, int, int]:
    x0, y0 = np.floor(points.min(axis=0))
    x1, y1 = np.ceil(points.max(axis=0))
    return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))


def _corners(box: tuple[int, int, int, int]) -> npt.NDArray[np.float64]:
    x, y, w, h = box
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float64)


def _project(h: npt.NDArray[np.float64], points: npt.NDArray[np.float64]
             ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``points`` mapped by ``h``: (mapped points, their projective depths)."""
    homogeneous = np.hstack([points, np.ones((len(points), 1))]) @ h.T
    depth = homogeneous[:, 2]
    safe = np.where(np.abs(depth) < 1e-12, 1e-12, depth)
    return homogeneous[:, :2] / safe[:, None], depth


def _polygon_area(points: npt.NDArray[np.float64]) -> float:
    """Signed area (shoelace; positive when the corners turn like the query box's)."""
    x, y = points[:, 0], points[:, 1]
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def plausible_model(h: npt.NDArray[np.float64], box: tuple[int, int, int, int]) -> bool:
    """Is ``h`` a plausible view of the region ``box`` (not mirrored, not collapsed, not
    crossing the horizon, not an extreme scale change)?"""
    if not np.isfinite(h).all():
        return False
    corners = _corners(box)
    mapped, depth = _project(h, corners)
    if (depth <= 0).any() or depth.max() / depth.min() > MAX_DEPTH_RATIO:
        return False
    area_query = _polygon_area(corners)
    area_mapped = _polygon_area(mapped)
    if area_query <= 0 or area_mapped <= 0:  # mirrored (or collapsed)
        return False
    scale = float(np.sqrt(area_mapped / area_query))
    if not 1.0 / MAX_SCALE_CHANGE <= scale <= MAX_SCALE_CHANGE:
        return False
    # convex and not self-intersecting: every turn has the same sign
    edges = np.roll(mapped, -1, axis=0) - mapped
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] \
        - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    return bool((turns > 0).all())


def _consistent(h: npt.NDArray[np.float64], query: LocalFeatures, candidate: LocalFeatures,
                pairs: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Which matched keypoint pairs have the size ratio and turn the model has there (its
    local linear part: the Jacobian of ``h`` at the query point)."""
    x = query.xy[pairs[:, 0], 0].astype(np.float64)
    y = query.xy[pairs[:, 0], 1].astype(np.float64)
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    u = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
    v = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    a = (h[0, 0] - u * h[2, 0]) / w
    b = (h[0, 1] - u * h[2, 1]) / w
    c = (h[1, 0] - v * h[2, 0]) / w
    d = (h[1, 1] - v * h[2, 1]) / w
    scale = np.sqrt(np.abs(a * d - b * c))
    turn = np.degrees(np.arctan2(c - b, a + d))
    sizes = candidate.size[pairs[:, 1]].astype(np.float64) / np.maximum(
        query.size[pairs[:, 0]].astype(np.float64), 1e-6)
    size_ok = np.abs(np.log(np.maximum(sizes, 1e-6) / np.maximum(scale, 1e-12))) \
        <= np.log(MAX_SIZE_FACTOR)
    seen = candidate.angle[pairs[:, 1]].astype(np.float64) - query.angle[pairs[:, 0]]
    turn_ok = np.abs((seen - turn + 180.0) % 360.0 - 180.0) <= MAX_TURN
    return np.asarray(size_ok & turn_ok, dtype=bool)


def _models(src: npt.NDArray[np.float32], dst: npt.NDArray[np.float32], threshold: float
            ) -> Iterator[tuple[str, npt.NDArray[np.float64], npt.NDArray[np.bool_]]]:
    """Candidate models (name, 3x3, inlier mask), made when asked: the homography first,
    the affine second."""
    if len(src) >= 4:
        h, mask = cv2.findHomography(src, dst, cv2.RANSAC, threshold,
                                     maxIters=_RANSAC_ITERATIONS,
                                     confidence=_RANSAC_CONFIDENCE)
        if h is not None and mask is not None:
            yield "homography", np.asarray(h, np.float64), np.asarray(mask).ravel().astype(bool)
    if len(src) >= 3:
        a, mask = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC,
                                       ransacReprojThreshold=threshold,
                                       maxIters=_RANSAC_ITERATIONS,
                                       confidence=_RANSAC_CONFIDENCE)
        if a is not None and mask is not None:
            affine = np.vstack([np.asarray(a, np.float64), [0.0, 0.0, 1.0]])
            yield "affine", affine, np.asarray(mask).ravel().astype(bool)


def verify(query: LocalFeatures, candidate: LocalFeatures, *, ratio: float = 0.8
           ) -> Verification:
    """Does ``candidate`` show the object of ``query``? (See the module text.)"""
    matches = match(query, candidate, ratio=ratio)
    if len(matches) < 4:
        return Verification(0)
    src = query.xy[matches[:, 0]].astype(np.float32)
    dst = candidate.xy[matches[:, 1]].astype(np.float32)
    threshold = _threshold(candidate)
    best: Verification | None = None
    for name, h, mask in _models(src, dst, threshold):
        mask = mask & _consistent(h, query, candidate, matches)
        pairs = np.hstack([src[mask], dst[mask]]).astype(np.float32)
        count = _unique_count(pairs)
        if count < 4 or min(_spread(pairs[:, :2]), _spread(pairs[:, 2:])) < MIN_SPREAD:
            continue
        box = _box(pairs[:, :2])
        if box[2] * box[3] < MIN_QUERY_COVER * query.width * query.height:
            continue
        if not plausible_model(h, box):
            continue
        quad, _ = _project(h, _corners(box))
        found = Verification(count, h, box, [(float(x), float(y)) for x, y in quad], pairs,
                             name)
        if best is None or count > best.inliers:
            best = found
        if name == "homography" and count >= MIN_INLIERS:
            break  # a good homography: the affine model cannot say more
    if best is None:
        return Verification(0)
    if best.inliers < MIN_INLIERS:
        return Verification(best.inliers, pairs=best.pairs, model=best.model)
    return best


# --------------------------------------------------------------------------- drawing


def _fit(picture: Image.Image, max_side: int) -> tuple[Image.Image, float]:
    picture = picture.convert("RGB")
    w, h = picture.size
    k = min(1.0, max_side / max(w, h, 1))
    if k < 1.0:
        picture = picture.resize((max(1, round(w * k)), max(1, round(h * k))),
                                 Image.Resampling.LANCZOS)
    return picture, k


def draw_match(query: Image.Image, candidate: Image.Image, v: Verification, *,
               max_side: int = 640) -> Image.Image:
    """Both pictures side by side (each scaled to ``max_side``), the matched region
    outlined on both (the query box, its corners in the candidate), a line per inlier."""
    left, kq = _fit(query, max_side)
    right, kc = _fit(candidate, max_side)
    gap = 8
    width = left.width + gap + right.width
    height = max(left.height, right.height)
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    sheet.paste(left, (0, 0))
    ox = left.width + gap
    sheet.paste(right, (ox, 0))
    draw = ImageDraw.Draw(sheet)
    line = max(2, round(max(width, height) / 400))
    colour = (255, 200, 0) if v.verified else (200, 60, 60)
    for qx, qy, cx, cy in v.pairs.astype(np.float64):
        draw.line((qx * kq, qy * kq, ox + cx * kc, cy * kc), fill=(0, 220, 120), width=1)
        for x, y in ((qx * kq, qy * kq), (ox + cx * kc, cy * kc)):
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), outline=(0, 120, 60))
    if v.query_box is not None:
        x, y, w, h = v.query_box
        draw.rectangle((x * kq, y * kq, (x + w) * kq, (y + h) * kq), outline=colour,
                       width=line)
    if v.candidate_quad is not None:
        points = [(ox + x * kc, y * kc) for x, y in v.candidate_quad]
        draw.line([*points, points[0]], fill=colour, width=line, joint="curve")
    return sheet
