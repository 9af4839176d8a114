"""Generated scenes for same-object search: objects planted in cluttered pictures.

An *object* is a flat textured thing (a poster, a label, a print, a logo): one of
scikit-image's bundled pictures that show no person (the cat, the coffee cup, the rocket,
coins, a printed page, a micrograph...) or a label, logo or print drawn with PIL from a
seed. ``object_texture(i)`` gives object ``i`` (the bundled ones first, then drawn ones,
as many as asked), ``object_textures(n)`` the first ``n``; the texture itself is the
natural query ("find this elsewhere").

``make_scene(texture, seed=..., scale=..., rotation=..., perspective=..., occlusion=...,
lighting=..., jpeg_quality=..., size=(W, H))`` composites the texture into a cluttered
background (a colour gradient, drawn shapes and words, warped pieces of drawn clutter
textures from a seed space of their own, so that no background ever contains a planted
object): scaled by ``scale`` (the object's size in the scene over the texture's own size,
0.3-2 in the planted sets), rotated by ``rotation`` degrees, its corners moved by up to
``perspective`` of its size, ``occlusion`` of it (a fraction) covered by a shape, lit
differently (``lighting``: a gain, applied as a gradient with a colour cast) and
re-compressed as JPEG. It returns the picture and the object's box in it (x, y, w, h);
``make_scene_full`` returns a ``Scene`` with the object's four corners in the scene as
well (where the texture's corners went), for tests of the geometry.

``distractor(seed, size)`` is a scene of the same kind without any object (it has warped
drawn labels of the clutter space, so that it is not trivially different).

``planted_set(n_objects, per_object, n_distractors, seed)`` yields ``(picture,
object_id or None)`` in a shuffled order, with random conditions per occurrence
(``random_conditions``); ``planted_item(i, ...)`` regenerates item ``i`` alone. Everything
is deterministic by seed (numpy's generators seeded with ``[seed, salt, index]``) and
cheap: a 480x360 scene takes a few milliseconds, so a benchmark can make 100,000 of them.

    python bench/object_scenes.py OUT_DIR [--objects 6] [--per-object 3] [--distractors 4]

writes a sample set as JPEG files to look at.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: The longer side of an object's texture (the query picture), in pixels.
OBJECT_SIDE = 200
#: Default scene size (width, height).
SCENE_SIZE = (480, 360)

#: scikit-image's bundled pictures used as objects (none shows a person), with the region
#: kept (fractions of the picture: left, top, right, bottom).
BUNDLED: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("chelsea", (0.0, 0.0, 1.0, 1.0)),
    ("coffee", (0.05, 0.0, 0.95, 1.0)),
    ("rocket", (0.2, 0.0, 0.8, 1.0)),
    ("coins", (0.0, 0.0, 1.0, 1.0)),
    ("page", (0.0, 0.0, 1.0, 1.0)),
    ("text", (0.0, 0.0, 1.0, 1.0)),
    ("logo", (0.0, 0.0, 1.0, 1.0)),
    ("hubble_deep_field", (0.2, 0.2, 0.7, 0.7)),
    ("immunohistochemistry", (0.0, 0.0, 1.0, 1.0)),
    ("retina", (0.15, 0.15, 0.85, 0.85)),
    ("gravel", (0.0, 0.0, 0.6, 0.6)),
    ("brick", (0.0, 0.0, 0.7, 0.5)),
    ("moon", (0.1, 0.1, 0.9, 0.9)),
)

_SALT_OBJECT, _SALT_CLUTTER, _SALT_SCENE, _SALT_SET, _SALT_ORDER = 1, 2, 3, 4, 5


class Box(NamedTuple):
    """An axis-aligned box in a picture's pixels."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class ObjectTexture:
    """One object: its id (index), a name, and its picture (RGB, longer side OBJECT_SIDE)."""

    id: int
    name: str
    image: Image.Image


