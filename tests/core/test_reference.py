"""Countries with CLDR names in the user's language (traceobject.core.reference)."""

from __future__ import annotations

import unicodedata

import pytest
from django.conf import settings

from traceobject.core.reference import (
    EU_COUNTRIES,
    country_choices,
    country_codes,
    country_name,
)


def test_country_names_are_localized() -> None:
    assert dict(country_choices("de"))["PL"] == "Polen"
    assert dict(country_choices("pl"))["DE"] == "Niemcy"
    assert dict(country_choices("fr"))["DE"] == "Allemagne"
    assert dict(country_choices("el"))["DE"] == "Γερμανία"
    assert dict(country_choices("en"))["DE"] == "Germany"
    assert country_name("de", "pl") == "Niemcy"
    assert country_name("PL", "de-at") == "Polen"  # a regional variant


def test_unknown_language_falls_back_to_english() -> None:
    assert country_name("DE", "xx") == "Germany"
    assert dict(country_choices("xx"))["PL"] == "Poland"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_ui_language_has_every_country(language) -> None:
    choices = country_choices(language)
    codes = [code for code, _name in choices]
    assert len(codes) == len(set(codes)) == len(country_codes())
    assert set(EU_COUNTRIES) <= set(codes)
    assert not {"EU", "UN", "ZZ", "XA"} & set(codes)
    assert all(name for _code, name in choices)


def _accent_free(name: str) -> str:
    """Accents and punctuation ignored (what these languages' alphabets do at first); æ and ø
    count as ae and o, as in the CLDR root collation."""
    name = name.replace("æ", "ae").replace("Æ", "Ae").replace("ø", "o").replace("Ø", "O")
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(ch) and (ch.isalnum() or ch == " ")
    ).casefold()


@pytest.mark.parametrize("language", ["en", "de", "fr", "it", "pt", "nl", "ga"])
def test_choices_are_sorted_by_name_ignoring_accents(language) -> None:
    names = [name for _code, name in country_choices(language)]
    assert names == sorted(names, key=_accent_free)


def test_accented_initials_sort_with_their_letter() -> None:
    names = [name for _code, name in country_choices("de")]
    assert names.index("Oman") < names.index("Österreich") < names.index("Pakistan")
    names = [name for _code, name in country_choices("fr")]
    assert names.index("Égypte") < names.index("Érythrée") < names.index("Espagne")
    assert names.index("Égypte") > names.index("Danemark")


@pytest.mark.parametrize("language, before, name, after", [
    ("pl", "Luksemburg", "Łotwa", "Madagaskar"),  # Ł comes right after L in Polish
    ("sv", "Zimbabwe", "Åland", "Österrike"),  # Å Ä Ö come after Z in Swedish
    ("cs", "Curaçao", "Černá Hora", "Dánsko"),  # Č comes right after C in Czech
    ("da", "Zimbabwe", "Østrig", "Åland"),  # Æ Ø Å come after Z in Danish
])
def test_sorting_follows_the_language_alphabet(language, before, name, after) -> None:
    names = [n for _code, n in country_choices(language)]
    assert names.index(before) < names.index(name) < names.index(after)
