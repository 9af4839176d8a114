"""Emergency numbers for "A child in danger now? Call ..." on the public site.

The table (``data/emergency_numbers.csv``, with its sources in its header) has a row for every
country code of :mod:`traceobject.core.reference`. The visitor picks a country; until they do,
the page's language suggests one. The choice is kept in a cookie holding nothing but the
country code (:data:`COOKIE`): no identifier, nothing sent anywhere else.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from traceobject.core.reference import country_choices, country_name

TABLE = Path(__file__).resolve().parent / "data" / "emergency_numbers.csv"
COOKIE = "emergency_country"
COOKIE_MAX_AGE = 365 * 24 * 3600

# The country a page in this language suggests before the visitor chooses one.
LANGUAGE_COUNTRY = {
    "bg": "BG", "cs": "CZ", "da": "DK", "de": "DE", "el": "GR", "en": "GB", "es": "ES",
    "et": "EE", "fi": "FI", "fr": "FR", "ga": "IE", "hr": "HR", "hu": "HU", "it": "IT",
    "lt": "LT", "lv": "LV", "mt": "MT", "nl": "NL", "pl": "PL", "pt": "PT", "ro": "RO",
    "sk": "SK", "sl": "SI", "sv": "SE",
}


@dataclass(frozen=True)
class Emergency:
    country: str
    country_name: str
    numbers: tuple[str, ...]
    chosen: bool  # picked by the visitor (else suggested by the page's language)

    @property
    def number(self) -> str:
        return self.numbers[0]

    @property
    def others(self) -> tuple[str, ...]:
        return self.numbers[1:]


@lru_cache(maxsize=1)
def emergency_table() -> dict[str, tuple[str, ...]]:
    """Country code -> the numbers to call (empty where none is known)."""
    rows = [line for line in TABLE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    table: dict[str, tuple[str, ...]] = {}
    for row in csv.DictReader(rows):
        table[row["code"]] = tuple(row["numbers"].split())
    return table


def emergency_country(value: str | None) -> str | None:
    """The country code if `value` names a country with a number, else None."""
    code = (value or "").strip().upper()[:2]
    return code if emergency_table().get(code) else None


def emergency_for(*, language: str, chosen: str | None = None) -> Emergency:
    country = emergency_country(chosen)
    is_chosen = country is not None
    if country is None:
        country = LANGUAGE_COUNTRY.get(language, "GB")
    return Emergency(country=country, country_name=country_name(country, language),
                     numbers=emergency_table()[country], chosen=is_chosen)


@lru_cache(maxsize=32)
def emergency_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, localized name) of every country with a number, sorted in that language."""
    table = emergency_table()
    return tuple((code, name) for code, name in country_choices(language) if table.get(code))
