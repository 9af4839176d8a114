"""The brand links page in chromium: it renders under the strict CSP, a link is added with
the form, and removed after the confirmation (JavaScript) or without it.

    SCREENSHOT_DIR=/tmp/shots pytest tests/clues/test_brands_browser.py   # also writes a PNG
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import conftest as browser_fixtures
from tests.clues.test_browser import _signed_in_context
from traceobject.clues import brands, estimates
from traceobject.clues.models import BrandLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context


@pytest.mark.parametrize("js", [False, True], ids=["nojs", "js"])
def test_brands_page_in_the_browser(js: bool, new_context: Callable[..., Any],
                                    live_server: Any, users: dict[str, Any], published: Any,
                                    make_tip: Callable[..., Any], tmp_path: Path) -> None:
    user = users["investigator"]
    brands.brand_link_add(user=user, name="Biedronka", country="PL",
                          note="Discount supermarkets all over Poland")
    make_tip(published, "Kupiłem to w Biedronce albo w Biedronki.", state="useful")
    estimates.object_estimate_refresh(obj=published)
    page = _signed_in_context(new_context, live_server, user,
                              java_script_enabled=js).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    page.goto(f"/internal/objects/{published.ref}/country/")
    page.get_by_role("link", name="Linked shop and brand names").click()
    page.wait_for_url("**/internal/brands/")
    page.get_by_label("Shop or brand name").fill("Kaufhof")
    page.get_by_label("Country", exact=True).select_option("DE")
    page.get_by_label("Why (optional)").fill("German department stores")
    page.get_by_role("button", name="Add link").click()
    page.wait_for_url("**/internal/brands/")
    assert page.get_by_role("cell", name="Germany DE").is_visible()
    assert page.locator("tr", has_text="Biedronka").locator("td").nth(4).inner_text() == "1"
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"clues-brands-{'js' if js else 'nojs'}.png"),
                    full_page=True)

    page.locator("tr", has_text="Biedronka").get_by_role("button", name="Remove").click()
    page.wait_for_url("**/internal/brands/")
    assert list(BrandLink.objects.values_list("name", flat=True)) == ["Kaufhof"]
    assert len(dialogs) == (1 if js else 0)
    assert problems == []
