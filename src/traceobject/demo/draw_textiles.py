"""Textiles: a folded towel, bedding, a curtain, woven or striped (Django-free)."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from traceobject.demo import words
from traceobject.demo.scene import shade
from traceobject.demo.shapes import PALETTE, contrast, pick, pick_contrasting, scale_of, star
from traceobject.demo.text import draw_text, fit_size

RGB = tuple[int, int, int]


def _pattern(rng: random.Random, size: tuple[int, int], scale: float) -> Image.Image:
    """A full-size RGB textile pattern: stripes, checks (woven), dots or stars."""
    w, h = size
    gen = np.random.default_rng(rng.getrandbits(32))
    base = pick(rng)
    second = pick_contrasting(rng, base)
    third = pick(rng, exclude=(base, second))
    kind = rng.choice(("stripes", "checks", "checks", "dots", "stars", "chevron"))
    ys = np.arange(h)[:, None]
    xs = np.arange(w)[None, :]
    colors = np.array([base, second, third], dtype=np.float32)
    if kind in ("stripes", "checks"):
        period = max(8, round(rng.uniform(40, 120) * scale))
        widths = sorted(rng.sample(range(1, period), 2))
        def band(v: np.ndarray) -> np.ndarray:
            m = v % period
            return np.where(m < widths[0], 1, np.where(m < widths[1], 0, 2))
        rows = band(ys) * np.ones_like(xs)
        index = rows
        if kind == "checks":
            cols = band(xs) * np.ones_like(ys)
            # Woven: where warp and weft meet, alternate threads show (a twill look).
            twill = ((xs + ys) // max(1, round(3 * scale)) % 2).astype(bool)
            index = np.where(twill, rows, cols)
        arr = colors[index]
    elif kind == "chevron":
        period = max(8, round(rng.uniform(50, 110) * scale))
        v = (ys + np.abs((xs % (period * 2)) - period)) % period
        arr = colors[np.where(v < period * 0.5, 0, 1)]
    else:
        arr = np.broadcast_to(colors[0], (h, w, 3)).copy()
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if kind in ("dots", "stars"):
        draw = ImageDraw.Draw(image)
        step = max(10, round(rng.uniform(70, 130) * scale))
        r = step * 0.22
        for row, y in enumerate(range(0, h + step, step)):
            for x in range(-step, w + step, step):
                px = x + (step / 2 if row % 2 else 0)
                if kind == "dots":
                    draw.ellipse([px - r, y - r, px + r, y + r], fill=second)
                else:
                    draw.polygon(star(px, y, r * 1.5, r * 0.65), fill=second)
    # Thread texture: fine noise along the weave.
    arr2 = np.asarray(image, dtype=np.float32)
    threads = (((xs + ys) % 2) * 10.0 - 5.0) + gen.normal(0, 6, size=(h, w))
    arr2 = arr2 + threads[..., None].astype(np.float32)
    return Image.fromarray(np.clip(arr2, 0, 255).astype(np.uint8), "RGB")


def _folds(size: tuple[int, int], box: tuple[float, float, float, float], rng: random.Random,
           vertical: bool, count: int, depth: float) -> np.ndarray:
    """Soft light/dark bands like folds in cloth, as a factor array."""
    w, h = size
    axis = np.arange(w if vertical else h, dtype=np.float32)
    span = (box[2] - box[0]) if vertical else (box[3] - box[1])
    phase = rng.uniform(0, 6.28)
    wave = np.sin(axis / max(1.0, span) * count * 2 * np.pi + phase)
    wave += 0.4 * np.sin(axis / max(1.0, span) * count * 5.3 * np.pi + phase * 2)
    factor = 1.0 + wave * depth
    return factor[None, :] if vertical else factor[:, None]


def _apply_factor(layer: Image.Image, factor: np.ndarray) -> None:
    arr = np.asarray(layer, dtype=np.float32).copy()
    arr[..., :3] = np.clip(arr[..., :3] * factor[..., None], 0, 255)
    layer.paste(Image.fromarray(arr.astype(np.uint8), "RGBA"), (0, 0))


def draw_towel(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A folded towel with a woven pattern, a border band and a care label."""
    w, h = size
    s = scale_of(size)
    pattern = _pattern(rng, size, s)
    mask = Image.new("L", size, 0)
    x0, y0 = w * rng.uniform(0.1, 0.16), h * rng.uniform(0.1, 0.16)
    x1, y1 = w - w * rng.uniform(0.1, 0.16), h - h * rng.uniform(0.1, 0.16)
    ImageDraw.Draw(mask).rounded_rectangle([x0, y0, x1, y1], radius=18 * s, fill=255)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    layer.paste(pattern, (0, 0), mask)
    draw = ImageDraw.Draw(layer)
    border = pick(rng)
    by = y0 + (y1 - y0) * 0.78
    draw.rectangle([x0, by, x1, by + (y1 - y0) * 0.1], fill=(*border, 255))
    for i in range(int((x1 - x0) / (12 * s + 1))):
        x = x0 + i * (12 * s + 1)
        draw.line([(x, by), (x + 6 * s, by + (y1 - y0) * 0.1)], fill=(*shade(border, 0.85), 255),
                  width=max(1, round(2 * s)))
    # Fold line and the care label sewn into the hem.
    fy = y0 + (y1 - y0) * 0.45
    draw.line([(x0, fy), (x1, fy)], fill=(0, 0, 0, 70), width=max(2, round(8 * s)))
    lx, ly = x0 + (x1 - x0) * 0.07, y1 - (y1 - y0) * 0.02
    lw, lh = (x1 - x0) * 0.2, (y1 - y0) * 0.2
    draw.rectangle([lx, ly - lh, lx + lw, ly], fill=(245, 245, 240, 255))
    lines = [words.brand(rng), rng.choice(words.MATERIAL)[1], rng.choice(words.CARE)[1]]
    for i, line in enumerate(lines):
        size_px = fit_size(line, lw * 0.9, max(7, round(lh * 0.16)))
        draw_text(draw, (lx + lw / 2, ly - lh * (0.78 - i * 0.27)), line, size_px, (40, 40, 60),
                  "mm")
    _apply_factor(layer, _folds(size, (x0, y0, x1, y1), rng, True, 2, 0.06))
    return layer


