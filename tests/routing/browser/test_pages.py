"""The routing pages in a real browser: they render with the site's CSP (the package's inline
stylesheet allowed by its hash only), work without JavaScript, and axe finds no serious
accessibility problem. With SCREENSHOTS=1 each page is also saved as a PNG."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.browser.support import PHONE
from tests.conftest import staff_login
from traceobject.routing import services as routing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect = pytest.importorskip("playwright.sync_api").expect
BLOCKING = {"serious", "critical"}


def _signed_in(new_context: Callable[..., Any], live_server: Any, user: Any,
               **options: Any) -> Any:
    """A browser context carrying the session of a fully signed-in Django test client."""
    client = Client()
    staff_login(client, user)
    context = new_context(base_url=live_server.url, **options)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context


def _axe(page: Any, source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=source)
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in violations if v["impact"] in BLOCKING]


@pytest.fixture
def data(users, published, submit_tips, authorities, settings) -> dict[str, Any]:
    settings.PUBLIC_BASE_URL = "https://tips.example.org"
    tips = submit_tips(published,
                       {"text": "Biedronka in Kraków, 2023. Zażółć gęślą jaźń.", "country": "PL",
                        "place": "Kraków", "language": "pl"},
                       {"text": "Also seen in a Lidl in Gdańsk.", "country": "PL"},
                       {"text": "Maybe Austria?", "country": "AT"})
    forwarding = routing.forwarding_create(
        tips=tips[:2], authority=authorities["DE"], summary="Two tips name a Polish chain.",
        user=users["investigator"])
    routing.outcome_report(forwarding=forwarding, user=users["liaison"], lead_useful=True,
                           location_found=True, country_confirmed=False,
                           children_safeguarded=1, offenders_arrested=0, text="Checked.")
    routing.liaison_question_ask(forwarding=forwarding, user=users["liaison"],
                                 text="Which shop in Kraków?")
    return {"tips": tips, "forwarding": forwarding}


def test_routing_pages(data, users, new_context, live_server, axe_source, screenshot_dir,
                       subtests) -> None:
    ref = data["forwarding"].ref
    query = "&".join(f"tip={t.pk}" for t in data["tips"])
    pages = {
        "investigator": {
            "forwarding-new": (f"/internal/forwardings/new/?{query}", "Forward tips"),
            "forwardings": ("/internal/forwardings/", ref),
            "forwarding": (f"/internal/forwardings/{ref}/", "The package as sent"),
            "package-html": (f"/internal/forwardings/{ref}/package.html", None),
            "tip": (f"/internal/tips/{data['tips'][0].pk}/", "Questions from liaison officers"),
            "inbox": ("/internal/tips/", "Question from a liaison officer"),
        },
        "liaison": {
            "liaison": ("/internal/liaison/", ref),
            "liaison-forwarding": (f"/internal/liaison/{ref}/", "Report a correction"),
        },
    }
    for role, urls in pages.items():
        for width_name, options in (("desktop", {}), ("phone", {"viewport": PHONE})):
            context = _signed_in(new_context, live_server, users[role], bypass_csp=True,
                                 **options)
            page = context.new_page()
            for name, (url, text) in urls.items():
                with subtests.test(msg=f"{name} {width_name}"):
                    response = page.goto(url)
                    assert response is not None and response.status == 200
                    expect(page.locator("main" if text else "h1")).to_contain_text(text or ref)
                    if os.environ.get("SCREENSHOTS"):
                        page.screenshot(path=str(screenshot_dir / f"routing-{name}-{width_name}"
                                                 ".png"), full_page=True)
                    problems = _axe(page, axe_source)
                    assert not problems, json.dumps(problems, indent=1)[:3000]


def test_package_html_under_the_real_policy(data, users, new_context, live_server) -> None:
    """Served with the site's CSP, the package's inline stylesheet applies (hash-allowed)
    and nothing is blocked."""
    context = _signed_in(new_context, live_server, users["liaison"])
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    ref = data["forwarding"].ref
    response = page.goto(f"/internal/forwardings/{ref}/package.html")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_contain_text(ref)
    # the stylesheet applied: the page is a narrow column
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "768px"
    assert page.evaluate("document.querySelector('.picture img').naturalWidth") > 0
    assert not blocked


def test_forwarding_with_the_filtered_list_and_the_banner(data, users, new_context,
                                                          live_server, screenshot_dir) -> None:
    """The investigator types into the filter box, picks the one match, sends, and the
    forwarding's page says where it went."""
    tip = data["tips"][2]  # names Austria, not forwarded yet
    context = _signed_in(new_context, live_server, users["investigator"])
    page = context.new_page()
    response = page.goto(f"/internal/forwardings/new/?tip={tip.pk}")
    assert response is not None and response.status == 200
    select = page.locator("select#id_authority")
    # the suggestion is first and chosen, with its reason
    expect(select.locator("optgroup").first).to_have_attribute("label", "Suggested")
    assert "1 of 1 tips names Austria" in select.locator("option:checked").inner_text()
    page.get_by_label("Filter the authorities").fill("fran")
    visible = select.evaluate("s => [...s.options].filter(o => !o.hidden && o.value)"
                              ".map(o => o.textContent)")
    assert visible == ["France (FR) · Police FR"]
    assert "France" in select.locator("option:checked").inner_text()
    expect(page.locator(".authority-filter-count")).to_have_text("Matching authorities: 1")
    page.get_by_label("Filter the authorities").fill("")
    assert select.evaluate("s => [...s.options].filter(o => o.hidden).length") == 0
    page.get_by_label("Filter the authorities").fill("österr")  # accents ignored: none match
    page.get_by_label("Filter the authorities").fill("austri")
    page.get_by_label("Summary for the authority").fill("One tip names Vienna.")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(screenshot_dir / "routing-forward-filtered.png"),
                        full_page=True)
    page.get_by_role("button", name="Forward", exact=True).click()
    expect(page.locator(".notice-ok")).to_contain_text("Forwarded to Bundeskriminalamt "
                                                       "(Austria) as FWD-")
    expect(page.locator("h1").first).to_contain_text("Bundeskriminalamt")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(screenshot_dir / "routing-forwarded-banner.png"),
                        full_page=True)


