"""Reference tables: coverage and a few known facts."""

from __future__ import annotations

import pytest

from traceobject.geo.countries import EEA_COUNTRIES
from traceobject.geo.reference import facts

REQUIRED = sorted(EEA_COUNTRIES | {"GB", "CH", "US", "CA", "AU", "NZ", "JP", "CN", "IN", "BR",
                                   "RU", "TR", "UA"})


@pytest.mark.parametrize("country", REQUIRED)
def test_required_countries_are_covered(country: str) -> None:
    f = facts()[country]
    assert f.plugs and f.voltages and f.frequencies and f.driving in ("left", "right")
    assert f.paper in ("A4", "Letter")
    assert f.currencies and f.date_orders and f.decimals


def test_a_good_part_of_the_world_is_covered() -> None:
    covered = [c for c, f in facts().items() if f.plugs]
    assert len(covered) >= 180


def test_known_facts() -> None:
    table = facts()
    assert table["GB"].plugs == {"G"} and table["GB"].driving == "left"
    assert table["US"].voltages == (120,) and table["US"].frequencies == (60,)
    assert table["US"].paper == "Letter" and table["US"].date_orders == ("MDY",)
    assert table["PL"].currencies == ("PLN",) and table["PL"].decimals == (",",)
    assert table["JP"].frequencies == (50, 60)
    assert "EUR" in table["HR"].currencies
