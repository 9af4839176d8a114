"""The pages about the site and its reach, in a real browser: the embedded gallery framed by an
allowed web site and refused to another, the phone layout, axe on every new page, and the
emergency number chosen without JavaScript."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE
from tests.browser.test_accessibility import BLOCKING, _axe, _describe

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


class _Partner:
    """A media partner's page on a loopback port of its own (its own origin): an iframe that
    shows the site's embedded gallery."""

    def __init__(self, embed_url: str) -> None:
        body = (f'<!DOCTYPE html><html lang="en"><title>Partner</title><h1>News</h1>'
                f'<iframe id="gallery" src="{embed_url}" title="Gallery" width="800" '
                f'height="600"></iframe>').encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partners(live_server: Any) -> Iterator[tuple[_Partner, _Partner]]:
    allowed, other = _Partner(f"{live_server.url}/en/embed/"), _Partner(
        f"{live_server.url}/en/embed/")
    yield allowed, other
    allowed.close()
    other.close()


def test_the_embedded_gallery_is_framed_by_an_allowed_site_and_refused_to_another(
    published: Any, make_object: Any, partners: tuple[_Partner, _Partner], settings: Any,
    new_context: Callable[..., Any],
) -> None:
    make_object(title="Red hotel towel", category="textiles")
    allowed, other = partners
    settings.EMBED_ORIGINS = [allowed.origin]
    context = new_context(java_script_enabled=False)

    page = context.new_page()
    page.goto(allowed.origin + "/")
    frame = page.frame_locator("#gallery")
    expect(frame.locator(".grid li")).to_have_count(2)
    expect(frame.get_by_role("link", name="Blue shop bag")).to_have_attribute("target", "_blank")
    embedded = next(f for f in page.frames if f.url.endswith("/en/embed/"))
    assert embedded.evaluate("() => document.cookie") == ""

    refused = context.new_page()
    messages: list[str] = []
    refused.on("console", lambda m: messages.append(m.text))
    refused.goto(other.origin + "/")
    refused.wait_for_timeout(500)
    blocked = next(f for f in refused.frames if f is not refused.main_frame)
    assert blocked.locator(".grid li").count() == 0
    assert any("frame-ancestors" in m for m in messages), messages


def test_phone_layout_puts_the_tip_button_in_the_first_screenful_and_two_columns(
    published: Any, make_object: Any, new_context: Callable[..., Any], live_server: Any,
) -> None:
    for n in range(3):
        make_object(title=f"Object {n}")
    page = new_context(base_url=live_server.url, viewport=PHONE,
                       java_script_enabled=False).new_page()
    page.goto("/en/")
    boxes = [card.bounding_box() for card in page.locator(".card").all()[:2]]
    assert all(boxes), boxes
    first, second = boxes[0], boxes[1]
    assert first is not None and second is not None
    assert abs(first["y"] - second["y"]) < 2, (first, second)  # side by side
    assert second["x"] > first["x"] + first["width"] - 1
    assert second["x"] + second["width"] <= PHONE["width"]
    nav = page.locator(".main-nav li").all()
    tops = {round((item.bounding_box() or {"y": -1})["y"]) for item in nav}
    assert len(tops) == 1, f"the menu takes {len(tops)} rows on a phone"

    page.goto(f"/en/objects/{published.ref}/")
    button = page.get_by_role("link", name="I recognise this object").first
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box

    page.set_viewport_size(DESKTOP)
    expect(page.locator(".tip-top")).to_be_hidden()


def test_the_emergency_country_is_chosen_without_javascript(
    published: Any, new_context: Callable[..., Any], live_server: Any,
) -> None:
    context = new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/de/objects/{published.ref}/")
    numbers = page.locator(".emergency-numbers")
    expect(numbers).to_contain_text("Deutschland")
    expect(numbers).to_contain_text("112")
    page.locator(".emergency-other summary").click()
    page.locator("#emergency-country").select_option("JP")
    page.locator(".emergency-other button").click()
    expect(page).to_have_url(f"{live_server.url}/de/objects/{published.ref}/")
    expect(page.locator(".emergency-numbers")).to_contain_text("Japan")
    expect(page.locator(".emergency-numbers a").first).to_have_text("110")
    cookie = next(c for c in context.cookies() if c["name"] == "emergency_country")
    assert cookie["value"] == "JP" and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.goto(f"/de/objects/{published.ref}/tip/")
    expect(page.locator(".emergency-numbers")).to_contain_text("110")


NEW_PAGES = {
    "about": "/en/about/",
    "privacy": "/en/privacy/",
    "emergency": "/en/emergency/",
    "emergency-unknown": "/en/emergency/?country=ZZ",
    "embed": "/en/embed/",
    "object-share-emergency": "OBJECT",
}


def test_no_serious_accessibility_violations_on_the_new_pages(
    published: Any, make_object: Any, new_context: Callable[..., Any], live_server: Any,
    axe_source: str, subtests: Any,
) -> None:
    make_object(title="Toy robot", category="toys", identified="PL")
    page = new_context(bypass_csp=True, base_url=live_server.url).new_page()
    for name, url in NEW_PAGES.items():
        with subtests.test(msg=name):
            page.set_viewport_size(DESKTOP)
            page.goto(f"/en/objects/{published.ref}/" if url == "OBJECT" else url)
            if url == "OBJECT":
                page.locator(".emergency-other summary").click()
            found = {}
            for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                found[label] = _axe(page, axe_source)
            report = "\n".join(f"[{label}]\n{_describe(v)}" for label, v in found.items() if v)
            if report:
                print(f"axe on {name}:\n{report}")
            blocking = [v for label in found for v in found[label] if v["impact"] in BLOCKING]
            assert not blocking, f"axe on {name} ({page.url}):\n{report}"


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1",
                    reason="screenshots are taken only with SCREENSHOTS=1")
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots_of_the_new_pages(
    size: str, screenshot_dir: Path, published: Any, make_object: Any,
    new_context: Callable[..., Any], live_server: Any,
) -> None:
    make_object(title="Red hotel towel", category="textiles")
    make_object(title="Toy robot", category="toys", identified="PL")
    make_object(title="Printed carton", category="printed")
    page = new_context(base_url=live_server.url,
                       viewport=PHONE if size == "phone" else DESKTOP).new_page()
    for name, url in {"gallery": "/en/", "object": f"/en/objects/{published.ref}/",
                      "object-de": f"/de/objects/{published.ref}/",
                      "tip": f"/en/objects/{published.ref}/tip/", **NEW_PAGES}.items():
        if url == "OBJECT":
            continue
        page.goto(url)
        for image in page.locator("img").all():
            image.scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshot_dir / f"site-{size}-{name}.png"), full_page=True)
        page.screenshot(path=str(screenshot_dir / f"site-{size}-{name}-top.png"))
