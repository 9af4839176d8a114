"""Shop and brand names linked to countries: tips naming them become clues; a link added or
removed makes those tips be read again. Validation, roles, hostile input, nothing changed on
refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.clues import brands, estimates, selectors, tip_clues
from traceobject.clues.models import BrandLink, ClueRecord, ClueScan, EstimateRecord
from traceobject.clues.tasks import object_estimate_task
from traceobject.core.errors import ServiceError

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "liaison", "liaison_fr", "auditor", "reviewer",
         "administrator", "investigator", "investigator2"]
ALLOWED = {"investigator", "investigator2"}
PAGE = "/internal/brands/"
ADD = "/internal/brands/add/"


def _queued_objects() -> list[int]:
    return sorted(row.args_kwargs["args"][0] for row in DBTaskResult.objects.filter(
        task_path__endswith=".object_estimate_task"))


def _run_queued() -> None:
    """What the worker does: run the queued recomputes (then forget them and the window)."""
    for object_id in _queued_objects():
        object_estimate_task.call(object_id)
    DBTaskResult.objects.all().delete()
    cache.clear()


def _brand_reasons(obj: Any) -> list[str]:
    """The brand clues among the stored tip clues of ``obj`` (the estimate sums tips up)."""
    return sorted(str(c.payload["reason"]) for c in ClueRecord.objects.filter(tip__object=obj)
                  if "brand" in str(c.payload.get("reason")))


def _p(obj: Any, code: str) -> float:
    return dict(selectors.object_country_ranking(obj)).get(code, 0.0)


def _state() -> tuple[Any, ...]:
    """Everything a refused request must leave alone."""
    return (sorted(BrandLink.objects.values_list("key", "country", "note")),
            AuditEvent.objects.count(), sorted(ClueScan.objects.values_list("pk", flat=True)),
            sorted(ClueRecord.objects.values_list("pk", flat=True)), DBTaskResult.objects.count())


@pytest.fixture(autouse=True)
def _fresh_window() -> None:
    cache.clear()  # the scheduling window of another test's object ids


def test_a_linked_brand_counts_in_the_stored_estimate_until_unlinked(
        published, make_tip, users, django_capture_on_commit_callbacks):
    investigator = users["investigator"]
    naming = make_tip(published, "Ich kaufe das bei KAUFHOF", state="useful")
    other = make_tip(published, "Keine Ahnung, leider.", state="useful")
    estimates.object_estimate_refresh(obj=published)
    assert _brand_reasons(published) == []
    assert EstimateRecord.objects.get(object=published).best == ""
    other_scan = ClueScan.objects.get(tip=other).pk

    with django_capture_on_commit_callbacks(execute=True):
        link = brands.brand_link_add(user=investigator, name="Kaufhof", country="de",
                                     note="German department store chain")
    assert (link.name, link.key, link.country) == ("Kaufhof", "kaufhof", "DE")
    # the naming tip is forgotten, to be read again; the other tip is left alone
    assert not ClueScan.objects.filter(tip=naming).exists()
    assert not ClueRecord.objects.filter(tip=naming).exists()
    assert ClueScan.objects.get(tip=other).pk == other_scan
    assert _queued_objects() == [published.pk]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "clue.brand_add" and event.data["country"] == "DE"
    assert event.data["tips_reread"] == 1

    _run_queued()
    estimate = EstimateRecord.objects.get(object=published)
    assert estimate.best == "DE" and _p(published, "DE") > 0.05  # flat: 0.004
    assert "1 tip says: Germany 1" in estimate.reasons[0]
    assert _brand_reasons(published) == ["tip mentions brand Kaufhof -> Germany (useful)"]
    assert [v.tips for v in selectors.brand_links_list()] == [1]

    with django_capture_on_commit_callbacks(execute=True):
        brands.brand_link_remove(user=investigator, link=link)
    assert not BrandLink.objects.exists()
    assert _queued_objects() == [published.pk]
    assert AuditEvent.objects.order_by("-seq").first().action == "clue.brand_remove"
    _run_queued()
    assert _brand_reasons(published) == []
    assert EstimateRecord.objects.get(object=published).best == ""
    assert ClueScan.objects.filter(tip=naming).exists()  # read again, without the brand


def test_inflected_and_unaccented_names_are_found_and_reread(
        published, make_object, make_tip, users, django_capture_on_commit_callbacks):
    elsewhere = make_object(title="Other bag")
    tips = [make_tip(published, "Kupiłem to w Biedronki.", state="useful"),
            make_tip(elsewhere, "widziałem w zabka na rogu", state="useful"),
            make_tip(elsewhere, "Nothing to see.", state="useful")]
    for obj in (published, elsewhere):
        estimates.object_estimate_refresh(obj=obj)
    with django_capture_on_commit_callbacks(execute=True):
        brands.brand_link_add(user=users["investigator"], name="Biedronka", country="PL")
        brands.brand_link_add(user=users["investigator"], name="Żabka", country="PL")
    assert not ClueScan.objects.filter(tip__in=tips[:2]).exists()
    assert ClueScan.objects.filter(tip=tips[2]).exists()
    assert _queued_objects() == sorted([published.pk, elsewhere.pk])
    _run_queued()
    assert _brand_reasons(published) == ["tip mentions brand Biedronka -> Poland (useful)"]
    assert _brand_reasons(elsewhere) == ["tip mentions brand Żabka -> Poland (useful)"]
    assert EstimateRecord.objects.get(object=published).best == "PL"
    assert EstimateRecord.objects.get(object=elsewhere).best == "PL"
    assert {v.link.name: v.tips for v in selectors.brand_links_list()} == {
        "Biedronka": 1, "Żabka": 1}


def test_the_links_are_read_once_per_scan_not_per_tip(published, make_tip, users, monkeypatch):
    brands.brand_link_add(user=users["investigator"], name="Lidl", country="DE")
    for n in range(5):
        make_tip(published, f"Bei Lidl gesehen, Nummer {n}.")
    calls = []
    original = selectors.brand_links_map

    def counting() -> dict[str, str]:
        calls.append(1)
        return original()

    monkeypatch.setattr(tip_clues, "brand_links_map", counting)
    estimates.object_estimate_refresh(obj=published)
    assert len(calls) == 1
    assert ClueRecord.objects.filter(
        payload__reason__startswith="tip mentions brand Lidl").count() == 5
    estimates.object_estimate_refresh(obj=published)  # nothing left to read: not even asked
    assert len(calls) == 1


@pytest.mark.parametrize(("name", "country", "note", "field"), [
    ("Kaufhof", "XX", "", "country"),
    ("Kaufhof", "", "", "country"),
    ("Kaufhof", "DEU", "", "country"),
    ("Kaufhof", "AQ", "", "country"),  # a territory no estimate ranges over
    ("Kaufhof", None, "", "country"),
    ("", "DE", "", "name"),
    ("   ", "DE", "", "name"),
    ("K", "DE", "", "name"),
    ("!!", "DE", "", "name"),  # no letters: never found in a tip
    ("x" * 81, "DE", "", "name"),
    ("Kauf\x00hof", "DE", "", "name"),
    ("Kauf\nhof", "DE", "", "name"),
    ("Kauf\u200bhof", "DE", "", "name"),
    (None, "DE", "", "name"),
    (["Kaufhof"], "DE", "", "name"),
    ("Kaufhof", "DE", "n" * 501, "note"),
    ("Kaufhof", "DE", "bad\x07note", "note"),
    ("Kaufhof", "DE", 5, "note"),
])
def test_refused_input_changes_nothing(published, make_tip, users, name, country, note, field):
    make_tip(published, "Ich kaufe das bei KAUFHOF", state="useful")
    estimates.object_estimate_refresh(obj=published)
    before = _state()
    with pytest.raises(ServiceError) as refused:
        brands.brand_link_add(user=users["investigator"], name=name, country=country,
                              note=note)
    assert refused.value.status == 400 and field in refused.value.fields
    assert _state() == before


@pytest.mark.parametrize("again", ["KAUFHOF", "kaufhof", "  Kaufhöf ", "Kauf-hof"])
def test_a_name_linked_already_is_a_conflict(published, make_tip, users, again):
    if again == "Kauf-hof":
        brands.brand_link_add(user=users["investigator"], name="Kauf hof", country="DE")
    else:
        brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE")
    make_tip(published, "Ich kaufe das bei KAUFHOF", state="useful")
    estimates.object_estimate_refresh(obj=published)
    before = _state()
    with pytest.raises(ServiceError) as refused:
        brands.brand_link_add(user=users["investigator2"], name=again, country="AT")
    assert refused.value.status == 409 and refused.value.code == "duplicate_brand"
    assert _state() == before


@pytest.mark.parametrize("role", ["reviewer", "administrator", "liaison", "auditor",
                                  "outsider"])
def test_only_investigators_link_and_unlink(published, make_tip, users, role):
    link = brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE")
    make_tip(published, "Ich kaufe das bei KAUFHOF", state="useful")
    estimates.object_estimate_refresh(obj=published)
    before = _state()
    for call in (lambda: brands.brand_link_add(user=users[role], name="Lidl", country="DE"),
                 lambda: brands.brand_link_remove(user=users[role], link=link)):
        with pytest.raises(ServiceError) as refused:
            call()
        assert refused.value.status == 403
    assert _state() == before


def test_removing_twice_is_not_found(users):
    link = brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE")
    brands.brand_link_remove(user=users["investigator"], link=link)
    before = _state()
    with pytest.raises(ServiceError) as refused:
        brands.brand_link_remove(user=users["investigator"], link=link)
    assert refused.value.status == 404
    assert _state() == before


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("role", ROLES)
def test_pages_against_every_role(client, users, role):
    link = brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE")
    if role != "anonymous":
        staff_login(client, users[role])
    remove = f"/internal/brands/{link.pk}/remove/"
    before = _state()
    responses = [client.get(PAGE), client.post(ADD, {"name": "Lidl", "country": "DE"}),
                 client.post(remove)]
    if role == "anonymous":
        for response in responses:
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        assert _state() == before
    elif role in ALLOWED:
        page, added, removed = responses
        assert page.status_code == 200 and b"Kaufhof" in page.content
        assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
        assert added.status_code == 302 and added["Location"] == PAGE
        assert removed.status_code == 302
        assert list(BrandLink.objects.values_list("name", flat=True)) == ["Lidl"]
    else:
        assert [r.status_code for r in responses] == [403, 403, 403]
        assert _state() == before


def test_changes_are_post_only(client, users):
    link = brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE")
    staff_login(client, users["investigator"])
    assert client.get(ADD).status_code == 405
    assert client.get(f"/internal/brands/{link.pk}/remove/").status_code == 405
    assert client.post(f"/internal/brands/{link.pk + 1000}/remove/").status_code == 404
    assert BrandLink.objects.filter(pk=link.pk).exists()


def test_page_lists_links_and_is_linked_from_the_country_pages(client, users, published,
                                                                make_tip):
    brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE",
                          note="Department stores in Germany")
    make_tip(published, "Ich kaufe das bei KAUFHOF", state="useful")
    estimates.object_estimate_refresh(obj=published)
    staff_login(client, users["investigator"])
    html = client.get(PAGE).content.decode()
    row = html[html.index("<td>Kaufhof</td>"):html.index("</tr>", html.index("<td>Kaufhof"))]
    assert "Germany" in row and "Department stores in Germany" in row
    assert users["investigator"].get_username() in row and "<td>1</td>" in row
    assert 'style="' not in html and "<script>" not in html
    country_page = client.get(f"/internal/objects/{published.ref}/country/").content.decode()
    assert 'href="/internal/brands/"' in country_page
    assert "Linked shop and brand names" in country_page


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"name": "Kaufhof", "country": "XX"}, 400, "Select a valid choice"),
    ({"name": "", "country": "DE"}, 400, "This field is required"),
    ({"name": "x" * 81, "country": "DE"}, 400, "at most 80 characters"),
    ({"name": "Kaufhof", "country": "DE", "note": "n" * 501}, 400, "at most 500 characters"),
    ({"name": "K", "country": "DE"}, 400, "at least 2 characters"),
    ({"name": "Kauf\x00hof", "country": "DE"}, 400, "This contains control characters."),
    ({"name": "KAUFHOF", "country": "AT"}, 409, "is linked to a country already"),
])
def test_the_form_refuses_bad_input_and_changes_nothing(client, users, data, status,
                                                         message):
    brands.brand_link_add(user=users["investigator"], name="Kaufhof", country="DE")
    staff_login(client, users["investigator"])
    before = _state()
    response = client.post(ADD, data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert _state() == before


def test_hostile_html_is_escaped(client, users):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    staff_login(client, users["investigator"])
    response = client.post(ADD, {"name": "Shop" + hostile[:60], "country": "FR",
                                 "note": hostile})
    assert response.status_code == 302
    html = client.get(PAGE).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # refused hostile input is echoed escaped too
    response = client.post(ADD, {"name": hostile, "country": "<b>DE</b>"})
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
