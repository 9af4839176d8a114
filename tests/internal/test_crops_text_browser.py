"""The crop page with identifying text, in chromium: each finding listed and drawn on the
picture, blacked out from the page; no serious accessibility problem.

    SCREENSHOT_DIR=/tmp/shots pytest tests/internal/test_crops_text_browser.py  # PNGs too
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser import conftest as browser_fixtures
from tests.clues.test_browser import _signed_in_context
from traceobject.evidence import crops
from traceobject.evidence.models import Crop, EvidenceImage
from traceobject.vision.idtext import identifying_text

from ..evidence.conftest import crop_make
from .test_crops_text import RECT, parcel  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context
axe_source = browser_fixtures.axe_source


def _crop(users: dict[str, Any], picture: EvidenceImage) -> Crop:
    crop = crop_make(picture, RECT, user=users["investigator"])
    crop.text_findings = identifying_text(np.asarray(crops.crop_pixels(crop)))
    crop.save(update_fields=["text_findings"])
    return crop


def test_findings_are_shown_and_blacked_out_from_the_page(
        new_context: Callable[..., Any], live_server: Any, users: dict[str, Any],
        parcel: EvidenceImage, axe_source: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from tests.browser.test_accessibility import _describe
    from tests.routing.browser.test_pages import _axe

    crop = _crop(users, parcel)
    assert {f["what"] for f in crop.text_findings} >= {"address", "name"}
    page = _signed_in_context(new_context, live_server, users["investigator"],
                              bypass_csp=True).new_page()
    page.goto(f"/internal/crops/{crop.pk}/")
    section = page.get_by_role("region", name="Text that may identify someone")
    expect(section).to_be_visible()
    expect(section).to_contain_text("Rue des Lilas 12")
    expect(page.get_by_text("it cannot become an object until the text is blacked out"))\
        .to_be_visible()
    image = page.locator("figure img")
    expect(image).to_be_visible()
    assert page.evaluate("document.querySelector('figure img').naturalWidth") == crop.width
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "crop-text.png"),
                        full_page=True)
    problems = _axe(page, axe_source)
    assert not problems, _describe(problems)

    for n in range(len(crop.text_findings), 0, -1):
        with page.expect_navigation():
            page.get_by_role("button", name=f"Black out finding {n}").click()
    expect(page.get_by_role("button", name="Black out finding 1")).to_have_count(0)
    crop.refresh_from_db()
    assert crop.may_be_published
    expect(page.get_by_role("button", name="Create draft object")).to_be_visible()
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "crop-text-redacted.png"),
                        full_page=True)
