"""After the first send (issue 25, item 4): the banner, the package's marking, contact point,
country and links in every format, a tipster's later answer reaching the liaison officer, and
the liaison officer's questions to the investigators and their answers, with hostile input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.core.checks import check_core_public_address
from traceobject.routing import package as packages
from traceobject.routing import selectors
from traceobject.routing import services as routing
from traceobject.routing.models import Forwarding, ForwardingMessage, MessageKind
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip

from .test_package import check_pdf, core_font_text, sample

pytestmark = pytest.mark.django_db

MARKING = "Law enforcement only — handle under your agency's rules"


@pytest.fixture
def sent(published, users, authorities) -> dict[str, Any]:
    """A tip with a receipt, forwarded to DE (the "liaison" fixture's authority)."""
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
        {"text": "Seen in a shop in Köln.", "country": "DE"}))
    tip_services.sealed_tips_open()
    tip = Tip.objects.get(object=published)
    forwarding = routing.forwarding_create(tips=[tip], authority=authorities["DE"],
                                           summary="One tip names Köln.",
                                           user=users["investigator"])
    return {"receipt": receipt, "tip": tip, "forwarding": forwarding}


def _answer(receipt: str, text: str) -> int:
    intake.mailbox_reply(receipt=receipt, text=text)
    return tip_services.mailbox_replies_open()


def _audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


# --------------------------------------------------------------------------- suggestions


@pytest.mark.parametrize("score", [0.0, 0.004, -0.2, float("nan"), "nonsense"])
def test_a_country_the_estimate_gives_zero_is_never_suggested(published, submit_tips,
                                                              authorities, monkeypatch,
                                                              score) -> None:
    monkeypatch.setattr(selectors, "_ranking_function",
                        lambda: lambda obj: [("FR", 0.6), ("AT", score), ("PL", 0.0)])
    tips = submit_tips(published, {"text": "Somewhere."})
    with translation.override("en"):
        suggestions = selectors.authority_suggest(obj=published, tips=tips)
    assert [(a.country, reason) for a, reason in suggestions] == [
        ("FR", "Country estimate of the object: France (60%)")]
    assert all("(0%)" not in reason for _a, reason in suggestions)


def test_the_new_page_never_shows_a_zero_percent_suggestion(client, users, published,
                                                            submit_tips, authorities,
                                                            monkeypatch) -> None:
    monkeypatch.setattr(selectors, "_ranking_function",
                        lambda: lambda obj: [("AT", 0.9), ("PL", 0.0), ("DE", 0.001)])
    tip = submit_tips(published, {"text": "No idea where."})[0]
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/forwardings/new/?tip={tip.pk}").content.decode()
    assert "Austria (90%)" in page and "(0%)" not in page
    suggested = page.split('<optgroup label="Suggested">')[1].split("</optgroup>")[0]
    assert f'value="{authorities["AT"].pk}"' in suggested
    assert f'value="{authorities["PL"].pk}"' not in suggested
    assert f'value="{authorities["DE"].pk}"' not in suggested


