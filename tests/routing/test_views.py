"""Routing pages: every URL against every role, country isolation (404), forms and hostile
input, re-authentication, downloads, and the public statistics after an outcome."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.routing.models import Authority, Forwarding, ForwardingState, Outcome
from traceobject.tips.models import Tip

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "reviewer", "auditor", "administrator", "investigator",
         "investigator2", "liaison", "liaison_fr"]
STAFF = {"investigator", "investigator2", "administrator", "auditor"}
INVESTIGATORS = {"investigator", "investigator2"}
OUTCOME = {"lead_useful": "yes", "location_found": "on", "children_safeguarded": "2",
           "offenders_arrested": "1", "text": "Shop found."}


@pytest.fixture
def open_tip(published, submit_tips) -> Tip:
    return submit_tips(published, {"text": "Seen in a Polish shop.", "country": "PL"})[0]


def _get_urls(forwarding: Forwarding, tip: Tip) -> dict[str, dict[str, int]]:
    """URL -> {role: expected status} for GET (roles not named: 403)."""
    ref = forwarding.ref  # forwarded to DE
    staff = dict.fromkeys(STAFF, 200)
    own_liaison = {"liaison": 200, "liaison_fr": 404}
    return {
        "/internal/forwardings/": staff,
        "/internal/forwardings/?authority=DE&state=sent": staff,
        f"/internal/forwardings/new/?tip={tip.pk}": dict.fromkeys(INVESTIGATORS, 200),
        f"/internal/forwardings/{ref}/": staff,
        f"/internal/forwardings/{ref}/package.html": {**staff, **own_liaison},
        f"/internal/forwardings/{ref}/package.pdf": {**staff, **own_liaison},
        f"/internal/forwardings/{ref}/package.json": {**staff, **own_liaison},
        "/internal/liaison/": {"liaison": 200, "liaison_fr": 200},
        f"/internal/liaison/{ref}/": own_liaison,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_routing_url_against_every_role(client, users, forwarding_de, open_tip,
                                              role) -> None:
    if role != "anonymous":
        staff_login(client, users[role])
    for url, allowed in _get_urls(forwarding_de, open_tip).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/internal/login/"), url
            continue
        assert response.status_code == allowed.get(role, 403), (url, role)
        if response.status_code == 200:
            assert "no-store" in response["Cache-Control"], url


@pytest.mark.parametrize("role", ROLES)
def test_every_routing_post_against_every_role(client, users, forwarding_de, open_tip,
                                               role) -> None:
    if role != "anonymous":
        staff_login(client, users[role])
    ref = forwarding_de.ref
    posts = {
        f"/internal/liaison/{ref}/acknowledge/": ({}, {"liaison": 302, "liaison_fr": 404}),
        f"/internal/liaison/{ref}/outcome/": (OUTCOME, {"liaison": 302, "liaison_fr": 404}),
        f"/internal/forwardings/new/?tip={open_tip.pk}": (
            {"authority": forwarding_de.authority.pk, "summary": "Pass it on.", "send": "1"},
            {"investigator": 302, "investigator2": 302}),
    }
    for url, (data, allowed) in posts.items():
        before = (Forwarding.objects.count(), Outcome.objects.count(),
                  Forwarding.objects.get(pk=forwarding_de.pk).state)
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        else:
            assert response.status_code == allowed.get(role, 403), (url, role)
        if response.status_code != 302 or role == "anonymous":
            assert before == (Forwarding.objects.count(), Outcome.objects.count(),
                              Forwarding.objects.get(pk=forwarding_de.pk).state), (url, role)
    if role == "liaison":
        assert Outcome.objects.filter(forwarding=forwarding_de).count() == 1
    if role in INVESTIGATORS:
        assert Forwarding.objects.filter(tips=open_tip).count() == 1


def test_get_on_post_only_urls_is_refused(client, users, forwarding_de) -> None:
    staff_login(client, users["liaison"])
    for url in (f"/internal/liaison/{forwarding_de.ref}/acknowledge/",
                f"/internal/liaison/{forwarding_de.ref}/outcome/"):
        assert client.get(url).status_code == 405


def test_other_countrys_liaison_cannot_tell_existing_from_unknown(client, users, forwarding_de,
                                                                  forwarding_fr) -> None:
    """liaison_fr gets the same answer for DE's real reference as for one that does not
    exist, on every URL; liaison (DE) likewise for FR's."""
    for role, foreign in (("liaison_fr", forwarding_de), ("liaison", forwarding_fr)):
        staff_login(client, users[role])
        for ref in (foreign.ref, "FWD-2000-0001", "nonsense"):
            for url in (f"/internal/liaison/{ref}/", f"/internal/forwardings/{ref}/package.pdf",
                        f"/internal/forwardings/{ref}/package.html",
                        f"/internal/forwardings/{ref}/package.json"):
                assert client.get(url).status_code == 404, (role, url)
            for url, data in ((f"/internal/liaison/{ref}/acknowledge/", {}),
                              (f"/internal/liaison/{ref}/outcome/", OUTCOME)):
                assert client.post(url, data).status_code == 404, (role, url)
            # the staff pages are closed to liaison officers whatever the reference
            assert client.get(f"/internal/forwardings/{ref}/").status_code == 403
        client.logout()
    for forwarding in (forwarding_de, forwarding_fr):
        forwarding.refresh_from_db()
        assert forwarding.state == ForwardingState.SENT and not forwarding.outcomes.exists()
    assert not AuditEvent.objects.filter(action="routing.export").exists()


