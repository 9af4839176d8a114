"""Packaging: a carton box, a close-up of a back label, a shop bag (Django-free)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from traceobject.demo import words
from traceobject.demo.scene import shade
from traceobject.demo.shapes import (
    barcode_on,
    contrast,
    fit_box,
    pick,
    pick_contrasting,
    scale_of,
    shade_region,
    star,
)
from traceobject.demo.text import draw_text, fit_size, wrap

WHITE = (248, 246, 240)
INK = (25, 25, 30)


def draw_carton(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A cardboard box seen from the front and a little above, with a printed design."""
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = fit_box(size, rng.uniform(1.15, 1.45), fill=rng.uniform(0.7, 0.78))
    depth_x, depth_y = (x1 - x0) * 0.16, (y1 - y0) * 0.16
    fy0 = y0 + depth_y
    fx1 = x1 - depth_x
    color = pick(rng, exclude=((235, 235, 230),))
    # Top and side faces.
    draw.polygon([(x0, fy0), (x0 + depth_x, y0), (x1, y0), (fx1, fy0)],
                 fill=(*shade(color, 1.18), 255))
    draw.polygon([(fx1, fy0), (x1, y0), (x1, y1 - depth_y), (fx1, y1)],
                 fill=(*shade(color, 0.7), 255))
    draw.rectangle([x0, fy0, fx1, y1], fill=(*color, 255))
    edge = (*shade(color, 0.55), 255)
    draw.line([(x0, fy0), (fx1, fy0), (fx1, y1)], fill=edge, width=max(1, round(2 * s)))
    fw, fh = fx1 - x0, y1 - fy0
    # A band with the brand name.
    band = pick_contrasting(rng, color)
    draw.rectangle([x0, fy0 + fh * 0.08, fx1, fy0 + fh * 0.3], fill=(*band, 255))
    name = words.brand(rng)
    size_px = fit_size(name, fw * 0.8, round(fh * 0.16))
    draw_text(draw, (x0 + fw / 2, fy0 + fh * 0.19), name, size_px, contrast(band), "mm")
    # Product name and tagline in one language.
    lang_i = rng.randrange(len(words.PRODUCTS))
    product = words.PRODUCTS[lang_i][1]
    tagline = words.TAGLINES[lang_i][1]
    ink = contrast(color)
    draw_text(draw, (x0 + fw * 0.06, fy0 + fh * 0.36), product,
              fit_size(product, fw * 0.55, round(fh * 0.085)), ink, "la")
    draw_text(draw, (x0 + fw * 0.06, fy0 + fh * 0.47), tagline,
              fit_size(tagline, fw * 0.5, round(fh * 0.06)), ink, "la")
    # A simple illustration: a plate of round biscuits.
    cx, cy, r = x0 + fw * 0.76, fy0 + fh * 0.52, fh * 0.14
    draw.ellipse([cx - r * 1.4, cy - r * 0.9, cx + r * 1.4, cy + r * 0.9], fill=(*WHITE, 255))
    biscuit = (214, 164, 90)
    for dx, dy in ((-0.55, -0.1), (0.45, -0.2), (0.0, 0.3)):
        bx, by = cx + dx * r, cy + dy * r
        draw.ellipse([bx - r * 0.5, by - r * 0.4, bx + r * 0.5, by + r * 0.4],
                     fill=(*biscuit, 255), outline=(*shade(biscuit, 0.75), 255),
                     width=max(1, round(3 * s)))
    # Weight burst and a white panel with barcode and origin.
    burst = pick_contrasting(rng, color, exclude=(band,))
    bx, by = x0 + fw * 0.14, fy0 + fh * 0.72
    draw.polygon(star(bx, by, fh * 0.1, fh * 0.075, spikes=14), fill=(*burst, 255))
    draw_text(draw, (bx, by), f"{rng.choice((150, 200, 250, 300, 400, 500))} g",
              max(8, round(fh * 0.045)), contrast(burst), "mm")
    module = max(1, int(fw * 0.3 / 117))
    code_w = (95 + 22) * module
    px0 = fx1 - code_w - fw * 0.04
    py0 = y1 - (60 + 20) * module - fh * 0.05
    barcode_on(layer, words.ean_digits(rng), (px0, py0), module)
    made = rng.choice(words.MADE_IN)[1]
    draw_text(draw, (px0 - fw * 0.03, y1 - fh * 0.06), made,
              fit_size(made, fw * 0.38, max(8, round(fh * 0.04))), ink, "rs")
    return layer


