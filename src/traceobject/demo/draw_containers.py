"""Containers: a bottle and a jar with labels, a printed mug (Django-free)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from traceobject.demo import words
from traceobject.demo.scene import shade
from traceobject.demo.shapes import (
    barcode_on,
    contrast,
    heart,
    pick,
    pick_contrasting,
    scale_of,
    shade_region,
    star,
)
from traceobject.demo.text import draw_text, fit_size

GLASS = ((120, 160, 110), (150, 95, 50), (200, 215, 220), (60, 90, 60), (170, 60, 60))


def draw_bottle(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A bottle standing upright with a paper label."""
    w, h = size
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    bh = h * rng.uniform(0.84, 0.9)
    bw = bh * rng.uniform(0.3, 0.36)
    cx = w / 2
    top = (h - bh) / 2
    bottom = top + bh
    neck_w = bw * 0.32
    shoulder = top + bh * 0.34
    glass = rng.choice(GLASS)
    body = (*glass, 235)
    draw.rounded_rectangle([cx - bw / 2, shoulder, cx + bw / 2, bottom], radius=bw * 0.12,
                           fill=body)
    draw.polygon([(cx - neck_w / 2, top + bh * 0.12), (cx + neck_w / 2, top + bh * 0.12),
                  (cx + bw / 2, shoulder + bw * 0.1), (cx - bw / 2, shoulder + bw * 0.1)],
                 fill=body)
    draw.ellipse([cx - bw / 2, shoulder - bw * 0.12, cx + bw / 2, shoulder + bw * 0.32],
                 fill=body)
    draw.rectangle([cx - neck_w / 2, top + bh * 0.03, cx + neck_w / 2, top + bh * 0.2],
                   fill=body)
    cap = pick(rng)
    draw.rounded_rectangle([cx - neck_w * 0.58, top, cx + neck_w * 0.58, top + bh * 0.07],
                           radius=neck_w * 0.12, fill=(*cap, 255))
    for i in range(1, 8):
        x = cx - neck_w * 0.58 + i * neck_w * 1.16 / 8
        draw.line([(x, top + 2), (x, top + bh * 0.07 - 2)], fill=(*shade(cap, 0.8), 255))
    # Label.
    ly0, ly1 = shoulder + bh * 0.14, shoulder + bh * 0.46
    paper = rng.choice(((248, 244, 230), (250, 250, 250), (240, 220, 180)))
    draw.rectangle([cx - bw / 2, ly0, cx + bw / 2, ly1], fill=(*paper, 255))
    accent = pick_contrasting(rng, paper)
    draw.rectangle([cx - bw / 2, ly0, cx + bw / 2, ly0 + (ly1 - ly0) * 0.1], fill=(*accent, 255))
    name = words.brand(rng)
    lh = ly1 - ly0
    draw_text(draw, (cx, ly0 + lh * 0.27), name, fit_size(name, bw * 0.85, round(lh * 0.17)),
              accent, "mm")
    drink = rng.choice(words.DRINKS)[1]
    draw_text(draw, (cx, ly0 + lh * 0.5), drink, fit_size(drink, bw * 0.85, round(lh * 0.09)),
              (30, 30, 30), "mm")
    fruit = (200, 40, 40) if rng.random() < 0.5 else (120, 170, 50)
    r = lh * 0.12
    draw.ellipse([cx - r, ly0 + lh * 0.74 - r, cx + r, ly0 + lh * 0.74 + r], fill=(*fruit, 255))
    draw.line([(cx, ly0 + lh * 0.74 - r), (cx + r * 0.3, ly0 + lh * 0.74 - r * 1.5)],
              fill=(90, 60, 30, 255), width=max(1, round(4 * s)))
    volume = rng.choice(("0,5 l", "0,75 l", "1 l", "330 ml"))
    draw_text(draw, (cx + bw * 0.42, ly1 - lh * 0.05), volume, max(8, round(lh * 0.07)),
              (30, 30, 30), "rs")
    shade_region(layer, (cx - bw / 2, top, cx + bw / 2, bottom), "cylinder")
    return layer


