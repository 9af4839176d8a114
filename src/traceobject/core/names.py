"""Readable names for the codes staff see: languages and countries in the reader's language.

Codes stay the stored truth; pages show names (CLDR, through Babel: every ISO 639 language a
tip may be written in, not only the site's own languages). An unknown code is shown as itself.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language

from traceobject.core.countries import country_names


def _reader(language: str | None) -> str:
    """The reader's language: the one given, else the active one."""
    return language or get_language() or "en"


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse("en")


def language_name(code: object, language: str | None = None) -> str:
    """The name of language ``code`` ("pl", "pt-BR") in ``language`` (default: the active one):
    "Polnisch" for a German reader; the code itself if CLDR does not know it."""
    if not isinstance(code, str) or not code:
        return ""
    base = code.replace("-", "_")
    names = _locale(_reader(language).replace("-", "_")).languages
    name = names.get(base) or names.get(base.split("_")[0].lower())
    return str(name) if name else code


def language_autonym(code: str) -> str:
    """A language's name in itself ("Deutsch", "polski"): how people find their own."""
    name = _locale(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    return str(name) if name else code


def country_name(code: object, language: str | None = None) -> str:
    """The name of country ``code`` in ``language`` (default: the active one), or the code."""
    if not isinstance(code, str) or not code:
        return ""
    return country_names(_reader(language)).get(code.upper(), code)
