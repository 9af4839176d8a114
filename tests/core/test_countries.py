"""The one country list (traceobject.core.countries) and every user of the two lists it replaced.

core.reference (257 CLDR territories) and geo.countries (244) differed by the CLDR pseudo-regions
left out of both, seven codes ISO 3166-1 only reserves (accepted by country fields, never by
the estimate) and six uninhabited territories (accepted by fields only). Now: country fields
accept the 250 ISO 3166-1 codes (with XK); the estimate and what investigators say about it
the 244 inhabited ones; the reserved codes nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from traceobject import geo
from traceobject.core import countries, reference
from traceobject.core.errors import ServiceError
from traceobject.geo import countries as geo_countries

#: code -> (a country field accepts it, the estimate knows it)
CASES = {
    "PL": (True, True),
    "DE": (True, True),
    "XK": (True, True),  # Kosovo: user-assigned, used by the EU and CLDR
    "AQ": (True, False),  # Antarctica: ISO 3166-1, no permanent population
    "BV": (True, False),
    "UM": (True, False),
    "IC": (False, False),  # Canary Islands: reserved by ISO (part of ES)
    "EA": (False, False),  # Ceuta and Melilla: reserved (part of ES)
    "AC": (False, False),  # Ascension: reserved (part of SH)
    "EU": (False, False),  # a CLDR pseudo-region
    "ZZ": (False, False),
    "XX": (False, False),
}


def test_the_list_and_its_flag() -> None:
    fields, estimate = countries.country_codes(), countries.country_codes(inhabited=True)
    assert len(fields) == 250 and len(estimate) == 244
    assert list(fields) == sorted(fields) and set(estimate) < set(fields)
    assert set(fields) - set(estimate) == countries.UNINHABITED
    assert not countries.NOT_COUNTRIES & set(fields)
    assert set(estimate) >= countries.EEA_COUNTRIES
    assert countries.country_name("XK", "de") == "Kosovo"
    assert countries.country_name("IC") == "IC"  # not a country of the list


def test_both_views_read_the_one_list() -> None:
    assert reference.country_codes() == frozenset(countries.country_codes())
    assert geo_countries.country_codes() == countries.country_codes(inhabited=True)
    assert dict(reference.country_choices("en")).keys() == set(countries.country_codes())
    assert geo_countries.country_name("PL", "pl") == reference.country_name("PL", "pl")


def _accepts(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ServiceError:
        return False
    return True


@pytest.mark.parametrize("code", CASES)
def test_django_free_users(code) -> None:
    """geo: the estimate's universe, its clues and tips.analysis's entities."""
    _field, estimate = CASES[code]
    assert geo_countries.is_country(code) is estimate
    assert (code in geo_countries.country_index()) is estimate
    assert countries.is_country(code) is _field
    assert (code in geo.estimate([]).probabilities) is estimate
    if estimate:
        assert geo.estimate([geo.clue_from_note(code, True, "a note")]).ranked(1)[0][0] == code
    else:
        with pytest.raises(ValueError):
            geo.clue_from_note(code, True, "a note")


@pytest.mark.django_db
@pytest.mark.parametrize("code", CASES)
def test_every_country_field_and_clue_agrees(code, users, make_object) -> None:
    from traceobject.catalog import services as catalog
    from traceobject.catalog.selectors import statistics
    from traceobject.clues import brands, investigators
    from traceobject.internal.forms_tips import InboxFilterForm
    from traceobject.routing import services as routing
    from traceobject.tips import intake

    field, estimate = CASES[code]
    investigator = users["investigator"]
    # country fields: authorities (and so forwarding), tips, identified objects, filters
    assert _accepts(lambda: routing.authority_upsert(
        user=users["administrator"], country=code, name="Police",
        email="police@example.org")) is field
    assert _accepts(lambda: intake.tip_validate({"text": "A fine tip.", "country": code})) \
        is field
    obj = make_object(image=False)
    assert _accepts(lambda: catalog.object_mark_identified(
        obj=obj, user=investigator, country=code.lower())) is field
    assert InboxFilterForm({"country": code}).is_valid() is field
    # public statistics count what was accepted
    assert statistics().countries_found == (1 if field else 0)
    # the estimate's side: investigators' notes and brand links
    assert _accepts(lambda: investigators.clue_note_add(
        user=investigator, country=code, stance="for", because="made there", obj=obj)) \
        is estimate
    assert _accepts(lambda: brands.brand_link_add(
        user=investigator, name=f"Shop {code}", country=code)) is estimate