def draw_jar(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A jar of preserves with a lid, a label and a barcode."""
    w, h = size
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    jh = h * rng.uniform(0.72, 0.8)
    jw = jh * rng.uniform(0.78, 0.9)
    cx, top = w / 2, (h - jh) / 2
    bottom = top + jh
    content = rng.choice(((150, 20, 40), (230, 140, 20), (90, 30, 60), (120, 60, 20)))
    draw.rounded_rectangle([cx - jw / 2, top + jh * 0.12, cx + jw / 2, bottom],
                           radius=jw * 0.14, fill=(*content, 245))
    lid = rng.choice(((200, 40, 40), (220, 190, 60), (240, 240, 240), (40, 110, 60)))
    draw.rounded_rectangle([cx - jw * 0.44, top, cx + jw * 0.44, top + jh * 0.15],
                           radius=jw * 0.04, fill=(*lid, 255))
    if rng.random() < 0.5:  # gingham cloth cover on the lid
        step = max(4, round(jw * 0.05))
        for i in range(0, round(jw * 0.88), step * 2):
            x = cx - jw * 0.44 + i
            draw.rectangle([x, top, min(cx + jw * 0.44, x + step), top + jh * 0.15],
                           fill=(*shade(lid, 0.8), 255))
    ly0, ly1 = top + jh * 0.34, top + jh * 0.8
    lx0, lx1 = cx - jw * 0.4, cx + jw * 0.4
    paper = (250, 246, 232)
    draw.rounded_rectangle([lx0, ly0, lx1, ly1], radius=jw * 0.05, fill=(*paper, 255),
                           outline=(*shade(lid, 0.8), 255), width=max(1, round(4 * s)))
    lw, lh = lx1 - lx0, ly1 - ly0
    name = words.brand(rng)
    draw_text(draw, (cx, ly0 + lh * 0.16), name, fit_size(name, lw * 0.8, round(lh * 0.14)),
              shade(lid, 0.7), "mm")
    lang = rng.randrange(len(words.JARS))
    product = words.JARS[lang][1]
    draw_text(draw, (cx, ly0 + lh * 0.34), product, fit_size(product, lw * 0.85, round(lh * 0.1)),
              (40, 30, 30), "mm")
    ingredients = words.INGREDIENTS[lang][1].split(":")[0] + ": "
    ingredients += rng.choice(("70 %", "55 %", "60 %")) + " " + product.split()[-1].lower()
    draw_text(draw, (cx, ly0 + lh * 0.48), ingredients,
              fit_size(ingredients, lw * 0.85, round(lh * 0.06)), (60, 50, 50), "mm")
    module = max(1, int(lw * 0.45 / 117))
    barcode_on(layer, words.ean_digits(rng), (cx - 117 * module / 2, ly1 - 82 * module - lh * 0.04),
               module)
    shade_region(layer, (cx - jw / 2, top, cx + jw / 2, bottom), "cylinder", 0.8)
    return layer


def draw_mug(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A ceramic mug with a printed motif and text."""
    w, h = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    mh = h * rng.uniform(0.66, 0.74)
    mw = mh * rng.uniform(0.82, 0.95)
    cx, top = w / 2 - mw * 0.1, (h - mh) / 2
    bottom = top + mh
    color = rng.choice(((245, 243, 238), (245, 243, 238), (30, 60, 120), (200, 50, 50),
                        (240, 200, 60), (40, 40, 45)))
    handle = (*shade(color, 0.92), 255)
    hr = mh * 0.26
    hx = cx + mw / 2
    draw.ellipse([hx - hr, top + mh * 0.22, hx + hr, top + mh * 0.22 + hr * 2.2],
                 outline=handle, width=max(4, round(mh * 0.07)))
    draw.rectangle([cx - mw / 2, top + mh * 0.04, cx + mw / 2, bottom - mh * 0.04],
                   fill=(*color, 255))
    draw.ellipse([cx - mw / 2, bottom - mh * 0.08, cx + mw / 2, bottom], fill=(*color, 255))
    draw.ellipse([cx - mw / 2, top, cx + mw / 2, top + mh * 0.09], fill=(*shade(color, 0.8), 255))
    draw.ellipse([cx - mw * 0.46, top + mh * 0.008, cx + mw * 0.46, top + mh * 0.085],
                 fill=(*shade(color, 0.45), 255))
    ink = pick_contrasting(rng, color)
    mx, my, r = cx, top + mh * 0.42, mw * 0.2
    motif = rng.choice(("heart", "star", "stripes", "dots"))
    if motif == "heart":
        draw.polygon(heart(mx, my, r), fill=(*ink, 255))
    elif motif == "star":
        draw.polygon(star(mx, my, r, r * 0.45), fill=(*ink, 255))
    elif motif == "stripes":
        for i in range(3):
            y = my - r + i * r * 0.8
            draw.rectangle([cx - mw / 2, y, cx + mw / 2, y + r * 0.35], fill=(*ink, 255))
    else:
        for i in range(-2, 3):
            for j in range(-1, 2):
                rr = r * 0.16
                x, y = mx + i * r * 0.6, my + j * r * 0.6
                draw.ellipse([x - rr, y - rr, x + rr, y + rr], fill=(*ink, 255))
    slogan = rng.choice(words.SLOGANS + tuple(p[1] for p in words.TAGLINES))
    draw_text(draw, (mx, top + mh * 0.72), slogan, fit_size(slogan, mw * 0.78, round(mh * 0.08)),
              ink if motif != "stripes" else contrast(color), "mm")
    shade_region(layer, (cx - mw / 2, top, cx + mw / 2, bottom), "cylinder", 0.7)
    return layer
