"""Places named in tips, in several languages."""

from __future__ import annotations

import pytest

from traceobject.geo.gazetteer import find_mentions


def _countries(text: str) -> list[str]:
    out: list[str] = []
    for mention in find_mentions(text):
        top = max(mention.countries, key=lambda c: mention.countries[c])
        out.append(top)
    return out


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("gekauft in Krakau", "PL"),
        ("vendu en Belgique", "BE"),
        ("Kupiłem to w Polsce", "PL"),
        ("lo compré en México", "MX"),
        ("I saw it in a shop in Lyon", "FR"),
        ("Widziałam ją w Warszawie w zeszłym roku.", "PL"),
        ("Viděl jsem to v Praze.", "CZ"),
        ("Láttam Lengyelországban.", "PL"),
        ("Näin sen Puolassa.", "PL"),
        ("Mačiau Vilniuje.", "LT"),
        ("Vidjela sam to u Njemačkoj.", "DE"),
        ("Το είδα στην Αθήνα.", "GR"),
        ("Я видел это в Германии.", "DE"),
        ("Das gibt es nur in der Schweiz.", "CH"),
        ("Chonaic mé é i mBaile Átha Cliath.", "IE"),
        ("Made in USA", "US"),
        ("I live in Indiana", "US"),
        ("Visto en Ciudad de México", "MX"),
        ("Ich habe es in Mailand gesehen", "IT"),
    ],
)
def test_mentions_in_many_languages(text: str, country: str) -> None:
    assert country in _countries(text), find_mentions(text)


def test_longest_name_wins() -> None:
    mentions = find_mentions("I bought it in New Mexico")
    assert [m.place.name for m in mentions] == ["New Mexico"]
    assert "US" in mentions[0].countries and "MX" not in mentions[0].countries


@pytest.mark.parametrize(
    "text",
    [
        "shoe polish",
        "Vincent Van Gogh",
        "This Batman shirt is cool",
        "Hello, I have seen this towel in a hotel.",
        "Bonne chance avec votre enquête!",
        "Das T-Shirt hat eine bekannte Marke.",
        "Nice shirt, thanks for asking.",
        "In Francisco's house",
        "",
    ],
)
def test_common_words_are_not_places(text: str) -> None:
    assert find_mentions(text) == []


def test_language_adjectives() -> None:
    [mention] = find_mentions("Die Schrift ist polnisch")
    assert mention.place.kind == "language"
    assert max(mention.countries, key=lambda c: mention.countries[c]) == "PL"


def test_ambiguous_names_count_less() -> None:
    [jordan] = find_mentions("Jordan sneakers")
    [poland] = find_mentions("Poland")
    assert jordan.place.weight < poland.place.weight


def test_brands_from_investigators() -> None:
    brands = {"Biedronka": "PL", "Albert Heijn": "NL"}
    mentions = find_mentions("Sold at Albert Heijn and in Biedronki", brands=brands)
    assert {m.place.name for m in mentions} == {"Albert Heijn", "Biedronka"}
    assert {next(iter(m.countries)) for m in mentions} == {"NL", "PL"}


def test_mention_offsets_point_into_the_text() -> None:
    text = "Kupiłem to w Polsce, a potem w Krakowie."
    for m in find_mentions(text):
        assert text[m.start : m.end] == m.text
