"""Small drawing helpers shared by the demo drawing modules (Django-free)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from traceobject.demo.barcode import ean13_image

RGB = tuple[int, int, int]
Point = tuple[float, float]

PALETTE: tuple[RGB, ...] = (
    (200, 40, 50), (30, 90, 170), (240, 190, 40), (40, 140, 80), (240, 120, 30),
    (130, 60, 150), (20, 30, 60), (235, 235, 230), (250, 160, 180), (90, 190, 200),
    (120, 80, 50), (60, 60, 60),
)


def pick(rng: random.Random, exclude: Sequence[RGB] = ()) -> RGB:
    choices = [c for c in PALETTE if c not in exclude] or list(PALETTE)
    return rng.choice(choices)


def luma(color: RGB) -> float:
    return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]


def pick_contrasting(rng: random.Random, base: RGB, exclude: Sequence[RGB] = ()) -> RGB:
    """A palette colour that stands out against `base`."""
    choices = [c for c in PALETTE if abs(luma(c) - luma(base)) > 70 and c not in exclude]
    return rng.choice(choices) if choices else contrast(base)


def contrast(color: RGB) -> RGB:
    """Black or white, whichever reads better on `color`."""
    luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return (20, 20, 20) if luma > 150 else (250, 250, 250)


def scale_of(size: tuple[int, int]) -> float:
    return min(size[0] / 1200, size[1] / 900)


def fit_box(size: tuple[int, int], aspect: float, fill: float = 0.8) -> tuple[float, float,
                                                                             float, float]:
    """A centred box of width/height `aspect` taking `fill` of the image."""
    w, h = size
    bw = w * fill
    bh = bw / aspect
    if bh > h * fill:
        bh = h * fill
        bw = bh * aspect
    x0 = (w - bw) / 2
    y0 = (h - bh) / 2
    return (x0, y0, x0 + bw, y0 + bh)


def map_points(points: Sequence[Point], box: tuple[float, float, float, float]) -> list[Point]:
    x0, y0, x1, y1 = box
    return [(x0 + px * (x1 - x0), y0 + py * (y1 - y0)) for px, py in points]


def star(cx: float, cy: float, r_out: float, r_in: float, spikes: int = 5,
         rotation: float = -math.pi / 2) -> list[Point]:
    pts = []
    for i in range(spikes * 2):
        r = r_out if i % 2 == 0 else r_in
        a = rotation + i * math.pi / spikes
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def heart(cx: float, cy: float, r: float, steps: int = 40) -> list[Point]:
    pts = []
    for i in range(steps):
        t = 2 * math.pi * i / steps
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((cx + x * r / 16, cy - y * r / 16))
    return pts


def shade_region(layer: Image.Image, box: tuple[float, float, float, float],
                 profile: str = "cylinder", strength: float = 1.0) -> None:
    """Multiply the RGB of the layer inside `box` by a light profile (in place)."""
    w, h = layer.size
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(w, int(box[2])), min(h, int(box[3]))
    if x1 <= x0 or y1 <= y0:
        return
    region = layer.crop((x0, y0, x1, y1))
    arr = np.asarray(region, dtype=np.float32).copy()
    t = np.linspace(0.0, 1.0, x1 - x0, dtype=np.float32)
    if profile == "cylinder":
        factor = 0.68 + 0.42 * np.clip(np.sin(np.pi * t), 0.0, 1.0) ** 0.6
        factor += 0.35 * np.exp(-(((t - 0.3) / 0.05) ** 2))
        factor = factor[None, :]
    else:  # "top": brighter at the top
        v = np.linspace(0.0, 1.0, y1 - y0, dtype=np.float32)
        factor = (1.12 - 0.25 * v)[:, None]
    factor = 1.0 + (factor - 1.0) * strength
    arr[..., :3] = np.clip(arr[..., :3] * factor[..., None], 0, 255)
    layer.paste(Image.fromarray(arr.astype(np.uint8), "RGBA"), (x0, y0))


def barcode_on(layer: Image.Image, digits: str, xy: tuple[float, float], module_px: int,
               rotate: int = 0) -> tuple[int, int]:
    """Paste an EAN-13 label onto the layer; returns its size."""
    code = ean13_image(digits, module_px=max(1, module_px)).convert("RGBA")
    if rotate:
        code = code.rotate(rotate, expand=True)
    layer.alpha_composite(code, (int(xy[0]), int(xy[1])))
    return code.size


def stripes(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float],
            colors: Sequence[RGB], widths: Sequence[float], vertical: bool = False) -> None:
    x0, y0, x1, y1 = box
    pos = x0 if vertical else y0
    end = x1 if vertical else y1
    i = 0
    while pos < end:
        step = widths[i % len(widths)]
        color = colors[i % len(colors)]
        if vertical:
            draw.rectangle([pos, y0, min(end, pos + step), y1], fill=color)
        else:
            draw.rectangle([x0, pos, x1, min(end, pos + step)], fill=color)
        pos += step
        i += 1


def clip_to(layer: Image.Image, pattern: Image.Image, mask: Image.Image) -> None:
    """Paste `pattern` (RGB/RGBA, same size as layer) onto the layer where `mask` is set."""
    layer.paste(pattern.convert("RGBA"), (0, 0), mask)
