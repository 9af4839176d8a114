"""Country pages: roles, the map, forms with bad and hostile input, deleting, recomputing;
and the internal API."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.utils import timezone
from ninja.testing import TestClient

from tests.conftest import staff_login
from traceobject.accounts.models import ApiToken
from traceobject.accounts.tokens import token_digest, token_new
from traceobject.api.clues import router
from traceobject.audit.models import AuditEvent
from traceobject.clues import estimates, investigators, selectors
from traceobject.clues.models import ClueRecord, EstimateRecord, Source
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import Case

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "liaison", "liaison_fr", "auditor", "reviewer",
         "administrator", "investigator", "investigator2"]
ALLOWED = {"investigator", "investigator2"}


@pytest.fixture
def case(db) -> Case:
    return Case.objects.create(ref="CASE-7")


@pytest.fixture
def note(published, users) -> ClueRecord:
    return investigators.clue_note_add(user=users["investigator"], country="PL", stance="for",
                                       because="Polish price tag", obj=published)


def _urls(published, case, note) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    obj = f"/internal/objects/{published.ref}/country/"
    cas = f"/internal/cases/{case.ref}/country/"
    pages = [obj, cas]
    posts = [
        (obj + "tags/", {"tag": "plug", "value": "C"}),
        (obj + "notes/", {"country": "CZ", "stance": "against", "because": "no"}),
        (obj + "refresh/", {}),
        (cas + "tags/", {"tag": "voltage", "value": "230"}),
        (cas + "notes/", {"country": "CZ", "stance": "for", "because": "yes"}),
        (cas + "refresh/", {}),
        (obj + f"clues/{note.pk}/delete/", {}),
    ]
    return pages, posts


@pytest.mark.parametrize("role", ROLES)
def test_every_url_against_every_role(client, users, published, case, note, role):
    if role != "anonymous":
        staff_login(client, users[role])
    pages, posts = _urls(published, case, note)
    clues_before = ClueRecord.objects.count()
    for url in pages:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        elif role in ALLOWED:
            assert response.status_code == 200, url
            assert "no-cache" in response["Cache-Control"] or "no-store" in response[
                "Cache-Control"]
        else:
            assert response.status_code == 403, (url, role)
    for url, data in posts:
        assert client.get(url).status_code == 405, url  # changes are POST only
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        elif role in ALLOWED:
            assert response.status_code == 302, (url, response.content[:300])
        else:
            assert response.status_code == 403, (url, role)
    if role in ALLOWED:
        assert not ClueRecord.objects.filter(pk=note.pk).exists()
        assert ClueRecord.objects.count() == clues_before + 4 - 1
    else:
        assert ClueRecord.objects.count() == clues_before


def _svg(content: bytes) -> ET.Element:
    html = content.decode()
    start = html.index("<svg viewBox")
    end = html.index("</svg>", start) + len("</svg>")
    return ET.fromstring(html[start:end])  # noqa: S314 - our own page


def test_page_shows_ranking_reasons_clues_and_map(client, users, published, make_tip):
    for _ in range(3):
        make_tip(published, "Bought in Warsaw, in a Biedronka.", country="PL", state="useful")
    make_tip(published, "Praha!", country="CZ", state="spam")
    investigators.clue_tag_add(user=users["investigator"], tag="currency", value="zł",
                               obj=published)
    staff_login(client, users["investigator"])
    response = client.get(f"/internal/objects/{published.ref}/country/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Poland" in html and "Most likely countries" in html
    assert "3 tips say: Poland 3" in html
    assert "investigator tag currency = PLN" in html
    assert "tip says country Poland (useful)" in html and "(spam)" in html
    svg = _svg(response.content)
    ns = {"s": "http://www.w3.org/2000/svg"}
    paths = list(svg.iter("{http://www.w3.org/2000/svg}path"))
    assert len(paths) > 150
    top = [p for p in paths if "top" in p.get("class", "").split()]
    assert [p.get("data-code") for p in top] == ["PL"]
    assert "p5" in top[0].get("class", "")
    assert top[0].find("s:title", ns).text.startswith("Poland: ")
    assert paths[-1].get("data-code") == "PL"  # drawn last: its outline is on top
    assert 'style="' not in html and "<script>" not in html  # CSP: no inline style/script


def test_seven_agreeing_tips_lead_the_page_and_nothing_without_evidence_is_listed(
        client, users, published, make_tip):
    texts = ["Kupiłem to w Polsce", "I bought this in Poland", "Das gibt es in Polen",
             "Seen in a shop in Warsaw", "Polska", "seen in Kraków", "from Poland, I'm sure"]
    for text in texts:  # untriaged tips, written in English
        make_tip(published, text, country="PL", language="en")
    make_tip(published, "Gekauft in Deutschland", country="DE", language="de")
    make_tip(published, "I think Czech Republic", language="en")
    record = estimates.object_estimate_refresh(obj=published)
    assert record.best == "PL" and record.probabilities[0]["code"] == "PL"
    assert record.probabilities[0]["p"] > 0.75  # was 0.29, ahead of an alphabetical tail
    assert all(item["p"] >= 0.01 for item in record.probabilities)
    view = selectors.object_estimate_view(published)
    assert view.status == "estimate" and view.ranked[0].code == "PL"
    staff_login(client, users["investigator"])
    html = client.get(f"/internal/objects/{published.ref}/country/").content.decode()
    ranking = html[html.index('id="ranking-h"'):html.index('id="reasons-h"')]
    assert "Poland" in ranking
    for name in ("Afghanistan", "Aruba", "Andorra", "United States"):
        assert name not in ranking
        assert f"<title>{name}:" not in html  # the map names it, with no number
    assert "No estimate yet" not in html
    svg = _svg(html.encode())
    coloured = {p.get("data-code") for p in svg.iter("{http://www.w3.org/2000/svg}path")
                if p.get("class", "").split()[0] != "p0"}
    assert coloured == {item["code"] for item in record.probabilities} and "PL" in coloured
    # and the forwarding suggestion from it never offers a country at 0 %
    assert [code for code, _p in selectors.object_country_ranking(published)] == \
        [item["code"] for item in record.probabilities]


def test_a_tip_that_names_nothing_gives_no_estimate(client, users, published, make_tip):
    make_tip(published, "I have seen this bag before, I am sure of it.", language="en",
             state="useful")
    record = estimates.object_estimate_refresh(obj=published)
    assert record.best == "" and record.evidence_count == 1 and record.probabilities == []
    view = selectors.object_estimate_view(published)
    assert view.status == "inconclusive" and view.ranked == [] and view.best is None
    staff_login(client, users["investigator"])
    html = client.get(f"/internal/objects/{published.ref}/country/").content.decode()
    assert "No estimate yet." in html and "No country stands out yet." in html
    assert "<title>United States</title>" in html  # on the map, with no number
    assert "<title>United States:" not in html


def test_flat_page_and_unknown_references(client, users, published, case):
    staff_login(client, users["investigator"])
    response = client.get(f"/internal/objects/{published.ref}/country/")
    assert response.status_code == 200
    assert b"No estimate yet." in response.content and b"No clue counts yet" in response.content
    assert b"top-row" not in response.content  # no list of equally likely countries
    assert b"<title>Afghanistan:" not in response.content
    svg = _svg(response.content)
    classes = {p.get("class") for p in svg.iter("{http://www.w3.org/2000/svg}path")}
    assert classes == {"p0"}
    assert client.get(f"/internal/cases/{case.ref}/country/").status_code == 200
    for url in ("/internal/objects/TAO-1999-0001/country/", "/internal/cases/NOPE/country/",
                "/internal/objects/%3Cscript%3E/country/"):
        assert client.get(url).status_code == 404
        assert client.post(url + "tags/", {"tag": "plug", "value": "G"}).status_code == 404


def test_hostile_text_is_escaped(client, users, published):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    investigators.clue_note_add(user=users["investigator"], country="FR", stance="for",
                                because=hostile, obj=published)
    staff_login(client, users["investigator"])
    html = client.get(f"/internal/objects/{published.ref}/country/").content.decode()
    assert hostile not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@pytest.mark.parametrize("url,data", [
    ("tags/", {"tag": "plug", "value": "Q"}),
    ("tags/", {"tag": "nonsense", "value": "G"}),
    ("tags/", {"tag": "plug", "value": "G" * 500}),
    ("tags/", {}),
    ("notes/", {"country": "XX", "stance": "for", "because": "x"}),
    ("notes/", {"country": "PL", "stance": "perhaps", "because": "x"}),
    ("notes/", {"country": "PL", "stance": "for", "because": "x" * 10_000}),
    ("notes/", {"country": "PL", "stance": "for", "because": ""}),
    ("notes/", {"country": "PL", "stance": "for", "because": "nul\x00"}),
])
def test_bad_form_input_is_refused_and_changes_nothing(client, users, published, url, data):
    staff_login(client, users["investigator"])
    events = AuditEvent.objects.count()
    response = client.post(f"/internal/objects/{published.ref}/country/{url}", data)
    assert response.status_code == 400
    assert b'class="error"' in response.content
    assert not ClueRecord.objects.exists() and AuditEvent.objects.count() == events


def test_forms_add_tag_and_note_and_recompute(client, users, published):
    staff_login(client, users["investigator"])
    base = f"/internal/objects/{published.ref}/country/"
    assert client.post(base + "tags/", {"tag": "plug", "value": "G"}).status_code == 302
    assert client.post(base + "notes/", {"country": "IE", "stance": "for",
                                         "because": "Irish rugby shirt"}).status_code == 302
    assert EstimateRecord.objects.get(object=published).best == "IE"
    assert client.post(base + "refresh/").status_code == 302
    assert AuditEvent.objects.filter(action="clue.estimate_refresh",
                                     target=published.ref).count() == 1


def test_a_clue_is_deleted_only_through_its_own_page(client, users, published, make_object,
                                                     note):
    other = make_object(title="Other object")
    staff_login(client, users["investigator"])
    wrong = client.post(f"/internal/objects/{other.ref}/country/clues/{note.pk}/delete/")
    assert wrong.status_code == 404 and ClueRecord.objects.filter(pk=note.pk).exists()
    missing = client.post(f"/internal/objects/{published.ref}/country/clues/999999/delete/")
    assert missing.status_code == 404
    right = client.post(f"/internal/objects/{published.ref}/country/clues/{note.pk}/delete/")
    assert right.status_code == 302 and not ClueRecord.objects.filter(pk=note.pk).exists()


def test_case_page_lists_case_notes(client, users, case):
    investigators.clue_note_add(user=users["investigator"], country="RO", stance="for",
                                because="Romanian milk carton", case=case)
    staff_login(client, users["investigator"])
    html = client.get(f"/internal/cases/{case.ref}/country/").content.decode()
    assert "Romania" in html and "Romanian milk carton" in html
    clue = ClueRecord.objects.get(case=case)
    assert clue.source == Source.NOTE
    response = client.post(f"/internal/cases/{case.ref}/country/clues/{clue.pk}/delete/")
    assert response.status_code == 302 and not ClueRecord.objects.exists()


# --------------------------------------------------------------------------- API


def _token(user: Any) -> str:
    token = token_new()
    ApiToken.objects.create(user=user, name="t", prefix=token[:12],
                            digest=token_digest(token), created_at=timezone.now())
    return token


def test_api_estimate_of_an_object_and_a_case(users, published, case, note):
    api = TestClient(router)
    headers = {"Authorization": f"Bearer {_token(users['investigator'])}"}
    body = api.get(f"objects/{published.ref}/country", headers=headers).json()
    assert body["best"] == "PL" and body["countries"][0]["code"] == "PL"
    assert body["status"] == "estimate"
    assert body["reasons"][0].startswith("investigator: for Poland")
    assert body["clues"][0]["source"] == "note" and body["clues"][0]["created_by"] == "ivy"
    flat = api.get(f"cases/{case.ref}/country", headers=headers).json()
    assert flat["computed"] is False and flat["best"] is None and flat["countries"] == []
    assert flat["status"] == "not_computed"
    estimates.case_estimate_refresh(case=case)
    none = api.get(f"cases/{case.ref}/country", headers=headers).json()
    assert none["status"] == "no_clues" and none["best"] is None and none["countries"] == []
    assert none["reasons"] == ["no clues yet"]
    with pytest.raises(ServiceError) as info:
        api.get("objects/TAO-1999-0009/country", headers=headers)
    assert info.value.status == 404


def test_api_refuses_without_token_or_role(users, published):
    api = TestClient(router)
    assert api.get(f"objects/{published.ref}/country").status_code == 401
    bad = {"Authorization": "Bearer tob_" + "x" * 43}
    assert api.get(f"objects/{published.ref}/country", headers=bad).status_code == 401
    for role in ("reviewer", "liaison", "auditor", "outsider"):
        headers = {"Authorization": f"Bearer {_token(users[role])}"}
        with pytest.raises(ServiceError) as info:
            api.get(f"objects/{published.ref}/country", headers=headers)
        assert info.value.status == 403
