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
def data(users, published, submit_tips, authorities) -> dict[str, Any]:
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
