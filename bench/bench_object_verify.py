"""Local features and geometric verification on generated scenes (same-object search).

    python bench/bench_object_verify.py [--objects 40] [--per-object 4] [--distractors 60]
                                        [--contrast 0.04] [--smoke]

Objects of bench/object_scenes.py (scikit-image's non-person pictures, drawn labels, logos
and prints) are planted ``per-object`` times each in cluttered scenes (480 x 360) under
random conditions (scale 0.3-2x, rotation, perspective, occlusion, lighting, JPEG); one
occurrence of each is forced to scale 0.3 and one to 2.0. Every object's texture is the
query and is verified (search/verify.py) against every scene: its own occurrences are the
true pairs, the other objects' scenes, the distractor scenes and unrelated pictures
(scikit-image pictures not used as objects) the false pairs.

Figures:

* ``extract_ms_480x360`` / ``extract_ms_1024``: SIFT extraction per picture, next to the
  time to JPEG-decode the same picture (the ratio says how many decodes one extraction costs);
* ``bytes_per_feature``: the stored form against the raw 140 bytes (ratio);
* ``verify_ms_per_pair``;
* ``true_verified`` (of the true pairs, overall and by scale: under 0.5, 0.5-1, over 1),
  ``false_verified`` (must be 0), the largest inlier count of a false pair against the
  smallest of a verified true pair and MIN_INLIERS; the inlier quantiles of both;
* ``region_error``: for verified true pairs, how far the object's corners, mapped by the
  found homography, are from where they truly are (median and worst, in object sizes);
* notes: how many true and false pairs would verify at each threshold from 6 to 20 inliers
  (to choose MIN_INLIERS on the data), and the share of the query's area the inliers cover
  for true pairs with 10 inliers or more and for false pairs with 6 or more (to choose
  MIN_QUERY_COVER).

Exit status 1 when a false pair verifies.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import object_scenes as scenes  # noqa: E402
from traceobject.search import verify as verification  # noqa: E402
from traceobject.vision import features  # noqa: E402

UNRELATED = ("horse", "cell", "clock", "colorwheel", "grass", "microaneurysms", "checkerboard")


def _line(figure: str, value: object, baseline: object = "-", ratio: object = "-") -> None:
    print(f"{figure}\t{value}\t{baseline}\t{ratio}", flush=True)


def _unrelated() -> list[np.ndarray]:
    import skimage.data

    out = []
    for name in UNRELATED:
        array = getattr(skimage.data, name)()
        out.append(array.astype(np.uint8) * 255 if array.dtype == bool else array)
    return out


def _decode_ms(picture: object) -> float:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)  # type: ignore[attr-defined]
    data = buffer.getvalue()
    from PIL import Image

    started = time.perf_counter()
    for _ in range(5):
        Image.open(io.BytesIO(data)).convert("RGB").load()
    return (time.perf_counter() - started) / 5 * 1000


def _cover(v: verification.Verification, query: features.LocalFeatures) -> float:
    """The share of the query picture's area inside the inliers' box in the query."""
    if not len(v.pairs):
        return 0.0
    span = np.ptp(v.pairs[:, :2], axis=0)
    return float(span[0] * span[1] / max(1, query.width * query.height))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=40)
    parser.add_argument("--per-object", type=int, default=4)
    parser.add_argument("--distractors", type=int, default=60)
    parser.add_argument("--contrast", type=float, default=None,
                        help="SIFT contrast threshold (default: features.CONTRAST_THRESHOLD)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.objects, args.per_object, args.distractors = 6, 2, 4
    if args.contrast is not None:
        features.CONTRAST_THRESHOLD = args.contrast
    print(f"# {args.objects} objects x {args.per_object} occurrences, {args.distractors} "
          f"distractors, {len(UNRELATED)} unrelated pictures; contrast threshold "
          f"{features.CONTRAST_THRESHOLD}; MIN_INLIERS {verification.MIN_INLIERS}")

    textures = scenes.object_textures(args.objects)
    queries = [features.extract(t.image) for t in textures]
    planted: list[tuple[int | None, float, scenes.Scene | None]] = []
    for t in textures:
        for k in range(args.per_object):
            rng = np.random.default_rng([args.seed, t.id, k])
            conditions = scenes.random_conditions(rng)
            if k < 2:
                conditions["scale"] = (0.3, 2.0)[k]
            scene = scenes.make_scene_full(t, seed=args.seed * 100003 + t.id * 101 + k,
                                           **conditions)
            planted.append((t.id, conditions["scale"], scene))
    pictures = [s.image for _, _, s in planted if s is not None]
    pictures += [scenes.distractor(args.seed * 7919 + d) for d in range(args.distractors)]
    labels: list[int | None] = [i for i, _, _ in planted]
    labels += [None] * args.distractors
    unrelated = _unrelated()

    started = time.perf_counter()
    described = [features.extract(p) for p in pictures]
    extract_ms = (time.perf_counter() - started) / len(pictures) * 1000
    decode_ms = float(np.median([_decode_ms(p) for p in pictures[:10]]))
    _line("extract_ms_480x360", f"{extract_ms:.1f}", f"jpeg_decode_ms={decode_ms:.2f}",
          f"{extract_ms / decode_ms:.0f}")
    big = scenes.make_scene(textures[0], seed=1, scale=2.0, size=(1600, 1200))[0]
    started = time.perf_counter()
    big_features = features.extract(big)
    big_ms = (time.perf_counter() - started) * 1000
    _line("extract_ms_1024", f"{big_ms:.1f}", f"jpeg_decode_ms={_decode_ms(big):.2f}",
          f"{big_ms / _decode_ms(big):.0f}")
    described += [features.extract(u) for u in unrelated]
    labels += [None] * len(unrelated)
    every = [*described, big_features]
    stored = sum(len(features.features_to_bytes(f)) for f in every)
    count = sum(len(f) for f in every)
    _line("bytes_per_feature", f"{stored / count:.1f}", "raw=140", f"{stored / count / 140:.2f}")
    _line("features_per_picture_480x360", f"{np.mean([len(f) for f in described]):.0f}")
    _line("features_per_query", f"{np.mean([len(q) for q in queries]):.0f}")

    true: list[tuple[int, float, float | None]] = []
    false: list[tuple[int, int, int | None]] = []
    started = time.perf_counter()
    pairs = 0
    cover_true: list[float] = []
    cover_false: list[tuple[float, int]] = []
    scene_of = {n: s for n, (_, _, s) in enumerate(planted)}
    for qi, query in enumerate(queries):
        for n, (candidate, label) in enumerate(zip(described, labels, strict=True)):
            v = verification.verify(query, candidate)
            pairs += 1
            if label == qi:
                scene = scene_of[n]
                error = None
                if v.verified and scene is not None and scene.quad is not None:
                    w, h = textures[qi].image.size
                    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
                    mapped = np.hstack([corners, np.ones((4, 1))]) @ v.homography.T  # type: ignore[union-attr]
                    mapped = mapped[:, :2] / mapped[:, 2:]
                    size = float(np.max(np.ptp(scene.quad, axis=0)))
                    error = float(np.max(np.linalg.norm(mapped - scene.quad, axis=1)) / size)
                true.append((v.inliers, planted[n][1], error))
                if v.inliers >= 10:
                    cover_true.append(_cover(v, query))
            else:
                false.append((v.inliers, qi, label))
                if v.inliers >= 6:
                    cover_false.append((_cover(v, query), v.inliers))
    verify_ms = (time.perf_counter() - started) / pairs * 1000
    _line("verify_ms_per_pair", f"{verify_ms:.2f}")

    minimum = verification.MIN_INLIERS
    verified = [t for t in true if t[0] >= minimum]
    _line("true_verified", len(verified), f"true_pairs={len(true)}",
          f"{len(verified) / max(1, len(true)):.3f}")
    for name, lo, hi in (("under_0.5", 0.0, 0.5), ("0.5_to_1", 0.5, 1.0),
                         ("over_1", 1.0, 9.0)):
        bucket = [t for t in true if lo <= t[1] < hi]
        ok = sum(t[0] >= minimum for t in bucket)
        _line(f"true_verified_scale_{name}", ok, f"pairs={len(bucket)}",
              f"{ok / max(1, len(bucket)):.3f}")
    bad = [f for f in false if f[0] >= minimum]
    _line("false_verified", len(bad), f"false_pairs={len(false)}", "-")
    worst_false = max((f[0] for f in false), default=0)
    least_true = min((t[0] for t in verified), default=0)
    _line("max_false_inliers", worst_false, f"min_inliers={minimum}", "-")
    _line("min_verified_true_inliers", least_true)
    for name, values in (("true", [t[0] for t in true]), ("false", [f[0] for f in false])):
        q = np.percentile(values, [10, 50, 90, 99]) if values else [0, 0, 0, 0]
        print(f"# {name} inliers p10/p50/p90/p99: " + "/".join(f"{x:.0f}" for x in q))
    print("# false pairs with the most inliers (inliers, query object, candidate object): "
          + ", ".join(str(f) for f in sorted(false, reverse=True, key=lambda f: f[0])[:8]))
    for threshold in range(6, 21):
        t_ok = sum(t[0] >= threshold for t in true)
        f_ok = sum(f[0] >= threshold for f in false)
        print(f"# at {threshold} inliers: {t_ok} of {len(true)} true pairs verify, "
              f"{f_ok} of {len(false)} false pairs")
    print("# cover true: " + " ".join(f"{c:.3f}" for c in sorted(cover_true)[:20]))
    print("# cover false: " + " ".join(f"{c:.3f}/{n}" for c, n in sorted(cover_false)))
    errors = [t[2] for t in verified if t[2] is not None]
    if errors:
        _line("region_error_median", f"{np.median(errors):.4f}")
        _line("region_error_max", f"{max(errors):.4f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
