"""Nothing twice, in a real browser (JavaScript disabled and enabled): reloading, resubmitting
and double-clicking the tip form and the mailbox answer store one row and show one receipt;
the receipt page's check before leaving; the mailbox opened from the receipt page without
typing the receipt; times in the visitor's time zone; a message's language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import RECEIPT_RE
from traceobject.tips import intake
from traceobject.tips.models import Direction, MailboxMessage, OnceKey, Receipt, SealedTip

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def _fill_tip(page: Any, ref: str, text: str) -> None:
    page.goto(f"/en/objects/{ref}/tip/")
    page.get_by_label("What do you know about this object?").fill(text)


def _form_fields(page: Any, selector: str) -> dict[str, str]:
    """The fields a form would send, as the browser has them."""
    return page.evaluate("""(selector) => Object.fromEntries(
        new FormData(document.querySelector(selector)).entries())""", selector)


def _posts(page: Any) -> list[Any]:
    posts: list[Any] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    return posts


def test_reload_and_resubmission_of_the_tip_form_store_one_tip(page: Any, published: Any,
                                                                 live_server: Any) -> None:
    _fill_tip(page, published.ref, "Sold in a kiosk at Gdańsk station.")
    fields = _form_fields(page, "form.tip-form")
    page.get_by_role("button", name="Send tip").click()
    expect(page.locator("#receipt")).to_have_text(RECEIPT_RE)
    receipt = page.locator("#receipt").inner_text().strip()
    assert "/en/receipt/" in page.url and receipt not in page.url
    page.reload()  # after the redirect, a reload asks for nothing to be sent again
    expect(page.locator("#receipt")).to_have_text(receipt)
    # The same form sent again from this browser (what "resubmit" sends): the first receipt.
    again = page.request.post(f"{live_server.url}/en/objects/{published.ref}/tip/",
                              form=fields, headers={"Referer": page.url})
    assert again.ok and receipt in again.text()
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1


def test_a_double_click_on_send_stores_one_tip(page: Any, published: Any) -> None:
    _fill_tip(page, published.ref, "Sold in a kiosk at Gdańsk station.")
    posts = _posts(page)
    page.get_by_role("button", name="Send tip").dblclick()
    expect(page.locator("#receipt")).to_have_text(RECEIPT_RE)
    assert len(posts) >= 1  # Chrome sends a second click's form again only sometimes
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1
    page.reload()
    expect(page.locator("#receipt")).to_have_text(RECEIPT_RE)
    assert SealedTip.objects.count() == 1


_SEND_TWICE_AT_ONCE = """async (selector) => {
    const form = document.querySelector(selector);
    const body = new URLSearchParams(new FormData(form));
    const send = () => fetch(form.action, {method: "POST", body, credentials: "same-origin"})
        .then(r => r.text());
    return Promise.all([send(), send()]);
}"""


def test_a_form_sent_twice_at_once_stores_one_tip(js_page: Any, published: Any) -> None:
    """Two posts of one form racing each other (what a double click can send)."""
    _fill_tip(js_page, published.ref, "Sold in a kiosk at Gdańsk station.")
    pages = js_page.evaluate(_SEND_TWICE_AT_ONCE, "form.tip-form")
    found = [re.search(r'id="receipt"[^>]*>\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})', text)
             for text in pages]
    assert all(found), "each answer leads to the receipt"
    assert len({m.group(1) for m in found if m}) == 1  # the one receipt, twice
    assert SealedTip.objects.count() == 1 and Receipt.objects.count() == 1


def test_the_receipt_check_before_leaving(page: Any, js_enabled: bool, published: Any) -> None:
    _fill_tip(page, published.ref, "Seen at a market in Lublin.")
    page.get_by_role("button", name="Send tip").click()
    receipt = page.locator("#receipt").inner_text().strip()
    receipt_url = page.url
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    posts = _posts(page)
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Tick the box once you have written your receipt down.")
    expect(page.locator("#receipt")).to_have_text(receipt)  # still here to be noted down
    box = page.get_by_label("I have written my receipt down")
    if js_enabled:  # said at once, without a round trip, and the box takes the focus
        assert posts == []
        expect(box).to_be_focused()
    else:
        assert len(posts) == 1
    box.check()
    page.get_by_role("button", name="Done").click()
    expect(page).to_have_url(re.compile(r"/en/$"))
    page.goto(receipt_url)  # back to it: shown no more
    expect(page.get_by_role("heading", level=1)).to_have_text("Your receipt is not shown here")
    expect(page.locator("body")).not_to_contain_text(receipt)
    assert OnceKey.objects.get().sealed is None


def test_the_receipt_page_opens_the_mailbox_without_typing(page: Any, published: Any) -> None:
    _fill_tip(page, published.ref, "Seen at a market in Lublin.")
    page.get_by_role("button", name="Send tip").click()
    receipt = page.locator("#receipt").inner_text().strip()
    page.get_by_role("button", name="Open your mailbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your mailbox")
    assert receipt not in page.url and receipt.replace("-", "") not in page.url
    expect(page.locator(".tips-table tbody tr")).to_contain_text(published.ref)
    # The tipster's own tip is there, shown when asked for.
    own = page.locator(".message-tip_copy")
    expect(own).to_contain_text("Your tip")
    expect(own).not_to_contain_text("Lublin")
    own.get_by_role("link", name="Show what I wrote").click()
    expect(page.locator(".message-tip_copy")).to_contain_text("Seen at a market in Lublin.")
    page.reload()
    expect(page.locator(".message-tip_copy")).to_contain_text("Seen at a market in Lublin.")


def test_reload_and_double_click_of_an_answer_store_one_answer(
    page: Any, tip_with_receipt: tuple[SealedTip, str]
) -> None:
    sealed, receipt = tip_with_receipt
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed.id, text="Which shop was it?")
    page.goto("/en/mailbox/")
    page.get_by_label("Your receipt").fill(receipt)
    page.get_by_role("button", name="Open mailbox").click()
    answers = MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER)

    page.get_by_label("Your answer, or more about your tip").fill("The one on Długa street.")
    page.get_by_role("button", name="Send", exact=True).dblclick()
    expect(page.get_by_role("status").filter(has_text="Your message has been sent")
           ).to_be_visible()
    page.reload()
    expect(page.get_by_role("status").filter(has_text="Your message has been sent")
           ).to_be_visible()
    assert answers.count() == 1
    expect(page.locator(".message-from_tipster")).to_have_count(1)
    # A new answer from the page is a new message.
    page.get_by_label("Your answer, or more about your tip").fill("It had a yellow sign.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".message-from_tipster")).to_have_count(2)
    assert answers.count() == 2


def test_an_answer_sent_twice_at_once_is_stored_once(
    js_page: Any, tip_with_receipt: tuple[SealedTip, str]
) -> None:
    _sealed, receipt = tip_with_receipt
    js_page.goto("/en/mailbox/")
    js_page.get_by_label("Your receipt").fill(receipt)
    js_page.get_by_role("button", name="Open mailbox").click()
    js_page.get_by_label("Your answer, or more about your tip").fill("Długa street.")
    pages = js_page.evaluate(_SEND_TWICE_AT_ONCE, "form.reply-form")
    assert all("Your message has been sent" in text for text in pages)
    assert MailboxMessage.objects.filter(direction=Direction.FROM_TIPSTER).count() == 1


def test_answers_show_after_their_questions_in_the_visitors_time_zone(
    new_context: Callable[..., Any], live_server: Any, js_enabled: bool,
    tip_with_receipt: tuple[SealedTip, str],
) -> None:
    sealed, receipt = tip_with_receipt
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed.id, text="Which shop was it?",
                                      language="en")
    intake.mailbox_reply(receipt=receipt, text="The one on Długa street.", language="en")
    page = new_context(java_script_enabled=js_enabled, base_url=live_server.url,
                       timezone_id="America/New_York").new_page()
    page.goto("/en/mailbox/")
    page.get_by_label("Your receipt").fill(receipt)
    page.get_by_role("button", name="Open mailbox").click()
    # Wait for the opened mailbox before reading it: the click only starts the navigation.
    expect(page.locator(".messages > li")).to_have_count(3)
    kinds = page.locator(".messages > li").evaluate_all(
        "items => items.map(i => i.className.replace('message ', ''))")
    assert kinds == ["message-tip_copy", "message-to_tipster", "message-from_tipster"]
    zone = "America/New_York" if js_enabled else "UTC"  # the script names the zone
    expect(page.get_by_text(f"Times are shown in the time zone {zone}.")).to_be_visible()
    times = page.locator(".message-meta time").evaluate_all(
        "ts => ts.map(t => t.getAttribute('datetime'))")
    assert times == sorted(times)
    offset = "-05:00" if js_enabled else "+00:00"
    assert all(t.endswith(offset) or (js_enabled and t.endswith("-04:00")) for t in times)


def test_a_question_in_another_language_says_which(
    page: Any, tip_with_receipt: tuple[SealedTip, str]
) -> None:
    sealed, receipt = tip_with_receipt
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed.id, text="Which shop was it?",
                                      language="en")
    page.goto("/pl/mailbox/")
    page.locator("input[name=receipt]").fill(receipt)
    page.locator("form.mailbox-form button[type=submit]").click()
    question = page.locator(".message-to_tipster")
    expect(question).to_contain_text("Język: Angielski")
    expect(question.locator("p[lang=en]")).to_have_text("Which shop was it?")


# A browser that blocks cookies, or that lost them between drawing the form and sending it.


def _cookies_needed_shown(page: Any, typed: str, place: str) -> None:
    expect(page.get_by_role("heading", name="Cookies are needed to send this form")
           ).to_be_visible()
    expect(page.get_by_label("What do you know about this object?")).to_have_value(typed)
    expect(page.get_by_label("Place or shop")).to_have_value(place)


def test_cookies_cleared_before_sending_keep_what_was_typed(page: Any, published: Any) -> None:
    typed = "Sold in a kiosk at Gdańsk station,\nnext to the ticket office."
    _fill_tip(page, published.ref, typed)
    page.get_by_label("Place or shop").fill("Gdańsk Główny")
    page.context.clear_cookies()
    page.get_by_role("button", name="Send tip").click()
    _cookies_needed_shown(page, typed, "Gdańsk Główny")
    assert SealedTip.objects.count() == 0
    # The page set its cookies again: sent from there, the tip goes through, once.
    page.get_by_role("button", name="Send tip").click()
    expect(page.locator("#receipt")).to_have_text(RECEIPT_RE)
    assert SealedTip.objects.count() == 1


def _without_cookies(playwright: Any) -> Callable[[Any], None]:
    """A route handler that lets every request through but keeps no cookie: each request is
    sent by a fresh request context (no cookie jar shared with the page) and its answer
    reaches the page without Set-Cookie, as in a browser set to block this site's cookies."""

    def handle(route: Any) -> None:
        request = route.request
        sender = playwright.request.new_context()
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "cookie"}
            answer = sender.fetch(request.url, method=request.method, headers=headers,
                                  data=request.post_data_buffer, max_redirects=0)
            kept = {k: v for k, v in answer.headers.items() if k.lower() != "set-cookie"}
            route.fulfill(status=answer.status, headers=kept, body=answer.body())
        finally:
            sender.dispose()

    return handle


def test_a_browser_that_blocks_cookies_is_told_and_loses_nothing(
        new_context: Callable[..., Any], live_server: Any, published: Any,
        _playwright_loop: Any) -> None:
    context = new_context(java_script_enabled=True, base_url=live_server.url)
    context.route("**/*", _without_cookies(_playwright_loop[0]))
    page = context.new_page()
    typed = "The carton is from a Lidl in Poznań."
    _fill_tip(page, published.ref, typed)
    page.get_by_label("Place or shop").fill("Poznań")
    assert context.cookies() == []
    for _attempt in range(2):  # sent again without cookies: told again, the text still there
        page.get_by_role("button", name="Send tip").click()
        _cookies_needed_shown(page, typed, "Poznań")
    assert context.cookies() == []
    assert SealedTip.objects.count() == 0 and OnceKey.objects.count() == 0