@dataclass(frozen=True)
class Scene:
    """A generated scene: the picture, the object's box (None in a distractor), the four
    corners of the texture in the scene (top-left, top-right, bottom-right, bottom-left;
    may lie outside the picture), and the homography texture -> scene (3x3)."""

    image: Image.Image
    box: Box | None
    quad: np.ndarray | None
    homography: np.ndarray | None


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, salt: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, salt, int(index) & 0xFFFFFFFF])


@lru_cache(maxsize=64)
def _font(size: int) -> Any:
    return ImageFont.load_default(size=size)


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    c = rng.integers(lo, hi, 3)
    return int(c[0]), int(c[1]), int(c[2])


def _fit(image: Image.Image, side: int) -> Image.Image:
    w, h = image.size
    k = side / max(w, h)
    return image.resize((max(1, round(w * k)), max(1, round(h * k))), Image.Resampling.LANCZOS)


def _word(rng: np.random.Generator) -> str:
    """A random word: dictionary words would repeat across objects and clutter, and two
    pictures showing the same printed word do show the same thing."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return "".join(letters[int(i)] for i in rng.integers(0, len(letters), int(rng.integers(3, 8))))


def _bundled(name: str, region: tuple[float, float, float, float]) -> Image.Image:
    import skimage.data

    array = getattr(skimage.data, name)()
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    if array.ndim == 3 and array.shape[2] == 4:
        rgba = Image.fromarray(array, "RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    else:
        image = Image.fromarray(array).convert("RGB")
    w, h = image.size
    left, top, right, bottom = region
    image = image.crop((round(left * w), round(top * h), round(right * w), round(bottom * h)))
    return _fit(image, OBJECT_SIDE)


# --------------------------------------------------------------------------- drawn textures


def _draw_shape(draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, h: int,
                colour: tuple[int, int, int], big: float = 0.35) -> None:
    kind = int(rng.integers(5))
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    r = rng.uniform(0.03, big) * min(w, h)
    if kind == 0:
        draw.rectangle((cx - r, cy - r * rng.uniform(0.3, 1.5), cx + r, cy + r), fill=colour)
    elif kind == 1:
        draw.ellipse((cx - r, cy - r * rng.uniform(0.4, 1.0), cx + r, cy + r), fill=colour)
    elif kind == 2:
        n = int(rng.integers(3, 8))
        angles = np.sort(rng.uniform(0, 2 * math.pi, n))
        radii = r * rng.uniform(0.4, 1.0, n)
        draw.polygon([(cx + rr * math.cos(a), cy + rr * math.sin(a))
                      for a, rr in zip(angles, radii, strict=True)], fill=colour)
    elif kind == 3:
        x2, y2 = rng.uniform(0, w), rng.uniform(0, h)
        draw.line((cx, cy, x2, y2), fill=colour, width=int(rng.integers(1, 6)))
    else:
        points = 5 + int(rng.integers(4))
        star = []
        for k in range(points * 2):
            rr = r if k % 2 == 0 else r * 0.45
            a = k * math.pi / points + rng.uniform(-0.1, 0.1)
            star.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        draw.polygon(star, fill=colour)


def _draw_text(draw: ImageDraw.ImageDraw, rng: np.random.Generator, xy: tuple[float, float],
               size: int, colour: tuple[int, int, int], words: int = 1) -> None:
    text = " ".join(_word(rng) for _ in range(words))
    draw.text(xy, text, fill=colour, font=_font(max(6, size)))


def drawn_texture(seed: int, kind: str, *, side: int = OBJECT_SIDE,
                  salt: int = _SALT_OBJECT) -> Image.Image:
    """A label, logo or print drawn from ``seed`` (``kind``: "label", "logo" or "print")."""
    rng = _rng(seed, salt, {"label": 1, "logo": 2, "print": 3}[kind])
    aspect = rng.uniform(0.55, 1.0)
    w, h = (side, round(side * aspect)) if rng.random() < 0.5 else (round(side * aspect), side)
    background = _colour(rng, 120, 256) if kind != "print" else _colour(rng)
    image = Image.new("RGB", (w, h), background)
    draw = ImageDraw.Draw(image)
    if kind == "label":
        ink = _colour(rng, 0, 110)
        border = int(rng.integers(2, 8))
        draw.rectangle((border, border, w - border - 1, h - border - 1), outline=ink,
                       width=int(rng.integers(1, 4)))
        band = int(h * rng.uniform(0.18, 0.3))
        draw.rectangle((border, border, w - border, border + band), fill=_colour(rng, 0, 200))
        _draw_text(draw, rng, (border + 6, border + band * 0.15), int(band * 0.7),
                   _colour(rng, 200, 256))
        y = border + band + 6
        while y < h - 20:
            size = int(rng.integers(10, 22))
            _draw_text(draw, rng, (border + 6 + rng.uniform(0, w * 0.2), y), size, ink,
                       words=int(rng.integers(1, 4)))
            y += size + int(rng.integers(3, 10))
        for _ in range(int(rng.integers(1, 4))):
            _draw_shape(draw, rng, w, h, _colour(rng), big=0.15)
        # a barcode-like block with random bar widths
        x0, y0 = int(w * rng.uniform(0.5, 0.7)), int(h * rng.uniform(0.65, 0.8))
        y1 = max(y0, min(h - border - 2, int(y0 + h * 0.15)))
        x = x0
        while x < min(w - border - 4, x0 + w * 0.3):
            bar = int(rng.integers(1, 5))
            if rng.random() < 0.55:
                draw.rectangle((x, y0, x + bar - 1, y1), fill=ink)
            x += bar
    elif kind == "logo":
        for _ in range(int(rng.integers(4, 9))):
            _draw_shape(draw, rng, w, h, _colour(rng), big=0.4)
        for _ in range(int(rng.integers(1, 3))):
            _draw_text(draw, rng, (rng.uniform(0, w * 0.4), rng.uniform(0, h * 0.8)),
                       int(rng.integers(18, 40)), _colour(rng))
    else:  # a print: many shapes scattered without a period, a few words
        for _ in range(int(rng.integers(25, 50))):
            _draw_shape(draw, rng, w, h, _colour(rng), big=0.18)
        for _ in range(int(rng.integers(0, 3))):
            _draw_text(draw, rng, (rng.uniform(0, w * 0.6), rng.uniform(0, h * 0.9)),
                       int(rng.integers(12, 28)), _colour(rng))
    return image


@lru_cache(maxsize=512)
def _clutter_texture(index: int) -> np.ndarray:
    """Clutter texture ``index`` of a pool of 512 (the clutter seed space, never an object)."""
    kind = ("label", "logo", "print")[index % 3]
    return np.asarray(drawn_texture(index, kind, side=160, salt=_SALT_CLUTTER))


@lru_cache(maxsize=4096)
def object_texture(index: int) -> ObjectTexture:
    """Object ``index``: the bundled pictures first, then drawn labels, logos and prints."""
    if index < 0:
        raise ValueError("object index must be >= 0")
    if index < len(BUNDLED):
        name, region = BUNDLED[index]
        return ObjectTexture(index, name, _bundled(name, region))
    kind = ("label", "logo", "print")[(index - len(BUNDLED)) % 3]
    return ObjectTexture(index, f"{kind}-{index}", drawn_texture(index, kind))


def object_textures(n: int | None = None) -> list[ObjectTexture]:
    """The first ``n`` objects (default: the bundled ones and as many drawn ones)."""
    return [object_texture(i) for i in range(2 * len(BUNDLED) if n is None else n)]


# --------------------------------------------------------------------------- scenes


def _background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A cluttered RGB background (uint8 H x W x 3)."""
    w, h = size
    grid = rng.integers(40, 230, (int(rng.integers(2, 5)), int(rng.integers(2, 5)), 3))
    base = cv2.resize(grid.astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(12, 35))):
        _draw_shape(draw, rng, w, h, _colour(rng), big=0.25)
    for _ in range(int(rng.integers(1, 6))):
        _draw_text(draw, rng, (rng.uniform(-20, w * 0.8), rng.uniform(-5, h * 0.9)),
                   int(rng.integers(10, 36)), _colour(rng), words=int(rng.integers(1, 3)))
    out = np.asarray(image).copy()
    # a few warped pieces of clutter textures (their own seed space: never an object)
    for _ in range(int(rng.integers(0, 3))):
        piece = _clutter_texture(int(rng.integers(512)))
        _paste(out, piece, _placement(rng, piece.shape[1], piece.shape[0], size,
                                      rng.uniform(0.3, 1.0), rng.uniform(-180, 180),
                                      rng.uniform(0, 0.2)))
    return out


