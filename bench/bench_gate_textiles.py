"""Safety gate on cloth, grass and gravel: object-only crops blocked, and crops with a
person still blocked.

    python bench/bench_gate_textiles.py [--per-kind 30] [--faces 100] [--astronaut 20]
                                        [--cache /tmp/gate_textiles.pickle]

The crops this programme publishes most are clothes, towels, bedding, rugs and floors:
woven and knitted cloth, prints, grass and gravel. Their repeating texture is where
face-like patterns appear. This benchmark generates such crops procedurally (seeds
fixed, no photographs): ``plaid``, ``stripes``, ``knit`` (knit noise: rows of V
stitches), ``floral`` (printed flowers), ``leaves`` (fallen leaves), ``grass`` and
``gravel``; each is "photographed" like the other generated samples (lighting,
sensor noise, sometimes blur, JPEG).

Crops with a person: the held-out lfw faces (50-99; ``bench/gate_samples.py``, the
packaged scikit-image faces, never photographs of people fetched from anywhere) and
the first 50 at one (scale, position) pair each in turn, on generated object
backgrounds as ``bench/bench_gate.py`` makes them (group ``face``), crops of
scikit-image's astronaut, and the held-out faces once more, each cut by an edge or a
corner (group ``heldout``: the faces a rule on faces cut by the edge could lose).

Measured (README): textures blocked 7.1 % before ``face_edge_meshless_score`` and
3.8 % with it; person crops blocked 98/100 (``face``), 20/20 (astronaut) and 49/50
(``heldout``) both before and after.

Each crop's raw detector scores (:func:`traceobject.vision.gate.gate_raw_scores`) are
cached (``--cache``), so the decision (:func:`traceobject.vision.gate.gate_decide`)
can be re-applied with other thresholds without running the detectors again; the
figures are for the default :class:`~traceobject.vision.gate.GateConfig`. Prints
``figure<TAB>value`` lines and ``#`` notes (what blocked the textures, by kind).
"""

from __future__ import annotations

import argparse
import collections
import math
import pickle
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # gate_samples

from gate_samples import POSITIONS, astronaut_crops, face_crops, lfw_faces  # noqa: E402
from gate_samples import _photograph as photograph  # noqa: E402
from traceobject.vision.gate import (  # noqa: E402
    DEFAULT_CONFIG,
    GateConfig,
    gate_decide,
    gate_raw_scores,
    gate_warm_up,
)

KINDS = ("plaid", "stripes", "knit", "floral", "leaves", "grass", "gravel")
#: Seeds of the textures: far from the seeds the face models were trained on.
SEED_BASE = 3_000_000


