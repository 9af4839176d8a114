"""The inbox and the tip page in chromium (issue 25): the object's picture in each row and the
note on rounded arrival times, the "new answer" mark appearing and clearing for one
investigator only, previous/next walking the filtered inbox, the Forward button reaching the
forwarding flow; axe finds nothing serious on either page."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.test_accessibility import BLOCKING, _axe, _describe
from tests.browser.test_back_office_flow import _sign_in
from tests.tips.conftest import tip_make
from traceobject.tips.models import Direction, Tip, TipMessage

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def _heading_tip(page: Any) -> int:
    text = page.get_by_role("heading", level=1).inner_text()
    match = re.match(r"Tip (\d+)", text)
    assert match, text
    return int(match.group(1))


def test_inbox_marks_walk_and_forward(new_context: Any, live_server: Any, users: Any,
                                      published: Any, make_object: Any, axe_source: str,
                                      screenshot_dir: Any) -> None:
    cap = make_object(title="Red cap")
    texts = [
        "Sold at KAUFHOF in Krakau, see www.torby-sklep.pl, call +48 22 123 45 67, a blue bag "
        "with a white handle that I saw in the shop last summer",
        "Sold at KAUFHOF in Krakau, a blue bag",
        "KAUFHOF bag",
    ]
    made = [tip_make(published, text, country="PL" if n < 2 else "", cluster=False)
            for n, text in enumerate(texts)]
    made.append(tip_make(cap, "A KAUFHOF cap, bought in Köln", country="DE", cluster=False))
    tip_make(cap, "Seen at a market in Oslo", cluster=False)
    kaufhof = sorted(made, key=lambda t: (-t.score, -t.pk))
    answered = made[1]
    TipMessage.objects.create(tip=answered, direction=Direction.TO_TIPSTER,
                              author=users["investigator"], text="Which street?",
                              created_at=timezone.now())
    TipMessage.objects.create(tip=answered, direction=Direction.FROM_TIPSTER,
                              text="Floriańska, near the market square.",
                              created_at=timezone.now())

    page = new_context(base_url=live_server.url, bypass_csp=True).new_page()
    _sign_in(page, users["investigator"])

    # The home page counts the tip with a new answer and leads to it.
    page.locator("#home-new-answers").click()
    rows = page.locator("tr.tip-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("New answer")
    expect(rows.first).to_contain_text(f"#{answered.pk}")

    # The inbox, filtered: each row shows its object's picture; the rounded times are said.
    page.goto("/internal/tips/?q=kaufhof")
    expect(page.locator("tr.tip-row")).to_have_count(len(kaufhof))
    thumbs = page.locator("tr.tip-row img.tip-thumb")
    expect(thumbs).to_have_count(len(kaufhof))
    for n in range(thumbs.count()):
        thumbs.nth(n).scroll_into_view_if_needed()
        expect(thumbs.nth(n)).to_have_js_property("complete", True)
        assert thumbs.nth(n).evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#times-note")).to_contain_text("rounded to the hour on purpose")
    expect(page.locator("tr.tip-row").first).to_contain_text("about ")
    expect(page.locator(f'tr.tip-row[data-url^="/internal/tips/{answered.pk}/"]')).to_have_class(
        re.compile("tip-row-new-answer"))
    violations = [v for v in _axe(page, axe_source) if v.get("impact") in BLOCKING]
    assert violations == [], _describe(violations)
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(screenshot_dir / "inbox-thumbnails.png"), full_page=True)

    # Next/previous walk the filtered inbox in its order (the Oslo tip is not in it); on the
    # way, the answered tip shows its answer as new (once).
    page.locator("a.tip-open").first.click()
    walked = [_heading_tip(page)]
    while page.get_by_role("link", name="Next tip").count():
        page.get_by_role("link", name="Next tip").click()
        walked.append(_heading_tip(page))
        if walked[-1] == answered.pk:
            expect(page.locator("li.message-new")).to_contain_text("Floriańska")
            expect(page.locator(".score-parts")).to_contain_text("Country")
            violations = [v for v in _axe(page, axe_source) if v.get("impact") in BLOCKING]
            assert violations == [], _describe(violations)
            if os.environ.get("SCREENSHOTS") == "1":
                page.screenshot(path=str(screenshot_dir / "tip-page.png"), full_page=True)
    assert walked == [t.pk for t in kaufhof]
    expect(page.locator(".tip-walk")).to_contain_text("Last tip")
    page.get_by_role("link", name="Previous tip").click()
    assert _heading_tip(page) == kaufhof[-2].pk
    page.get_by_role("link", name="Back to the inbox").click()
    assert page.url.endswith("/internal/tips/?q=kaufhof")

    # Seen: the mark is gone, for Ivy.
    page.goto(f"/internal/tips/{answered.pk}/?q=kaufhof")
    page.reload()
    expect(page.locator("li.message-new")).to_have_count(0)
    page.goto("/internal/")
    expect(page.locator("#home-new-answers strong")).to_have_text("0")
    page.goto("/internal/tips/?q=kaufhof")
    expect(page.locator("tr.tip-row-new-answer")).to_have_count(0)

    # Ian has not read it: the mark is still there for him.
    other = new_context(base_url=live_server.url).new_page()
    _sign_in(other, users["investigator2"])
    expect(other.locator("#home-new-answers strong")).to_have_text("1")
    other.goto("/internal/tips/")
    expect(other.locator("tr.tip-row-new-answer")).to_have_count(1)

    # The Forward button leads to the forwarding flow for this tip.
    page.goto(f"/internal/tips/{answered.pk}/")
    page.get_by_role("link", name="Forward to an authority").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forward tips to an authority")
    expect(page.locator("body")).to_contain_text("Sold at KAUFHOF in Krakau, a blue bag")
    authority = page.locator("select#id_authority")
    authority.select_option(authority.locator("option:not([value=''])").first.get_attribute("value"))
    page.get_by_label("Summary for the authority").fill("A tip names KAUFHOF in Kraków.")
    page.get_by_role("button", name="Forward", exact=True).click()
    expect(page.locator("body")).to_contain_text("FWD-")
    assert Tip.objects.get(pk=answered.pk).state == "forwarded"
