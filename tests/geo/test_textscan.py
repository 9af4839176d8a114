"""Phone numbers, web domains, currencies and postal codes in text."""

from __future__ import annotations

import pytest

from traceobject.geo.textscan import (
    find_currencies,
    find_domains,
    find_phone_numbers,
    find_postal_codes,
)


def _top(hits: list) -> str:
    [hit] = hits
    return max(hit.countries, key=lambda c: hit.countries[c])


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("+48 22 123 45 67", "PL"),
        ("Tel. 0048 12 345 67 89", "PL"),
        ("Hotline +49 30 1234567", "DE"),
        ("call +1 416 555 0199", "CA"),
        ("call +1 212 555 0123", "US"),
        ("+44 20 7946 0958", "GB"),
    ],
)
def test_international_phone_numbers(text: str, country: str) -> None:
    hits = find_phone_numbers(text)
    assert _top(hits) == country
    assert hits[0].strong


def test_national_numbers_are_weak_and_ambiguous() -> None:
    [hit] = find_phone_numbers("Tel. 022 123 45 67")
    assert not hit.strong
    assert len(hit.countries) > 1


def test_barcodes_are_not_phone_numbers() -> None:
    assert find_phone_numbers("EAN 5901234123457") == []


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("www.sklep.pl", "PL"),
        ("zamówienia: info@sklep.pl", "PL"),
        ("https://shop.example.co.uk/item", "GB"),
        ("Mehr auf www.laden.de!", "DE"),
        ("shop.com.au", "AU"),
    ],
)
def test_country_code_domains(text: str, country: str) -> None:
    assert _top(find_domains(text)) == country


@pytest.mark.parametrize(
    "text", ["example.com", "stream.tv", "GmbH & Co.KG", "Sp. z o.o.", "e.g. this", "29.99"]
)
def test_generic_and_false_domains_are_ignored(text: str) -> None:
    assert find_domains(text) == []


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("29,99 zł", "PL"),
        ("PLN 29.99", "PL"),
        ("Cena 59 Kč", "CZ"),
        ("1 290 Ft", "HU"),
        ("£2.49", "GB"),
        ("12,50 lei", "RO"),
        ("5,99 лв.", "BG"),
        ("CHF 3.50", "CH"),
        ("A$ 12", "AU"),
        ("USD 10", "US"),
    ],
)
def test_currencies(text: str, country: str) -> None:
    hits = find_currencies(text)
    assert hits, text
    assert max(hits[0].countries, key=lambda c: hits[0].countries[c]) == country


def test_euro_points_at_the_eurozone() -> None:
    [hit] = find_currencies("Preis 12,99 €")
    assert {"DE", "FR", "AT", "IE", "HR"} <= set(hit.countries)
    assert "PL" not in hit.countries and "GB" not in hit.countries


def test_nordic_crowns_are_ambiguous() -> None:
    [hit] = find_currencies("99 kr")
    assert {"SE", "DK", "NO", "IS"} <= set(hit.countries)
    assert not hit.strong


def test_a_currency_needs_a_number() -> None:
    assert find_currencies("zł and € and kr") == []
    assert find_currencies("5 ft tall") == []


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("ul. Marszałkowska 1, 00-950 Warszawa", "PL"),
        ("1012 AB Amsterdam", "NL"),
        ("London SW1A 1AA", "GB"),
        ("Ottawa ON K1A 0B1", "CA"),
        ("D-80331 München", "DE"),
        ("1000-001 Lisboa", "PT"),
    ],
)
def test_postal_codes(text: str, country: str) -> None:
    hits = find_postal_codes(text)
    assert any(max(h.countries, key=lambda c: h.countries[c]) == country for h in hits), hits
