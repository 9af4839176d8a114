"""Printed matter: a flyer, a sticker sheet, a ticket (Django-free)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from traceobject.demo import words
from traceobject.demo.scene import shade
from traceobject.demo.shapes import (
    barcode_on,
    contrast,
    fit_box,
    heart,
    pick,
    pick_contrasting,
    scale_of,
    star,
)
from traceobject.demo.text import draw_text, fit_size, wrap

PAPER = ((250, 250, 246), (252, 240, 200), (225, 240, 250), (250, 225, 230))


def draw_flyer(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """An A5 flyer for a local event: headline, date, lines of text, a graphic."""
    w, h = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = fit_box(size, 0.71, fill=0.9)
    paper = rng.choice(PAPER)
    draw.rectangle([x0, y0, x1, y1], fill=(*paper, 255))
    fw, fh = x1 - x0, y1 - y0
    accent = pick_contrasting(rng, paper)
    second = pick(rng, exclude=(accent, paper))
    lang = rng.randrange(len(words.EVENTS))
    title = words.EVENTS[lang][1]
    draw.rectangle([x0, y0, x1, y0 + fh * 0.22], fill=(*accent, 255))
    title_lines = wrap(title, round(fh * 0.075), fw * 0.85)
    ty = y0 + fh * 0.11 - (len(title_lines) - 1) * fh * 0.045
    for line in title_lines:
        draw_text(draw, (x0 + fw / 2, ty), line, fit_size(line, fw * 0.88, round(fh * 0.075)),
                  contrast(accent), "mm")
        ty += fh * 0.09
    # Graphic: suns / balloons / a star burst.
    cx, cy = x0 + fw / 2, y0 + fh * 0.45
    r = fw * 0.18
    graphic = rng.choice(("balloons", "sun", "notes"))
    if graphic == "balloons":
        for dx, color in ((-0.9, accent), (0.0, second), (0.9, pick(rng))):
            bx = cx + dx * r
            draw.line([(bx, cy + r * 0.6), (bx + dx * 8, cy + r * 1.4)], fill=(90, 90, 90, 255),
                      width=2)
            draw.ellipse([bx - r * 0.45, cy - r * 0.6, bx + r * 0.45, cy + r * 0.6],
                         fill=(*color, 255))
    elif graphic == "sun":
        draw.polygon(star(cx, cy, r * 1.1, r * 0.75, spikes=16), fill=(*second, 255))
        draw.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], fill=(*accent, 255))
    else:
        for dx in (-0.7, 0.5):
            nx = cx + dx * r
            draw.ellipse([nx - r * 0.3, cy + r * 0.3, nx + r * 0.2, cy + r * 0.7],
                         fill=(*accent, 255))
            draw.rectangle([nx + r * 0.12, cy - r * 0.7, nx + r * 0.2, cy + r * 0.5],
                           fill=(*accent, 255))
        draw.line([(cx - 0.7 * r + r * 0.16, cy - r * 0.7), (cx + 0.5 * r + r * 0.16, cy - r)],
                  fill=(*accent, 255), width=max(2, round(r * 0.1)))
    # Date, place and a line in the flyer's language.
    day, month = rng.randint(1, 28), rng.randint(5, 9)
    ink = (35, 35, 40)
    y = y0 + fh * 0.66
    date = f"{day:02d}.{month:02d}.{rng.randint(2019, 2025)} · {rng.randint(10, 18)}:00"
    draw_text(draw, (x0 + fw / 2, y), date, fit_size(date, fw * 0.8, round(fh * 0.05)), accent,
              "mm")
    line = words.EVENT_LINES[lang][1]
    draw_text(draw, (x0 + fw / 2, y + fh * 0.08), line,
              fit_size(line, fw * 0.85, round(fh * 0.035)), ink, "mm")
    street = rng.choice(("Marktplatz 3", "Rue des Lilas 12", "ul. Ogrodowa 7", "Plaza Mayor 1",
                         "Via Roma 22", "Kerkstraat 5", "Storgatan 9", "Náměstí Míru 4"))
    draw_text(draw, (x0 + fw / 2, y + fh * 0.14), street, round(fh * 0.03), ink, "mm")
    draw.rectangle([x0, y1 - fh * 0.07, x1, y1], fill=(*second, 255))
    org = words.brand(rng)
    draw_text(draw, (x0 + fw / 2, y1 - fh * 0.035), org, round(fh * 0.03), contrast(second), "mm")
    return layer


def draw_sticker(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A sheet of die-cut stickers: shapes with short texts."""
    w, h = size
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = fit_box(size, 1.3, fill=0.84)
    draw.rounded_rectangle([x0, y0, x1, y1], radius=16 * s, fill=(250, 250, 250, 255))
    sw, sh = x1 - x0, y1 - y0
    texts = list(words.SLOGANS) + [p[1] for p in words.TAGLINES]
    rng.shuffle(texts)
    shapes = ("circle", "star", "heart", "rounded", "circle", "rounded")
    i = 0
    for row in range(2):
        for col in range(3):
            cx = x0 + sw * (0.18 + col * 0.32)
            cy = y0 + sh * (0.27 + row * 0.47)
            r = min(sw, sh) * 0.17
            color = pick(rng, exclude=((235, 235, 230),))
            shape = shapes[(i + rng.randrange(6)) % 6]
            cut = (210, 210, 210, 255)
            if shape == "circle":
                draw.ellipse([cx - r - 4, cy - r - 4, cx + r + 4, cy + r + 4], outline=cut)
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(*color, 255))
            elif shape == "star":
                draw.polygon(star(cx, cy, r * 1.15, r * 0.65), fill=(*color, 255))
            elif shape == "heart":
                draw.polygon(heart(cx, cy, r * 1.05), fill=(*color, 255))
            else:
                draw.rounded_rectangle([cx - r * 1.2, cy - r * 0.7, cx + r * 1.2, cy + r * 0.7],
                                       radius=r * 0.3, fill=(*color, 255), outline=cut)
            text = texts[i % len(texts)]
            lines = wrap(text, round(r * 0.3), r * 1.3)[:2]
            for j, line in enumerate(lines):
                dy = (j - (len(lines) - 1) / 2) * r * 0.38
                draw_text(draw, (cx, cy + dy), line, fit_size(line, r * 1.3, round(r * 0.3)),
                          contrast(color), "mm")
            i += 1
    draw_text(draw, (x1 - sw * 0.02, y1 - sh * 0.015), words.brand(rng) + " Sticker",
              max(7, round(sh * 0.03)), (120, 120, 120), "rd")
    return layer


