"""Backgrounds and the "cropped photo" finish for the demo images (Django-free).

An object is drawn on a transparent RGBA layer; `compose` puts it on a table, floor or fabric
background with a soft shadow, uneven light, a slight tilt, sensor noise and a little blur.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
BACKGROUNDS = ("wood", "tiles", "fabric", "carpet", "concrete")


def jitter(rng: random.Random, color: RGB, amount: int = 18) -> RGB:
    r, g, b = (max(0, min(255, c + rng.randint(-amount, amount))) for c in color)
    return (r, g, b)


def shade(color: RGB, factor: float) -> RGB:
    r, g, b = (max(0, min(255, round(c * factor))) for c in color)
    return (r, g, b)


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(32))


def _smooth_noise(gen: np.random.Generator, size: tuple[int, int], cells: tuple[int, int]
                  ) -> np.ndarray:
    """Low-frequency noise in [0, 1] of shape (h, w): a small random grid scaled up."""
    small = Image.fromarray((gen.random((cells[1], cells[0])) * 255).astype(np.uint8), "L")
    big = small.resize(size, Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=np.float32) / 255.0


def background_wood(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    gen = _np_rng(rng)
    base = np.array(jitter(rng, rng.choice([(150, 105, 65), (184, 140, 92), (110, 75, 50),
                                            (200, 170, 125)]), 12), dtype=np.float32)
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    warp = _smooth_noise(gen, size, (6, 4)) * 40.0
    freq = rng.uniform(0.05, 0.11)
    grain = np.sin((ys + warp + xs * 0.01) * freq) * 0.5 + 0.5
    fine = gen.random((h, 1), dtype=np.float32) * 0.6 + _smooth_noise(gen, size, (3, 60)) * 0.4
    tone = 0.82 + grain * 0.12 + fine * 0.1
    plank = rng.randint(140, 260)
    seams = (ys.astype(np.int32) % plank) < 2
    tone = np.where(seams, tone * 0.55, tone)
    arr = base[None, None, :] * tone[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def background_tiles(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    gen = _np_rng(rng)
    base = jitter(rng, rng.choice([(205, 200, 190), (180, 185, 188), (220, 212, 198)]), 10)
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    tile = rng.randint(180, 320)
    grout = shade(base, 0.7)
    for x in range(rng.randint(0, tile), w, tile):
        draw.line([(x, 0), (x, h)], fill=grout, width=4)
    for y in range(rng.randint(0, tile), h, tile):
        draw.line([(0, y), (w, y)], fill=grout, width=4)
    mottle = 0.93 + _smooth_noise(gen, size, (40, 30)) * 0.1
    arr = np.asarray(image, dtype=np.float32) * mottle[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def background_fabric(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    gen = _np_rng(rng)
    base = np.array(jitter(rng, rng.choice([(70, 80, 110), (120, 60, 60), (90, 110, 90),
                                            (150, 150, 155), (60, 60, 65)]), 10),
                    dtype=np.float32)
    ys = np.arange(h)[:, None]
    xs = np.arange(w)[None, :]
    weave = ((xs // 2 + ys // 2) % 2).astype(np.float32) * 0.06
    folds = _smooth_noise(gen, size, (5, 3)) * 0.35
    tone = 0.8 + weave + folds - gen.random((h, w), dtype=np.float32) * 0.05
    arr = base[None, None, :] * tone[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def background_carpet(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    gen = _np_rng(rng)
    base = np.array(jitter(rng, rng.choice([(110, 100, 90), (80, 90, 100), (140, 120, 95)]), 10),
                    dtype=np.float32)
    speck = gen.random((h // 2, w // 2), dtype=np.float32)
    speck_img = Image.fromarray((speck * 255).astype(np.uint8), "L").resize(size)
    tone = 0.75 + np.asarray(speck_img, dtype=np.float32) / 255.0 * 0.3
    tone += _smooth_noise(gen, size, (8, 6)) * 0.1
    arr = base[None, None, :] * tone[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def background_concrete(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    gen = _np_rng(rng)
    grey = rng.randint(120, 175)
    tone = 0.85 + _smooth_noise(gen, size, (30, 22)) * 0.12 + _smooth_noise(gen, size, (4, 3)) * 0.1
    tone -= gen.random((h, w), dtype=np.float32) * 0.08
    arr = np.array([grey, grey - 2, grey - 6], dtype=np.float32)[None, None, :] * tone[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


_BACKGROUND_FUNCS = {
    "wood": background_wood, "tiles": background_tiles, "fabric": background_fabric,
    "carpet": background_carpet, "concrete": background_concrete,
}


def background(rng: random.Random, size: tuple[int, int], kind: str | None = None) -> Image.Image:
    kind = kind or rng.choice(BACKGROUNDS)
    return _BACKGROUND_FUNCS[kind](rng, size)


def new_layer(size: tuple[int, int]) -> Image.Image:
    return Image.new("RGBA", size, (0, 0, 0, 0))


def _lighting(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A soft directional light with vignetting, values around 1 (computed small, scaled up)."""
    w, h = size
    sw, sh = max(2, w // 16), max(2, h // 16)
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    nx, ny = xs / sw - 0.5, ys / sh - 0.5
    directional = 1.0 + (nx * np.cos(angle) + ny * np.sin(angle)) * rng.uniform(0.15, 0.3)
    vignette = 1.0 - (nx * nx + ny * ny) * rng.uniform(0.3, 0.6)
    small = Image.fromarray(np.asarray(directional * vignette * 200.0, dtype=np.float32), "F")
    return np.asarray(small.resize(size, Image.Resampling.BILINEAR), dtype=np.float32) / 200.0


@lru_cache(maxsize=4)
def _noise_tile(size: tuple[int, int]) -> np.ndarray:
    """Sensor-like noise, made once per size (fixed seed) and shifted per image."""
    gen = np.random.default_rng(20260)
    return gen.normal(0.0, 1.0, size=(size[1], size[0])).astype(np.float32)


def _tilt(rng: random.Random, layer: Image.Image, tilt: float) -> Image.Image:
    """Rotate the object (only its bounding box, for speed) by a small angle."""
    angle = rng.uniform(-tilt, tilt)
    bbox = layer.getchannel("A").getbbox()
    if not bbox:
        return layer
    pad = 4
    box = (max(0, bbox[0] - pad), max(0, bbox[1] - pad),
           min(layer.width, bbox[2] + pad), min(layer.height, bbox[3] + pad))
    part = layer.crop(box).rotate(angle, resample=Image.Resampling.BILINEAR, expand=True)
    cx = (box[0] + box[2]) / 2 + rng.uniform(-0.02, 0.02) * layer.width
    cy = (box[1] + box[3]) / 2 + rng.uniform(-0.02, 0.02) * layer.height
    out = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    out.paste(part, (round(cx - part.width / 2), round(cy - part.height / 2)), part)
    return out


def compose(rng: random.Random, layer: Image.Image, size: tuple[int, int],
            background_kind: str | None = None, tilt: float = 6.0, flat: bool = False
            ) -> Image.Image:
    """Put an RGBA object layer on a background and make the result look like a photo crop."""
    bg = background(rng, size, background_kind)
    if tilt:
        layer = _tilt(rng, layer, tilt)
    alpha = layer.getchannel("A")
    scale = max(0.25, min(size[0] / 1200, size[1] / 900))
    shadow = alpha.filter(ImageFilter.BoxBlur((5 if flat else 12) * scale))
    offset = (3, 4) if flat else (rng.randint(4, 14), rng.randint(6, 18))
    shadow = ImageChops.offset(shadow, round(offset[0] * scale), round(offset[1] * scale))
    strength = 0.35 if flat else 0.45
    shadow = shadow.point(lambda v: round(v * strength))
    bg = Image.composite(Image.new("RGB", size, (0, 0, 0)), bg, shadow)
    image = bg.convert("RGBA")
    image.alpha_composite(layer)
    out = np.asarray(image.convert("RGB"), dtype=np.float32)
    light = _lighting(rng, size)
    noise = np.roll(_noise_tile(size), (rng.randrange(size[1]), rng.randrange(size[0])), (0, 1))
    out *= light[..., None]
    out += (noise * rng.uniform(2.0, 5.0))[..., None]
    warm = np.array([1.0 + rng.uniform(-0.03, 0.04), 1.0, 1.0 + rng.uniform(-0.04, 0.02)],
                    dtype=np.float32)
    out *= warm[None, None, :]
    result = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")
    return result.filter(ImageFilter.BoxBlur(rng.uniform(0.4, 0.6)))
