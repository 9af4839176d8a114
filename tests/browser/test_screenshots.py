"""Screenshots of the main pages at phone and desktop width, to look at (SCREENSHOTS=1 only).

    SCREENSHOTS=1 pytest tests/browser/test_screenshots.py   # writes /tmp/shots/*.png
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE
from traceobject.tips import intake
from traceobject.tips.models import SealedTip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1",
                       reason="screenshots are taken only with SCREENSHOTS=1"),
]
expect = pytest.importorskip("playwright.sync_api").expect

LONG_TITLE = ("Hand-painted enamel mug with a chipped rim and a red-and-white floral pattern "
              "around a small windmill")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots(
    size: str, screenshot_dir: Path, published: Any, make_object: Any,
    new_context: Callable[..., Any], live_server: Any,
) -> None:
    make_object(title="Red hotel towel", category="textiles")
    make_object(title="Toy robot", category="toys", identified="PL")
    make_object(title=LONG_TITLE, category="other")
    make_object(title="Printed carton", category="printed")
    viewport = PHONE if size == "phone" else DESKTOP
    page = new_context(base_url=live_server.url, viewport=viewport).new_page()

    def shot(name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshot_dir / f"{size}-{name}.png"), full_page=True)

    page.goto("/en/")
    # Lazy images: bring every card into view once, so the full-page shot shows them.
    for card in page.locator(".card img").all():
        card.scroll_into_view_if_needed()
    shot("1-gallery")
    page.locator(".languages summary").click()
    page.screenshot(path=str(screenshot_dir / f"{size}-1b-language-menu.png"))
    page.goto(f"/en/objects/{published.ref}/")
    shot("2-object")
    page.goto(f"/en/objects/{published.ref}/tip/")
    shot("3-tip-form")
    page.get_by_role("button", name="Send tip").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shot("4-tip-form-errors")
    page.get_by_label("What do you know about this object?").fill("Sold in Poland.")
    page.get_by_role("button", name="Send tip").click()
    receipt_page = page.url
    shot("5-receipt")
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shot("5b-receipt-check")
    intake.mailbox_message_to_tipster(
        sealed_tip_id=SealedTip.objects.get().id,
        text="Thank you. Do you remember the name of the shop, or the street it is in?",
    )
    intake.mailbox_message_to_tipster(
        sealed_tip_id=SealedTip.objects.get().id, language="pl",
        text="Czy pamięta Pan/Pani, w którym mieście był ten sklep?",
    )
    page.get_by_role("button", name="Open your mailbox").click()
    expect(page.locator(".message-to_tipster").first).to_be_visible()
    page.get_by_label("Your answer, or more about your tip").fill("It was on Długa street.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_role("link", name="Show what I wrote").first.click()
    shot("6-mailbox")
    page.goto(receipt_page)
    page.get_by_label("I have written my receipt down").check()
    page.get_by_role("button", name="Done").click()
    expect(page).to_have_url(re.compile(r"/en/$"))
    page.goto("/en/mailbox/")
    shot("7-mailbox-login")
    page.goto("/en/mailbox/AAAAAAAAAAAAAAAAAAAAAA/")
    shot("7b-mailbox-closed")
    page.goto(receipt_page)
    shot("8-receipt-gone")
