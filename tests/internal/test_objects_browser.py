"""Same-object search in chromium, under the strict CSP: draw a region on the evidence page,
"Find this region elsewhere", the matches grouped by case with their match pictures, link one
to an object; without JavaScript the x, y, w, h fields do the same.

    SCREENSHOT_DIR=/tmp/shots pytest tests/internal/test_objects_browser.py   # also PNGs
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import conftest as browser_fixtures
from tests.clues.test_browser import _signed_in_context
from tests.evidence.conftest import crop_make
from tests.evidence.objects_world import World, indexed_world, run_tasks
from tests.internal.test_crop_browser import _Picture
from traceobject.evidence import crops
from traceobject.evidence.models import ObjectSighting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_playwright_loop = browser_fixtures._playwright_loop
_browser_test = browser_fixtures._browser_test
browser = browser_fixtures.browser
new_context = browser_fixtures.new_context
axe_source = browser_fixtures.axe_source


@pytest.fixture
def world(tmp_path: Path, evidence_store: Path, settings: Any) -> World:
    return indexed_world(tmp_path / "seized", settings)


def _shot(page: Any, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / name), full_page=True)


def _watch(page: Any) -> list[str]:
    problems: list[str] = []  # CSP violations and script errors are console errors
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_draw_a_region_find_it_elsewhere_and_link_a_match(
        new_context: Callable[..., Any], live_server: Any, users: dict[str, Any],
        world: World) -> None:
    from playwright.sync_api import expect

    investigator = users["investigator"]
    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    crop = crop_make(source, {"x": x, "y": y, "w": w, "h": h}, user=investigator)
    obj = crops.crop_to_object(crop=crop, user=investigator, category="packaging",
                               title="Cat poster")
    page = _signed_in_context(new_context, live_server, investigator).new_page()
    problems = _watch(page)
    page.goto(f"/internal/evidence/{source.pk}/")
    picture = _Picture(page, source)
    picture.drag((x, y), (x + w, y + h))
    find = page.locator("#find-region")
    # the drawn rectangle is copied into the search form's fields
    for name, value in (("x", x), ("y", y), ("w", w), ("h", h)):
        assert abs(int(find.locator(f"[name={name}]").input_value()) - value) <= \
            picture.scale + 1
    page.evaluate("document.body.classList.remove('ev-blur')")
    _shot(page, "evidence-find-region.png")
    page.get_by_role("button", name="Find this region elsewhere").click()
    page.wait_for_url("**/internal/find-object/?image=*")
    expect(page.get_by_role("heading", name="Find this object elsewhere")).to_be_visible()
    expect(page.locator(".object-summary")).to_contain_text("Found in 3 other images")
    groups = page.locator(".case-matches h2")
    expect(groups).to_have_count(2)
    expect(groups.nth(0)).to_contain_text("CASE-")
    pictures = page.locator(".match-picture img")
    expect(pictures).to_have_count(3)
    for i in range(3):  # every match picture loads (drawn by the server; lazily loaded)
        pictures.nth(i).scroll_into_view_if_needed()
        pictures.nth(i).evaluate("img => img.decode()")
        assert pictures.nth(i).evaluate("img => img.naturalWidth > img.naturalHeight")
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.body.classList.remove('ev-blur')")  # to look at the pictures
    _shot(page, "object-search-results.png")

    # link the bedroom scene to the object by its reference
    bedroom = world.images["bedroom.jpg"].pk
    card = page.locator(f"#match-{bedroom}")
    card.get_by_label("Object reference").fill(obj.ref)
    card.get_by_role("button", name="Link to this object").click()
    page.wait_for_url(f"**#match-{bedroom}")
    expect(page.locator(f"#match-{bedroom} .linked")).to_contain_text(obj.ref)
    assert ObjectSighting.objects.filter(traced_object=obj, image_id=bedroom).exists()

    page.goto(f"/internal/objects/{obj.ref}/")
    expect(page.locator(".also-seen")).to_have_text("Also seen in 1 other image, 1 case")
    page.evaluate("document.body.classList.remove('ev-blur')")
    _shot(page, "object-also-seen.png")
    assert not problems, problems


def test_without_javascript_the_fields_search(new_context: Callable[..., Any],
                                              live_server: Any, users: dict[str, Any],
                                              world: World) -> None:
    from playwright.sync_api import expect

    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    page = _signed_in_context(new_context, live_server, users["investigator"],
                              java_script_enabled=False).new_page()
    page.goto(f"/internal/evidence/{source.pk}/")
    find = page.locator("#find-region")
    for name, value in (("x", x), ("y", y), ("w", w), ("h", h)):
        find.locator(f"[name={name}]").fill(str(value))
    find.get_by_role("button", name="Find this region elsewhere").click()
    expect(page.locator(".object-summary")).to_contain_text("Found in 3 other images")
    # a region outside the picture: the error, and the fields to fix it
    page.goto(f"/internal/find-object/?image={source.pk}&x=0&y=0&w=5000&h=40")
    expect(page.get_by_role("alert")).to_contain_text("must lie inside the image")
    region = page.locator(".region-form")
    region.locator("[name=w]").fill("200")
    region.locator("[name=h]").fill("200")
    region.get_by_role("button", name="Find this region elsewhere").click()
    expect(page.locator(".object-summary")).to_be_visible()
    assert run_tasks() == 0  # a search queues nothing


def test_the_search_pages_have_no_serious_accessibility_problem(
        new_context: Callable[..., Any], live_server: Any, users: dict[str, Any], world: World,
        axe_source: str) -> None:
    from tests.browser.test_accessibility import _describe
    from tests.routing.browser.test_pages import _axe

    investigator = users["investigator"]
    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    crop = crop_make(source, {"x": x, "y": y, "w": w, "h": h}, user=investigator)
    obj = crops.crop_to_object(crop=crop, user=investigator, category="packaging",
                               title="Cat poster")
    ObjectSighting.objects.create(traced_object=obj, image=world.images["hall.jpg"],
                                  inliers=40, linked_by=investigator)
    # axe is injected as an inline script: this context alone lifts the CSP for it.
    page = _signed_in_context(new_context, live_server, investigator,
                              bypass_csp=True).new_page()
    for url in (f"/internal/evidence/{source.pk}/",
                f"/internal/find-object/?object={obj.ref}",
                f"/internal/find-object/?image={source.pk}&x={x}&y={y}&w={w}&h={h}",
                f"/internal/find-object/?image={source.pk}&x=-1&y=0&w=50&h=50",
                f"/internal/objects/{obj.ref}/"):
        page.goto(url)
        problems = _axe(page, axe_source)
        assert not problems, (url, _describe(problems))
        if "x=-1" in url:
            _shot(page, "object-search-refused-region.png")
        elif "object=" in url:
            page.evaluate("document.body.classList.remove('ev-blur')")
            _shot(page, "object-search-from-object.png")