def _placement(rng: np.random.Generator, tw: int, th: int, size: tuple[int, int],
               scale: float, rotation: float, perspective: float) -> np.ndarray:
    """The homography (3x3) putting a tw x th texture into a scene of ``size``."""
    w, h = size
    corners = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float64)
    centred = (corners - [tw / 2, th / 2]) * scale
    a = math.radians(rotation)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    quad = centred @ rot.T
    extent = max(tw, th) * scale
    quad += rng.uniform(-perspective, perspective, (4, 2)) * extent
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    span = hi - lo
    cx = rng.uniform(-lo[0], w - hi[0]) if span[0] < w else (w - lo[0] - hi[0]) / 2
    cy = rng.uniform(-lo[1], h - hi[1]) if span[1] < h else (h - lo[1] - hi[1]) / 2
    quad += [cx, cy]
    return cv2.getPerspectiveTransform(corners.astype(np.float32), quad.astype(np.float32))


def _paste(scene: np.ndarray, texture: np.ndarray, homography: np.ndarray) -> None:
    """Warp ``texture`` into ``scene`` in place (with an anti-aliased edge)."""
    h, w = scene.shape[:2]
    th, tw = texture.shape[:2]
    # shrink first (area averaging, as a camera would) and warp by what is left
    scale = math.sqrt(abs(np.linalg.det(homography[:2, :2])))
    if scale < 0.9:
        k = max(scale, 4.0 / min(tw, th))
        small = cv2.resize(texture, (max(2, round(tw * k)), max(2, round(th * k))),
                           interpolation=cv2.INTER_AREA)
        sx, sy = small.shape[1] / tw, small.shape[0] / th
        homography = homography @ np.diag([1 / sx, 1 / sy, 1.0])
        texture, th, tw = small, small.shape[0], small.shape[1]
    corners = np.array([[[0, 0], [tw, 0], [tw, th], [0, th]]], np.float32)
    quad = cv2.perspectiveTransform(corners, homography)[0]
    x0, y0 = np.clip(np.floor(quad.min(axis=0)) - 1, 0, [w, h]).astype(int)
    x1, y1 = np.clip(np.ceil(quad.max(axis=0)) + 2, 0, [w, h]).astype(int)
    if x1 <= x0 or y1 <= y0:
        return
    # warp into the object's bounding box only
    shifted = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ homography
    roi = (int(x1 - x0), int(y1 - y0))
    warped = cv2.warpPerspective(texture, shifted, roi, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpPerspective(np.full((th, tw), 255, np.uint8), shifted, roi,
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.merge([mask.astype(np.float32) * (1.0 / 255.0)] * 3)
    part = scene[y0:y1, x0:x1]
    part[:] = cv2.add(cv2.multiply(part, 1.0 - alpha, dtype=cv2.CV_8U),
                      cv2.multiply(warped, alpha, dtype=cv2.CV_8U))


def _occlude(rng: np.random.Generator, scene: np.ndarray, quad: np.ndarray,
             occlusion: float) -> None:
    """Cover about ``occlusion`` of the object's area with a shape coming from one side."""
    if occlusion <= 0:
        return
    image = Image.fromarray(scene)
    draw = ImageDraw.Draw(image)
    # the occluder is the part of the quad beyond a line across it, grown a little
    side = int(rng.integers(4))
    a, b = quad[side], quad[(side + 1) % 4]
    c, d = quad[(side + 3) % 4], quad[(side + 2) % 4]
    t = min(1.0, occlusion)
    p, q = a + (c - a) * t, b + (d - b) * t
    polygon = [a, b, q, p]
    centre = np.mean(polygon, axis=0)
    grown = [tuple(centre + (np.asarray(v) - centre) * 1.08) for v in polygon]
    colour = _colour(rng)
    draw.polygon([(float(x), float(y)) for x, y in grown], fill=colour)
    for _ in range(int(rng.integers(0, 4))):
        x, y = grown[int(rng.integers(4))]
        draw.ellipse((x - 15, y - 15, x + 15, y + 15), fill=_colour(rng))
    scene[:] = np.asarray(image)


def _light(rng: np.random.Generator, scene: np.ndarray, lighting: float) -> np.ndarray:
    """A gain of ``lighting`` on average, as a gradient across the scene with a colour cast."""
    if lighting == 1.0:
        return scene
    h, w = scene.shape[:2]
    a = rng.uniform(0, 2 * math.pi)
    cast = rng.uniform(0.9, 1.1, 3).astype(np.float32)
    # the gain is linear across the picture: computed on a 2 x 2 grid, stretched
    corner = np.array([[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]], np.float32)
    ramp = 1.0 + 0.4 * (math.cos(a) * corner[:, 0] + math.sin(a) * corner[:, 1])
    small = (lighting * ramp.reshape(2, 2))[..., None] * cast
    gain = cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(scene, gain, dtype=cv2.CV_8U)


def _jpeg(scene: np.ndarray, quality: int | None) -> Image.Image:
    image = Image.fromarray(scene)
    if quality is None:
        return image
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(quality))
    buffer.seek(0)
    out = Image.open(buffer)
    out.load()
    return out.convert("RGB")


def make_scene_full(texture: Image.Image | ObjectTexture | None, *, seed: int,
                    scale: float = 1.0, rotation: float = 0.0, perspective: float = 0.0,
                    occlusion: float = 0.0, lighting: float = 1.0,
                    jpeg_quality: int | None = 85,
                    size: tuple[int, int] = SCENE_SIZE) -> Scene:
    """A scene with ``texture`` planted in it (None: a distractor), see the module text."""
    rng = _rng(seed, _SALT_SCENE)
    scene = _background(rng, size)
    box = quad = homography = None
    if texture is not None:
        picture = texture.image if isinstance(texture, ObjectTexture) else texture
        array = np.asarray(picture.convert("RGB"))
        homography = _placement(rng, array.shape[1], array.shape[0], size, scale, rotation,
                                perspective)
        _paste(scene, array, homography)
        th, tw = array.shape[:2]
        corners = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32)[None]
        quad = cv2.perspectiveTransform(corners, homography)[0].astype(np.float64)
        _occlude(rng, scene, quad, occlusion)
        x0, y0 = np.clip(quad.min(axis=0), 0, size).astype(int)
        x1, y1 = np.clip(np.ceil(quad.max(axis=0)), 0, size).astype(int)
        box = Box(int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    else:
        # a drawn label or logo of the clutter space, so that distractors hold objects too
        for _ in range(int(rng.integers(1, 3))):
            piece = _clutter_texture(int(rng.integers(512)))
            _paste(scene, piece, _placement(rng, piece.shape[1], piece.shape[0], size,
                                            float(np.exp(rng.uniform(np.log(0.3),
                                                                     np.log(1.5)))),
                                            rng.uniform(-180, 180), rng.uniform(0, 0.2)))
    scene = _light(rng, scene, lighting)
    return Scene(_jpeg(scene, jpeg_quality), box, quad, homography)


def make_scene(texture: Image.Image | ObjectTexture, *, seed: int, scale: float = 1.0,
               rotation: float = 0.0, perspective: float = 0.0, occlusion: float = 0.0,
               lighting: float = 1.0, jpeg_quality: int | None = 85,
               size: tuple[int, int] = SCENE_SIZE) -> tuple[Image.Image, Box]:
    """``texture`` planted in a cluttered scene: (picture, the object's box x, y, w, h)."""
    scene = make_scene_full(texture, seed=seed, scale=scale, rotation=rotation,
                            perspective=perspective, occlusion=occlusion, lighting=lighting,
                            jpeg_quality=jpeg_quality, size=size)
    assert scene.box is not None
    return scene.image, scene.box


def distractor(seed: int, size: tuple[int, int] = SCENE_SIZE, *,
               jpeg_quality: int | None = 85) -> Image.Image:
    """A cluttered scene with no object in it."""
    rng = _rng(seed, _SALT_SCENE, 1)
    lighting = float(rng.uniform(0.6, 1.4))
    return make_scene_full(None, seed=seed, lighting=lighting, jpeg_quality=jpeg_quality,
                           size=size).image


def random_conditions(rng: np.random.Generator) -> dict[str, Any]:
    """Random conditions of one planted occurrence (the ranges the issue asks for)."""
    return {
        "scale": float(np.exp(rng.uniform(math.log(0.3), math.log(2.0)))),
        "rotation": float(rng.uniform(-180, 180)),
        "perspective": float(rng.uniform(0, 0.15)),
        "occlusion": float(rng.uniform(0, 0.35)) if rng.random() < 0.6 else 0.0,
        "lighting": float(rng.uniform(0.6, 1.4)),
        "jpeg_quality": int(rng.integers(50, 96)),
    }


def planted_item(index: int, *, n_objects: int, per_object: int, n_distractors: int,
                 seed: int = 0, size: tuple[int, int] = SCENE_SIZE
                 ) -> tuple[Image.Image, int | None]:
    """Item ``index`` of ``planted_set(...)`` (the same picture, made alone)."""
    order = _order(n_objects, per_object, n_distractors, seed)
    slot = int(order[index])
    item_seed = int(_rng(seed, _SALT_SET, slot).integers(1 << 62))
    if slot < n_objects * per_object:
        object_id = slot // per_object
        conditions = random_conditions(_rng(seed, _SALT_SET + 100, slot))
        picture, _ = make_scene(object_texture(object_id), seed=item_seed, size=size,
                                **conditions)
        return picture, object_id
    return distractor(item_seed, size), None


@lru_cache(maxsize=8)
def _order(n_objects: int, per_object: int, n_distractors: int, seed: int) -> np.ndarray:
    total = n_objects * per_object + n_distractors
    return _rng(seed, _SALT_ORDER).permutation(total)


def planted_set(n_objects: int, per_object: int, n_distractors: int, seed: int = 0, *,
                size: tuple[int, int] = SCENE_SIZE
                ) -> Iterator[tuple[Image.Image, int | None]]:
    """``n_objects`` objects planted ``per_object`` times each, and ``n_distractors``
    scenes without any, shuffled: yields (picture, object id or None). The query for
    object ``i`` is ``object_texture(i).image``."""
    if min(n_objects, per_object, n_distractors) < 0:
        raise ValueError("counts must be >= 0")
    total = n_objects * per_object + n_distractors
    for index in range(total):
        yield planted_item(index, n_objects=n_objects, per_object=per_object,
                           n_distractors=n_distractors, seed=seed, size=size)


def _main() -> None:  # pragma: no cover - a tool to look at the scenes
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--objects", type=int, default=6)
    parser.add_argument("--per-object", type=int, default=3)
    parser.add_argument("--distractors", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.objects):
        object_texture(i).image.save(args.out / f"object-{i:03d}.png")
    items = planted_set(args.objects, args.per_object, args.distractors, args.seed)
    for n, (picture, object_id) in enumerate(items):
        tag = "none" if object_id is None else f"{object_id:03d}"
        picture.save(args.out / f"scene-{n:04d}-{tag}.jpg", quality=92)


if __name__ == "__main__":
    _main()
