"""A tipster's way through the public site, with JavaScript disabled and enabled."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.browser.support import RECEIPT_RE
from traceobject.core import crypto
from traceobject.core.keys import intake_private_key
from traceobject.tips import intake
from traceobject.tips.models import Direction, MailboxMessage, SealedTip

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

TIP_TEXT = "This bag is from a supermarket chain; I saw it in Gdańsk."


def _open_mailbox(page: Any, receipt: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mailbox")
    page.get_by_label("Your receipt").fill(receipt)
    page.get_by_role("button", name="Open mailbox").click()


def test_tipster_sends_a_tip_and_finds_it_in_the_mailbox(
    page: Any, js_enabled: bool, published: Any, make_object: Any
) -> None:
    make_object(title="Red hotel towel", category="textiles")

    page.goto("/en/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Do you recognise these objects?")
    expect(page.locator(".grid .card")).to_have_count(2)
    page.locator(".card").filter(has_text="Blue shop bag").get_by_role("link").click()

    expect(page).to_have_url(re.compile(rf"/en/objects/{published.ref}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Blue shop bag")
    expect(page.locator(".questions")).to_contain_text("Where is this bag sold?")
    page.get_by_role("link", name="I recognise this object").click()

    expect(page).to_have_url(re.compile(rf"/en/objects/{published.ref}/tip/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a tip")
    page.get_by_label("What do you know about this object?").fill(TIP_TEXT)
    counter = page.locator("[data-counter-for]")
    if js_enabled:  # the character counter is an enhancement
        expect(counter).to_have_text(f"{len(TIP_TEXT)} / {intake.TEXT_MAX}")
    else:
        expect(counter).to_have_text("")
    page.get_by_label("Country where you saw it").select_option("PL")
    page.get_by_label("Place or shop").fill("Gdańsk, near the main station")
    page.get_by_label("When (a year or a period)").fill("summer 2023")
    # The honeypot is out of sight and out of the keyboard order.
    expect(page.locator("input[name=website]")).not_to_be_in_viewport()
    expect(page.locator("input[name=website]")).to_have_attribute("tabindex", "-1")
    page.get_by_role("button", name="Send tip").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your tip has arrived")
    receipt = page.locator("#receipt").inner_text().strip()
    assert RECEIPT_RE.match(receipt), receipt

    # Stored sealed, and what was typed and chosen arrived intact.
    sealed = SealedTip.objects.get()
    assert sealed.object_id == published.id
    assert TIP_TEXT.encode() not in bytes(sealed.sealed)
    payload = json.loads(crypto.unseal(intake_private_key(), bytes(sealed.sealed)))
    assert payload["text"] == TIP_TEXT
    assert payload["country"] == "PL"
    assert payload["place"] == "Gdańsk, near the main station"
    assert payload["seen_when"] == "summer 2023"
    assert payload["language"] == "en"

    page.get_by_label("I have written my receipt down").check()
    page.get_by_role("button", name="Done").click()
    expect(page).to_have_url(re.compile(r"/en/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mailbox").click()
    # People type receipts sloppily: lower case, spaces instead of dashes.
    _open_mailbox(page, receipt.lower().replace("-", " "))
    row = page.locator(".tips-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(published.ref)
    expect(row).to_contain_text("Blue shop bag")
    expect(row.locator(".status")).to_have_text("Received")
    expect(page.locator(".message")).to_have_count(1)  # their own tip, nothing else yet
    expect(page.locator(".message-tip_copy")).to_contain_text("Your tip")


def test_empty_tip_shows_a_field_error_and_stores_nothing(
    page: Any, js_enabled: bool, published: Any
) -> None:
    page.goto(f"/en/objects/{published.ref}/tip/")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send tip").click()
    assert posted.value.status == 400

    expect(page.get_by_role("alert")).to_contain_text("Some fields need your attention.")
    text = page.get_by_label("What do you know about this object?")
    field = page.locator(".field").filter(has=text)
    expect(field).to_have_class(re.compile(r"\bfield-error\b"))
    expect(field.locator(".error")).to_have_text("This field is required.")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_count(1)
    if js_enabled:  # the error summary takes the focus, so screen readers announce it
        expect(page.locator("#form-errors")).to_be_focused()
    assert SealedTip.objects.count() == 0

    # Blank text is refused by the service rule too, and what was chosen is kept.
    text.fill("   ")
    page.get_by_label("Country where you saw it").select_option("PL")
    page.get_by_role("button", name="Send tip").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Country where you saw it")).to_have_value("PL")
    expect(page.locator(".field-error .error")).to_have_count(1)
    assert SealedTip.objects.count() == 0

    page.get_by_label("What do you know about this object?").fill("Sold at Biedronka.")
    page.get_by_role("button", name="Send tip").click()
    expect(page.locator("#receipt")).to_have_text(RECEIPT_RE)
    assert SealedTip.objects.count() == 1


def test_tipster_reads_a_question_and_answers_it(
    page: Any, tip_with_receipt: tuple[SealedTip, str]
) -> None:
    sealed, receipt = tip_with_receipt
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed.id,
                                      text="Which shop was it? Do you remember the street?")

    page.goto("/en/mailbox/")
    _open_mailbox(page, receipt)
    expect(page.locator(".tips-table .status")).to_have_text("Received")
    question = page.locator(".message-to_tipster")
    expect(question).to_have_count(1)
    expect(question).to_contain_text("From the investigators")
    expect(question).to_contain_text("Which shop was it? Do you remember the street?")

    page.get_by_label("Your answer, or more about your tip").fill(
        "The one on Długa street, next to the bakery.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Your message has been sent")
           ).to_be_visible()

    answer = MailboxMessage.objects.get(direction=Direction.FROM_TIPSTER)
    assert answer.receipt_id == sealed.receipt_id
    assert answer.sealed_tip_id == sealed.id
    plain = crypto.unseal(intake_private_key(), bytes(answer.sealed)).decode()
    assert plain == "The one on Długa street, next to the bakery."
    # The tipster's own words are not shown back (someone else may look at the screen).
    mine = page.locator(".message-from_tipster")
    expect(mine).to_contain_text("From you")
    expect(mine).not_to_contain_text("Długa")


def test_unknown_receipt_is_refused(page: Any, tip_with_receipt: tuple[SealedTip, str]) -> None:
    _sealed, receipt = tip_with_receipt
    wrong = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")
    page.goto("/en/mailbox/")
    _open_mailbox(page, wrong)
    expect(page.get_by_role("alert")).to_contain_text("No mailbox matches this receipt")
    expect(page.locator(".tips-table")).to_have_count(0)


def test_copy_button_appears_only_with_javascript(
    page: Any, js_enabled: bool, published: Any
) -> None:
    """Without JavaScript the button could do nothing, so it must stay hidden."""
    page.goto(f"/en/objects/{published.ref}/tip/")
    page.get_by_label("What do you know about this object?").fill("Sold in Poland.")
    page.get_by_role("button", name="Send tip").click()
    expect(page.locator("#receipt")).to_have_text(RECEIPT_RE)
    copy = page.get_by_role("button", name="Copy receipt")
    if js_enabled:
        expect(copy).to_be_visible()
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        copy.click()
        expect(page.get_by_text("Copied.")).to_be_visible()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.locator("#receipt").inner_text().strip()
    else:
        expect(copy).to_be_hidden()


def test_form_posts_carry_the_sites_origin(js_page: Any, published: Any,
                                           live_server: Any) -> None:
    """Django's CSRF check compares the Origin header with the host. A Referrer-Policy of
    no-referrer makes browsers send `Origin: null` with every form POST, and every form of the
    site then fails with "Form expired" (403)."""
    js_page.goto(f"/en/objects/{published.ref}/tip/")
    js_page.get_by_label("What do you know about this object?").fill("Sold in Poland.")
    with js_page.expect_response(lambda r: r.request.method == "POST") as posted:
        js_page.get_by_role("button", name="Send tip").click()
    origin = posted.value.request.header_value("origin")
    assert origin == live_server.url, (
        f"the browser sent Origin: {origin} (Referrer-Policy: "
        f"{posted.value.header_value('referrer-policy')}); the server answered "
        f"{posted.value.status}"
    )
    assert posted.value.status == 303
