"""Reference data: countries with CLDR names (Babel), the EU/EEA membership."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from traceobject.core.collation import sort_key_for

# ISO 3166-1 alpha-2 codes CLDR knows that are not countries or are placeholders.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}

EU_COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)
EEA_EXTRA = ("IS", "LI", "NO")


@lru_cache(maxsize=64)
def _territories(language: str) -> dict[str, str]:
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        locale = Locale.parse("en")
    english = Locale.parse("en").territories
    names = {}
    for code, name in english.items():
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
            names[code] = locale.territories.get(code, name)
    return names


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(_territories("en"))


@lru_cache(maxsize=64)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, localized name) for every country, sorted by name in that language."""
    names = _territories(language)
    key = sort_key_for(language)
    return tuple(sorted(names.items(), key=lambda item: key(item[1])))


def country_name(code: str, language: str) -> str:
    return _territories(language).get(code.upper(), code)


@lru_cache(maxsize=1)
def ui_language_codes() -> frozenset[str]:
    """The codes of settings.LANGUAGES (without evaluating their lazy names every time)."""
    from django.conf import settings

    return frozenset(code for code, _name in settings.LANGUAGES)
