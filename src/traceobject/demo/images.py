"""Generated demo pictures of harmless objects, drawn with Pillow (Django-free).

No photos and no people: every picture is an object (clothing, packaging, toys, textiles,
printed matter, ...) drawn on a table, floor or fabric background and finished to resemble a
cropped photo. Everything is parametrised by a seed, so the same (kind, seed) gives the same
image.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image

from traceobject.demo.barcode import ean13_image
from traceobject.demo.draw_clothing import draw_tshirt
from traceobject.demo.draw_containers import draw_bottle, draw_jar, draw_mug
from traceobject.demo.draw_packaging import draw_carton, draw_label, draw_shop_bag
from traceobject.demo.draw_printed import draw_flyer, draw_sticker, draw_ticket
from traceobject.demo.draw_textiles import draw_bedding, draw_curtain, draw_towel
from traceobject.demo.draw_toys import draw_bear, draw_blocks, draw_toy_car
from traceobject.demo.scene import compose

__all__ = ["KINDS", "detail_crop", "draw_object", "ean13_image"]

Drawer = Callable[[random.Random, tuple[int, int]], Image.Image]

# kind -> (drawing function, backgrounds it may lie on, flat object?)
_KINDS: dict[str, tuple[Drawer, tuple[str, ...], bool]] = {
    "tshirt": (draw_tshirt, ("wood", "carpet", "tiles", "concrete"), True),
    "carton": (draw_carton, ("wood", "concrete", "tiles"), False),
    "label": (draw_label, ("wood", "concrete", "fabric"), True),
    "shop_bag": (draw_shop_bag, ("tiles", "concrete", "carpet", "wood"), False),
    "bottle": (draw_bottle, ("wood", "tiles", "concrete"), False),
    "jar": (draw_jar, ("wood", "fabric", "tiles"), False),
    "mug": (draw_mug, ("wood", "fabric", "concrete"), False),
    "bear": (draw_bear, ("carpet", "wood", "fabric"), False),
    "toy_car": (draw_toy_car, ("wood", "carpet", "tiles"), False),
    "blocks": (draw_blocks, ("wood", "carpet"), False),
    "towel": (draw_towel, ("tiles", "wood", "concrete"), True),
    "bedding": (draw_bedding, ("wood", "carpet"), True),
    "curtain": (draw_curtain, ("concrete",), True),
    "flyer": (draw_flyer, ("wood", "concrete", "fabric"), True),
    "sticker": (draw_sticker, ("wood", "fabric", "concrete"), True),
    "ticket": (draw_ticket, ("wood", "fabric", "carpet"), True),
}

KINDS: tuple[str, ...] = tuple(_KINDS)
# Objects that fill the frame are tilted less, so no corner of the background shows.
_TILT = {"curtain": 0.0, "bedding": 1.5}


def draw_object(kind: str, seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """An RGB picture of an object of `kind`, the same for the same seed and size."""
    if kind not in _KINDS:
        raise ValueError(f"Unknown kind {kind!r}; choose from {', '.join(KINDS)}.")
    width, height = int(size[0]), int(size[1])
    if width < 16 or height < 16:
        raise ValueError("The image must be at least 16x16 pixels.")
    rng = random.Random(f"{kind}:{seed}")  # noqa: S311 - pictures, not secrets
    drawer, backgrounds, flat = _KINDS[kind]
    layer = drawer(rng, (width, height))
    return compose(rng, layer, (width, height), rng.choice(backgrounds),
                   tilt=_TILT.get(kind, 6.0), flat=flat)


def detail_crop(image: Image.Image, seed: int, zoom: float = 2.0) -> Image.Image:
    """A zoomed-in part of `image` (same size), as if cropped from a larger photo."""
    rng = random.Random(f"detail:{seed}")  # noqa: S311 - pictures, not secrets
    width, height = image.size
    cw, ch = max(1, round(width / zoom)), max(1, round(height / zoom))
    # Stay near the middle, where the object is.
    x0 = round((width - cw) * rng.uniform(0.2, 0.8))
    y0 = round((height - ch) * rng.uniform(0.2, 0.8))
    part = image.crop((x0, y0, x0 + cw, y0 + ch))
    return part.resize((width, height), Image.Resampling.BICUBIC)
