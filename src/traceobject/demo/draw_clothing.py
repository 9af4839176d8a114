"""A T-shirt lying flat, with a printed motif and a sewn-in label (Django-free)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFilter

from traceobject.demo import words
from traceobject.demo.scene import shade
from traceobject.demo.shapes import (
    contrast,
    fit_box,
    heart,
    map_points,
    pick,
    pick_contrasting,
    scale_of,
    star,
)
from traceobject.demo.text import draw_text, fit_size

_SHIRT = (
    (0.38, 0.04), (0.22, 0.09), (0.02, 0.31), (0.14, 0.43), (0.25, 0.34), (0.25, 0.98),
    (0.75, 0.98), (0.75, 0.34), (0.86, 0.43), (0.98, 0.31), (0.78, 0.09), (0.62, 0.04),
    (0.58, 0.10), (0.5, 0.125), (0.42, 0.10),
)


def draw_tshirt(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    box = fit_box(size, 1.12, fill=rng.uniform(0.82, 0.9))
    color = pick(rng)
    outline = shade(color, 0.75)
    pts = map_points(_SHIRT, box)
    draw.polygon(pts, fill=(*color, 255))
    draw.line([*pts, pts[0]], fill=(*outline, 255), width=max(1, round(3 * s)), joint="curve")
    bx0, by0, bx1, by1 = box
    bw, bh = bx1 - bx0, by1 - by0
    # Collar rib, inside back of the neck and the sewn-in label.
    neck = map_points(((0.38, 0.04), (0.42, 0.10), (0.5, 0.125), (0.58, 0.10), (0.62, 0.04)), box)
    inner = map_points(((0.4, 0.045), (0.5, 0.07), (0.6, 0.045)), box)
    draw.polygon([*neck, *reversed(inner)], fill=(*shade(color, 0.6), 255))
    draw.line(neck, fill=(*shade(color, 0.85), 255), width=max(2, round(10 * s)), joint="curve")
    lx, ly = bx0 + bw * 0.465, by0 + bh * 0.055
    label_w, label_h = bw * 0.07, bh * 0.045
    draw.rectangle([lx, ly, lx + label_w, ly + label_h], fill=(245, 245, 240, 255))
    size_label = rng.choice(("S", "M", "L", "XL", "116", "128"))
    draw_text(draw, (lx + label_w / 2, ly + label_h / 2), size_label,
              fit_size(size_label, label_w * 0.85, max(8, round(18 * s))), (30, 30, 30), "mm")
    # Hem and sleeve stitching.
    stitch = (*shade(color, 0.7), 255)
    for (ax, ay), (cx, cy) in (((0.25, 0.955), (0.75, 0.955)), ((0.04, 0.34), (0.15, 0.405)),
                               ((0.96, 0.34), (0.85, 0.405))):
        p0, p1 = map_points(((ax, ay), (cx, cy)), box)
        draw.line([p0, p1], fill=stitch, width=max(1, round(2 * s)))
    _motif(rng, draw, (bx0 + bw * 0.32, by0 + bh * 0.22, bx0 + bw * 0.68, by0 + bh * 0.72),
           color, s)
    # Creases: soft translucent darker lines.
    creases = Image.new("RGBA", size, (0, 0, 0, 0))
    cdraw = ImageDraw.Draw(creases)
    for _ in range(rng.randint(3, 6)):
        x = bx0 + bw * rng.uniform(0.28, 0.72)
        y = by0 + bh * rng.uniform(0.35, 0.95)
        dx, dy = bw * rng.uniform(-0.15, 0.15), bh * rng.uniform(-0.12, 0.12)
        cdraw.line([(x, y), (x + dx, y + dy)], fill=(0, 0, 0, 40), width=max(2, round(18 * s)))
    creases = creases.filter(ImageFilter.BoxBlur(14 * s + 1))
    alpha = layer.getchannel("A")
    layer.alpha_composite(creases)
    layer.putalpha(alpha)
    return layer


def _motif(rng: random.Random, draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float],
           shirt: tuple[int, int, int], s: float) -> None:
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ink = pick_contrasting(rng, shirt)
    ink2 = pick_contrasting(rng, shirt, exclude=(ink,))
    r = (x1 - x0) * 0.3
    kind = rng.choice(("star", "sun", "heart", "stripes", "badge", "mountain"))
    icy = cy - r * 0.3
    if kind == "star":
        draw.polygon(star(cx, icy, r, r * 0.45), fill=(*ink, 255))
    elif kind == "sun":
        draw.ellipse([cx - r * 0.6, icy - r * 0.6, cx + r * 0.6, icy + r * 0.6], fill=(*ink, 255))
        draw.polygon(star(cx, icy, r * 1.05, r * 0.7, spikes=12), outline=(*ink, 255),
                     width=max(2, round(6 * s)))
    elif kind == "heart":
        draw.polygon(heart(cx, icy, r * 0.95), fill=(*ink, 255))
    elif kind == "stripes":
        for i in range(4):
            y = icy - r * 0.8 + i * r * 0.45
            draw.rectangle([cx - r, y, cx + r, y + r * 0.28], fill=(*(ink if i % 2 else ink2), 255))
    elif kind == "badge":
        draw.ellipse([cx - r, icy - r, cx + r, icy + r], outline=(*ink, 255),
                     width=max(3, round(12 * s)))
        draw_text(draw, (cx, icy), str(rng.randint(1, 99)), max(10, round(r * 0.9)), ink, "mm")
    else:
        draw.polygon([(cx - r * 1.1, icy + r * 0.6), (cx - r * 0.3, icy - r * 0.7),
                      (cx + r * 0.1, icy - r * 0.1), (cx + r * 0.4, icy - r * 0.5),
                      (cx + r * 1.1, icy + r * 0.6)], fill=(*ink, 255))
        draw.polygon([(cx - r * 0.48, icy - r * 0.41), (cx - r * 0.3, icy - r * 0.7),
                      (cx - r * 0.12, icy - r * 0.41)], fill=(*contrast(ink), 255))
    slogan = rng.choice(words.SLOGANS)
    size = fit_size(slogan, (x1 - x0) * 1.1, max(10, round(64 * s)))
    draw_text(draw, (cx, icy + r * 1.15), slogan, size, ink if kind != "stripes" else ink2, "ma")