def test_without_suggestions_the_list_starts_empty(client, users, published, submit_tips,
                                                   authorities, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "_ranking_function", lambda: None)
    tip = submit_tips(published, {"text": "Nowhere in particular."})[0]
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/forwardings/new/?tip={tip.pk}").content.decode()
    select = page.split('<select name="authority"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose an authority</option>' in select
    assert "<optgroup" not in select and "Poland (PL) · Policja" in select
    response = client.post(f"/internal/forwardings/new/?tip={tip.pk}",
                           {"authority": "", "summary": "S.", "send": "1"})
    assert response.status_code == 400 and not Forwarding.objects.exists()


# --------------------------------------------------------------------------- banner


def test_sending_redirects_to_the_forwarding_with_a_banner_naming_the_authority(
        client, users, published, submit_tips, authorities) -> None:
    tip = submit_tips(published, {"text": "Biedronka.", "country": "PL"})[0]
    staff_login(client, users["investigator"])
    response = client.post(f"/internal/forwardings/new/?tip={tip.pk}", {
        "authority": authorities["PL"].pk, "summary": "Polish chain.", "send": "1"})
    forwarding = Forwarding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/internal/forwardings/{forwarding.ref}/"
    page = client.get(response["Location"]).content.decode()
    assert f"Forwarded to Policja (Poland) as {forwarding.ref}." in page
    assert 'class="notice notice-ok" role="status"' in page
    again = client.get(response["Location"]).content.decode()  # shown once
    assert "Forwarded to Policja" not in again


# --------------------------------------------------------------------------- the package


def test_the_country_is_named_once(monkeypatch) -> None:
    doubled = {"country": "PL", "name": "National contact point (Poland)"}
    assert packages.authority_label(doubled) == "National contact point (Poland)"
    assert packages.authority_label({"country": "PL", "name": "Policja"}) == "Policja (Poland)"
    package = {**sample(), "authority": doubled}
    html = packages.package_html(package)
    assert "(Poland) (Poland)" not in html and "National contact point (Poland)</dd>" in html
    monkeypatch.setattr(packages, "unicode_font_path", lambda: None)  # core font: readable
    text = core_font_text(check_pdf(packages.package_pdf(package))["streams"])
    assert "To: National contact point (Poland)" in text and "(Poland) (Poland)" not in text


def test_every_format_carries_marking_contact_point_and_absolute_link(
        published, submit_tips, authorities, users, settings, monkeypatch) -> None:
    settings.PUBLIC_BASE_URL = "https://tips.police.example/"
    settings.FORWARDING_CONTACT = "Unit 7, +49 30 1234, unit7@agency.test"
    users["investigator"].first_name, users["investigator"].last_name = "Ivy", "Inspector"
    users["investigator"].save()
    tip = submit_tips(published, {"text": "Wrocław.", "country": "PL"})[0]
    forwarding = routing.forwarding_create(tips=[tip], authority=authorities["PL"],
                                           summary="S.", user=users["investigator"])
    package = forwarding.package
    url = f"https://tips.police.example/en/objects/{published.ref}/"
    assert package["object"]["page_url"] == url
    assert all(image["url"].startswith("https://tips.police.example/")
               for image in package["object"]["images"])
    assert package["handling"] == MARKING
    assert package["contact_point"] == {"investigator": "Ivy Inspector",
                                        "agency": "Unit 7, +49 30 1234, unit7@agency.test"}
    data = json.loads(packages.package_json(package))
    assert data["handling"] == MARKING and data["contact_point"]["investigator"] == "Ivy Inspector"
    html = packages.package_html(package)
    assert f'<a href="{url}" rel="noreferrer">{url}</a>' in html
    assert "Law enforcement only — handle under your agency&#x27;s rules" in html
    assert "Ivy Inspector" in html and "unit7@agency.test" in html
    monkeypatch.setattr(packages, "unicode_font_path", lambda: None)  # core font: readable
    pdf = check_pdf(packages.package_pdf(package))
    text = core_font_text(pdf["streams"])
    assert text.count("Law enforcement only") == pdf["pages"]  # on every page
    assert "Forwarded by: Ivy Inspector" in text
    assert "Contact point: Unit 7, +49 30 1234, unit7@agency.test" in text
    assert f"Public page: {url}" in text


def test_the_marking_is_configurable_and_the_contact_falls_back_to_the_operator(
        published, submit_tips, authorities, users, settings) -> None:
    settings.HANDLING_MARKING = "RESTRICTED - police use"
    settings.FORWARDING_CONTACT = ""
    settings.OPERATOR = {**settings.OPERATOR, "name": "Landespolizei", "email":
                         "hinweise@polizei.test", "phone": "+49 1"}
    tip = submit_tips(published, {"text": "Wrocław.", "country": "PL"})[0]
    package = routing.forwarding_create(tips=[tip], authority=authorities["PL"], summary="S.",
                                        user=users["investigator"]).package
    assert package["handling"] == "RESTRICTED - police use"
    assert package["contact_point"] == {"investigator": users["investigator"].get_username(),
                                        "agency": "Landespolizei, hinweise@polizei.test, +49 1"}


def test_links_without_a_public_address(client, users, published, submit_tips, authorities,
                                        settings) -> None:
    """Role all serves the public site: its own address; a core has none (paths, W022)."""
    settings.PUBLIC_BASE_URL = ""
    first, second = submit_tips(published, {"text": "Seen in Poland.", "country": "PL"},
                                {"text": "Seen in Austria.", "country": "AT"})
    staff_login(client, users["investigator"])
    client.post(f"/internal/forwardings/new/?tip={first.pk}", {
        "authority": authorities["PL"].pk, "summary": "S.", "send": "1"})
    assert Forwarding.objects.get(authority=authorities["PL"]).package["object"]["page_url"] \
        == f"http://testserver/en/objects/{published.ref}/"
    settings.ROLE = "core"
    client.post(f"/internal/forwardings/new/?tip={second.pk}", {
        "authority": authorities["AT"].pk, "summary": "S.", "send": "1"})
    assert Forwarding.objects.get(authority=authorities["AT"]).package["object"]["page_url"] \
        == f"/en/objects/{published.ref}/"


@pytest.mark.parametrize("production, role, base, expected", [
    (True, "core", "", ["traceobject.W022"]),
    (True, "core", "https://tips.police.example", []),
    (True, "edge", "", []), (True, "all", "", []),  # W021 covers those
    (False, "core", "", []),
])
def test_check_deploy_warns_a_core_without_a_public_address(settings, production, role, base,
                                                            expected) -> None:
    settings.PRODUCTION, settings.ROLE, settings.PUBLIC_BASE_URL = production, role, base
    messages = check_core_public_address(None)
    assert [m.id for m in messages] == expected
    if expected:
        assert "TRACEOBJECT_PUBLIC_BASE_URL" in messages[0].msg


def test_check_deploy_command_reports_w022(settings, capsys) -> None:
    from django.core.management.base import SystemCheckError

    settings.PRODUCTION, settings.ROLE, settings.PUBLIC_BASE_URL = True, "core", ""
    try:
        call_command("check", "--deploy", "--fail-level", "WARNING")
    except SystemCheckError as error:
        assert "traceobject.W022" in str(error)
    else:
        pytest.fail("check --deploy did not warn")


# --------------------------------------------------------------------------- tipster answers


def test_a_tipsters_later_answer_reaches_the_package_and_the_liaison_officer(
        client, users, sent) -> None:
    forwarding, tip = sent["forwarding"], sent["tip"]
    before = dict(forwarding.package)
    assert _answer(sent["receipt"], "It was the shop next to the station.") == 1
    forwarding.refresh_from_db()
    message = ForwardingMessage.objects.get()
    assert (message.kind, message.tip_id, message.text) == (
        MessageKind.TIPSTER_ANSWER, tip.pk, "It was the shop next to the station.")
    # the package keeps what was sent and adds the update
    assert {k: v for k, v in forwarding.package.items() if k != "updates"} == \
        {k: v for k, v in before.items() if k != "updates"}
    assert [(u["kind"], u["tip"], u["text"]) for u in forwarding.package["updates"]] == [
        ("tipster_answer", tip.pk, "It was the shop next to the station.")]
    assert "routing.package_update" in _audit_actions()
    html = packages.package_html(forwarding.package)
    assert "1 update after sending" in html and "next to the station" in html
    # the liaison officer sees it as new: on the list, on the package, then no longer
    staff_login(client, users["liaison"])
    home = client.get("/internal/liaison/").content.decode()
    assert "New updates on 1 package" in home and "1 new" in home
    assert "packages with new updates or answers" in client.get("/internal/").content.decode()
    page = client.get(f"/internal/liaison/{forwarding.ref}/").content.decode()
    assert "1 new update on this package" in page and "pill-new" in page
    assert "next to the station" in page
    assert ForwardingMessage.objects.get().seen_at is not None
    assert "routing.messages_seen" in _audit_actions()
    again = client.get(f"/internal/liaison/{forwarding.ref}/").content.decode()
    assert "pill-new" not in again and "next to the station" in again
    assert "New updates" not in client.get("/internal/liaison/").content.decode()


def test_an_answer_is_added_once_and_not_to_other_tips_packages(users, sent, published,
                                                               authorities) -> None:
    other = intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
        {"text": "Another tip, not forwarded.", "country": "FR"}))
    tip_services.sealed_tips_open()
    assert _answer(other, "About the other tip.") == 1
    assert not ForwardingMessage.objects.exists()
    _answer(sent["receipt"], "More detail.")
    routing.forwarding_tipster_answer_add(
        message=Tip.objects.get(pk=sent["tip"].pk).messages.get(text="More detail."))
    forwarding = Forwarding.objects.get(pk=sent["forwarding"].pk)
    assert ForwardingMessage.objects.count() == 1 and len(forwarding.package["updates"]) == 1


