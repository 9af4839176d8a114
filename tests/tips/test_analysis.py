"""tips.analysis: entities, triage score, fingerprints and near-duplicate clustering
(Django-free: no database)."""

from __future__ import annotations

import random

import pytest

from traceobject.tips import analysis
from traceobject.tips.analysis import Clusterer, TipText, analyse, entities_find, similarity


def _kinds(text: str) -> list[tuple[str, str, str]]:
    return [(e.kind, e.value, e.key) for e in entities_find(text)]


def _fp(text: str, **fields: str) -> list[str]:
    return analyse(TipText(text=text, **fields), language=False).fingerprint


# Entities


def test_entities_of_a_rich_tip() -> None:
    text = ("Sold at KAUFHOF in Krakau, see www.torby-sklep.pl or https://shop.example.com/x?a=1,"
            " write to sales@torby-sklep.pl or call +48 12 345 67 89.")
    found = entities_find(text)
    assert [(e.kind, e.value) for e in found] == [
        ("brand", "KAUFHOF"), ("city", "Krakau"), ("url", "www.torby-sklep.pl"),
        ("url", "https://shop.example.com/x?a=1"), ("email", "sales@torby-sklep.pl"),
        ("phone", "+48 12 345 67 89")]
    for entity in found:
        assert text[entity.start:entity.end] == entity.value
    keys = {e.key for e in found}
    assert {"brand:kaufhof", "city:krakow", "domain:torby-sklep.pl", "domain:shop.example.com",
            "email:sales@torby-sklep.pl", "phone:+48123456789"} == keys
    assert {e.kind: e.country for e in found}["city"] == "PL"


@pytest.mark.parametrize("written", ["Krakau", "Cracow", "Kraków", "Cracovie", "Cracovia",
                                     "Krakowie", "KRAKAU"])
def test_a_city_in_any_language_is_the_same_claim(written: str) -> None:
    [entity] = [e for e in entities_find(f"I saw it in {written} last year.")
                if e.kind == "city"]
    assert entity.key == "city:krakow" and entity.country == "PL"


@pytest.mark.parametrize(("text", "code"), [
    ("Ich glaube, das ist aus Polen.", "PL"), ("Je pense que c'est en Allemagne.", "DE"),
    ("Widziałem to w Niemczech.", "DE"), ("Lo vi en Francia.", "FR"),
])
def test_country_names_in_ui_languages(text: str, code: str) -> None:
    assert (f"country:{code}") in {e.key for e in entities_find(text)}


def test_phone_written_with_00_is_the_same_number_and_found_where_written() -> None:
    text = "Ring 0048 12 345 67 89 please"
    [phone] = [e for e in entities_find(text) if e.kind == "phone"]
    assert phone.key == "phone:+48123456789"
    assert text[phone.start:phone.end] == "0048 12 345 67 89"


def test_capital_words_are_brands_but_not_acronyms_currencies_or_shouting() -> None:
    assert ("brand", "ALBERT HEIJN", "brand:albert heijn") in _kinds(
        "The same bag at ALBERT HEIJN and at H&M.")
    assert ("brand", "H&M", "brand:h m") in _kinds("The same bag at ALBERT HEIJN and at H&M.")
    assert _kinds("It cost 20 EUR, OK? PLEASE HELP, I saw it on TV.") == []
    # a text written all in capitals says nothing by its capitals
    assert [k for k, _v, _key in _kinds("I SAW THIS BAG AT THE MARKET IN TOWN")
            if k == "brand"] == []


def test_entities_never_overlap_and_odd_input_is_harmless() -> None:
    for text in ["", "   ", "\x00\x01", "a" * 50_000, "http://", "@@@.com", "+++ 00 00",
                 "<script>alert(1)</script> www.evil.example.com",
                 "ĽéoN BaNaNa 東京 ☃ \u202e reversed"]:
        found = entities_find(text)
        spans = sorted((e.start, e.end) for e in found)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
        assert all(0 <= s < e <= len(text) for s, e in spans)
    assert entities_find(None) == []  # type: ignore[arg-type]


# Triage score


def test_an_informative_tip_outranks_empty_spammy_and_gibberish_ones() -> None:
    def score(text: str, **fields: str) -> float:
        return analyse(TipText(text=text, **fields), language=False).score

    informative = score("I bought this exact bag at KAUFHOF in Kraków last spring, on the "
                        "ground floor near the station; the shop is at ul. Pawia 5.",
                        country="PL", place="Kraków", seen_when="April 2024")
    short_but_concrete = score("KAUFHOF, Kraków")
    empty = score("")
    gibberish = score("xkq zzv qqq wwrt")
    links_only = score("http://buy-cheap.example.com http://pills.example.com")
    spam = score("Great offers http://a.example.com http://b.example.com "
                 "http://c.example.com http://d.example.com")
    vague = score("I think I have seen this before somewhere.")
    assert informative > short_but_concrete > vague
    assert vague > max(empty, gibberish, links_only, spam)
    assert informative > 6
    reasons = analysis.score_reasons(TipText(text="xkq zzv qqq wwrt"), [])
    assert "gibberish" in reasons


def test_score_weights_are_documented() -> None:
    assert set(analysis.SCORE_WEIGHTS) == {"entity", "country", "place", "when", "length",
                                           "gibberish", "links_only", "many_links",
                                           "shouting"}


# Claims, words, similarity