def draw_bedding(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A duvet cover and pillow on a bed, seen from above, with a printed pattern."""
    w, h = size
    s = scale_of(size)
    pattern = _pattern(rng, size, s * 1.3)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    mask = Image.new("L", size, 0)
    md = ImageDraw.Draw(mask)
    md.rounded_rectangle([w * 0.04, h * 0.06, w * 0.96, h * 1.2], radius=40 * s, fill=255)
    layer.paste(pattern, (0, 0), mask)
    draw = ImageDraw.Draw(layer)
    pillow = rng.choice(((245, 245, 240), (230, 225, 210), *PALETTE[:3]))
    px0, py0, px1, py1 = w * 0.18, h * 0.1, w * 0.82, h * 0.36
    draw.rounded_rectangle([px0, py0, px1, py1], radius=50 * s, fill=(*pillow, 255),
                           outline=(*shade(pillow, 0.85), 255), width=max(1, round(3 * s)))
    draw.line([(px0 + 30 * s, py1 - 20 * s), (px1 - 30 * s, py1 - 20 * s)],
              fill=(*shade(pillow, 0.9), 255), width=max(1, round(2 * s)))
    # The duvet's turned-down edge.
    edge = contrast(pillow) if rng.random() < 0.3 else shade(pillow, 0.95)
    draw.rectangle([w * 0.04, h * 0.42, w * 0.96, h * 0.5], fill=(*edge, 255))
    factor = _folds(size, (0, 0, w, h), rng, False, 3, 0.05)
    factor = factor * _folds(size, (0, 0, w, h), rng, True, 2, 0.05)
    _apply_factor(layer, factor)
    return layer


def draw_curtain(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A hanging curtain with a pattern, pleats and rings on a rail."""
    w, h = size
    s = scale_of(size)
    pattern = _pattern(rng, size, s)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    layer.paste(pattern, (0, 0), Image.new("L", size, 255))
    draw = ImageDraw.Draw(layer)
    rail = (150, 150, 155) if rng.random() < 0.5 else (90, 60, 40)
    draw.rectangle([0, h * 0.04, w, h * 0.07], fill=(*rail, 255))
    pleats = rng.randint(6, 10)
    for i in range(pleats + 1):
        x = (i + 0.5) * w / (pleats + 1)
        draw.ellipse([x - 14 * s, h * 0.03, x + 14 * s, h * 0.1], outline=(*shade(rail, 1.3), 255),
                     width=max(2, round(5 * s)))
    draw.rectangle([0, 0, w, h * 0.03], fill=(0, 0, 0, 0))
    factor = _folds(size, (0, 0, w / pleats * 2, h), rng, True, 1, 0.16)
    _apply_factor(layer, factor)
    return layer
