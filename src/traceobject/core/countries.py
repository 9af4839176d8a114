"""The one list of countries: every country check in traceobject goes through here.

Django-free (Babel only) and importing nothing else of traceobject, so that geo/ (Django-free)
reads it as well as the apps: ``geo.countries`` and ``core.reference`` are views of this list.

The list is the ISO 3166-1 alpha-2 codes that CLDR names (249 countries and territories)
plus Kosovo ``XK`` (a user-assigned code that the EU, CLDR and our reference data use): 250
codes. Left out are the CLDR pseudo-regions (EU, EZ, UN, QO, XA, XB, ZZ) and the CLDR codes
that ISO 3166-1 only reserves (AC Ascension, CP Clipperton, CQ Sark, DG Diego Garcia, EA
Ceuta and Melilla, IC Canary Islands, TA Tristan da Cunha: each is part of a country of the
list, which is the one to choose).

One flag tells the two uses apart:

* :func:`country_codes` (``inhabited=False``, the default): what a country field accepts
  (authorities, tips, where an object was identified, filters): all 250 codes.
* ``country_codes(inhabited=True)``: the 244 with a permanent population, the universe of
  the country estimate (geo) and of what investigators say about it (clue notes, brand
  links). :data:`UNINHABITED` lists the six others (AQ, BV, GS, HM, TF, UM): a population
  prior of zero would make any evidence for them meaningless.

(Before this list, core.reference accepted all 257 CLDR territories and geo 244 countries: the
seven reserved codes above were accepted by country fields but never by the estimate.)
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

#: CLDR territory codes that are not countries of ISO 3166-1 (pseudo-regions; codes ISO only
#: reserves).
NOT_COUNTRIES = frozenset({
    "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ",
    "AC", "CP", "CQ", "DG", "EA", "IC", "TA",
})
#: ISO 3166-1 territories without a permanent population: no estimate ranges over them.
UNINHABITED = frozenset({"AQ", "BV", "GS", "HM", "TF", "UM"})

EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
EEA_EXTRA = frozenset({"IS", "LI", "NO"})
EEA_COUNTRIES = EU_COUNTRIES | EEA_EXTRA


@lru_cache(maxsize=2)
def country_codes(*, inhabited: bool = False) -> tuple[str, ...]:
    """The sorted codes: every country (a country field's choices), or with ``inhabited``
    only those with a permanent population (the estimate's)."""
    english = Locale.parse("en").territories
    return tuple(sorted(
        code for code in english
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()
        and code not in NOT_COUNTRIES and not (inhabited and code in UNINHABITED)
    ))


@lru_cache(maxsize=2)
def _code_set(inhabited: bool) -> frozenset[str]:
    return frozenset(country_codes(inhabited=inhabited))


def is_country(code: object, *, inhabited: bool = False) -> bool:
    """Is ``code`` (exactly: upper case, no spaces) a code of the list?"""
    return isinstance(code, str) and code in _code_set(inhabited)


@lru_cache(maxsize=64)
def country_names(language: str) -> dict[str, str]:
    """Code -> the CLDR name in ``language`` (English where it has none, or for an unknown
    language; a regional variant such as ``de-at`` is understood)."""
    english = Locale.parse("en").territories
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        locale = Locale.parse("en")
    return {code: str(locale.territories.get(code, english[code])) for code in country_codes()}


def country_name(code: str, language: str = "en") -> str:
    """The CLDR name of a country ("Poland", "Polen"), or the code itself if unknown."""
    return country_names(language).get(code.upper(), code)
