"""The tip inbox pages: listing, filters, bulk actions, the tip page and clusters, with bad
and hostile input (nothing changes when input is refused)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import staff_login
from tests.tips.conftest import tip_make
from traceobject.audit.models import AuditEvent
from traceobject.core.errors import ServiceError
from traceobject.internal.views_tips import highlight
from traceobject.routing.models import Authority
from traceobject.tips import intake, services
from traceobject.tips.models import (
    Direction,
    MailboxMessage,
    SealedTip,
    Tip,
    TipMessage,
    TipNote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ivy(client, users):
    staff_login(client, users["investigator"])
    return users["investigator"]


def _page(response) -> str:
    return response.content.decode()


# The inbox


def test_inbox_lists_tips_by_score_with_row_details(client, ivy, published, users) -> None:
    rich = tip_make(published, "Sold at KAUFHOF in Krakau, see www.torby-sklep.pl",
                    country="PL")
    tip_make(published, "KAUFHOF in Kraków sells it too", country="PL")
    vague = tip_make(published, "maybe")
    services.tip_assign(tips=[rich], assignee=users["investigator2"], user=ivy)
    response = client.get("/internal/tips/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = _page(response)
    assert html.index(f'/internal/tips/{rich.pk}/"') < html.index(
        f'/internal/tips/{vague.pk}/"')
    assert "+1 similar" in html and published.ref in html and "ian" in html
    assert '<mark class="entity entity-brand">KAUFHOF</mark>' in html
    assert '<mark class="entity entity-url">www.torby-sklep.pl</mark>' in html
    assert 'action="/internal/tips/bulk/"' in html and "Forward selected" in html
    assert "internal/tips.js" in html and "Keyboard shortcuts" in html


def test_hostile_html_in_a_tip_is_escaped(client, ivy, published) -> None:
    hostile = ('<script>alert(1)</script><img src=x onerror=alert(2)> "KAUFHOF" at '
               'H&M <b>bold</b> javascript:alert(3) www.evil.example.com/"><svg onload=x>')
    tip = tip_make(published, hostile, place="<iframe src=//x>")
    Tip.objects.filter(pk=tip.pk).update(entities=[
        *tip.entities,
        {"kind": 'url" onmouseover="alert(4)', "start": 0, "end": 8, "value": "x"},
        {"kind": "brand", "start": -5, "end": 99999, "value": "x"},
        {"kind": "brand", "start": "0", "end": 3, "value": "x"},
        "not a span",
    ])
    for url in ("/internal/tips/", f"/internal/tips/{tip.pk}/",
                f"/internal/objects/{published.ref}/tips/?q=%3Cscript%3E"):
        html = _page(client.get(url))
        for raw in ("<script>alert", "<img src=x", "<b>bold", "<svg onload", "<iframe",
                    'onmouseover="alert'):
            assert raw not in html, (url, raw)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = _page(client.get(f"/internal/tips/{tip.pk}/"))
    assert '<mark class="entity entity-brand">H&amp;M</mark>' in html


def test_highlight_never_trusts_spans() -> None:
    text = "a <b> KAUFHOF"
    spans = [{"kind": "brand", "start": 6, "end": 13, "value": "KAUFHOF"},
             {"kind": "brand", "start": 7, "end": 9, "value": "overlap"},
             {"kind": "evil\"", "start": 0, "end": 1}, {"start": 0}]
    assert str(highlight(text, spans)) == (
        'a &lt;b&gt; <mark class="entity entity-brand">KAUFHOF</mark>')
    assert str(highlight(text, "garbage")) == "a &lt;b&gt; KAUFHOF"
    assert str(highlight(text, spans, limit=8)) == (
        'a &lt;b&gt; <mark class="entity entity-brand">KA</mark>…')


def test_filters_and_state_tabs(client, ivy, published, make_object) -> None:
    other = make_object(title="Red cap")
    a = tip_make(published, "Sold at KAUFHOF in Krakau", country="PL")
    b = tip_make(published, "LIDL in Berlin", country="DE")
    c = tip_make(other, "Seen at KAUFHOF somewhere")
    services.tip_state_set(tips=[b], state="spam", user=ivy)

    def listed(url: str) -> set[int]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = _page(response)
        return {t.pk for t in (a, b, c) if f'value="{t.pk}" form="bulk-form"' in html}

    assert listed("/internal/tips/") == {a.pk, b.pk, c.pk}
    assert listed(f"/internal/objects/{published.ref}/tips/") == {a.pk, b.pk}
    assert listed(f"/internal/objects/{published.ref.lower()}/tips/") == {a.pk, b.pk}
    assert listed("/internal/tips/?state=spam") == {b.pk}
    assert listed("/internal/tips/?state=open") == {a.pk, c.pk}
    assert listed("/internal/tips/?country=pl") == {a.pk}
    assert listed("/internal/tips/?q=kaufhof") == {a.pk, c.pk}
    assert listed("/internal/tips/?order=oldest&page=99") == {a.pk, b.pk, c.pk}
    html = _page(client.get("/internal/tips/"))
    assert "Spam <span class=\"count\">(1)</span>" in html


@pytest.mark.parametrize("query", ["state=deleted", "country=XX", "since=yesterday",
                                   "until=2024-13-40", "q=" + "x" * 201, "assignee=999999",
                                   "cluster=-3", "order=drop", "language=%3Cscript%3E"])
def test_bad_filters_say_so(client, ivy, published, query) -> None:
    tip_make(published, "A tip.")
    response = client.get(f"/internal/tips/?{query}")
    assert response.status_code == 400
    assert "Some filters are not valid" in _page(response)


def test_unknown_objects_are_404(client, ivy) -> None:
    for ref in ("TAO-2020-9999", "nonsense", "../../etc"):
        assert client.get(f"/internal/objects/{ref}/tips/").status_code == 404


def test_inbox_queries_do_not_grow_with_the_rows(client, ivy, published, make_object,
                                                 users, django_assert_max_num_queries) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/internal/tips/").status_code == 200
        return len(captured)

    tip_make(published, "one tip")
    queries()  # the first request of a session does more (the roles are cached after it)
    few = queries()
    other = make_object(title="Red cap")
    for n in range(59):
        tip = tip_make(published if n % 2 else other, f"Sold at KAUFHOF in Krakau {n % 4}")
        if n % 3 == 0:
            services.tip_assign(tips=[tip], assignee=users["investigator2"], user=None)
    assert queries() == few
    # the page's reads, and the audit log's record of the tips it shows (its chain's last
    # hash and one INSERT; on PostgreSQL also the log's writer lock)
    with django_assert_max_num_queries(16):
        client.get(f"/internal/objects/{published.ref}/tips/?q=kaufhof&state=new")


# Bulk actions


def _bulk(client, **data):
    return client.post("/internal/tips/bulk/", data)


def test_bulk_state_and_assign(client, ivy, published, users) -> None:
    flood = [tip_make(published, "Buy at www.spam-shop.example.com") for _ in range(3)]
    alone = tip_make(published, "Sold at KAUFHOF in Krakau")
    back = f"/internal/objects/{published.ref}/tips/?state=new"
    response = _bulk(client, tip=[flood[0].pk, alone.pk], action="state", state="spam",
                     whole_cluster="on", next=back, object=published.ref)
    assert response.status_code == 302 and response["Location"] == back
    assert Tip.objects.filter(state="spam").count() == 4
    response = _bulk(client, tip=[alone.pk], action="assign",
                     assignee=str(users["investigator2"].pk), next="https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/internal/tips/"
    alone.refresh_from_db()
    assert alone.assigned_to == users["investigator2"]
    _bulk(client, tip=[alone.pk], action="assign", assignee="none")
    alone.refresh_from_db()
    assert alone.assigned_to is None


def test_bulk_forward_goes_to_the_forwarding_page(client, ivy, published) -> None:
    flood = [tip_make(published, "Buy at www.spam-shop.example.com") for _ in range(3)]
    alone = tip_make(published, "Sold at KAUFHOF in Krakau")
    response = _bulk(client, tip=[alone.pk, flood[0].pk], action="forward")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/internal/forwardings/new/"
    assert sorted(map(int, parse_qs(location.query)["tip"])) == sorted([alone.pk, flood[0].pk])
    response = _bulk(client, tip=[flood[0].pk], action="forward", whole_cluster="on")
    assert sorted(map(int, parse_qs(urlsplit(response["Location"]).query)["tip"])) == sorted(
        t.pk for t in flood)
    assert Tip.objects.filter(state="new").count() == 4  # forwarding happens there


def test_bulk_refuses_bad_input_and_changes_nothing(client, ivy, published, make_object,
                                                    users) -> None:
    tip = tip_make(published, "A tip.")
    foreign = tip_make(make_object(title="Red cap"), "Another object's tip.")
    cases = [
        {"tip": [tip.pk, 999999], "action": "state", "state": "spam"},  # unknown id
        {"tip": [tip.pk, foreign.pk], "action": "state", "state": "spam",
         "object": published.ref},  # a tip of another object
        {"tip": [tip.pk], "action": "state", "state": "deleted"},
        {"tip": [tip.pk], "action": "state"},
        {"tip": [], "action": "state", "state": "spam"},
        {"tip": ["1 OR 1=1"], "action": "state", "state": "spam"},
        {"tip": ["-1"], "action": "state", "state": "spam"},
        {"tip": ["9" * 30], "action": "state", "state": "spam"},
        {"tip": list(range(1, 161)), "action": "state", "state": "spam"},
        {"tip": [tip.pk], "action": "explode"},
        {"tip": [tip.pk], "action": "assign", "assignee": str(users["reviewer"].pk)},
        {"tip": [tip.pk], "action": "assign", "assignee": "abc"},
    ]
    for data in cases:
        response = _bulk(client, **data)
        assert response.status_code == 400, data
        assert "Refused" in _page(response), data
    assert client.post("/internal/tips/bulk/", {"tip": [tip.pk], "action": "state",
                                                "state": "spam", "object": "TAO-1999-0001"}
                       ).status_code == 404
    assert client.get("/internal/tips/bulk/").status_code == 405
    assert set(Tip.objects.values_list("state", flat=True)) == {"new"}
    assert set(Tip.objects.values_list("assigned_to", flat=True)) == {None}
    assert not AuditEvent.objects.filter(action__startswith="tip.").exists()


# The tip page


def _sealed_tip(published, text: str = "I saw it at KAUFHOF in Krakau.", **fields) -> Tip:
    intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": text, **fields}))
    services.sealed_tips_open()
    return Tip.objects.get(text=text)


def test_tip_page(client, ivy, published) -> None:
    tip = _sealed_tip(published)
    twin = tip_make(published, "KAUFHOF in Kraków, I am sure")
    html = _page(client.get(f"/internal/tips/{tip.pk}/"))
    assert '<mark class="entity entity-city">Krakau</mark>' in html
    assert "Similar tips" in html and f"/internal/tips/{twin.pk}/" in html
    assert "Ask" in html and "Add note" in html and "Refer off-topic report" in html
    for bad in ("999999", "0", "abc", "-1", "1.5"):
        assert client.get(f"/internal/tips/{bad}/").status_code == 404


def test_state_buttons_and_whole_cluster(client, ivy, published) -> None:
    tips = [tip_make(published, "Buy at www.spam-shop.example.com") for _ in range(3)]
    url = f"/internal/tips/{tips[0].pk}/state/"
    assert client.post(url, {"state": "useful"}).status_code == 302
    assert Tip.objects.filter(state="useful").count() == 1
    assert client.post(url, {"state": "spam", "whole_cluster": "on"}).status_code == 302
    assert Tip.objects.filter(state="spam").count() == 3
    for bad in ({"state": "gone"}, {}, {"state": ""}):
        assert client.post(url, bad).status_code == 400
    assert client.post("/internal/tips/999999/state/", {"state": "spam"}).status_code == 404
    assert Tip.objects.filter(state="spam").count() == 3


def test_notes_and_bad_notes(client, ivy, published) -> None:
    tip = tip_make(published, "A tip.")
    url = f"/internal/tips/{tip.pk}/note/"
    assert client.post(url, {"text": "Checked the shop: <b>closed</b>."}).status_code == 302
    html = _page(client.get(f"/internal/tips/{tip.pk}/"))
    assert "Checked the shop: &lt;b&gt;closed&lt;/b&gt;." in html
    for bad in ({"text": "x" * (services.NOTE_MAX + 1)}, {"text": "   "}, {}):
        assert client.post(url, bad).status_code == 400
    for hostile, reason in (("bell\x07", "This contains control characters."),
                            ("evil \u202e note", "This contains invisible characters")):
        response = client.post(url, {"text": hostile})
        assert response.status_code == 400 and reason in _page(response)
    assert TipNote.objects.count() == 1
    # The service refuses the same (it used to store control characters as they came).
    for hostile in ("bell\x07", "\x00", "evil \u202e note", "\ud800"):
        with pytest.raises(ServiceError) as info:
            services.tip_note_add(tip=tip, user=ivy, text=hostile)
        assert info.value.status == 422 and info.value.code == "invalid_note"
    assert TipNote.objects.count() == 1


def test_assign_on_the_tip_page(client, ivy, published, users) -> None:
    tip = tip_make(published, "A tip.")
    url = f"/internal/tips/{tip.pk}/assign/"
    assert client.post(url, {"assignee": str(users["investigator2"].pk)}).status_code == 302
    tip.refresh_from_db()
    assert tip.assigned_to == users["investigator2"]
    for bad in (str(users["auditor"].pk), "x", ""):
        assert client.post(url, {"assignee": bad}).status_code == 400
    tip.refresh_from_db()
    assert tip.assigned_to == users["investigator2"]


def test_ask_the_tipster_and_see_the_answer(client, ivy, published) -> None:
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": "A tip."}))
    services.sealed_tips_open()
    tip = Tip.objects.get()
    url = f"/internal/tips/{tip.pk}/ask/"
    assert client.post(url, {"text": "x" * (services.QUESTION_MAX + 1)}).status_code == 400
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "Gdzie?", "language": "xx"}).status_code == 400
    assert not MailboxMessage.objects.filter(direction=Direction.TO_TIPSTER).exists()
    assert client.post(url, {"text": "Which <shop>?"}).status_code == 302
    # the language chosen in the form goes with the question to the tipster's mailbox
    assert client.post(url, {"text": "W którym sklepie?", "language": "pl"}).status_code == 302
    asked = [(m.text, m.language) for m in intake.mailbox_open(receipt=receipt).messages
             if m.direction == Direction.TO_TIPSTER]
    assert asked == [("Which <shop>?", ""), ("W którym sklepie?", "pl")]
    intake.mailbox_reply(receipt=receipt, text="The <blue> one.")
    services.mailbox_replies_open()
    html = _page(client.get(f"/internal/tips/{tip.pk}/"))
    assert "Which &lt;shop&gt;?" in html and "The &lt;blue&gt; one." in html
    assert TipMessage.objects.count() == 3


def test_ask_when_the_mailbox_is_gone(client, ivy, published) -> None:
    tip = tip_make(published, "A tip with no sealed tip behind it.")
    response = client.post(f"/internal/tips/{tip.pk}/ask/", {"text": "Hello?"})
    assert response.status_code == 400
    assert "mailbox no longer exists" in _page(response)


def test_refer_off_topic(client, ivy, published, users) -> None:
    tip = tip_make(published, "Unrelated: I want to report something else.")
    url = f"/internal/tips/{tip.pk}/refer/"
    response = client.post(url, {})
    assert response.status_code == 400
    assert "names no country" in _page(response)
    Authority.objects.update_or_create(country="DE", defaults={
        "name": "BKA", "email": "x@bka.example", "referral_email": "report@bka.example"})
    assert client.post(url, {"country": "XX"}).status_code == 400
    tip.refresh_from_db()
    assert tip.state == "new"
    response = client.post(url, {"country": "DE"})
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.state == "off_topic"
    html = _page(client.get(f"/internal/tips/{tip.pk}/"))
    assert "report@bka.example" in html


def test_reveal_needs_a_fresh_confirmation_and_is_audited(client, ivy, published) -> None:
    tip = _sealed_tip(published, contact_email="tipster@example.org")
    url = f"/internal/tips/{tip.pk}/reveal/"
    assert client.get(url).status_code == 405
    assert "tipster@example.org" not in _page(client.get(f"/internal/tips/{tip.pk}/"))
    session = client.session
    session["traceobject_reauth_at"] = time.time() - 3600
    session.save()
    response = client.post(url)
    assert response.status_code == 302 and "/internal/reauth/" in response["Location"]
    assert not AuditEvent.objects.filter(action="tip.contact_reveal").exists()
    session = client.session
    session["traceobject_reauth_at"] = time.time()
    session.save()
    response = client.post(url)
    assert response.status_code == 200 and "tipster@example.org" in _page(response)
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="tip.contact_reveal",
                                     target=f"tip {tip.pk}").count() == 1


# Clusters


def test_cluster_page_and_whole_cluster_triage(client, ivy, published) -> None:
    flood = [tip_make(published, "Buy at www.spam-shop.example.com") for _ in range(4)]
    other = tip_make(published, "Sold at KAUFHOF in Krakau")
    cluster_id = Tip.objects.get(pk=flood[0].pk).cluster_id
    html = _page(client.get(f"/internal/tips/clusters/{cluster_id}/"))
    assert "4 similar tips" in html and "Triage the whole cluster" in html
    url = f"/internal/tips/clusters/{cluster_id}/state/"
    assert client.post(url, {"state": "bogus"}).status_code == 400
    assert client.post(url, {"state": "spam"}).status_code == 302
    assert Tip.objects.filter(state="spam").count() == 4
    other.refresh_from_db()
    assert other.state == "new"
    assert client.get("/internal/tips/clusters/999999/").status_code == 404
    assert client.post("/internal/tips/clusters/999999/state/",
                       {"state": "spam"}).status_code == 404


def test_public_status_follows_triage_from_the_page(client, ivy, published) -> None:
    tip = _sealed_tip(published)
    client.post(f"/internal/tips/{tip.pk}/state/", {"state": "useful"})
    assert SealedTip.objects.get(id=tip.intake_id).public_status == "checking"