def _rgb(rng: random.Random, dark: bool = False) -> tuple[int, int, int]:
    lo, hi = (10, 140) if dark else (40, 250)
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _plaid(rng: random.Random, w: int, h: int) -> Image.Image:
    base = np.zeros((h, w, 3), np.float32) + np.array(_rgb(rng), np.float32)
    for _ in range(rng.randint(2, 4)):
        colour = np.array(_rgb(rng, dark=rng.random() < 0.5), np.float32)
        period, width = rng.randint(24, 90), rng.randint(3, 22)
        offset = rng.randint(0, period)
        alpha = rng.uniform(0.35, 0.7)
        xs = ((np.arange(w) + offset) % period) < width
        ys = ((np.arange(h) + offset) % period) < width
        base[:, xs] = base[:, xs] * (1 - alpha) + colour * alpha
        base[ys, :] = base[ys, :] * (1 - alpha) + colour * alpha
    # the weave: a fine diagonal twill
    twill = ((np.add.outer(np.arange(h), np.arange(w)) // 2) % 2).astype(np.float32)
    base *= (0.92 + 0.08 * twill)[:, :, None]
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def _stripes(rng: random.Random, w: int, h: int) -> Image.Image:
    colours = [_rgb(rng) for _ in range(rng.randint(2, 4))]
    img = Image.new("RGB", (w, h), colours[0])
    d = ImageDraw.Draw(img)
    vertical = rng.random() < 0.5
    pos, i = 0, 0
    end = w if vertical else h
    while pos < end:
        t = rng.randint(4, 40)
        box = (pos, 0, pos + t, h) if vertical else (0, pos, w, pos + t)
        d.rectangle(box, fill=colours[i % len(colours)])
        pos, i = pos + t, i + 1
    return img.rotate(rng.choice([0, 0, 45, -30, 15]), resample=Image.Resampling.BILINEAR,
                      expand=False, fillcolor=colours[0])


def _knit(rng: random.Random, w: int, h: int) -> Image.Image:
    colour = np.array(_rgb(rng), np.float32)
    sw, sh = rng.randint(6, 14), rng.randint(6, 12)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xx % sw) / sw - 0.5  # position inside a stitch
    v = (yy % sh) / sh
    # a V stitch: two slanted loops, bright in the middle, dark in the gaps
    loop = np.cos(np.pi * (np.abs(u) * 2 - v * 0.8)) ** 2
    nr = np.random.default_rng(rng.randint(0, 2**31))
    noise = nr.normal(0, 0.12, (h // sh + 2, w // sw + 2)).astype(np.float32)
    noise_big = np.kron(noise, np.ones((sh, sw), np.float32))[:h, :w]
    shade = 0.55 + 0.45 * loop + noise_big
    if rng.random() < 0.4:  # a second colour in bands (Fair Isle)
        band = ((yy // (sh * rng.randint(3, 6))) % 2).astype(np.float32)
        other = np.array(_rgb(rng), np.float32)
        out = (colour * (1 - band[:, :, None]) + other * band[:, :, None]) * shade[:, :, None]
    else:
        out = colour * shade[:, :, None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _floral(rng: random.Random, w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), _rgb(rng))
    d = ImageDraw.Draw(img)
    petal_colours = [_rgb(rng) for _ in range(3)]
    leaf = (rng.randint(20, 90), rng.randint(90, 170), rng.randint(20, 90))
    step = rng.randint(40, 90)
    for gy in range(-step, h + step, step):
        for gx in range(-step, w + step, step):
            cx = gx + rng.randint(-step // 3, step // 3)
            cy = gy + rng.randint(-step // 3, step // 3)
            r = rng.randint(step // 6, step // 3)
            d.ellipse((cx + r // 2, cy + r, cx + 2 * r, cy + r + r // 2), fill=leaf)
            colour = rng.choice(petal_colours)
            petals = rng.randint(4, 7)
            for k in range(petals):
                a = 2 * math.pi * k / petals
                px, py = cx + r * 0.7 * math.cos(a), cy + r * 0.7 * math.sin(a)
                d.ellipse((px - r / 2, py - r / 2, px + r / 2, py + r / 2), fill=colour)
            c = r // 3
            d.ellipse((cx - c, cy - c, cx + c, cy + c), fill=_rgb(rng, dark=True))
    return img


def _leaves(rng: random.Random, w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), (rng.randint(60, 120), rng.randint(50, 90), 30))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(60, 160)):
        cx, cy = rng.randint(-20, w + 20), rng.randint(-20, h + 20)
        length, width = rng.randint(15, 50), rng.randint(6, 20)
        a = rng.uniform(0, math.pi)
        base = rng.choice([(190, 120, 30), (160, 60, 20), (200, 170, 40), (110, 130, 40),
                           (120, 70, 30)])
        r, g, b = (max(0, min(255, c + rng.randint(-25, 25))) for c in base)
        colour = (r, g, b)
        pts = []
        for k in range(12):
            t = 2 * math.pi * k / 12
            lx, ly = length / 2 * math.cos(t), width / 2 * math.sin(t)
            pts.append((cx + lx * math.cos(a) - ly * math.sin(a),
                        cy + lx * math.sin(a) + ly * math.cos(a)))
        d.polygon(pts, fill=colour)
        d.line((pts[0], pts[6]), fill=tuple(int(c * 0.6) for c in colour), width=1)
    return img


def _grass(rng: random.Random, w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), (rng.randint(30, 70), rng.randint(70, 120), 25))
    d = ImageDraw.Draw(img)
    for _ in range(int(w * h / rng.randint(25, 60))):
        x, y = rng.randint(0, w), rng.randint(0, h + 30)
        length = rng.randint(10, 40)
        lean = rng.uniform(-0.6, 0.6)
        g = rng.randint(90, 220)
        d.line((x, y, x + lean * length, y - length),
               fill=(rng.randint(20, g // 2), g, rng.randint(10, 60)), width=rng.randint(1, 3))
    return img


def _gravel(rng: random.Random, w: int, h: int) -> Image.Image:
    base = rng.randint(90, 170)
    img = Image.new("RGB", (w, h), (base, base - 5, base - 12))
    d = ImageDraw.Draw(img)
    for _ in range(int(w * h / rng.randint(60, 160))):
        cx, cy = rng.randint(-10, w + 10), rng.randint(-10, h + 10)
        rx, ry = rng.randint(3, 14), rng.randint(3, 12)
        tone = rng.randint(60, 230)
        colour = (tone, max(0, tone - rng.randint(0, 20)), max(0, tone - rng.randint(0, 35)))
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=colour)
        d.ellipse((cx - rx // 2, cy - ry // 2, cx, cy), fill=tuple(min(255, c + 25)
                                                                    for c in colour))
    return img


_MAKERS = {
    "plaid": _plaid,
    "stripes": _stripes,
    "knit": _knit,
    "floral": _floral,
    "leaves": _leaves,
    "grass": _grass,
    "gravel": _gravel,
}


def _photograph(rng: random.Random, img: Image.Image) -> np.ndarray:
    """As the gate benchmark photographs its products (lighting, noise, blur, JPEG)."""
    return np.ascontiguousarray(np.asarray(photograph(rng, img), dtype=np.uint8))


def texture_crop(kind: str, index: int) -> np.ndarray:
    """One generated texture crop (RGB uint8), deterministic in ``kind`` and ``index``."""
    seed = SEED_BASE + KINDS.index(kind) * 10_000 + index
    rng = random.Random(seed)  # noqa: S311  (test pictures, not secrets)
    w, h = rng.randint(224, 480), rng.randint(224, 480)
    return _photograph(rng, _MAKERS[kind](rng, w, h))


def _samples(per_kind: int, faces: int, astronaut: int,
             heldout: int = 50) -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    for kind in KINDS:
        for i in range(per_kind):
            out.append(("texture", f"{kind}/{i}", lambda k=kind, i=i: texture_crop(k, i)))
    all_faces = lfw_faces()
    order = list(range(50, 100)) + list(range(50))
    chosen = all_faces[order[:faces]]
    for n, (i, crop, placement) in enumerate(
        face_crops(chosen, scales=(40, 80, 160), positions=POSITIONS, every=False,
                   seed=7_000_000)
    ):
        label = f"{order[i]}/{placement.scale}/{placement.position}"
        out.append(("face", label, lambda c=crop: c))
        del n
    for k, (crop, _frac, _box) in enumerate(astronaut_crops(astronaut, seed=4242)):
        out.append(("astronaut", str(k), lambda c=crop: c))
    # the held-out faces once each, cut by an edge or in a corner (what the rule affects)
    cut = ("edge-left", "edge-right", "edge-top", "edge-bottom", "corner")
    for i, crop, placement in face_crops(all_faces[50:50 + heldout], scales=(40, 80, 160),
                                         positions=cut, every=False, seed=8_000_000):
        label = f"{50 + i}/{placement.scale}/{placement.position}"
        out.append(("heldout", label, lambda c=crop: c))
    return out


def _load(cache: Path) -> dict[str, Any]:
    if cache.is_file():
        with cache.open("rb") as fh:
            return dict(pickle.load(fh))  # noqa: S301  (our own cache file)
    return {}


def measure(raws: dict[str, Any], config: GateConfig) -> dict[str, Any]:
    """Block rates per group and what blocked the textures, under ``config``."""
    blocked: dict[str, list[bool]] = collections.defaultdict(list)
    by_kind: dict[str, list[bool]] = collections.defaultdict(list)
    why: collections.Counter[str] = collections.Counter()
    missed: list[str] = []
    for key, raw in raws.items():
        group, label = key.split(":", 1)
        verdict = gate_decide(raw, config)
        blocked[group].append(not verdict.passed)
        if group == "texture":
            by_kind[label.split("/")[0]].append(not verdict.passed)
            for f in verdict.findings:
                why[f.detail.split("(")[0].strip()] += 1
        elif verdict.passed:
            missed.append(key)
    return {
        "rates": {g: (sum(v) / len(v), len(v)) for g, v in blocked.items()},
        "by_kind": {k: (sum(v) / len(v), len(v)) for k, v in by_kind.items()},
        "why": why,
        "missed": missed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=30)
    parser.add_argument("--faces", type=int, default=100)
    parser.add_argument("--astronaut", type=int, default=20)
    parser.add_argument("--heldout", type=int, default=50,
                        help="held-out faces cut by an edge or in a corner (at most 50)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/gate_textiles.pickle"))
    parser.add_argument("--write-samples", type=Path, default=None,
                        help="also write the texture crops as PNG files here")
    parser.add_argument("--smoke", action="store_true",
                        help="two crops a kind, a few faces, no cache (CI: the script runs)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.per_kind, args.faces, args.astronaut, args.heldout = 2, 3, 2, 3
        args.cache = Path(tempfile.mkdtemp()) / "gate_textiles.pickle"
    gate_warm_up()
    raws = _load(args.cache)
    started = time.perf_counter()
    fresh = 0
    for group, label, make in _samples(args.per_kind, args.faces, args.astronaut, args.heldout):
        key = f"{group}:{label}"
        if args.write_samples is not None and group == "texture":
            args.write_samples.mkdir(parents=True, exist_ok=True)
            Image.fromarray(make()).save(args.write_samples / f"{label.replace('/', '_')}.png")
        if key in raws:
            continue
        raws[key] = gate_raw_scores(make())
        fresh += 1
        if fresh % 20 == 0:
            with args.cache.open("wb") as fh:
                pickle.dump(raws, fh)
            print(f"# {fresh} crops checked, {time.perf_counter() - started:.0f} s",
                  flush=True)
    with args.cache.open("wb") as fh:
        pickle.dump(raws, fh)
    wanted = {f"{g}:{lab}" for g, lab, _m in _samples(args.per_kind, args.faces,
                                                       args.astronaut, args.heldout)}
    result = measure({k: v for k, v in raws.items() if k in wanted}, DEFAULT_CONFIG)
    for group, (rate, n) in sorted(result["rates"].items()):
        name = "false_block" if group == "texture" else "recall"  # person groups: recall
        print(f"gate_{name}_{group}\t{rate:.4f}\t(n={n})")
    for kind, (rate, n) in sorted(result["by_kind"].items()):
        print(f"# texture {kind}: {rate:.1%} blocked of {n}")
    for reason, n in result["why"].most_common():
        print(f"# texture findings: {n} x {reason}")
    for key in result["missed"]:
        print(f"# person crop passed: {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
