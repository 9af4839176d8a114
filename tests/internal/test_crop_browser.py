"""The crop tool on the evidence page in chromium: drag the crop, Shift+drag a black-out,
Alt+drag a blur, undo, edit the numbers, create the crop; under the strict CSP.

    SCREENSHOT_DIR=/tmp/shots pytest tests/internal/test_crop_browser.py   # also writes PNGs
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import conftest as browser_fixtures
from tests.clues.test_browser import _signed_in_context
from traceobject.evidence.models import Crop, EvidenceImage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context
axe_source = browser_fixtures.axe_source


class _Picture:
    """Page coordinates of full-image pixels on the displayed (scaled) evidence picture."""

    def __init__(self, page: Any, image: EvidenceImage) -> None:
        self.page = page
        box = page.locator("#evidence-img").bounding_box()
        self.left, self.top = box["x"], box["y"]
        self.scale = image.width / box["width"]

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x / self.scale, self.top + y / self.scale

    def drag(self, a: tuple[int, int], b: tuple[int, int], *, key: str = "") -> None:
        mouse = self.page.mouse
        if key:
            self.page.keyboard.down(key)
        mouse.move(*self.at(*a))
        mouse.down()
        mouse.move(*self.at(*b), steps=6)
        mouse.up()
        if key:
            self.page.keyboard.up(key)


def _field(page: Any, name: str) -> int:
    return int(page.locator(f"#crop-form [name={name}]").input_value())


def _close(value: int, expected: int, scale: float) -> bool:
    return abs(value - expected) <= scale + 1  # one screen pixel of rounding


def test_crop_tool_draws_redacts_and_creates_the_crop(new_context: Callable[..., Any],
                                                      live_server: Any, users: dict[str, Any],
                                                      evidence_image: EvidenceImage) -> None:
    from playwright.sync_api import expect

    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    problems: list[str] = []  # CSP violations and script errors are console errors
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"/internal/evidence/{evidence_image.pk}/")
    expect(page.get_by_text("Drag on the picture to draw the crop.")).to_be_visible()
    undo = page.get_by_role("button", name="Undo last redaction")
    expect(undo).to_be_disabled()
    picture = _Picture(page, evidence_image)
    crop_box = page.locator(".crop-box")
    expect(crop_box).to_be_hidden()

    # The rectangle follows the pointer while it is dragged.
    mouse = page.mouse
    mouse.move(*picture.at(100, 50))
    mouse.down()
    mouse.move(*picture.at(300, 200), steps=4)
    expect(crop_box).to_be_visible()
    mouse.move(*picture.at(500, 350), steps=4)
    mouse.up()
    got = {k: _field(page, k) for k in "xywh"}
    expected = {"x": 100, "y": 50, "w": 400, "h": 300}
    assert all(_close(got[k], expected[k], picture.scale) for k in "xywh"), got

    picture.drag((120, 60), (170, 100), key="Shift")
    picture.drag((300, 200), (420, 300), key="Alt")
    picture.drag((130, 70), (200, 120), key="Shift")
    items = page.locator(".redaction-list li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("black out")
    expect(items.nth(1)).to_contain_text("blur")
    expect(page.locator(".redact-box")).to_have_count(3)
    undo.click()  # the last black-out was a slip
    expect(items).to_have_count(2)
    expect(page.locator(".redact-box")).to_have_count(2)

    # Typing a number moves the drawn rectangle.
    before = crop_box.bounding_box()
    page.locator("#crop-form [name=x]").fill("150")
    after = crop_box.bounding_box()
    assert after["x"] > before["x"] and _close(round((after["x"] - picture.left)
                                                     * picture.scale), 150, picture.scale)
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "crop-tool.png"),
                        full_page=True)

    # The safety gate runs before the answer (its models load first): allow it time.
    with page.expect_navigation(url="**/internal/crops/*/", timeout=120_000):
        page.get_by_role("button", name="Create crop and run the safety gate").click(
            timeout=120_000)  # the click waits for the navigation it starts
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "crop-created.png"),
                        full_page=True)
    crop = Crop.objects.get()
    assert crop.x == 150 and crop.image_id == evidence_image.pk
    assert [r["mode"] for r in crop.redactions] == ["black", "blur"]
    black = crop.redactions[0]
    assert _close(black["x"], 120, picture.scale) and _close(black["w"], 50, picture.scale)
    assert problems == []


def test_a_refused_crop_keeps_its_redactions(new_context: Callable[..., Any], live_server: Any,
                                             users: dict[str, Any],
                                             evidence_image: EvidenceImage) -> None:
    from playwright.sync_api import expect

    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    page.goto(f"/internal/evidence/{evidence_image.pk}/")
    picture = _Picture(page, evidence_image)
    picture.drag((100, 50), (500, 350))
    picture.drag((120, 60), (170, 100), key="Shift")
    page.locator("#crop-form [name=w]").fill("5000")  # wider than the picture
    page.get_by_role("button", name="Create crop and run the safety gate").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert Crop.objects.count() == 0
    expect(page.locator(".redaction-list li")).to_have_count(1)
    expect(page.locator(".redact-box")).to_have_count(1)
    expect(page.get_by_role("button", name="Undo last redaction")).to_be_enabled()


def test_crop_tool_has_no_serious_accessibility_problem(new_context: Callable[..., Any],
                                                        live_server: Any,
                                                        users: dict[str, Any],
                                                        evidence_image: EvidenceImage,
                                                        axe_source: str) -> None:
    from tests.browser.test_accessibility import _describe
    from tests.routing.browser.test_pages import _axe

    # axe is injected as an inline script: this context alone lifts the CSP for it.
    context = _signed_in_context(new_context, live_server, users["investigator"],
                                 bypass_csp=True)
    page = context.new_page()
    page.goto(f"/internal/evidence/{evidence_image.pk}/")
    picture = _Picture(page, evidence_image)
    picture.drag((100, 50), (500, 350))
    picture.drag((120, 60), (170, 100), key="Shift")
    problems = _axe(page, axe_source)
    assert not problems, _describe(problems)
