"""The evidence workspace in chromium, under the strict CSP: the grid's sort, filters and
selection; the blur and greyscale of the evidence view (computed style) and how a change on
"My settings" changes it; the zoom keys of the viewer; a crop with redactions drawn by
keyboard only, with the busy state while the gate checks it; axe on the pages.

    SCREENSHOT_DIR=/tmp/shots pytest tests/internal/test_evidence_workspace_browser.py
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import conftest as browser_fixtures
from tests.clues.test_browser import _signed_in_context
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import Crop, EvidenceImage, EvidenceView

from ..evidence.conftest import crop_make, write_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context
axe_source = browser_fixtures.axe_source


def _shot(page: Any, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / name), full_page=True)


@pytest.fixture
def grid_case(db: Any, tmp_path: Path) -> dict[str, EvidenceImage]:
    root = tmp_path / "seized"
    write_jpeg(root / "c_small.jpg", seed=21, size=(160, 120))
    write_jpeg(root / "a_large.jpg", seed=22, size=(900, 700))
    write_jpeg(root / "b_medium.jpg", seed=23, size=(400, 300))
    (root / "z_again").mkdir()
    shutil.copy(root / "b_medium.jpg", root / "z_again" / "b_medium_copy.jpg")
    ingest([root], case_ref="CASE-B")
    return {Path(i.files.order_by("path").values_list("path", flat=True)[0]).name: i
            for i in EvidenceImage.objects.all()}


def _names(page: Any) -> list[str]:
    return page.locator(".evidence-grid .ev-name span").all_inner_texts()


def _watch(page: Any) -> list[str]:
    problems: list[str] = []  # CSP violations and script errors are console errors
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_grid_sort_filter_and_select(new_context: Callable[..., Any], live_server: Any,
                                     users: dict[str, Any],
                                     grid_case: dict[str, EvidenceImage]) -> None:
    from playwright.sync_api import expect

    user = users["investigator"]
    page = _signed_in_context(new_context, live_server, user).new_page()
    problems = _watch(page)
    page.goto("/internal/cases/CASE-B/")
    assert _names(page) == ["a_large.jpg", "b_medium.jpg", "c_small.jpg"]
    expect(page.get_by_text("Duplicate: 2 files")).to_have_count(1)
    page.get_by_label("Sort by").select_option("-size")
    page.get_by_role("button", name="Apply").click()
    sizes = sorted(grid_case, key=lambda n: -grid_case[n].file_size)
    expect(page.locator(".evidence-grid .ev-name span").first).to_have_text(sizes[0])
    assert _names(page) == sizes
    page.get_by_label("Duplicates (found more than once)").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".evidence-grid .ev-name span")).to_have_count(1)
    assert _names(page) == ["b_medium.jpg"]
    page.get_by_label("Duplicates (found more than once)").uncheck()
    page.get_by_label("Not yet viewed by me").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".evidence-grid .ev-name span")).to_have_count(3)

    # Select all on the page, then the bulk action: nothing is left unviewed.
    select_all = page.get_by_label("Select all on this page")
    select_all.check()
    expect(page.locator("input[name=image]:checked")).to_have_count(3)
    page.locator("input[name=image]").first.uncheck()
    assert page.evaluate("document.getElementById('select-page').indeterminate") is True
    select_all.check()
    page.get_by_role("button", name="Mark selected as viewed").click()
    expect(page.get_by_text("No image of this case matches these filters.")).to_be_visible()
    assert "sort=-size" in page.url and "show=unviewed" in page.url
    assert EvidenceView.objects.filter(user=user).count() == 3
    assert problems == []


def _filter_of(page: Any, selector: str) -> str:
    return str(page.evaluate(
        "s => getComputedStyle(document.querySelector(s)).filter", selector))


def test_blur_setting_in_the_browser(new_context: Callable[..., Any], live_server: Any,
                                     users: dict[str, Any],
                                     grid_case: dict[str, EvidenceImage]) -> None:
    from playwright.sync_api import expect

    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    problems = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/internal/cases/CASE-B/")
    first = ".evidence-grid .ev-item:nth-child(1) .ev-media img"
    page.mouse.move(5, 5)
    assert "blur(" in _filter_of(page, first) and "grayscale(1)" in _filter_of(page, first)
    _shot(page, "grid-blurred.png")
    # Pointing at one image clears it (the greyscale stays); the others stay blurred.
    page.hover(first)
    expect(page.locator(first)).to_have_css("filter", "grayscale(1)")
    assert "blur(" in _filter_of(page, ".evidence-grid .ev-item:nth-child(2) .ev-media img")
    page.mouse.move(5, 5)
    expect(page.locator(first)).to_have_css("filter", "blur(18px) grayscale(1)")
    # The Reveal toggle clears one image until pressed again.
    second = ".evidence-grid .ev-item:nth-child(2) .ev-media img"
    reveal = page.locator(".evidence-grid .ev-item:nth-child(2) .ev-reveal")
    reveal.click()
    expect(reveal).to_have_attribute("aria-pressed", "true")
    page.mouse.move(5, 5)
    expect(page.locator(second)).to_have_css("filter", "grayscale(1)")
    reveal.click()
    page.mouse.move(5, 5)
    expect(page.locator(second)).to_have_css("filter", "blur(18px) grayscale(1)")

    # My settings: no blur, no greyscale, large thumbnails.
    page.goto("/internal/account/")
    page.get_by_label("Blur evidence images until I point at one or reveal it").uncheck()
    page.get_by_label("Show evidence images in greyscale").uncheck()
    page.get_by_label("Large").check()
    page.get_by_role("button", name="Save how evidence is shown").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.goto("/internal/cases/CASE-B/")
    page.mouse.move(5, 5)
    expect(page.locator(first)).to_have_css("filter", "none")
    expect(page.locator(".ev-reveal").first).to_be_hidden()
    height = page.locator(first).bounding_box()["height"]
    assert height > 200  # 15rem
    _shot(page, "grid-clear.png")
    # The viewer follows the same setting.
    page.goto(f"/internal/evidence/{grid_case['a_large.jpg'].pk}/")
    expect(page.locator("#evidence-img")).to_have_css("filter", "none")
    assert problems == []


def test_zoom_keys_wheel_and_pan(new_context: Callable[..., Any], live_server: Any,
                                 users: dict[str, Any],
                                 grid_case: dict[str, EvidenceImage]) -> None:
    from playwright.sync_api import expect

    image = grid_case["a_large.jpg"]  # 900 x 700
    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    problems = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/internal/evidence/{image.pk}/")
    stage = page.locator(".crop-stage")
    expect(stage).to_have_class("crop-stage zoomable")
    assert stage.bounding_box()["width"] > 660  # the page's width, not 660 px
    picture = page.locator("#evidence-img")
    assert page.evaluate("document.getElementById('evidence-img').naturalWidth") == 900
    fitted = picture.bounding_box()["width"]
    stage.focus()
    page.keyboard.press("+")
    page.keyboard.press("+")
    zoomed = picture.bounding_box()["width"]
    assert zoomed > fitted * 1.5
    expect(page.locator(".zoom-level")).not_to_have_text("")
    page.keyboard.press("-")
    assert fitted < picture.bounding_box()["width"] < zoomed
    page.keyboard.press("0")
    assert abs(picture.bounding_box()["width"] - fitted) < 1
    # The wheel zooms about the pointer.
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)
    expect(stage).not_to_have_attribute("data-scale", str(fitted / 900))
    assert picture.bounding_box()["width"] > fitted
    # Drag moves the picture when chosen.
    page.keyboard.press("+")
    page.get_by_label("Drag moves the picture").check()
    before = picture.bounding_box()["x"]
    page.mouse.move(box["x"] + 300, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 200, steps=5)
    page.mouse.up()
    assert picture.bounding_box()["x"] < before - 50
    assert page.locator("#crop-form [name=w]").input_value() == ""  # nothing was drawn
    assert problems == []


def test_keyboard_redactions_make_the_crop(new_context: Callable[..., Any], live_server: Any,
                                           users: dict[str, Any],
                                           grid_case: dict[str, EvidenceImage]) -> None:
    from playwright.sync_api import expect

    image = grid_case["a_large.jpg"]  # 900 x 700: the keyboard box starts 140 x 140 centred
    page = _signed_in_context(new_context, live_server, users["investigator"]).new_page()
    problems = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/internal/evidence/{image.pk}/")
    stage = page.locator(".crop-stage")
    page.get_by_label("Enter on the picture").select_option("crop")
    stage.focus()
    expect(page.locator(".key-box")).to_be_visible()
    step = int(page.evaluate(
        "Math.max(1, Math.round(8 * 900 / document.getElementById('evidence-img')"
        ".getBoundingClientRect().width))"))
    for _ in range(10):
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Enter")
    crop = {k: int(page.locator(f"#crop-form [name={k}]").input_value()) for k in "xywh"}
    assert crop == {"x": 380, "y": 280, "w": 140 + 10 * step, "h": 140 + 10 * step}
    expect(page.locator(".crop-box")).to_be_visible()

    # A black-out in the crop's top left corner, a blur next to it, then the blur removed.
    page.get_by_label("Enter on the picture").select_option("black")
    stage.focus()
    for _ in range(5):
        page.keyboard.press("Shift+ArrowLeft")
        page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Enter")
    page.get_by_label("Enter on the picture").select_option("blur")
    stage.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator(".redaction-list li")).to_have_count(2)
    expect(page.locator(".redact-box.is-selected")).to_have_count(1)
    page.keyboard.press("Delete")
    expect(page.locator(".redaction-list li")).to_have_count(1)
    expect(page.locator(".redact-blur")).to_have_count(0)
    side = 140 + 10 * step - 5 * step
    black = {"x": 380, "y": 280, "w": side, "h": side, "mode": "black"}
    _shot(page, "keyboard-redaction.png")

    # The gate takes seconds: the button says so and cannot be pressed twice. The page is
    # on its way out while that shows, so what it showed is kept in sessionStorage.
    page.evaluate("""() => {
      const button = document.querySelector('#crop-form button[type=submit]');
      const busy = document.querySelector('.crop-busy');
      new MutationObserver(() => sessionStorage.setItem('busy', JSON.stringify({
        disabled: button.disabled, text: button.textContent, live: busy.textContent,
        polite: busy.getAttribute('aria-live')}))).observe(
        button, {attributes: true, childList: true, characterData: true, subtree: true});
    }""")
    with page.expect_navigation(url="**/internal/crops/*/", timeout=120_000):
        page.locator("#crop-form button[type=submit]").click(timeout=120_000)
    shown = json.loads(page.evaluate("sessionStorage.getItem('busy')"))
    assert shown == {"disabled": True, "text": "Checking the crop…",
                     "live": "Checking the crop…", "polite": "polite"}
    made = Crop.objects.get()
    assert (made.x, made.y, made.w, made.h) == (380, 280, crop["w"], crop["h"])
    assert made.redactions == [black]
    expect(page.locator(".notice[role=status]")).to_contain_text("Safety gate")
    _shot(page, "crop-page.png")
    assert problems == []


def test_crop_page_draws_the_findings(new_context: Callable[..., Any], live_server: Any,
                                      users: dict[str, Any],
                                      grid_case: dict[str, EvidenceImage]) -> None:
    from playwright.sync_api import expect

    crop = crop_make(grid_case["a_large.jpg"], {"x": 100, "y": 100, "w": 400, "h": 300},
                     user=users["investigator"], verdict="fail", findings=[
                         {"kind": "face", "score": 0.93, "box": [40, 30, 120, 140],
                          "detail": "face (face model 0.93; detector 0.88, face mesh 0.81)"},
                         {"kind": "hand", "score": 0.86, "box": [250, 180, 90, 80],
                          "detail": "reaches into the crop from around it; hand 0.86"}])
    page = _signed_in_context(new_context, live_server, users["reviewer"]).new_page()
    problems = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/internal/crops/{crop.pk}/")
    expect(page.locator(".findings li")).to_have_count(2)
    expect(page.locator(".findings li").first).to_contain_text("score 0.93, threshold 0.78")
    rects = page.locator(".crop-figure svg rect")
    expect(rects).to_have_count(2)
    figure = page.locator(".crop-figure img").bounding_box()
    face = rects.first.bounding_box()
    scale = figure["width"] / 400
    assert abs(face["x"] - figure["x"] - 40 * scale) < 3
    assert abs(face["width"] - 120 * scale) < 4
    _shot(page, "crop-findings.png")
    assert problems == []


@pytest.mark.parametrize("where", ["grid", "viewer", "crop", "settings"])
def test_evidence_pages_have_no_serious_accessibility_problem(
        where: str, new_context: Callable[..., Any], live_server: Any, users: dict[str, Any],
        grid_case: dict[str, EvidenceImage], axe_source: str) -> None:
    from tests.browser.test_accessibility import _describe
    from tests.routing.browser.test_pages import _axe

    image = grid_case["a_large.jpg"]
    crop = crop_make(image, {"x": 0, "y": 0, "w": 300, "h": 200}, user=users["investigator"],
                     verdict="fail", findings=[{"kind": "person", "score": 0.95,
                                                "box": [0, 0, 300, 200], "detail": "p"}])
    url = {"grid": "/internal/cases/CASE-B/?show=unviewed",
           "viewer": f"/internal/evidence/{image.pk}/",
           "crop": f"/internal/crops/{crop.pk}/", "settings": "/internal/account/"}[where]
    context = _signed_in_context(new_context, live_server, users["investigator"],
                                 bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    if where == "viewer":
        page.locator(".crop-stage").focus()
        page.keyboard.press("Enter")
    problems = _axe(page, axe_source)
    _shot(page, f"page-{where}.png")
    assert not problems, _describe(problems)