def test_another_countrys_officer_sees_no_update(client, users, sent) -> None:
    _answer(sent["receipt"], "Detail for Germany only.")
    staff_login(client, users["liaison_fr"])
    assert "New updates" not in client.get("/internal/liaison/").content.decode()
    response = client.get(f"/internal/liaison/{sent['forwarding'].ref}/")
    assert response.status_code == 404
    assert ForwardingMessage.objects.get().seen_at is None


# --------------------------------------------------------------------------- liaison questions


def test_a_liaison_question_reaches_the_investigators_and_the_answer_comes_back(
        client, users, sent) -> None:
    forwarding, tip = sent["forwarding"], sent["tip"]
    staff_login(client, users["liaison"])
    response = client.post(f"/internal/liaison/{forwarding.ref}/question/",
                           {"text": "Which street was it?"})
    assert response.status_code == 302
    assert "Your question was sent" in client.get(response["Location"]).content.decode()
    question = ForwardingMessage.objects.get(kind=MessageKind.LIAISON_QUESTION)
    assert question.author == users["liaison"] and question.seen_at is None
    assert "routing.liaison_question" in _audit_actions()

    staff_login(client, users["investigator"])
    assert "forwardings with a question from a liaison officer" in \
        client.get("/internal/").content.decode()
    inbox = client.get("/internal/tips/").content.decode()
    assert "Question from a liaison officer" in inbox
    listed = client.get("/internal/forwardings/?question=open").content.decode()
    assert forwarding.ref in listed
    tip_page = client.get(f"/internal/tips/{tip.pk}/").content.decode()
    assert "Questions from liaison officers" in tip_page and "Which street was it?" in tip_page
    assert "waiting for an answer" in tip_page
    response = client.post(f"/internal/forwardings/{forwarding.ref}/answer/", {
        "text": "Hohe Straße, near the cathedral.", "next": f"/internal/tips/{tip.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/internal/tips/{tip.pk}/"
    tip_page = client.get(response["Location"]).content.decode()
    assert "Answer sent to Police DE." in tip_page and "waiting for an answer" not in tip_page
    assert "Question from a liaison officer" not in client.get("/internal/tips/").content.decode()
    assert forwarding.ref not in client.get("/internal/forwardings/?question=open").content \
        .decode().split("<tbody>")[1]
    assert "routing.investigator_answer" in _audit_actions()

    staff_login(client, users["liaison"])
    page = client.get(f"/internal/liaison/{forwarding.ref}/").content.decode()
    assert "Hohe Straße, near the cathedral." in page and "pill-new" in page
    assert "pill-new" not in client.get(f"/internal/liaison/{forwarding.ref}/").content.decode()


def test_the_answer_from_the_forwardings_page(client, users, sent) -> None:
    forwarding = sent["forwarding"]
    routing.liaison_question_ask(forwarding=forwarding, user=users["liaison"], text="When?")
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/forwardings/{forwarding.ref}/").content.decode()
    assert "When?" in page and "Send the answer" in page
    response = client.post(f"/internal/forwardings/{forwarding.ref}/answer/",
                           {"text": "In 2023."})
    assert response["Location"] == f"/internal/forwardings/{forwarding.ref}/"
    auditor = client.get(response["Location"]).content.decode()
    assert "In 2023." in auditor and "Send the answer" not in auditor


def test_a_second_authoritys_officer_cannot_ask(client, users, sent) -> None:
    staff_login(client, users["liaison_fr"])
    audit = AuditEvent.objects.count()
    response = client.post(f"/internal/liaison/{sent['forwarding'].ref}/question/",
                           {"text": "Let me in."})
    assert response.status_code == 404
    assert not ForwardingMessage.objects.exists() and AuditEvent.objects.count() == audit
    with pytest.raises(Exception) as error:
        routing.liaison_question_ask(forwarding=sent["forwarding"], user=users["liaison_fr"],
                                     text="Let me in.")
    assert getattr(error.value, "status", None) == 404


@pytest.mark.parametrize("role", ["investigator", "auditor", "administrator", "reviewer"])
def test_only_liaison_officers_ask(client, users, sent, role) -> None:
    staff_login(client, users[role])
    response = client.post(f"/internal/liaison/{sent['forwarding'].ref}/question/",
                           {"text": "Q?"})
    assert response.status_code == 403 and not ForwardingMessage.objects.exists()


@pytest.mark.parametrize("role", ["liaison", "auditor", "administrator", "reviewer"])
def test_only_investigators_answer(client, users, sent, role) -> None:
    routing.liaison_question_ask(forwarding=sent["forwarding"], user=users["liaison"], text="Q?")
    staff_login(client, users[role])
    response = client.post(f"/internal/forwardings/{sent['forwarding'].ref}/answer/",
                           {"text": "A."})
    assert response.status_code == 403
    assert ForwardingMessage.objects.filter(kind=MessageKind.INVESTIGATOR_ANSWER).count() == 0


HOSTILE = [
    ({}, "required"),
    ({"text": ""}, "required"),
    ({"text": "   \n  "}, "required"),
    ({"text": "x" * 5001}, "at most"),
    ({"text": "bell\x07"}, "control"),
    ({"text": "nul\x00byte"}, "null"),
    ({"text": "turned \u202eover"}, "invisible"),
]


@pytest.mark.parametrize("data, _why", HOSTILE)
def test_hostile_questions_are_refused_and_change_nothing(client, users, sent, data,
                                                          _why) -> None:
    staff_login(client, users["liaison"])
    audit = AuditEvent.objects.count()
    response = client.post(f"/internal/liaison/{sent['forwarding'].ref}/question/", data)
    assert response.status_code == 400
    assert "The question was not sent" in response.content.decode()
    assert not ForwardingMessage.objects.exists() and AuditEvent.objects.count() == audit


@pytest.mark.parametrize("data, _why", HOSTILE)
def test_hostile_answers_are_refused_and_change_nothing(client, users, sent, data,
                                                        _why) -> None:
    question = routing.liaison_question_ask(forwarding=sent["forwarding"],
                                            user=users["liaison"], text="Q?")
    staff_login(client, users["investigator"])
    audit = AuditEvent.objects.count()
    response = client.post(f"/internal/forwardings/{sent['forwarding'].ref}/answer/", data)
    assert response.status_code == 400
    assert "The answer was not sent" in response.content.decode()
    assert ForwardingMessage.objects.count() == 1 and AuditEvent.objects.count() == audit
    question.refresh_from_db()
    assert question.seen_at is None


def test_markup_in_a_question_is_shown_as_text(client, users, sent) -> None:
    text = '<script>alert(1)</script><img src=x onerror=alert(2)> "quotes" & more'
    routing.liaison_question_ask(forwarding=sent["forwarding"], user=users["liaison"],
                                 text=text)
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/tips/{sent['tip'].pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page


def test_an_answer_without_an_open_question_is_refused(client, users, sent) -> None:
    staff_login(client, users["investigator"])
    response = client.post(f"/internal/forwardings/{sent['forwarding'].ref}/answer/",
                           {"text": "Unasked."})
    assert response.status_code == 409 and "no open question" in response.content.decode()
    assert not ForwardingMessage.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "javascript:alert(1)", "/\\evil.example", "x" * 3000])
def test_the_answers_return_address_stays_on_this_site(client, users, sent, target) -> None:
    routing.liaison_question_ask(forwarding=sent["forwarding"], user=users["liaison"], text="Q?")
    staff_login(client, users["investigator"])
    response = client.post(f"/internal/forwardings/{sent['forwarding'].ref}/answer/",
                           {"text": "A.", "next": target})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response["Location"] == f"/internal/forwardings/{sent['forwarding'].ref}/"
    else:  # an oversized return address is a form error: nothing sent
        assert not ForwardingMessage.objects.filter(kind="investigator_answer").exists()


@pytest.mark.parametrize("ref", ["FWD-2026-9999", "nonsense", "FWD-2026-0001%00", "..%2Fx"])
def test_unknown_forwardings_are_not_found(client, users, sent, ref) -> None:
    """Not found (a NUL in the path is refused before any view: 400); nothing stored."""
    expected = 400 if "%00" in ref else 404
    staff_login(client, users["liaison"])
    assert client.post(f"/internal/liaison/{ref}/question/", {"text": "Q"}).status_code \
        == expected
    routing.liaison_question_ask(forwarding=sent["forwarding"], user=users["liaison"], text="Q?")
    staff_login(client, users["investigator"])
    assert client.post(f"/internal/forwardings/{ref}/answer/", {"text": "A"}).status_code \
        == expected
    assert ForwardingMessage.objects.count() == 1


@pytest.mark.parametrize("value", ["yes", "OPEN", "open\x00", "x" * 500, ["open", "open"]])
def test_a_bad_question_filter_is_a_clear_error(client, users, sent, value) -> None:
    staff_login(client, users["investigator"])
    response = client.get("/internal/forwardings/", {"question": value})
    if value == ["open", "open"]:  # the last value counts, like every filter
        assert response.status_code == 200
        return
    assert response.status_code == 400
    if "\x00" not in value:  # a NUL is refused before any view, on the site's error page
        assert "Select a valid choice" in response.content.decode()


# --------------------------------------------------------------------------- after review


def test_a_later_answer_carries_the_tipsters_coarse_time_not_its_opening(sent) -> None:
    """The answer reaches the authority with the time it was stored with (to the hour, as
    every time of a tipster's), not the second it was opened."""
    assert _answer(sent["receipt"], "It was on the Hohe Straße.") == 1
    copy = ForwardingMessage.objects.get(kind=MessageKind.TIPSTER_ANSWER)
    answer = sent["tip"].messages.get(direction="from_tipster")
    assert copy.created_at == answer.created_at
    update = Forwarding.objects.get().package["updates"][0]
    assert update["added_at"] == packages._utc(answer.created_at)
    assert (copy.created_at.minute, copy.created_at.second,
            copy.created_at.microsecond) == (0, 0, 0)


def test_the_retention_purge_empties_the_copies_of_answers_too(sent) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from traceobject.tips.retention import retention_purge

    _answer(sent["receipt"], "Call me on 0151 23456789.")
    before = Forwarding.objects.get().package
    Tip.objects.filter(pk=sent["tip"].pk).update(
        state="forwarded", closed_at=timezone.now() - timedelta(days=400))
    retention_purge()
    assert ForwardingMessage.objects.get(kind=MessageKind.TIPSTER_ANSWER).text == ""
    after = Forwarding.objects.get().package
    assert [u["text"] for u in after["updates"]] == [""]
    assert {k: v for k, v in after.items() if k != "updates"} == \
        {k: v for k, v in before.items() if k != "updates"}  # what was sent stays
    assert "0151" not in json.dumps(after)


def test_a_failing_listener_does_not_hold_the_answer_back(sent) -> None:
    from traceobject.tips.signals import tip_answer_opened

    def broken(**kwargs: Any) -> None:
        Forwarding.objects.update(summary="changed by a broken listener")
        raise RuntimeError("a listener failed")

    tip_answer_opened.connect(broken, dispatch_uid="test.broken")
    try:
        assert _answer(sent["receipt"], "Another detail.") == 1
    finally:
        tip_answer_opened.disconnect(dispatch_uid="test.broken")
    assert sent["tip"].messages.filter(text="Another detail.").exists()
    # the listener's savepoint went back: nothing it wrote stays
    assert Forwarding.objects.get().summary == "One tip names Köln."
