"""Reference data for the apps: countries with CLDR names in the user's language (from the one
country list, :mod:`traceobject.core.countries`), the EU/EEA membership, the UI languages."""

from __future__ import annotations

from functools import lru_cache

from traceobject.core import countries
from traceobject.core.collation import sort_key_for
from traceobject.core.countries import country_name, country_names, is_country

__all__ = ["EEA_EXTRA", "EU_COUNTRIES", "country_choices", "country_codes", "country_name",
           "is_country", "ui_language_codes"]

# Sorted tuples (a set's order changes from one process to the next).
EU_COUNTRIES = tuple(sorted(countries.EU_COUNTRIES))
EEA_EXTRA = tuple(sorted(countries.EEA_EXTRA))


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Every code a country field accepts (the whole list, inhabited or not)."""
    return frozenset(country_names("en"))


@lru_cache(maxsize=64)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, localized name) for every country, sorted by name in that language."""
    key = sort_key_for(language)
    return tuple(sorted(country_names(language).items(), key=lambda item: key(item[1])))


@lru_cache(maxsize=1)
def ui_language_codes() -> frozenset[str]:
    """The codes of settings.LANGUAGES (without evaluating their lazy names every time)."""
    from django.conf import settings

    return frozenset(code for code, _name in settings.LANGUAGES)
