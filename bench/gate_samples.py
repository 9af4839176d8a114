"""Generated sample crops for testing and benchmarking the safety gate (Django-free).

Test and benchmark tooling, not runtime code (it lived in traceobject/vision/ once): the
benchmarks import it as ``gate_samples``, the tests as ``bench.gate_samples``.

Only *generated* images live here: object-only crops drawn with Pillow (cartons, bags,
labels, towels, T-shirt prints, bottles, barcodes, text, patterns, in colours that
include skin-like beige, tan, peach, pink, brown and orange), photographed-looking
through lighting gradients, sensor noise, blur and JPEG re-encoding.

Crops *with* a person are made by pasting a face onto a generated object image
(:func:`paste_face`). The faces come from the caller; the tests and the benchmark use
the 100 face images that scikit-image ships (``skimage.data.lfw_subset()``, loaded by
:func:`lfw_faces`), never any other picture of a real person.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = [
    "EDGE_POSITIONS",
    "POSITIONS",
    "ASTRONAUT_FACE",
    "SKIN_LIKE",
    "FacePlacement",
    "astronaut_crops",
    "face_crops",
    "lfw_faces",
    "object_image",
    "object_images",
    "paste_face",
]

RGB = tuple[int, int, int]

#: Product colours that fall inside common skin-colour rules (the hard cases).
SKIN_LIKE: Final[tuple[RGB, ...]] = (
    (222, 196, 160),  # beige
    (210, 180, 140),  # tan
    (200, 160, 110),  # cardboard
    (255, 218, 185),  # peach
    (255, 192, 203),  # pink
    (232, 150, 150),  # rose
    (160, 110, 70),  # light brown
    (120, 80, 50),  # brown
    (235, 140, 60),  # orange
    (245, 222, 179),  # wheat
)
_OTHER: Final[tuple[RGB, ...]] = (
    (30, 60, 160),
    (20, 120, 60),
    (200, 30, 40),
    (250, 220, 40),
    (240, 240, 240),
    (30, 30, 30),
    (120, 120, 130),
    (90, 40, 120),
    (0, 150, 170),
    (170, 200, 90),
    (255, 120, 0),
    (110, 60, 30),
)
_WORDS: Final[tuple[str, ...]] = (
    "MADE IN",
    "100% COTTON",
    "BIO",
    "LOT 42",
    "HOTEL",
    "SALE",
    "EXPORT",
    "NET 500g",
    "KAFFEE",
    "LECHE",
    "MLEKO",
    "SUPER",
    "EAN",
    "CE",
    "WASH 40",
    "BEST BEFORE",
    "OKO",
    "ZYWIEC",
    "KIDS",
    "SHOP",
    "TOYS",
    "FRESH",
    "XL",
    "ORIGINAL",
)

#: Where a pasted face goes; the ``edge-*`` ones leave half of the face outside the crop.
POSITIONS: Final[tuple[str, ...]] = (
    "center",
    "inside",
    "edge-left",
    "edge-right",
    "edge-top",
    "edge-bottom",
    "corner",
)
EDGE_POSITIONS: Final[frozenset[str]] = frozenset(p for p in POSITIONS if p.startswith("edge"))


def _colour(rng: random.Random, skin_bias: float = 0.4) -> RGB:
    base = rng.choice(SKIN_LIKE) if rng.random() < skin_bias else rng.choice(_OTHER)
    return tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in base)  # type: ignore[return-value]


def _shade(c: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, int(v * f))) for v in c)  # type: ignore[return-value]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


# --------------------------------------------------------------------------- backgrounds


def _background(rng: random.Random, w: int, h: int) -> Image.Image:
    kind = rng.choice(["plain", "wood", "checks", "stripes", "noise", "tiles"])
    c1, c2 = _colour(rng, 0.35), _colour(rng, 0.35)
    img = Image.new("RGB", (w, h), c1)
    d = ImageDraw.Draw(img)
    if kind == "wood":
        y = 0
        while y < h:
            t = rng.randint(2, 9)
            d.rectangle((0, y, w, y + t), fill=_shade(c1, rng.uniform(0.8, 1.1)))
            y += t
    elif kind == "checks":
        s = rng.randint(12, 48)
        for yy in range(0, h, s):
            for xx in range(0, w, s):
                if (xx // s + yy // s) % 2:
                    d.rectangle((xx, yy, xx + s, yy + s), fill=c2)
    elif kind == "stripes":
        s = rng.randint(6, 40)
        for xx in range(-h, w, 2 * s):
            d.polygon([(xx, 0), (xx + s, 0), (xx + s + h, h), (xx + h, h)], fill=c2)
    elif kind == "noise":
        arr = np.asarray(img, dtype=np.float32)
        nr = np.random.default_rng(rng.randint(0, 2**31))
        small = nr.normal(0, 25, (h // 8 + 1, w // 8 + 1, 1)).astype(np.float32)
        big = np.asarray(
            Image.fromarray(np.clip(small[:, :, 0] + 128, 0, 255).astype(np.uint8)).resize(
                (w, h), Image.Resampling.BICUBIC
            ),
            dtype=np.float32,
        )[:, :, None]
        img = Image.fromarray(np.clip(arr + big - 128, 0, 255).astype(np.uint8))
    elif kind == "tiles":
        s = rng.randint(30, 80)
        for yy in range(0, h, s):
            for xx in range(0, w, s):
                d.rectangle(
                    (xx, yy, xx + s - 3, yy + s - 3), fill=_shade(c1, rng.uniform(0.9, 1.05))
                )
        for yy in range(0, h, s):
            d.rectangle((0, yy + s - 3, w, yy + s), fill=c2)
        for xx in range(0, w, s):
            d.rectangle((xx + s - 3, 0, xx + s, h), fill=c2)
    return img


# --------------------------------------------------------------------------- objects


def _text_block(
    rng: random.Random, d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: RGB
) -> None:
    x0, y0, x1, y1 = box
    y = y0 + 4
    while y < y1 - 8:
        size = rng.randint(9, max(10, min(40, (y1 - y0) // 3)))
        d.text((x0 + 4, y), rng.choice(_WORDS), fill=colour, font=_font(size))
        y += size + rng.randint(2, 8)


def _barcode(rng: random.Random, d: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    d.rectangle(box, fill=(250, 250, 250))
    x = x0 + 4
    while x < x1 - 6:
        bw = rng.choice([1, 1, 2, 3])
        if rng.random() < 0.5:
            d.rectangle((x, y0 + 3, x + bw - 1, y1 - 12), fill=(10, 10, 10))
        x += bw
    d.text(
        (x0 + 4, y1 - 11),
        "".join(rng.choice("0123456789") for _ in range(13)),
        fill=(10, 10, 10),
        font=_font(9),
    )


def _pattern(
    rng: random.Random, d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: RGB
) -> None:
    x0, y0, x1, y1 = box
    kind = rng.choice(["dots", "stripes", "grid", "zigzag"])
    s = rng.randint(6, 20)
    if kind == "dots":
        for yy in range(y0, y1, s * 2):
            for xx in range(x0, x1, s * 2):
                d.ellipse((xx, yy, xx + s, yy + s), fill=colour)
    elif kind == "stripes":
        for yy in range(y0, y1, s * 2):
            d.rectangle((x0, yy, x1, min(y1, yy + s)), fill=colour)
    elif kind == "grid":
        for yy in range(y0, y1, s):
            d.line((x0, yy, x1, yy), fill=colour, width=2)
        for xx in range(x0, x1, s):
            d.line((xx, y0, xx, y1), fill=colour, width=2)
    else:
        pts = [(xx, y0 + (s if (xx // s) % 2 else 0) + (y1 - y0) // 2) for xx in range(x0, x1, s)]
        if len(pts) > 1:
            d.line(pts, fill=colour, width=3)


def _draw_object(rng: random.Random, img: Image.Image) -> None:
    w, h = img.size
    d = ImageDraw.Draw(img)
    ow, oh = int(w * rng.uniform(0.3, 0.85)), int(h * rng.uniform(0.3, 0.85))
    x0, y0 = rng.randint(-ow // 5, w - ow * 4 // 5), rng.randint(-oh // 5, h - oh * 4 // 5)
    x1, y1 = x0 + ow, y0 + oh
    c = _colour(rng)
    ink = _colour(rng, 0.1)
    kind = rng.choice(["box", "bag", "label", "tshirt", "bottle", "towel", "toy"])
    if kind == "box":
        depth = rng.randint(8, max(9, ow // 4))
        d.polygon(
            [(x0, y0), (x0 + depth, y0 - depth), (x1 + depth, y0 - depth), (x1, y0)],
            fill=_shade(c, 1.12),
        )
        d.polygon(
            [(x1, y0), (x1 + depth, y0 - depth), (x1 + depth, y1 - depth), (x1, y1)],
            fill=_shade(c, 0.75),
        )
        d.rectangle((x0, y0, x1, y1), fill=c)
        if rng.random() < 0.6:
            d.rectangle((x0 + ow // 2 - 6, y0, x0 + ow // 2 + 6, y1), fill=_shade(c, 0.9))  # tape
        _text_block(rng, d, (x0 + 6, y0 + 6, x1 - 6, y0 + oh // 2), ink)
        if rng.random() < 0.5:
            _barcode(rng, d, (x1 - min(110, ow // 2), y1 - 50, x1 - 6, y1 - 6))
    elif kind == "bag":
        d.polygon(
            [(x0 + ow // 10, y0 + oh // 5), (x1 - ow // 10, y0 + oh // 5), (x1, y1), (x0, y1)],
            fill=c,
        )
        hw = max(3, ow // 20)
        d.arc(
            (x0 + ow // 4, y0, x1 - ow // 4, y0 + oh // 2), 180, 360, fill=_shade(c, 0.6), width=hw
        )
        _pattern(rng, d, (x0 + ow // 6, y0 + oh // 3, x1 - ow // 6, y1 - oh // 6), ink)
        d.text(
            (x0 + ow // 5, y0 + oh // 2),
            rng.choice(_WORDS),
            fill=ink,
            font=_font(rng.randint(14, 40)),
        )
    elif kind == "label":
        d.rounded_rectangle(
            (x0, y0, x1, y1),
            radius=rng.randint(0, 30),
            fill=c,
            outline=ink,
            width=rng.randint(1, 5),
        )
        _text_block(rng, d, (x0 + 8, y0 + 8, x1 - 8, y1 - 8), ink)
        if rng.random() < 0.7:
            _barcode(rng, d, (x0 + 10, y1 - 60, x0 + 10 + min(140, ow - 20), y1 - 8))
    elif kind == "tshirt":
        sl = ow // 4
        d.polygon(
            [
                (x0 + sl, y0),
                (x1 - sl, y0),
                (x1, y0 + oh // 4),
                (x1 - sl // 2, y0 + oh // 3),
                (x1 - sl // 2, y1),
                (x0 + sl // 2, y1),
                (x0 + sl // 2, y0 + oh // 3),
                (x0, y0 + oh // 4),
            ],
            fill=c,
        )
        # the neckline: a darker cut-out below the top edge (nothing sticks out like a head)
        d.chord(
            (x0 + ow // 2 - ow // 10, y0 - oh // 12, x0 + ow // 2 + ow // 10, y0 + oh // 12),
            0,
            180,
            fill=_shade(c, 0.7),
        )
        cx, cy = x0 + ow // 2, y0 + oh // 2
        r = min(ow, oh) // 6
        if rng.random() < 0.5:
            d.regular_polygon((cx, cy, r), rng.randint(3, 8), fill=ink)
        else:
            _pattern(rng, d, (cx - r * 2, cy - r, cx + r * 2, cy + r), ink)
        d.text((cx - r * 2, cy + r + 4), rng.choice(_WORDS), fill=ink, font=_font(max(10, r // 2)))
    elif kind == "bottle":
        bw = max(20, ow // 3)
        bx = x0 + ow // 2 - bw // 2
        d.rectangle((bx + bw // 3, y0, bx + 2 * bw // 3, y0 + oh // 6), fill=_shade(c, 0.6))
        d.rounded_rectangle((bx, y0 + oh // 6, bx + bw, y1), radius=bw // 4, fill=c)
        d.rectangle((bx, y0 + oh // 3, bx + bw, y0 + 2 * oh // 3), fill=_colour(rng, 0.2))
        d.text(
            (bx + 4, y0 + oh // 3 + 6), rng.choice(_WORDS), fill=ink, font=_font(max(9, bw // 5))
        )
    elif kind == "towel":
        d.rectangle((x0, y0, x1, y1), fill=c)
        s = rng.randint(6, 24)
        for yy in range(y0 + s, y1 - s, s * 3):
            d.rectangle((x0, yy, x1, yy + s), fill=_shade(ink, 1.0))
        for yy in range(y0, y1, 3):
            d.line((x0, yy, x1, yy), fill=_shade(c, 0.93))
    else:  # toy: a few primitive shapes
        for _ in range(rng.randint(2, 5)):
            r = rng.randint(10, max(11, min(ow, oh) // 3))
            cx, cy = rng.randint(x0, x1), rng.randint(y0, y1)
            col = _colour(rng)
            if rng.random() < 0.5:
                d.ellipse(
                    (cx - r, cy - r, cx + r, cy + r), fill=col, outline=_shade(col, 0.6), width=2
                )
            else:
                d.rectangle((cx - r, cy - r, cx + r, cy + r // 2), fill=col)


def _photograph(rng: random.Random, img: Image.Image) -> Image.Image:
    """Lighting gradient, sensor noise, maybe blur, JPEG re-encoding."""
    w, h = img.size
    arr = np.asarray(img, dtype=np.float32)
    gx = np.linspace(rng.uniform(0.75, 1.05), rng.uniform(0.85, 1.1), w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.8, 1.05), rng.uniform(0.85, 1.1), h, dtype=np.float32)
    arr = arr * (gy[:, None] * gx[None, :])[:, :, None]
    nr = np.random.default_rng(rng.randint(0, 2**31))
    arr += nr.normal(0, rng.uniform(1.0, 6.0), arr.shape).astype(np.float32)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.3:
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randint(60, 95))
    buf.seek(0)
    with Image.open(buf) as reopened:
        return reopened.convert("RGB")


def object_image(seed: int, size: tuple[int, int] | None = None) -> npt.NDArray[np.uint8]:
    """One generated object-only crop (RGB uint8), deterministic in ``seed``."""
    rng = random.Random(seed)  # noqa: S311  (test pictures, not secrets)
    w, h = size or (rng.randint(224, 480), rng.randint(224, 480))
    img = _background(rng, w, h)
    for _ in range(rng.randint(1, 3)):
        _draw_object(rng, img)
    return np.ascontiguousarray(np.asarray(_photograph(rng, img), dtype=np.uint8))


def object_images(n: int, start: int = 0) -> Iterator[npt.NDArray[np.uint8]]:
    for seed in range(start, start + n):
        yield object_image(seed)


# --------------------------------------------------------------------------- faces


def lfw_faces() -> npt.NDArray[np.uint8]:
    """The 100 faces of ``skimage.data.lfw_subset()`` as (100, 25, 25) uint8 grey.

    scikit-image is a development dependency; it ships these images in its wheel.
    """
    from skimage import data  # noqa: PLC0415  (dev-only dependency)

    faces = data.lfw_subset()[:100]
    return np.clip(np.rint(faces * 255.0), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class FacePlacement:
    scale: int
    position: str
    box: tuple[int, int, int, int]  # x, y, w, h of the pasted face, clipped to the crop


def paste_face(
    background: npt.NDArray[np.uint8],
    face: npt.NDArray[np.uint8],
    *,
    scale: int,
    position: str,
    seed: int = 0,
) -> tuple[npt.NDArray[np.uint8], FacePlacement]:
    """Paste ``face`` (grey (h, w) or RGB) resized to ``scale`` px onto ``background``.

    ``edge-*`` positions put half of the face outside the crop; ``corner`` puts a
    quarter of its width and a quarter of its height outside (about 56 % stays inside).
    """
    rng = random.Random(seed)  # noqa: S311  (test pictures, not secrets)
    bg = Image.fromarray(background)
    w, h = bg.size
    src = Image.fromarray(face).convert("RGB").resize((scale, scale), Image.Resampling.BICUBIC)
    half = scale // 2
    quarter = scale // 4
    if position == "center":
        x, y = (w - scale) // 2, (h - scale) // 2
    elif position == "inside":
        x, y = rng.randint(0, max(0, w - scale)), rng.randint(0, max(0, h - scale))
    elif position == "edge-left":
        x, y = -half, rng.randint(0, max(0, h - scale))
    elif position == "edge-right":
        x, y = w - half, rng.randint(0, max(0, h - scale))
    elif position == "edge-top":
        x, y = rng.randint(0, max(0, w - scale)), -half
    elif position == "edge-bottom":
        x, y = rng.randint(0, max(0, w - scale)), h - half
    elif position == "corner":
        x, y = (
            rng.choice([-quarter, w - scale + quarter]),
            rng.choice([-quarter, h - scale + quarter]),
        )
    else:
        raise ValueError(f"unknown position {position!r}")
    bg.paste(src, (x, y))
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + scale), min(h, y + scale)
    out = np.ascontiguousarray(np.asarray(bg, dtype=np.uint8))
    return out, FacePlacement(scale, position, (x0, y0, x1 - x0, y1 - y0))


def face_crops(
    faces: npt.NDArray[np.uint8],
    *,
    scales: tuple[int, ...] = (40, 80, 160),
    positions: tuple[str, ...] = POSITIONS,
    every: bool = True,
    seed: int = 1000,
) -> Iterator[tuple[int, npt.NDArray[np.uint8], FacePlacement]]:
    """Crops with a face: each face on its own generated object background.

    ``every``: each face at every scale x position; otherwise each face once, the
    (scale, position) pairs taken in turn, so every pair is covered by the set.
    """
    combos = [(s, p) for s in scales for p in positions]
    for i, face in enumerate(faces):
        chosen = combos if every else [combos[i % len(combos)]]
        for j, (scale, position) in enumerate(chosen):
            k = seed + i * len(combos) + j
            bg = object_image(
                k, (max(224, scale + 64), max(224, scale + 64)) if scale > 200 else None
            )
            crop, placement = paste_face(bg, face, scale=scale, position=position, seed=k)
            yield i, crop, placement


#: Where the face is in ``skimage.data.astronaut()`` (x, y, w, h), as BlazeFace boxes it.
ASTRONAUT_FACE: Final = (171, 72, 109, 109)


def astronaut_crops(
    n: int, seed: int = 0
) -> Iterator[tuple[npt.NDArray[np.uint8], float, tuple[int, int, int, int]]]:
    """Crops of ``skimage.data.astronaut()`` holding at least half of her face.

    Yields (crop, fraction of the face box inside the crop, the crop's box x, y, w, h
    in the photo). Sizes 96..400 px, any aspect ratio up to 2:1, the face anywhere,
    often cut by the crop edge.
    """
    from skimage import data  # noqa: PLC0415  (dev-only dependency)

    image = data.astronaut()
    height, width = image.shape[:2]
    fx, fy, fw, fh = ASTRONAUT_FACE
    rng = random.Random(seed)  # noqa: S311  (test pictures, not secrets)
    made = 0
    while made < n:
        cw, ch = rng.randint(96, 400), rng.randint(96, 400)
        if max(cw, ch) > 2 * min(cw, ch):
            continue
        x0 = rng.randint(max(0, fx - cw + fw // 4), min(width - cw, fx + fw - fw // 4))
        y0 = rng.randint(max(0, fy - ch + fh // 4), min(height - ch, fy + fh - fh // 4))
        ix = max(0, min(x0 + cw, fx + fw) - max(x0, fx))
        iy = max(0, min(y0 + ch, fy + fh) - max(y0, fy))
        frac = ix * iy / (fw * fh)
        if frac < 0.5:
            continue
        made += 1
        yield np.ascontiguousarray(image[y0 : y0 + ch, x0 : x0 + cw]), frac, (x0, y0, cw, ch)
