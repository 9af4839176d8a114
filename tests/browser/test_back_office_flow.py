"""The whole way of a tip through the back office, in chromium: an investigator signs in with
a TOTP code, triages a cluster, asks the tipster a question, the tipster answers in the
mailbox, the investigator forwards the cluster, the liaison officer of that country
acknowledges it and reports an outcome, and the public statistics change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import STAFF_PASSWORD
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

TIPS = (
    "This bag is from KAUFHOF department stores, I shop there in Köln.",
    "KAUFHOF bag, bought at the store in Köln last year.",
    "Die Tüte ist von KAUFHOF aus Köln.",
)


def _code(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _sign_in(page: Any, user: Any) -> None:
    page.goto("/internal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("User name").fill(user.get_username())
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor")
    page.locator("input[name=code]").fill(_code(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Back office")


def _statistics(page: Any) -> dict[str, str]:
    page.goto("/en/statistics/")
    rows = page.locator("dl.stats div")
    return {rows.nth(i).locator("dt").inner_text(): rows.nth(i).locator("dd").inner_text()
            for i in range(rows.count())}


def test_tip_from_triage_to_outcome(new_context: Any, live_server: Any, users: Any,
                                    published: Any) -> None:
    receipts = [intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
        {"text": text, "country": "DE"})) for text in TIPS]
    tip_services.sealed_tips_open()
    first = Tip.objects.get(text=TIPS[0])
    assert first.cluster is not None and first.cluster.size == 3

    public = new_context(base_url=live_server.url).new_page()
    before = _statistics(public)
    assert before["Children safeguarded"] == "0"

    # The investigator signs in with password and TOTP code and triages the cluster.
    staff = new_context(base_url=live_server.url).new_page()
    _sign_in(staff, users["investigator"])
    staff.get_by_role("link", name="Tips", exact=True).click()
    expect(staff.locator("body")).to_contain_text("KAUFHOF")
    staff.goto(f"/internal/tips/{first.pk}/")
    staff.get_by_role("link", name=re.compile(r"\+2 similar")).first.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("3 similar tips")
    staff.get_by_label("Triage the whole cluster").select_option("useful")
    staff.get_by_role("button", name="Set state of every tip").click()
    expect(staff.locator("body")).to_contain_text("Useful")
    assert set(Tip.objects.values_list("state", flat=True)) == {"useful"}

    # A question to the tipster of the first tip.
    staff.goto(f"/internal/tips/{first.pk}/")
    staff.get_by_label("Question to the tipster").fill("Which street was the store in?")
    staff.get_by_role("button", name="Ask").click()
    expect(staff.locator("body")).to_contain_text("Which street was the store in?")

    # The tipster reads it in the mailbox with the receipt and answers.
    public.goto("/en/mailbox/")
    public.get_by_label("Your receipt").fill(receipts[0])
    public.get_by_role("button", name="Open mailbox").click()
    expect(public.locator("body")).to_contain_text("Which street was the store in?")
    public.get_by_label("Your answer, or more about your tip").fill(
        "Hohe Straße, next to the cathedral.")
    public.get_by_role("button", name="Send", exact=True).click()
    expect(public.locator("body")).to_contain_text("Your message has been sent")
    tip_services.mailbox_replies_open()  # the worker's job
    staff.reload()
    expect(staff.locator("body")).to_contain_text("Hohe Straße, next to the cathedral.")

    # The investigator forwards the cluster to Germany (suggested from the tips).
    staff.goto(f"/internal/tips/clusters/{first.cluster_id}/")
    staff.get_by_role("link", name="Forward this cluster to an authority").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Forward tips to an authority")
    expect(staff.locator(".suggestions")).to_contain_text("DE")
    staff.get_by_label("Summary for the authority").fill(
        "Three tips in two languages name the KAUFHOF store in Köln.")
    staff.get_by_role("button", name="Forward", exact=True).click()
    expect(staff.locator("body")).to_contain_text("FWD-")
    assert set(Tip.objects.values_list("state", flat=True)) == {"forwarded"}

    # The liaison officer for Germany acknowledges and reports the outcome.
    liaison = new_context(base_url=live_server.url).new_page()
    _sign_in(liaison, users["liaison"])
    liaison.get_by_role("link", name="Forwarded to you").first.click()
    liaison.locator("a", has_text="FWD-").first.click()
    expect(liaison.locator("body")).to_contain_text("KAUFHOF store in Köln")
    liaison.get_by_role("button", name="Acknowledge receipt").click()
    liaison.get_by_label("Was the lead useful?").select_option("yes")
    liaison.get_by_label("The location was found").check()
    liaison.get_by_label("Children safeguarded").fill("2")
    liaison.get_by_label("Offenders arrested").fill("1")
    liaison.get_by_role("button", name="Send the report").click()
    expect(liaison.locator("body")).to_contain_text("Children safeguarded")

    after = _statistics(public)
    assert after["Children safeguarded"] == "2"
    assert after["Offenders arrested"] == "1"
