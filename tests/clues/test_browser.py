"""The country page in chromium: the map renders under the strict CSP, the top country is
highlighted, and a clue is deleted after the confirmation (JavaScript) or without it.

    SCREENSHOT_DIR=/tmp/shots pytest tests/clues/test_browser.py   # also writes a PNG
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import conftest as browser_fixtures
from tests.conftest import staff_login
from traceobject.clues import estimates, investigators
from traceobject.clues.models import ClueRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser fixtures of tests/browser (a conftest there applies only to that folder).
_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context


def _signed_in_context(new_context: Callable[..., Any], live_server: Any, user: Any,
                       **options: Any) -> Any:
    client = Client()
    staff_login(client, user)
    context = new_context(base_url=live_server.url, **options)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context


@pytest.mark.parametrize("js", [False, True], ids=["nojs", "js"])
def test_country_page_in_the_browser(js: bool, new_context: Callable[..., Any],
                                     live_server: Any, users: dict[str, Any], published: Any,
                                     make_tip: Callable[..., Any], tmp_path: Path) -> None:
    user = users["investigator"]
    for city in ("Warsaw", "Kraków", "Gdańsk"):
        make_tip(published, f"I bought this bag in {city}.", country="PL", state="useful")
    make_tip(published, "Sold in Prague, I think.", country="CZ", state="new")
    make_tip(published, "BUY CHEAP WATCHES", country="US", state="spam")
    investigators.clue_tag_add(user=user, tag="plug", value="C E", obj=published)
    note = investigators.clue_note_add(user=user, country="DE", stance="against",
                                       because="the label has no German text", obj=published)
    page = _signed_in_context(new_context, live_server, user,
                              java_script_enabled=js).new_page()
    problems: list[str] = []  # CSP violations are console errors; failed loads are listed
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/internal/objects/{published.ref}/country/")
    assert page.locator("svg.worldmap path").count() > 150
    assert page.get_by_role("img", name="Europe, enlarged").is_visible()
    top = page.locator("svg.worldmap path.top")
    assert top.count() == 1 and top.get_attribute("data-code") == "PL"
    assert top.evaluate("e => getComputedStyle(e).fill") == "rgb(59, 31, 71)"  # class p5
    box = page.locator("svg.worldmap").first.bounding_box()
    assert box is not None and box["width"] > 400
    assert page.get_by_role("cell", name="Poland PL").is_visible()
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"clues-object-{'js' if js else 'nojs'}.png"),
                    full_page=True)
    row = page.locator("tr", has_text="the label has no German text")
    row.get_by_role("button", name="Delete").click()
    page.wait_for_url(f"**/internal/objects/{published.ref}/country/**")
    assert not ClueRecord.objects.filter(pk=note.pk).exists()
    assert problems == []


def test_no_estimate_page_in_the_browser(new_context: Callable[..., Any], live_server: Any,
                                         users: dict[str, Any], published: Any,
                                         make_tip: Callable[..., Any], tmp_path: Path) -> None:
    """A tip that names no country: the page says there is no estimate yet, lists no
    country and colours none."""
    make_tip(published, "I have seen this bag before.", language="en", state="useful")
    estimates.object_estimate_refresh(obj=published)
    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    page.goto(f"/internal/objects/{published.ref}/country/")
    notice = page.get_by_role("status").filter(has_text="No estimate yet.")
    assert notice.is_visible() and "No country stands out yet." in notice.inner_text()
    assert page.locator(".clues-ranking table").count() == 0
    assert page.locator(".clues-ranking").get_by_text("No estimate yet.").is_visible()
    classes = page.locator("svg.worldmap path").evaluate_all(
        "paths => [...new Set(paths.map(p => p.getAttribute('class')))]")
    assert classes == ["p0"]
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "clues-object-no-estimate.png"), full_page=True)
