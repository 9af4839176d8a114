"""The review checklist and "shown in English", in chromium (issue 25, item 6): a reviewer
tries to approve an English-only object without ticking, is told which lines are missing,
ticks them, is told the translations are missing, chooses to show English, and the object
is published; its German page marks the English text (lang="en", "Shown in English") and a
fully translated object's German page has no such note. axe checks both pages; with
SCREENSHOTS=1 the review page and the German page are saved for a person to look at."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings

from tests.browser.test_accessibility import BLOCKING, _axe
from tests.browser.test_back_office_flow import _sign_in
from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_a_reviewer_publishes_with_the_checklist(
        new_context: Any, live_server: Any, users: Any, make_object: Any, axe_source: str,
        screenshot_dir: Any) -> None:
    obj = make_object(title="Red carton with a blue stripe", publish=False)
    catalog.object_submit(obj=obj, user=users["investigator"])
    translated = make_object(texts={code: {
        "title": f"Green mug ({code})", "description": f"A mug ({code}).",
        "questions": [f"Where is it sold? ({code})"]} for code, _name in settings.LANGUAGES})

    page = new_context(base_url=live_server.url, bypass_csp=True).new_page()
    _sign_in(page, users["reviewer"])
    page.goto("/internal/review/")
    item = page.locator("article.review-item").filter(has_text=obj.ref)
    checklist = item.get_by_role("group", name="Review checklist")
    expect(checklist.get_by_role("checkbox")).to_have_count(4)
    expect(item.locator(".untranslated")).to_contain_text("German")
    assert [v for v in _axe(page, axe_source) if v.get("impact") in BLOCKING] == []
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(screenshot_dir / "review-checklist.png"), full_page=True)

    # Nothing ticked: refused, with the lines named; the object stays in review.
    item.get_by_role("button", name="Approve and publish").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Tick every line of the review checklist")
    expect(alert).to_contain_text("People")
    assert TracedObject.objects.get(pk=obj.pk).status == "in_review"

    # Every line ticked (on the object page the refusal showed), translations missing.
    for label in ("People", "Identifying text", "Metadata", "Languages"):
        page.get_by_role("checkbox", name=label).check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("alert")).to_contain_text("not translated")
    for label in ("People", "Metadata"):  # the ticks are kept
        expect(page.get_by_role("checkbox", name=label)).to_be_checked()
    page.get_by_role("checkbox", name="Publish, show English where the translation is "
                                       "missing").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status")).to_contain_text("Approved: the object is published.")
    expect(page.locator(".review-history")).to_contain_text(
        "Review checklist: every line ticked.")
    assert TracedObject.objects.get(pk=obj.pk).status == "published"

    # The German public page marks the English text; the headings stay German.
    public = new_context(base_url=live_server.url, bypass_csp=True, locale="de-DE").new_page()
    public.goto(f"/de/objects/{obj.ref}/")
    heading = public.get_by_role("heading", level=1)
    expect(heading).to_have_text("Red carton with a blue stripe")
    expect(heading).to_have_attribute("lang", "en")
    expect(public.locator(".shown-in-english")).to_have_count(3)
    expect(public.locator(".object-text p[lang=en]")).to_have_text("Seen in several images.")
    expect(public.locator("ul.questions")).to_have_attribute("lang", "en")
    expect(public.locator("html")).to_have_attribute("lang", "de")
    assert [v for v in _axe(public, axe_source) if v.get("impact") in BLOCKING] == []
    if os.environ.get("SCREENSHOTS") == "1":
        public.screenshot(path=str(screenshot_dir / "shown-in-english-de.png"), full_page=True)

    # A fully translated object: no note, nothing marked English.
    public.goto(f"/de/objects/{translated.ref}/")
    expect(public.get_by_role("heading", level=1)).to_have_text("Green mug (de)")
    expect(public.locator(".shown-in-english")).to_have_count(0)
    expect(public.locator("article [lang=en]")).to_have_count(0)


def test_a_tip_with_its_machine_translation(
        new_context: Any, live_server: Any, users: Any, published: Any, axe_source: str,
        screenshot_dir: Any, settings: Any, tmp_path: Any) -> None:
    """The tip page with a translation made by a tiny real model (tests/tips/tiny_translation)
    beside the original, labelled; axe finds nothing serious."""
    pytest.importorskip("ctranslate2")
    from tests.tips.tiny_translation import build
    from traceobject.core import translation
    from traceobject.tips import intake
    from traceobject.tips import services as tip_services

    translation._loaded.clear()
    settings.TRANSLATION_MODEL = str(build(tmp_path / "de-en", name="Tiny de-en"))
    intake.tip_submit(ref=published.ref, tip=intake.tip_validate({
        "text": "Ich habe diese Tasche in Krakau gekauft. Der Laden ist am Markt.",
        "language": "de"}))
    tip_services.sealed_tips_open()
    page = new_context(base_url=live_server.url, bypass_csp=True).new_page()
    _sign_in(page, users["investigator"])
    page.goto(f"/internal/tips/{published.tips.get().pk}/")
    expect(page.locator(".tip-original [lang=de]")).to_contain_text("Krakau")
    label = page.locator(".tip-translation h3")
    expect(label).to_contain_text("Machine translation")
    expect(label).to_contain_text("English")
    expect(page.locator(".tip-translation")).to_contain_text("Tiny de-en")
    assert [v for v in _axe(page, axe_source) if v.get("impact") in BLOCKING] == []
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(screenshot_dir / "tip-translation.png"), full_page=True)
    translation._loaded.clear()
