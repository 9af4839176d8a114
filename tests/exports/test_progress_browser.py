"""The export progress page in a real browser: ops.js polls status.json under the strict CSP
and shows the download link when the export is done; without JavaScript a refresh link works.
Skipped (with the reason) where chromium is missing, like every browser test."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client

from tests.browser.conftest import (  # noqa: F401  (fixtures, used by name)
    _browser_test,
    _playwright_loop,
    browser,
    new_context,
)
from tests.conftest import staff_login
from traceobject.exports.services import export_run, export_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_in(request: pytest.FixtureRequest, live_server: Any,
              users: dict[str, Any]) -> Any:
    """signed_in(js=True) -> a page whose browser holds a fully signed-in staff session."""
    make_context = request.getfixturevalue("new_context")

    def make(*, js: bool = True, who: str = "investigator") -> Any:
        client = Client()
        staff_login(client, users[who])
        context = make_context(java_script_enabled=js, base_url=live_server.url)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
        return context.new_page()

    return make


@pytest.fixture
def queued(users: dict[str, Any], published: Any, submit: Any) -> Any:
    for n in range(3):
        submit(text=f"Tip {n}: sold at a market in Brno.")
    return export_start(user=users["investigator"], obj=published, fmt="csv")


def test_the_progress_page_polls_and_offers_the_download(signed_in: Any, queued: Any) -> None:
    from playwright.sync_api import expect

    page = signed_in(js=True)
    problems: list[str] = []
    # CSP violations and script errors show in the console; a missing /favicon.ico is the
    # browser's own guess (its "Failed to load resource" line is checked by the response).
    page.on("console", lambda m: problems.append(m.text) if m.type in {"error", "warning"}
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"/internal/exports/{queued.pk}/")
    expect(page.locator("[data-field=state_label]")).to_have_text("Queued")
    download = page.get_by_role("link", name="Download")
    expect(download).to_be_hidden()

    export_run(export_id=queued.pk)  # the worker writes it; the page notices by itself

    expect(download).to_be_visible()
    expect(page.locator("[data-field=done]")).to_have_text("3")
    expect(page.locator("progress")).to_have_attribute("value", "3")
    assert problems == []
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path="/tmp/shots/ops-export-done.png", full_page=True)
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.endswith(f"-export-{queued.pk}.csv")


def test_without_javascript_the_refresh_link_shows_progress(signed_in: Any,
                                                            queued: Any) -> None:
    from playwright.sync_api import expect

    page = signed_in(js=False)
    page.goto(f"/internal/exports/{queued.pk}/")
    refresh = page.get_by_role("link", name="Refresh")
    expect(refresh).to_be_visible()
    export_run(export_id=queued.pk)
    refresh.click()
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()


def test_an_export_given_up_as_stalled_shows_the_failure(signed_in: Any, queued: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    from traceobject.exports.housekeeping import exports_tidy
    from traceobject.exports.models import Export, ExportState

    Export.objects.filter(pk=queued.pk).update(state=ExportState.RUNNING,
                                               started_at=timezone.now(),
                                               progress_at=timezone.now(), total=3, done=1)
    page = signed_in(js=True)
    page.goto(f"/internal/exports/{queued.pk}/")
    expect(page.locator("[data-field=state_label]")).to_have_text("Running")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()

    exports_tidy(now=timezone.now() + timedelta(hours=1))  # the worker died an hour ago

    expect(page.locator("[data-field=state_label]")).to_have_text("Failed")
    expect(page.get_by_text("The export failed (no progress for 30 minutes")).to_be_visible()
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()
    expect(page.get_by_role("link", name="Download")).to_have_count(0)
    expect(page.get_by_role("link", name="Start a new export")).to_be_visible()
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path="/tmp/shots/ops-export-stalled.png", full_page=True)