def test_liaison_lists_show_only_their_own(client, users, forwarding_de, forwarding_fr) -> None:
    staff_login(client, users["liaison"])
    page = client.get("/internal/liaison/").content.decode()
    assert forwarding_de.ref in page and forwarding_fr.ref not in page
    staff_login(client, users["liaison_fr"])
    page = client.get("/internal/liaison/").content.decode()
    assert forwarding_fr.ref in page and forwarding_de.ref not in page


# Investigators: the forwarding page


def test_new_page_shows_tips_object_and_preselected_suggestion(client, users, published,
                                                               submit_tips, authorities) -> None:
    tips = submit_tips(published, {"text": "Biedronka in Kraków.", "country": "PL"},
                       {"text": "Also in Warsaw.", "country": "PL"},
                       {"text": "Maybe Vienna.", "country": "AT"})
    staff_login(client, users["investigator"])
    query = "&".join(f"tip={tip.pk}" for tip in tips)
    response = client.get(f"/internal/forwardings/new/?{query}")
    page = response.content.decode()
    assert response.status_code == 200
    assert published.ref in page and "Biedronka in Kraków." in page
    assert "2 of 3 tips name Poland" in page and "1 of 3 tips names Austria" in page
    pl, at, de = (authorities[code].pk for code in ("PL", "AT", "DE"))
    # one plain list: the suggested group first (with the reasons), PL chosen, then the rest
    select = page.split('<select name="authority"')[1].split("</select>")[0]
    assert f'<option value="{pl}" selected>' in select
    suggested, others = select.split('<optgroup label="Suggested">')[1].split(
        '<optgroup label="All other authorities">')
    assert suggested.index(f'value="{pl}"') < suggested.index(f'value="{at}"')
    assert "2 of 3 tips name Poland" in suggested and "Poland (PL) · Policja" in suggested
    assert f'value="{de}"' in others and f'value="{pl}"' not in others
    assert authorities["IT"].name not in select  # inactive