def draw_ticket(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A transport or entry ticket with a stub, perforation, dates and a barcode."""
    w, h = size
    s = scale_of(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = fit_box(size, 2.3, fill=0.88)
    paper = rng.choice(((250, 248, 240), (235, 245, 250), (252, 236, 210)))
    draw.rounded_rectangle([x0, y0, x1, y1], radius=12 * s, fill=(*paper, 255))
    tw, th = x1 - x0, y1 - y0
    accent = pick_contrasting(rng, paper)
    draw.rectangle([x0, y0 + th * 0.12, x1, y0 + th * 0.3], fill=(*accent, 255))
    stub = x0 + tw * 0.74
    for hole in range(int(y0 + 4), int(y1 - 4), max(4, round(12 * s))):
        draw.ellipse([stub - 3 * s, hole, stub + 3 * s, hole + 6 * s],
                     fill=(*shade(paper, 0.75), 255))
    lang = rng.randrange(len(words.TICKET_WORDS))
    _, kind, valid = words.TICKET_WORDS[lang]
    company = words.brand(rng)
    draw_text(draw, (x0 + tw * 0.04, y0 + th * 0.21), f"{company} · {kind}",
              fit_size(f"{company} · {kind}", tw * 0.66, round(th * 0.12)), contrast(accent), "lm")
    ink = (30, 30, 35)
    zone = rng.choice(("A", "AB", "1-2", "ABC"))
    price = f"{rng.randint(1, 9)},{rng.choice(('00', '20', '50', '90'))}"
    rows = (
        (f"Zone {zone}", f"{price} {rng.choice(('EUR', 'zł', 'Kč', 'kr'))}"),
        (f"{valid} {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2025)}",
         f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"),
        (f"Nr {rng.randint(100000, 999999)}", f"#{rng.randint(1, 999):03d}"),
    )
    y = y0 + th * 0.42
    text_px = max(8, round(th * 0.075))
    for left, right in rows:
        draw_text(draw, (x0 + tw * 0.04, y), left, text_px, ink, "la")
        draw_text(draw, (stub - tw * 0.04, y), right, text_px, ink, "ra")
        y += th * 0.15
    module = max(1, int(th * 0.55 / 117))
    bx = stub + tw * 0.03
    barcode_on(layer, words.ean_digits(rng), (bx, y0 + th * 0.36), module, rotate=90)
    return layer