def draw_label(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A close-up of the back label of a packet: ingredients, origin, barcode."""
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = fit_box(size, 1.45, fill=0.86)
    paper = rng.choice((WHITE, (240, 232, 210), (230, 240, 235)))
    draw.rectangle([x0, y0, x1, y1], fill=(*paper, 255))
    lw, lh = x1 - x0, y1 - y0
    name = words.brand(rng)
    header = pick(rng, exclude=((235, 235, 230),))
    draw.rectangle([x0, y0, x1, y0 + lh * 0.14], fill=(*header, 255))
    draw_text(draw, (x0 + lw * 0.04, y0 + lh * 0.07), name,
              fit_size(name, lw * 0.6, round(lh * 0.08)), contrast(header), "lm")
    y = y0 + lh * 0.2
    text_size = max(8, round(lh * 0.036))
    langs = rng.sample(range(len(words.INGREDIENTS)), 3)
    for i in langs:
        for line in wrap(words.INGREDIENTS[i][1] + ".", text_size, lw * 0.56):
            draw_text(draw, (x0 + lw * 0.04, y), line, text_size, INK)
            y += text_size * 1.3
        y += text_size * 0.5
    for i in langs[:2]:
        draw_text(draw, (x0 + lw * 0.04, y), words.MADE_IN[i][1], text_size, INK)
        y += text_size * 1.3
    # Nutrition-like table on the right.
    tx0, ty = x0 + lw * 0.64, y0 + lh * 0.2
    rows = (("kJ", rng.randint(1500, 2200)), ("kcal", rng.randint(350, 520)),
            ("g", rng.randint(5, 30)), ("%", rng.randint(1, 40)))
    for label, value in rows:
        draw.line([(tx0, ty), (x1 - lw * 0.04, ty)], fill=(*INK, 255), width=max(1, round(s)))
        draw_text(draw, (tx0, ty + text_size * 0.3), label, text_size, INK)
        draw_text(draw, (x1 - lw * 0.04, ty + text_size * 0.3), str(value), text_size, INK, "ra")
        ty += text_size * 1.7
    module = max(1, int(lw * 0.32 / 117))
    barcode_on(layer, words.ean_digits(rng), (x1 - (117 * module) - lw * 0.03,
                                               y1 - 82 * module - lh * 0.03), module)
    lot = f"LOT {rng.randint(10000, 99999)}  {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}."
    draw_text(draw, (x0 + lw * 0.04, y1 - lh * 0.06), lot + str(rng.randint(2018, 2025)),
              text_size, INK, "ls")
    return layer


def draw_shop_bag(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A paper or plastic carrier bag with handles and a brand name."""
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = fit_box(size, 0.95, fill=0.86)
    paper = rng.random() < 0.5
    color = (196, 160, 112) if paper and rng.random() < 0.6 else pick(rng)
    bw, bh = x1 - x0, y1 - y0
    top = y0 + bh * 0.25
    # Handles behind the bag.
    handle = (*shade(color, 0.8), 255) if paper else (*color, 255)
    hw = max(3, round(14 * s))
    for hx in (0.3, 0.7):
        cx = x0 + bw * hx
        draw.arc([cx - bw * 0.12, y0, cx + bw * 0.12, 2 * top - y0 + hw], 180, 360,
                 fill=handle, width=hw)
    draw.rectangle([x0, top, x1, y1], fill=(*color, 255))
    draw.rectangle([x0, top, x1, top + bh * 0.035], fill=(*shade(color, 0.85), 255))
    for side in (x0 + bw * 0.06, x1 - bw * 0.06):
        draw.line([(side, top), (side, y1)], fill=(*shade(color, 0.88), 255),
                  width=max(1, round(3 * s)))
    # Logo: a shape and the brand name.
    ink = pick_contrasting(rng, color)
    name = words.brand(rng)
    cx, cy = x0 + bw / 2, top + (y1 - top) * 0.38
    r = bw * 0.13
    shape = rng.choice(("circle", "star", "diamond", "leaf"))
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(*ink, 255))
        draw_text(draw, (cx, cy), name[0], round(r * 1.3), contrast(ink), "mm")
    elif shape == "star":
        draw.polygon(star(cx, cy, r, r * 0.5), fill=(*ink, 255))
    elif shape == "diamond":
        draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=(*ink, 255))
        draw_text(draw, (cx, cy), name[0], round(r * 0.9), contrast(ink), "mm")
    else:
        draw.chord([cx - r, cy - r * 0.6, cx + r, cy + r * 1.4], 180, 360, fill=(*ink, 255))
        draw.chord([cx - r, cy - r * 1.4, cx + r, cy + r * 0.6], 0, 180, fill=(*ink, 255))
    draw_text(draw, (cx, cy + r * 1.5), name, fit_size(name, bw * 0.8, round(bh * 0.1)),
              ink, "ma")
    line = rng.choice(words.SHOP_LINES)[1]
    draw_text(draw, (cx, y1 - bh * 0.08), line, fit_size(line, bw * 0.7, round(bh * 0.035)),
              ink, "ms")
    shade_region(layer, (x0, top, x1, y1), "top", 0.8)
    return layer