def test_preview_sends_nothing(client, users, open_tip, authorities) -> None:
    staff_login(client, users["investigator"])
    audit = AuditEvent.objects.count()
    response = client.post(f"/internal/forwardings/new/?tip={open_tip.pk}", {
        "authority": authorities["PL"].pk, "summary": "Summary <b>bold</b>", "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "FWD-preview" in page and "Summary &lt;b&gt;bold&lt;/b&gt;" in page
    assert "Seen in a Polish shop." in page
    assert not Forwarding.objects.exists() and AuditEvent.objects.count() == audit
    assert Tip.objects.get(pk=open_tip.pk).state == "new"


def test_send_creates_and_redirects_to_the_forwarding(client, users, open_tip,
                                                      authorities) -> None:
    staff_login(client, users["investigator"])
    response = client.post(f"/internal/forwardings/new/?tip={open_tip.pk}", {
        "authority": authorities["PL"].pk, "summary": "Polish chain.", "send": "1"})
    forwarding = Forwarding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/internal/forwardings/{forwarding.ref}/"
    assert forwarding.authority == authorities["PL"]
    assert forwarding.created_by == users["investigator"]
    assert Tip.objects.get(pk=open_tip.pk).state == "forwarded"
    detail = client.get(response["Location"]).content.decode()
    assert forwarding.ref in detail and "Polish chain." in detail


def test_send_needs_a_fresh_confirmation(client, users, open_tip, authorities) -> None:
    staff_login(client, users["investigator"])
    session = client.session
    session["traceobject_reauth_at"] = time.time() - 3600
    session.save()
    url = f"/internal/forwardings/new/?tip={open_tip.pk}"
    page = client.get(url)
    assert page.status_code == 200 and b"Confirm now" in page.content
    response = client.post(url, {"authority": authorities["PL"].pk, "summary": "S.",
                                 "send": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/internal/reauth/")
    assert not Forwarding.objects.exists()
    assert Tip.objects.get(pk=open_tip.pk).state == "new"
    # a preview needs no confirmation
    assert client.post(url, {"authority": authorities["PL"].pk, "summary": "S.",
                             "preview": "1"}).status_code == 200


def test_forwarding_a_whole_cluster(client, users, published, submit_tips,
                                    authorities) -> None:
    from django.utils import timezone

    from traceobject.tips.models import TipCluster

    tips = submit_tips(published, {"text": "Same shop 1", "country": "PL"},
                       {"text": "Same shop 2", "country": "PL"},
                       {"text": "Same shop spam", "country": "PL"})
    cluster = TipCluster.objects.create(object=published, size=3, created_at=timezone.now())
    Tip.objects.filter(pk__in=[t.pk for t in tips]).update(cluster=cluster)
    Tip.objects.filter(pk=tips[2].pk).update(state="spam")
    staff_login(client, users["investigator"])
    url = f"/internal/forwardings/new/?cluster={cluster.pk}"
    page = client.get(url).content.decode()
    assert "Same shop 1" in page and "Same shop spam" not in page  # closed tips left out
    client.post(url, {"authority": authorities["PL"].pk, "summary": "A cluster.", "send": "1"})
    assert set(Forwarding.objects.get().tips.all()) == set(tips[:2])


@pytest.mark.parametrize("query", [
    "", "tip=abc", "tip=1.5", "tip=-1", "tip=99999999", "cluster=99999999", "cluster=x",
    "tip=" + "9" * 30, "&".join(f"tip={n}" for n in range(150)),
])
def test_bad_selections_are_refused(client, users, open_tip, authorities, query) -> None:
    staff_login(client, users["investigator"])
    url = f"/internal/forwardings/new/?{query}"
    assert client.get(url).status_code == 400
    response = client.post(url, {"authority": authorities["PL"].pk, "summary": "S.",
                                 "send": "1"})
    assert response.status_code == 400
    assert not Forwarding.objects.exists()


def test_bad_forms_are_refused_and_change_nothing(client, users, published, make_object,
                                                  submit_tips, authorities) -> None:
    tip = submit_tips(published, {"text": "Here it is.", "country": "PL"})[0]
    other = submit_tips(make_object(title="Other"), {"text": "Another object."})[0]
    staff_login(client, users["investigator"])
    url = f"/internal/forwardings/new/?tip={tip.pk}"
    bad = [
        {"authority": authorities["PL"].pk, "summary": "", "send": "1"},
        {"authority": authorities["PL"].pk, "summary": "x" * 10_001, "send": "1"},
        {"authority": authorities["IT"].pk, "summary": "Inactive.", "send": "1"},
        {"authority": "999999", "summary": "Unknown.", "send": "1"},
        {"authority": "'; DROP TABLE x; --", "summary": "Hostile.", "send": "1"},
        {"summary": "No authority.", "send": "1"},
    ]
    for data in bad:
        assert client.post(url, data).status_code == 400, data
    mixed = client.post(f"/internal/forwardings/new/?tip={tip.pk}&tip={other.pk}",
                        {"authority": authorities["PL"].pk, "summary": "S.", "send": "1"})
    assert mixed.status_code == 400 and b"same object" in mixed.content
    assert not Forwarding.objects.exists()
    assert set(Tip.objects.values_list("state", flat=True)) == {"new"}
    # forwarding twice to the same authority: the service says why
    client.post(url, {"authority": authorities["PL"].pk, "summary": "S.", "send": "1"})
    again = client.post(url, {"authority": authorities["PL"].pk, "summary": "S.", "send": "1"})
    assert again.status_code == 409 and b"Already forwarded" in again.content
    assert Forwarding.objects.count() == 1


def test_list_filters_and_bad_filters(client, users, forwarding_de, forwarding_fr) -> None:
    staff_login(client, users["auditor"])
    page = client.get("/internal/forwardings/?authority=FR").content.decode()
    assert forwarding_fr.ref in page and forwarding_de.ref not in page
    page = client.get("/internal/forwardings/?state=acknowledged").content.decode()
    assert forwarding_fr.ref not in page and forwarding_de.ref not in page
    assert client.get("/internal/forwardings/?state=<script>").status_code == 400
    assert client.get("/internal/forwardings/?authority=ZZ").status_code == 400
    assert client.get("/internal/forwardings/?page=999").status_code == 200


# Downloads


@pytest.mark.parametrize("fmt, content_type, start", [
    ("pdf", "application/pdf", b"%PDF-"), ("json", "application/json", b"{"),
    ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
])
def test_downloads_are_audited_exports(client, users, forwarding_de, fmt, content_type,
                                       start) -> None:
    staff_login(client, users["liaison"])
    response = client.get(f"/internal/forwardings/{forwarding_de.ref}/package.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(start)
    disposition = "inline" if fmt == "html" else "attachment"
    assert response["Content-Disposition"] == (
        f'{disposition}; filename="{forwarding_de.ref}.{fmt}"')
    event = AuditEvent.objects.get(action="routing.export")
    assert event.actor == users["liaison"].username
    assert event.target == f"forwarding {forwarding_de.ref}"
    assert event.data == {"via": fmt, "refs": [forwarding_de.ref]}
    if fmt == "json":
        assert json.loads(response.content) == forwarding_de.package
    if fmt == "html":
        from traceobject.routing.package import package_css_source

        policy = response["Content-Security-Policy"]
        assert package_css_source() in policy and "unsafe-inline" not in policy
        assert "script-src 'self'" in policy


def test_unknown_format_is_not_found(client, users, forwarding_de) -> None:
    staff_login(client, users["investigator"])
    for suffix in ("xml", "PDF", "pdf.exe", "html/"):
        assert client.get(f"/internal/forwardings/{forwarding_de.ref}/package.{suffix}"
                          ).status_code == 404


# Liaison officers: acknowledgement, outcome form, public statistics


def test_acknowledge_button_and_outcome_form(client, users, forwarding_de) -> None:
    staff_login(client, users["liaison"])
    url = f"/internal/liaison/{forwarding_de.ref}/"
    page = client.get(url).content.decode()
    assert "Acknowledge receipt" in page and "Sold at a Rewe in Köln." in page
    assert client.post(f"{url}acknowledge/").status_code == 302
    forwarding_de.refresh_from_db()
    assert forwarding_de.state == ForwardingState.ACKNOWLEDGED
    assert "Acknowledge receipt" not in client.get(url).content.decode()
    again = client.post(f"{url}acknowledge/")
    assert again.status_code == 409 and b"already acknowledged" in again.content


@pytest.mark.parametrize("field, value", [
    ("children_safeguarded", "-1"), ("children_safeguarded", "1001"),
    ("children_safeguarded", "two"), ("offenders_arrested", "1e3"),
    ("offenders_arrested", ""), ("lead_useful", "maybe"), ("text", "x" * 10_001),
    ("children_safeguarded", "9" * 50),
])
def test_outcome_form_refuses_bad_input(client, users, forwarding_de, field, value) -> None:
    staff_login(client, users["liaison"])
    response = client.post(f"/internal/liaison/{forwarding_de.ref}/outcome/",
                           {**OUTCOME, field: value})
    assert response.status_code == 400
    assert not Outcome.objects.exists()
    forwarding_de.refresh_from_db()
    assert forwarding_de.state == ForwardingState.SENT


def test_public_statistics_change_after_an_outcome(client, users, forwarding_de) -> None:
    def figures() -> str:
        response = client.get("/en/statistics/")
        assert response.status_code == 200
        return response.content.decode()

    page = figures()
    assert "Children safeguarded" in page and "Leads confirmed" in page
    assert "<dd>3</dd>" not in page
    staff_login(client, users["liaison"])
    client.post(f"/internal/liaison/{forwarding_de.ref}/outcome/",
                {**OUTCOME, "children_safeguarded": "3", "offenders_arrested": "5"})
    client.logout()
    page = figures()
    assert "<dt>Children safeguarded</dt><dd>3</dd>" in page
    assert "<dt>Offenders arrested</dt><dd>5</dd>" in page
    assert "<dt>Leads confirmed</dt><dd>1</dd>" in page
    # a correction replaces the earlier report on the public page too
    staff_login(client, users["liaison"])
    client.post(f"/internal/liaison/{forwarding_de.ref}/outcome/",
                {**OUTCOME, "lead_useful": "", "children_safeguarded": "1",
                 "offenders_arrested": "0"})
    client.logout()
    page = figures()
    assert "<dt>Children safeguarded</dt><dd>1</dd>" in page
    assert "<dt>Leads confirmed</dt><dd>0</dd>" in page


def test_statistics_labels_are_translated(client, users, forwarding_de,
                                          use_compiled_locales) -> None:
    page = client.get("/de/statistics/").content.decode()
    assert "In Sicherheit gebrachte Kinder" in page and "Festgenommene Täter" in page
    assert "Children safeguarded" not in page


# Django admin (administrators)


def test_admin_edits_authorities_audited_and_only_shows_forwardings(client, users,
                                                                    forwarding_de) -> None:
    staff_login(client, users["administrator"])
    authority = forwarding_de.authority
    url = f"/internal/admin/routing/authority/{authority.pk}/change/"
    assert client.get(url).status_code == 200
    data = {"country": "de", "name": "Bundeskriminalamt", "email": "bka@example.org",
            "referral_email": "", "referral_url": "", "active": "on"}
    assert client.post(url, data).status_code == 302
    authority.refresh_from_db()
    assert (authority.country, authority.name) == ("DE", "Bundeskriminalamt")
    event = AuditEvent.objects.get(action="routing.authority_save", target="authority DE")
    assert event.actor == users["administrator"].username
    assert event.data == {"created": False, "fields": ["name", "email"]}
    forwarding_url = f"/internal/admin/routing/forwarding/{forwarding_de.pk}/change/"
    assert client.get(forwarding_url).status_code == 200  # a read-only view
    client.post(forwarding_url, {"state": "acknowledged"})
    forwarding_de.refresh_from_db()
    assert forwarding_de.state == ForwardingState.SENT
    assert client.get(f"/internal/admin/routing/authority/{authority.pk}/delete/"
                      ).status_code == 403
    staff_login(client, users["investigator"])
    assert client.get(url).status_code in (302, 403)


def _authorities() -> list[tuple[object, ...]]:
    return sorted(Authority.objects.values_list("pk", "country", "name", "email", "active"))


def test_admin_adds_an_authority_through_the_service(client, users) -> None:
    staff_login(client, users["administrator"])
    response = client.post("/internal/admin/routing/authority/add/", {
        "country": "be", "name": " Police fédérale ", "email": "tips@police.example",
        "referral_email": "", "referral_url": "", "active": "on"})
    assert response.status_code == 302
    made = Authority.objects.get(country="BE")
    assert (made.name, made.active) == ("Police fédérale", True)  # cleaned by the service
    event = AuditEvent.objects.get(action="routing.authority_save")
    assert (event.actor, event.target) == (users["administrator"].username, "authority BE")
    assert event.data["created"] is True


@pytest.mark.parametrize("change, message", [
    ({"country": "XX"}, "Unknown country code &#x27;XX&#x27;."),
    ({"country": "fr"}, "There is an authority for FR already."),
    ({"referral_url": "ftp://files.example/"},
     "Not a valid URL: &#x27;ftp://files.example/&#x27;."),
])
def test_admin_refuses_what_the_service_refuses_and_changes_nothing(
        client, users, forwarding_de, change, message) -> None:
    staff_login(client, users["administrator"])
    authority = forwarding_de.authority
    data = {"country": "DE", "name": "Bundeskriminalamt", "email": "bka@example.org",
            "referral_email": "", "referral_url": "", "active": "on", **change}
    before = (_authorities(), AuditEvent.objects.count())
    for url in (f"/internal/admin/routing/authority/{authority.pk}/change/",
                "/internal/admin/routing/authority/add/"):
        response = client.post(url, data)
        assert response.status_code == 200  # the form again, with the service's message
        assert message in response.content.decode()
        assert (_authorities(), AuditEvent.objects.count()) == before
