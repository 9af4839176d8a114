"""The back office in the reader's language, in chromium: a French browser gets French pages;
the person chooses German under My settings and the inbox speaks German, with the tip's
country and language named in German; axe finds nothing serious on the settings page."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.utils import translation

from tests.browser.test_accessibility import BLOCKING, _axe
from tests.browser.test_back_office_flow import _code
from tests.conftest import STAFF_PASSWORD
from traceobject.tips import intake
from traceobject.tips import services as tip_services

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def _t(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_a_person_reads_the_back_office_in_their_language(
        new_context: Any, live_server: Any, users: Any, published: Any, axe_source: str,
        screenshot_dir: Any) -> None:
    intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
        {"text": "Torba z targu w Poznaniu, kupiona latem.", "country": "PL", "language": "pl"}))
    tip_services.sealed_tips_open()
    ivy = users["investigator"]
    page = new_context(base_url=live_server.url, locale="fr-FR", bypass_csp=True).new_page()

    page.goto("/internal/")
    expect(page.get_by_role("heading", level=1)).to_have_text(_t("fr", "Sign in"))
    page.get_by_label(_t("fr", "User name")).fill(ivy.get_username())
    page.get_by_label(_t("fr", "Password")).fill(STAFF_PASSWORD)
    page.get_by_role("button", name=_t("fr", "Next")).click()
    page.locator("input[name=code]").fill(_code(ivy))
    page.get_by_role("button", name=_t("fr", "Sign in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_t("fr", "Back office"))
    assert _t("fr", "Back office") != "Back office"

    page.get_by_role("link", name=_t("fr", "My settings")).click()
    select = page.get_by_label(_t("fr", "Language of the back office"))
    expect(select).to_have_value("")
    assert [v for v in _axe(page, axe_source) if v.get("impact") in BLOCKING] == []
    select.select_option("de")
    page.get_by_role("button", name=_t("fr", "Save"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(_t("de", "Saved."))
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_role("link", name=_t("de", "Tips"), exact=True).click()
    row = page.locator("tr.tip-row").first
    expect(row).to_contain_text("Polen")
    expect(row).to_contain_text("Polnisch")
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(screenshot_dir / "back-office-de-inbox.png"), full_page=True)
        page.goto("/internal/account/")
        page.screenshot(path=str(screenshot_dir / "back-office-de-settings.png"))
