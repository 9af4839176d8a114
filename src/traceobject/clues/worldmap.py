"""The world map of a CountryEstimate: SVG shapes with a probability class each.

The path data (``data/world.json``, Natural Earth 1:110m in the projection below, built at
development time by ``bench/tools/map_build.py``) is drawn server-side as inline SVG;
colours come from CSS classes ``p0`` .. ``p5`` (the CSP allows no style attributes), so the
map needs no script and no external tiles. Countries too small for the scale are dots at
their capital.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from traceobject.geo.countries import country_codes, country_name
from traceobject.geo.fusion import listing_threshold

# Lower bounds of the classes p1 .. p5 (p0: not listed, see geo.fusion: no colour for a
# country the clues did not lift clearly above the rest).
BUCKETS: tuple[float, ...] = (0.0, 0.03, 0.1, 0.3, 0.6)

WIDTH = 1000.0  # of the canvas, in px
SOUTH, NORTH = -58.0, 84.0  # latitudes kept on the canvas

Point = tuple[float, float]


def natural_earth(lon: float, lat: float) -> Point:
    """Natural Earth I projection (Šavrič, Jenny, Patterson, 2011), unit sphere."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return x, y


class Canvas:
    """Unit-sphere projection scaled and shifted onto a WIDTH-wide canvas, north up."""

    def __init__(self) -> None:
        left, _ = natural_earth(-180.0, 0.0)
        right, _ = natural_earth(180.0, 0.0)
        _, top = natural_earth(0.0, NORTH)
        _, bottom = natural_earth(0.0, SOUTH)
        self.scale = WIDTH / (right - left)
        self.left, self.top = left, top
        self.height = round((top - bottom) * self.scale, 1)

    def point(self, lon: float, lat: float) -> Point:
        x, y = natural_earth(lon, max(SOUTH, min(NORTH, lat)))
        return (x - self.left) * self.scale, (self.top - y) * self.scale



def percent(p: float) -> str:
    """A probability as shown: one decimal, never rounded to 0 % or 100 %."""
    if p > 0.999:
        return "> 99.9 %"
    return f"{p * 100:.1f} %" if p >= 0.001 else "< 0.1 %"


@lru_cache(maxsize=1)
def map_data() -> dict[str, Any]:
    text = resources.files("traceobject.clues").joinpath("data/world.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def bucket(p: float, flat: float) -> int:
    """0 for countries not listed (under geo's listing threshold for a uniform prior of
    ``flat``), else 1..5 by probability."""
    if not p >= listing_threshold(flat):  # also NaN
        return 0
    level = 1
    for n, bound in enumerate(BUCKETS[1:], start=2):
        if p >= bound:
            level = n
    return level


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    p: float
    level: int  # 0..5: the CSS class p<level>
    top: bool  # the most likely country
    d: str = ""  # SVG path data (countries large enough to draw)
    x: float = 0.0  # dot centre (countries too small to draw)
    y: float = 0.0

    @property
    def percent(self) -> str:
        return percent(self.p)


@dataclass(frozen=True)
class WorldMap:
    width: float
    height: float
    shapes: list[Shape]  # the top country last, so its outline is drawn over its neighbours
    dots: list[Shape]
    top: str | None

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"

    @property
    def europe_box(self) -> str:
        """viewBox of the enlarged Europe inset (where most small countries are)."""
        return europe_box()


@lru_cache(maxsize=1)
def europe_box() -> str:
    canvas = Canvas()
    xs, ys = zip(*(canvas.point(lon, lat) for lon, lat in (
        (-25.0, 71.5), (45.0, 71.5), (-12.0, 33.5), (36.0, 33.5), (45.0, 50.0))), strict=True)
    return f"{min(xs):.0f} {min(ys):.0f} {max(xs) - min(xs):.0f} {max(ys) - min(ys):.0f}"


def world_map(probabilities: Mapping[str, float], *, top: str | None) -> WorldMap:
    """Shapes and dots for ``probabilities`` ({code: p}); ``top`` is outlined (None for a
    flat estimate: nothing is)."""
    data = map_data()
    flat = 1.0 / max(len(country_codes()), 1)

    def shape(code: str, **where: Any) -> Shape:
        p = float(probabilities.get(code, 0.0))
        return Shape(code=code, name=country_name(code), p=p, level=bucket(p, flat),
                     top=code == top, **where)

    shapes = [shape(code, d=d) for code, d in data["paths"].items()]
    shapes.sort(key=lambda s: (s.top, s.level))
    dots = [shape(code, x=xy[0], y=xy[1]) for code, xy in data["dots"].items()]
    dots = [d for d in dots if d.level > 0 or d.top]
    dots.sort(key=lambda s: (s.top, s.level))
    return WorldMap(width=float(data["width"]), height=float(data["height"]), shapes=shapes,
                    dots=dots, top=top)
