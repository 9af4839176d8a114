"""The committed world map data and the choropleth classes."""

from __future__ import annotations

import re

import pytest
from bench.tools.map_build import _num

from traceobject.clues.worldmap import WIDTH, Canvas, bucket, map_data, percent, world_map
from traceobject.geo.countries import country_codes

PATH_RE = re.compile(r"^(M-?[\d.]+ -?[\d.]+l[-\d. ]+z)+$")


def test_map_data_covers_the_countries():
    data = map_data()
    codes = set(country_codes())
    assert set(data["paths"]) <= codes and set(data["dots"]) <= codes
    assert not set(data["paths"]) & set(data["dots"])
    for code in ("PL", "DE", "FR", "LU", "US", "BR", "CN", "IN", "AU", "ZA", "RU", "XK"):
        assert code in data["paths"], code
    for code in ("MT", "AD", "LI", "MC", "SM", "VA", "SG"):  # too small for 1:110m
        assert code in data["dots"], code
    assert len(codes - set(data["paths"]) - set(data["dots"])) <= 3
    for code, d in data["paths"].items():
        assert PATH_RE.match(d), code
    for x, y in data["dots"].values():
        assert 0 <= x <= data["width"] and 0 <= y <= data["height"]


def test_projection_puts_places_where_they_belong():
    canvas = Canvas()
    warsaw = canvas.point(21.0, 52.2)
    madrid = canvas.point(-3.7, 40.4)
    sydney = canvas.point(151.2, -33.9)
    assert madrid[0] < warsaw[0] < sydney[0]  # west to east
    assert warsaw[1] < madrid[1] < sydney[1]  # north to south (SVG y grows downwards)
    assert canvas.point(-180, 0)[0] == pytest.approx(0) and canvas.point(180, 0)[0] == \
        pytest.approx(WIDTH)


def test_path_numbers_are_short():
    assert [_num(v) for v in (15, -3, 20, 0, -120, 7)] == \
        ["1.5", "-.3", "2", "0", "-12", ".7"]


def test_buckets():
    flat = 1 / 250
    assert bucket(flat, flat) == 0
    assert bucket(0.009, flat) == 0  # under 1 %: not listed, not coloured
    assert bucket(float("nan"), flat) == 0
    assert bucket(0.012, flat) == 1
    assert bucket(0.03, flat) == 2
    assert bucket(0.1, flat) == 3
    assert bucket(0.3, flat) == 4
    assert bucket(0.93, flat) == 5


def test_world_map_highlights_the_top_country_and_dots_only_when_likely():
    drawn = world_map({"PL": 0.9, "MT": 0.05, "DE": 0.05}, top="PL")
    assert drawn.shapes[-1].code == "PL" and drawn.shapes[-1].top
    assert sum(s.top for s in drawn.shapes) == 1
    assert [d.code for d in drawn.dots] == ["MT"]
    assert drawn.view_box.startswith("0 0 1000 ")
    flat = world_map({}, top=None)
    assert not any(s.top for s in flat.shapes) and flat.dots == []
    assert {s.level for s in flat.shapes} == {0}


def test_percent_is_never_rounded_to_certainty_or_nothing():
    assert percent(0.99996) == "> 99.9 %" and percent(0.999) == "99.9 %"
    assert percent(0.0004) == "< 0.1 %" and percent(0.25) == "25.0 %"
