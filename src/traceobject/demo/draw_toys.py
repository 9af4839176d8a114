"""Toys: a plush bear, a toy car, building blocks (Django-free)."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from traceobject.demo import words
from traceobject.demo.scene import jitter, shade
from traceobject.demo.shapes import contrast, heart, pick, scale_of, star
from traceobject.demo.text import draw_text, fit_size

PLUSH = ((160, 110, 70), (200, 170, 130), (230, 220, 205), (120, 80, 55), (240, 180, 190),
         (170, 200, 230))


def _oval(draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float,
          fill: tuple[int, ...]) -> None:
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill)


def _fur(layer: Image.Image, rng: random.Random, amount: float = 30.0) -> None:
    """Give the plush a fuzzy texture: noise on the RGB where the layer is opaque."""
    arr = np.asarray(layer, dtype=np.float32).copy()
    gen = np.random.default_rng(rng.getrandbits(32))
    h, w = arr.shape[:2]
    small = gen.normal(128.0, amount, size=(h // 3 + 1, w // 3 + 1)).clip(0, 255)
    fur_img = Image.fromarray(small.astype(np.uint8), "L").resize((w, h), Image.Resampling.BILINEAR)
    fur = np.asarray(fur_img, dtype=np.float32) - 128.0
    arr[..., :3] = np.clip(arr[..., :3] + fur[..., None], 0, 255)
    out = Image.fromarray(arr.astype(np.uint8), "RGBA")
    alpha = layer.getchannel("A").filter(ImageFilter.MaxFilter(3))
    out.putalpha(alpha)
    layer.paste(out, (0, 0))


def draw_bear(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A sitting plush teddy bear with a ribbon and a sewn-on tag."""
    w, h = size
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    u = h * rng.uniform(0.1, 0.115)  # unit: the bear is about 8 units high
    cx, cy = w / 2 + rng.uniform(-0.05, 0.05) * w, h / 2 + u * 0.3
    fur = jitter(rng, rng.choice(PLUSH), 12)
    light, dark = (*shade(fur, 1.18), 255), (*shade(fur, 0.72), 255)
    body = (*fur, 255)
    # Legs, arms, body, ears, head.
    for dx in (-1.3, 1.3):
        _oval(draw, cx + dx * u, cy + 2.6 * u, 1.0 * u, 0.85 * u, body)
        _oval(draw, cx + dx * u * 1.05, cy + 2.75 * u, 0.55 * u, 0.5 * u, light)
    for dx in (-1.85, 1.85):
        _oval(draw, cx + dx * u, cy + 0.6 * u, 0.65 * u, 1.2 * u, body)
    _oval(draw, cx, cy + 1.0 * u, 1.75 * u, 2.0 * u, body)
    _oval(draw, cx, cy + 1.3 * u, 1.05 * u, 1.2 * u, light)
    for dx in (-1.25, 1.25):
        _oval(draw, cx + dx * u, cy - 3.2 * u, 0.7 * u, 0.7 * u, body)
        _oval(draw, cx + dx * u, cy - 3.2 * u, 0.38 * u, 0.38 * u, dark)
    _oval(draw, cx, cy - 2.0 * u, 1.75 * u, 1.55 * u, body)
    _fur(layer, rng)
    draw = ImageDraw.Draw(layer)
    # Muzzle, nose, button eyes, stitched mouth.
    _oval(draw, cx, cy - 1.5 * u, 0.8 * u, 0.6 * u, light)
    _oval(draw, cx, cy - 1.75 * u, 0.28 * u, 0.2 * u, (40, 25, 20, 255))
    for dx in (-0.65, 0.65):
        _oval(draw, cx + dx * u, cy - 2.45 * u, 0.16 * u, 0.16 * u, (15, 15, 15, 255))
        _oval(draw, cx + dx * u - 0.05 * u, cy - 2.5 * u, 0.05 * u, 0.05 * u, (230, 230, 230, 255))
    line_w = max(1, round(4 * s))
    draw.line([(cx, cy - 1.55 * u), (cx, cy - 1.3 * u)], fill=(40, 25, 20, 255), width=line_w)
    draw.arc([cx - 0.3 * u, cy - 1.55 * u, cx, cy - 1.15 * u], 0, 180, fill=(40, 25, 20, 255),
             width=line_w)
    draw.arc([cx, cy - 1.55 * u, cx + 0.3 * u, cy - 1.15 * u], 0, 180, fill=(40, 25, 20, 255),
             width=line_w)
    # Ribbon bow at the neck.
    ribbon = pick(rng, exclude=(fur,))
    rb = (*ribbon, 255)
    ny = cy - 0.55 * u
    draw.polygon([(cx, ny), (cx - 0.8 * u, ny - 0.45 * u), (cx - 0.8 * u, ny + 0.45 * u)], fill=rb)
    draw.polygon([(cx, ny), (cx + 0.8 * u, ny - 0.45 * u), (cx + 0.8 * u, ny + 0.45 * u)], fill=rb)
    _oval(draw, cx, ny, 0.2 * u, 0.2 * u, (*shade(ribbon, 0.8), 255))
    # A heart patch or a tag on the foot.
    if rng.random() < 0.5:
        draw.polygon(heart(cx + 0.6 * u, cy + 1.2 * u, 0.45 * u), fill=(*pick(rng), 255))
    tag_x, tag_y = cx + 1.9 * u, cy + 2.3 * u
    draw.rectangle([tag_x, tag_y, tag_x + 1.4 * u, tag_y + 0.8 * u], fill=(250, 250, 250, 255),
                   outline=(180, 180, 180, 255))
    name = words.brand(rng)
    draw_text(draw, (tag_x + 0.7 * u, tag_y + 0.28 * u), name,
              fit_size(name, 1.25 * u, round(0.28 * u)), (180, 30, 40), "mm")
    draw_text(draw, (tag_x + 0.7 * u, tag_y + 0.6 * u), "CE 3+", max(6, round(0.2 * u)),
              (40, 40, 40), "mm")
    return layer


