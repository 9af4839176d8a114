"""routing.selectors: who sees which forwarding, and authority suggestions."""

from __future__ import annotations

import importlib

import pytest
from django.utils import translation

from traceobject.core.errors import NotFound
from traceobject.routing import selectors

pytestmark = pytest.mark.django_db


# Visibility: the four combinations of liaison officer and country, then the other roles


@pytest.mark.parametrize("role, own, other", [
    ("liaison", "forwarding_de", "forwarding_fr"),
    ("liaison_fr", "forwarding_fr", "forwarding_de"),
])
def test_a_liaison_sees_only_their_authoritys_forwardings(request, users, role, own,
                                                          other) -> None:
    own_forwarding = request.getfixturevalue(own)
    other_forwarding = request.getfixturevalue(other)
    visible = selectors.forwardings_visible_to(users[role])
    assert list(visible) == [own_forwarding]
    assert selectors.forwarding_get(user=users[role], ref=own_forwarding.ref) == own_forwarding
    with pytest.raises(NotFound):
        selectors.forwarding_get(user=users[role], ref=other_forwarding.ref)


@pytest.mark.parametrize("role, sees_all", [
    ("investigator", True), ("investigator2", True), ("administrator", True), ("auditor", True),
    ("reviewer", False), ("outsider", False),
])
def test_staff_roles_see_all_others_none(users, forwarding_de, forwarding_fr, role,
                                         sees_all) -> None:
    visible = set(selectors.forwardings_visible_to(users[role]))
    assert visible == ({forwarding_de, forwarding_fr} if sees_all else set())


def test_unknown_or_malformed_references_are_not_found(users, forwarding_de) -> None:
    for ref in ("FWD-2027-99999", "", "x" * 500, "FWD-2027-0001'; --", forwarding_de.ref.lower()):
        with pytest.raises(NotFound):
            selectors.forwarding_get(user=users["investigator"], ref=ref)


# Suggestions


def test_countries_named_in_tips_come_first_by_votes(published, submit_tips,
                                                     authorities) -> None:
    tips = submit_tips(published, *[{"text": f"Poland {n}", "country": "PL"} for n in range(7)],
                       {"text": "Austria 1", "country": "AT"},
                       {"text": "Italy 1", "country": "IT"},  # inactive authority
                       {"text": "Spain 1", "country": "ES"},  # no authority
                       {"text": "No country given"})
    with translation.override("en"):
        suggestions = selectors.authority_suggest(obj=published, tips=tips)
    countries = [a.country for a, _reason in suggestions]
    assert countries[:2] == ["PL", "AT"]
    assert "IT" not in countries and "ES" not in countries
    assert suggestions[0][1] == "7 of 11 tips name Poland"
    assert suggestions[1][1] == "1 of 11 tips names Austria"


def test_no_tip_country_no_tip_suggestion(published, submit_tips, authorities,
                                          monkeypatch) -> None:
    monkeypatch.setattr(selectors, "_ranking_function", lambda: None)
    tips = submit_tips(published, {"text": "Somewhere, I do not know."})
    assert selectors.authority_suggest(obj=published, tips=tips) == []


def test_the_objects_country_estimate_follows_the_tips(published, submit_tips, authorities,
                                                       monkeypatch) -> None:
    """With a stand-in for clues.selectors.object_country_ranking."""
    calls = []

    def ranking(obj):
        calls.append(obj)
        return [("PL", 0.5), ("it", 0.3), ("FR", 0.15), ("XX", 0.05), ("AT", 0.01)]

    monkeypatch.setattr(selectors, "_ranking_function", lambda: ranking)
    tips = submit_tips(published, {"text": "Polish shop", "country": "PL"})
    with translation.override("en"):
        suggestions = selectors.authority_suggest(obj=published, tips=tips)
    assert calls == [published]
    assert [a.country for a, _ in suggestions] == ["PL", "FR", "AT"]  # IT inactive, XX none
    assert suggestions[0][1] == "1 of 1 tips names Poland"
    assert suggestions[1][1] == "Country estimate of the object: France (15%)"


def test_with_the_clues_areas_real_country_ranking(published, submit_tips, authorities) -> None:
    try:
        module = importlib.import_module("traceobject.clues.selectors")
        ranking = module.object_country_ranking
    except (ImportError, AttributeError):
        pytest.skip("traceobject.clues.selectors.object_country_ranking is not there yet")
    tips = submit_tips(published, {"text": "Polish shop", "country": "PL"})
    estimates = importlib.import_module("traceobject.clues.models").EstimateRecord
    estimates.objects.update_or_create(object=published, defaults={
        "probabilities": [{"code": "AT", "p": 0.6}, {"code": "PL", "p": 0.3},
                          {"code": "IT", "p": 0.1},
                          # as records stored every country once: no evidence, never offered
                          {"code": "DE", "p": 0.004}, {"code": "FR", "p": 0.004}],
        "best": "AT", "clue_count": 3})
    assert [code for code, _ in ranking(published)] == ["AT", "PL", "IT"]
    with translation.override("en"):
        suggestions = selectors.authority_suggest(obj=published, tips=tips)
    assert [(a.country, reason) for a, reason in suggestions] == [
        ("PL", "1 of 1 tips names Poland"),
        ("AT", "Country estimate of the object: Austria (60%)"),
    ]
    # no clue, no estimate: nothing is suggested from it, whatever the stored list says
    estimates.objects.filter(object=published).update(best="", clue_count=0)
    assert ranking(published) == []
    with translation.override("en"):
        suggestions = selectors.authority_suggest(obj=published, tips=tips)
    assert [a.country for a, _reason in suggestions] == ["PL"]