def test_fingerprint_has_claims_and_stemmed_content_words_without_stopwords() -> None:
    fp = _fp("I saw the bags at KAUFHOF in Krakau", country="PL", place="Kraków, Floriańska")
    assert "c:brand:kaufhof" in fp and "c:city:krakow" in fp and "c:country:PL" in fp
    assert "w:bag" in fp  # "bags" stemmed
    assert not {"w:the", "w:saw", "w:i"} & set(fp)


def test_similarity_is_weighted_jaccard_with_claims_dominating() -> None:
    a = ["c:brand:kaufhof", "c:city:krakow", "w:bag"]
    b = ["c:brand:kaufhof", "c:city:krakow", "w:sac"]
    assert similarity(a, b) == pytest.approx(8 / 10)
    assert similarity(a, a) == 1.0
    assert similarity([], []) == 0.0
    assert similarity(["w:bag", "w:red"], ["w:bag", "w:blue"]) == pytest.approx(1 / 3)


def test_band_keys_are_stable_and_identical_fingerprints_share_all() -> None:
    fp = _fp("Sold at KAUFHOF in Krakau")
    keys = analysis.band_keys(fp)
    assert keys == analysis.band_keys(list(reversed(fp)))
    assert len(keys) == analysis.BANDS + 1
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert analysis.band_keys([]) == []


# Clustering quality

SAME_CLAIMS = {
    "kaufhof-krakow": [
        "I saw this bag at KAUFHOF in Krakau, next to the main station.",
        "This bag is sold in the KAUFHOF shop in Kraków.",
        "Ich habe diese Tasche bei KAUFHOF in Krakau gesehen.",
        "J'ai vu ce sac chez KAUFHOF à Cracovie.",
        "Widziałem tę torbę w KAUFHOF w Krakowie.",
        "KAUFHOF, Cracow. That is where this bag comes from.",
    ],
    "lidl-berlin": [
        "They sell it at LIDL in Berlin.",
        "Gekauft bei LIDL in Berlin, letztes Jahr.",
        "LIDL, Berlin. Same bag on the shelf.",
    ],
    "web-shop": [
        "It is on www.torby-sklep.pl for 20 zł",
        "You can buy it online at torby-sklep.pl",
        "See https://torby-sklep.pl/product/123",
    ],
}
DIFFERENT = [
    "Sold at KAUFHOF in Berlin",  # the brand of one group, the city of another
    "I saw it at LIDL in Kraków",
    "No idea, sorry.",
    "I think I saw it in Madrid at ZARA.",
    "It is on www.other-shop.de",
]


def _cluster(texts: list[tuple[str, str]]) -> list[set[str]]:
    clusterer = Clusterer()
    for n, (_label, text) in enumerate(texts):
        clusterer.add(n, _fp(text))
    return [{texts[i][0] for i in group} for group in clusterer.groups()], clusterer


def test_paraphrases_and_other_languages_cluster_together_different_claims_do_not() -> None:
    texts = [(label, t) for label, ts in SAME_CLAIMS.items() for t in ts]
    texts += [(f"other{n}", t) for n, t in enumerate(DIFFERENT)]
    random.Random(5).shuffle(texts)
    groups, clusterer = _cluster(texts)
    assert sorted(groups, key=sorted) == [{"kaufhof-krakow"}, {"lidl-berlin"}, {"web-shop"}]
    sizes = sorted(len(g) for g in clusterer.groups())
    assert sizes == [3, 3, 6]


def test_a_flood_of_identical_tips_is_one_cluster_and_stays_cheap() -> None:
    clusterer = Clusterer()
    fp = _fp("Buy cheap bags at www.spam-shop.example.com")
    other = _fp("Sold at KAUFHOF in Krakau")
    for n in range(2000):
        clusterer.add(n, fp)
    clusterer.add(5000, other)
    [group] = clusterer.groups()
    assert len(group) == 2000
    # buckets hold at most BUCKET_CAP tips: a new tip compares with few others
    assert max(len(b) for b in clusterer.buckets.values()) == analysis.BUCKET_CAP


def test_ranking_prefers_shared_buckets_then_the_earliest_and_matching_takes_the_first(
) -> None:
    assert analysis.rank_candidates({7: 2, 3: 2, 9: 5}) == [9, 3, 7]
    assert analysis.rank_candidates(dict.fromkeys(range(100), 1), limit=3) == [0, 1, 2]
    tokens = ["c:city:krakow", "w:bag"]
    close = ["c:city:krakow", "w:bag", "w:red"]
    assert analysis.best_match(tokens, [(1, ["w:other"]), (8, close), (4, tokens)]) == (
        8, pytest.approx(5 / 6))
    assert analysis.best_match(tokens, [(1, ["w:other"])]) is None


def test_detect_language_uses_the_page_language_only_to_break_ties(monkeypatch) -> None:
    from traceobject.geo import language

    found = [language.DetectedLanguage("de", 0.31), language.DetectedLanguage("en", 0.30)]
    monkeypatch.setattr(language, "detect_languages", lambda text, limit=3: found)
    assert analysis.detect_language("x", hint="en") == "en"
    assert analysis.detect_language("x", hint="fr") == ""  # too close to call
    found[:] = [language.DetectedLanguage("pl", 0.9)]
    assert analysis.detect_language("x", hint="en") == "pl"
    found[:] = []
    assert analysis.detect_language("x", hint="en") == ""