def draw_toy_car(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A toy car seen from the side: body, windows, wheels, number and a sticker."""
    w, h = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cw = w * rng.uniform(0.66, 0.76)
    ch = cw * 0.38
    x0, y0 = (w - cw) / 2, (h - ch) / 2
    color = pick(rng, exclude=((60, 60, 60), (20, 30, 60)))
    body = (*color, 255)
    draw.rounded_rectangle([x0, y0 + ch * 0.35, x0 + cw, y0 + ch * 0.82], radius=ch * 0.14,
                           fill=body)
    cabin = [(x0 + cw * 0.22, y0 + ch * 0.38), (x0 + cw * 0.33, y0), (x0 + cw * 0.68, y0),
             (x0 + cw * 0.8, y0 + ch * 0.38)]
    draw.polygon(cabin, fill=body)
    glass = (170, 205, 225, 255)
    draw.polygon([(x0 + cw * 0.26, y0 + ch * 0.36), (x0 + cw * 0.35, y0 + ch * 0.07),
                  (x0 + cw * 0.49, y0 + ch * 0.07), (x0 + cw * 0.49, y0 + ch * 0.36)], fill=glass)
    draw.polygon([(x0 + cw * 0.52, y0 + ch * 0.36), (x0 + cw * 0.52, y0 + ch * 0.07),
                  (x0 + cw * 0.66, y0 + ch * 0.07), (x0 + cw * 0.76, y0 + ch * 0.36)], fill=glass)
    stripe = contrast(color) if rng.random() < 0.5 else pick(rng, exclude=(color,))
    draw.rectangle([x0 + cw * 0.02, y0 + ch * 0.5, x0 + cw * 0.98, y0 + ch * 0.56],
                   fill=(*stripe, 255))
    draw.ellipse([x0 + cw * 0.94, y0 + ch * 0.42, x0 + cw * 0.99, y0 + ch * 0.5],
                 fill=(250, 230, 120, 255))
    draw.rectangle([x0, y0 + ch * 0.42, x0 + cw * 0.03, y0 + ch * 0.5], fill=(200, 30, 30, 255))
    number = str(rng.randint(1, 99))
    nx, ny = x0 + cw * 0.5, y0 + ch * 0.66
    draw.ellipse([nx - ch * 0.11, ny - ch * 0.11, nx + ch * 0.11, ny + ch * 0.11],
                 fill=(250, 250, 250, 255))
    draw_text(draw, (nx, ny), number, max(8, round(ch * 0.14)), (20, 20, 20), "mm")
    for wx in (0.2, 0.8):
        cx, cy, r = x0 + cw * wx, y0 + ch * 0.82, ch * 0.2
        _oval(draw, cx, cy, r, r, (25, 25, 25, 255))
        _oval(draw, cx, cy, r * 0.55, r * 0.55, (190, 190, 195, 255))
        draw.polygon(star(cx, cy, r * 0.45, r * 0.2, spikes=5), fill=(120, 120, 125, 255))
    name = words.brand(rng).upper()
    draw_text(draw, (x0 + cw * 0.6, y0 + ch * 0.43), name,
              fit_size(name, cw * 0.25, max(8, round(ch * 0.06))), contrast(color), "la")
    return layer


def draw_blocks(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A few wooden or plastic building blocks, some with letters and studs."""
    w, h = size
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    side = h * rng.uniform(0.2, 0.25)
    letters = "ABCDEFGHKLMNOPRSTUZ"
    positions = [(-1.1, 0.55), (0.0, 0.55), (1.1, 0.55), (-0.55, -0.5), (0.55, -0.5), (0.0, -1.5)]
    count = rng.randint(4, 6)
    used: list[tuple[int, int, int]] = []
    for dx, dy in positions[:count]:
        color = pick(rng, exclude=used[-1:] + [(235, 235, 230), (60, 60, 60)])
        used.append(color)
        bx = w / 2 + dx * side + rng.uniform(-0.05, 0.05) * side
        by = h / 2 + dy * side + side * 0.4
        depth = side * 0.18
        left, right, top, bottom = bx - side / 2, bx + side / 2, by - side / 2, by + side / 2
        draw.polygon([(left, top), (left + depth, top - depth), (right + depth, top - depth),
                      (right, top)], fill=(*shade(color, 1.2), 255))
        draw.polygon([(right, top), (right + depth, top - depth), (right + depth, bottom - depth),
                      (right, bottom)], fill=(*shade(color, 0.7), 255))
        draw.rectangle([bx - side / 2, by - side / 2, bx + side / 2, by + side / 2],
                       fill=(*color, 255), outline=(*shade(color, 0.6), 255),
                       width=max(1, round(2 * s)))
        if rng.random() < 0.7:
            inset = side * 0.12
            draw.rectangle([bx - side / 2 + inset, by - side / 2 + inset, bx + side / 2 - inset,
                            by + side / 2 - inset], outline=(*contrast(color), 255),
                           width=max(1, round(4 * s)))
            draw_text(draw, (bx, by), rng.choice(letters), round(side * 0.55), contrast(color),
                      "mm")
        else:
            for sx in (-0.22, 0.22):
                for sy in (-0.22, 0.22):
                    _oval(draw, bx + sx * side, by + sy * side, side * 0.13, side * 0.13,
                          (*shade(color, 1.15), 255))
    return layer