def test_without_javascript_the_list_is_a_plain_select(data, users, new_context,
                                                       live_server) -> None:
    tip = data["tips"][2]
    context = _signed_in(new_context, live_server, users["investigator"],
                         java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/internal/forwardings/new/?tip={tip.pk}")
    assert page.get_by_label("Filter the authorities").count() == 0
    page.locator("select#id_authority").select_option(label="Poland (PL) · Policja")
    page.get_by_label("Summary for the authority").fill("Sent without scripts.")
    page.get_by_role("button", name="Forward", exact=True).click()
    expect(page.locator(".notice-ok")).to_contain_text("Forwarded to Policja (Poland)")


def test_a_liaison_question_reaches_the_investigators_and_the_answer_comes_back(
        data, users, new_context, live_server, screenshot_dir) -> None:
    ref = data["forwarding"].ref
    liaison = _signed_in(new_context, live_server, users["liaison"]).new_page()
    liaison.goto(f"/internal/liaison/{ref}/")
    liaison.get_by_label("Your question to the investigators").fill(
        "Was the shop open at night?")
    liaison.get_by_role("button", name="Ask the investigators").click()
    expect(liaison.locator(".notice-ok")).to_contain_text("Your question was sent")
    expect(liaison.locator(".forwarding-thread")).to_contain_text("Was the shop open at night?")

    investigator = _signed_in(new_context, live_server, users["investigator"]).new_page()
    investigator.goto("/internal/tips/")
    row = investigator.locator("tr.tip-row", has_text="Biedronka")
    expect(row.locator(".pill-open")).to_contain_text("Question from a liaison officer")
    row.locator("a.tip-open").click()
    section = investigator.locator("section.tip-liaison")
    expect(section).to_contain_text("Was the shop open at night?")
    expect(section).to_contain_text("waiting for an answer")
    section.get_by_label("Answer to the liaison officer").fill("Yes, until 22:00.")
    section.get_by_role("button", name="Send the answer").click()
    expect(investigator.locator(".notice-ok")).to_contain_text("Answer sent to")
    expect(investigator.locator("section.tip-liaison")).not_to_contain_text(
        "waiting for an answer")

    liaison.goto("/internal/liaison/")
    expect(liaison.locator("tr", has_text=ref).locator(".pill-new")).to_contain_text("1 new")
    liaison.goto(f"/internal/liaison/{ref}/")
    answer = liaison.locator(".message-investigator_answer")
    expect(answer).to_contain_text("Yes, until 22:00.")
    expect(answer.locator(".pill-new")).to_have_text("New")
    if os.environ.get("SCREENSHOTS"):
        liaison.screenshot(path=str(screenshot_dir / "routing-liaison-package.png"),
                           full_page=True)
    liaison.reload()
    expect(liaison.locator(".message-investigator_answer .pill-new")).to_have_count(0)
