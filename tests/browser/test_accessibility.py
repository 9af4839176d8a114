"""axe-core on every public page a tipster sees, and no request to any other host.

axe is injected into a context made with bypass_csp=True: the site's policy forbids inline
scripts (rightly), and the policy itself is not weakened. The third-party check runs in an
ordinary context, under the site's real policy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, RequestLog
from traceobject.tips import intake

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

BLOCKING = {"serious", "critical"}


@pytest.fixture
def site(published: Any, make_object: Any) -> dict[str, Any]:
    """A gallery with a few objects, one identified, and a mailbox holding a question."""
    make_object(title="Red hotel towel", category="textiles")
    make_object(title="Toy robot with a cracked antenna", category="toys", identified="PL")
    tip = intake.tip_validate({"text": "Sold in Poland.", "country": "PL", "language": "en"})
    receipt = intake.tip_submit(ref=published.ref, tip=tip)
    sealed = published.sealed_tips.get()
    intake.mailbox_message_to_tipster(sealed_tip_id=sealed.id, text="Which town was it?")
    return {"ref": published.ref, "receipt": receipt}


def _gallery(page: Any, site: dict[str, Any]) -> None:
    page.goto("/en/")
    expect(page.locator(".card")).to_have_count(3)


def _object(page: Any, site: dict[str, Any]) -> None:
    page.goto(f"/en/objects/{site['ref']}/")
    expect(page.get_by_role("link", name="I recognise this object")).to_be_visible()


def _tip_form(page: Any, site: dict[str, Any]) -> None:
    page.goto(f"/en/objects/{site['ref']}/tip/")
    expect(page.get_by_role("button", name="Send tip")).to_be_visible()


def _tip_form_errors(page: Any, site: dict[str, Any]) -> None:
    _tip_form(page, site)
    page.get_by_role("button", name="Send tip").click()
    expect(page.locator(".field-error")).not_to_have_count(0)


def _tip_form_more(page: Any, site: dict[str, Any]) -> None:
    """The optional receipt field, unfolded."""
    _tip_form(page, site)
    page.get_by_text("Sent a tip before?").click()
    expect(page.get_by_label("Receipt from an earlier tip (optional)")).to_be_visible()


def _receipt(page: Any, site: dict[str, Any]) -> None:
    _tip_form(page, site)
    page.get_by_label("What do you know about this object?").fill("I have seen it in Kraków.")
    page.get_by_label("Country where you saw it").select_option("PL")
    page.get_by_role("button", name="Send tip").click()
    expect(page.locator("#receipt")).to_be_visible()


def _receipt_unticked(page: Any, site: dict[str, Any]) -> None:
    """The receipt page after "Done" without the check."""
    _receipt(page, site)
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _receipt_gone(page: Any, site: dict[str, Any]) -> None:
    """The receipt page once noted down."""
    _receipt(page, site)
    address = page.url
    page.get_by_label("I have written my receipt down").check()
    page.get_by_role("button", name="Done").click()
    expect(page.locator(".card")).to_have_count(3)  # the gallery, all loaded before leaving
    page.wait_for_load_state("networkidle")
    page.goto(address)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your receipt is not shown here")


def _mailbox_login(page: Any, site: dict[str, Any]) -> None:
    page.goto("/en/mailbox/")
    expect(page.get_by_label("Your receipt")).to_be_visible()


def _mailbox_login_error(page: Any, site: dict[str, Any]) -> None:
    _mailbox_login(page, site)
    page.get_by_label("Your receipt").fill("0000-0000-0000-0000-0000")
    page.get_by_role("button", name="Open mailbox").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _mailbox(page: Any, site: dict[str, Any]) -> None:
    _mailbox_login(page, site)
    page.get_by_label("Your receipt").fill(site["receipt"])
    page.get_by_role("button", name="Open mailbox").click()
    expect(page.locator(".message-to_tipster")).to_contain_text("Which town was it?")


def _mailbox_own_words(page: Any, site: dict[str, Any]) -> None:
    _mailbox(page, site)
    page.get_by_role("link", name="Show what I wrote").first.click()
    expect(page.locator(".message-tip_copy")).to_contain_text("Sold in Poland.")


def _mailbox_answer_refused(page: Any, site: dict[str, Any]) -> None:
    _mailbox(page, site)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".reply-form .field-error")).to_be_visible()


def _mailbox_answer_sent(page: Any, site: dict[str, Any]) -> None:
    _mailbox(page, site)
    page.get_by_label("Your answer, or more about your tip").fill("In Kraków, I think.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Your message has been sent")
           ).to_be_visible()


def _mailbox_closed(page: Any, site: dict[str, Any]) -> None:
    """The address of a mailbox page that this browser did not open (or that was closed)."""
    page.goto("/en/mailbox/AAAAAAAAAAAAAAAAAAAAAA/")
    expect(page.get_by_role("status")).to_contain_text("Your mailbox was closed")


def _languages_open(page: Any, site: dict[str, Any]) -> None:
    """The language menu, unfolded (on a phone it overlays the page)."""
    _gallery(page, site)
    page.locator(".languages summary").click()
    expect(page.get_by_role("link", name="Deutsch")).to_be_visible()


PAGES: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "gallery": _gallery,
    "object": _object,
    "tip-form": _tip_form,
    "tip-form-errors": _tip_form_errors,
    "tip-form-receipt-field": _tip_form_more,
    "receipt": _receipt,
    "receipt-unticked": _receipt_unticked,
    "receipt-gone": _receipt_gone,
    "mailbox-login": _mailbox_login,
    "mailbox-login-error": _mailbox_login_error,
    "mailbox": _mailbox,
    "mailbox-own-words": _mailbox_own_words,
    "mailbox-answer-refused": _mailbox_answer_refused,
    "mailbox-answer-sent": _mailbox_answer_sent,
    "mailbox-closed": _mailbox_closed,
    "language-menu": _languages_open,
}


def _axe(page: Any, source: str) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", " | ")[:300])
    return "\n".join(lines)


def test_no_serious_accessibility_violations(
    site: dict[str, Any], new_context: Callable[..., Any], live_server: Any,
    axe_source: str, subtests: Any,
) -> None:
    """axe on every page, at desktop and phone width (one subtest per page: the pages share
    one set of data, which keeps the suite fast)."""
    page = new_context(bypass_csp=True, base_url=live_server.url).new_page()
    for name, visit in PAGES.items():
        with subtests.test(msg=name):
            page.set_viewport_size(DESKTOP)
            visit(page, site)
            found: dict[str, list[dict[str, Any]]] = {}
            for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                found[label] = _axe(page, axe_source)
            report = "\n".join(f"[{label}]\n{_describe(v)}" for label, v in found.items() if v)
            if report:  # shown with -rP: the minor and moderate findings are worth reading too
                print(f"axe on {name}:\n{report}")
            blocking = [v for label in found for v in found[label] if v["impact"] in BLOCKING]
            assert not blocking, f"axe on {name} ({page.url}):\n{report}"


def test_no_third_party_requests_and_no_policy_violations(
    site: dict[str, Any], new_context: Callable[..., Any], live_server: Any,
    request_log: RequestLog,
) -> None:
    """Under the site's real Content-Security-Policy: every request goes to the site itself,
    every resource a page asks for exists, and the browser blocks and reports nothing."""
    context = new_context(base_url=live_server.url)
    page = context.new_page()
    page.on("request", request_log.record)
    failed: list[str] = []
    # A missing /favicon.ico is the browser's own guess, not something the site asked for;
    # the pages themselves may answer 400 or 404 (a form with errors, an unknown receipt).
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            and not r.url.endswith("/favicon.ico") else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}: {r.failure}"))
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
            if m.type in {"error", "warning"}
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    for name, visit in PAGES.items():
        visit(page, site)
        # Lazy images further down load only when scrolled to.
        page.mouse.wheel(0, 10_000)
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        assert request_log.foreign() == [], f"third-party requests on {name}"
    assert len(request_log.urls) > len(PAGES)
    assert any("/static/public/site.css" in url for url in request_log.urls)
    assert any("/media/objects/" in url for url in request_log.urls)
    assert failed == [], "\n".join(failed)
    assert console == [], "\n".join(console)


def _broken_references(page: Any) -> list[str]:
    return page.evaluate("""() => {
        const broken = [];
        for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
            for (const el of document.querySelectorAll(`[${attr}]`)) {
                for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                    if (!document.getElementById(id)) {
                        broken.push(`${el.tagName.toLowerCase()}#${el.id} ${attr}: no #${id}`);
                    }
                }
            }
        }
        for (const label of document.querySelectorAll("label[for]")) {
            if (!document.getElementById(label.htmlFor)) {
                broken.push(`label for=${label.htmlFor}: no such field`);
            }
        }
        return broken;
    }""")


def test_help_and_error_texts_are_tied_to_their_fields(
    site: dict[str, Any], new_context: Callable[..., Any], live_server: Any, subtests: Any
) -> None:
    """A screen reader announces a field's help text and error message only when the field's
    aria-describedby names elements that exist. axe does not report a dangling reference."""
    page = new_context(base_url=live_server.url).new_page()
    for name in ["tip-form", "tip-form-errors", "mailbox-login-error", "mailbox",
                 "receipt-unticked", "mailbox-answer-refused"]:
        with subtests.test(msg=name):
            PAGES[name](page, site)
            broken = _broken_references(page)
            assert broken == [], "\n".join(broken)


def test_the_audit_log_pages_have_no_serious_violations(
    users: Any, published: Any, new_context: Callable[..., Any], live_server: Any,
    axe_source: str, subtests: Any,
) -> None:
    """axe on the back office's audit log (filtered, with an error, and one entry) at desktop
    and phone width, signed in as an auditor; the entries hold names, labels and odd text."""
    from tests.browser.test_back_office_flow import _sign_in
    from traceobject.audit.models import AuditEvent
    from traceobject.audit.services import audit_record, audit_view_record

    ivy = users["investigator"]
    ivy.first_name, ivy.last_name = "Ivy", "Ingram"
    ivy.save()
    audit_view_record(user=ivy, what="evidence_grid", target="case CASE-1", images=[1, 2, 3])
    audit_record(actor=users["administrator"], action="accounts.role_change",
                 target=f"user {ivy.pk}", data={"note": "«Кириллица» 中文 =1+1\nline"})
    entry = AuditEvent.objects.get(action="accounts.role_change")
    page = new_context(bypass_csp=True, base_url=live_server.url).new_page()
    page.set_viewport_size(DESKTOP)
    _sign_in(page, users["auditor"])
    visits = {
        "audit-log": "/internal/audit/",
        "audit-log-views": "/internal/audit/?kind=views&actor=ivy",
        "audit-log-error": "/internal/audit/?since=2027-02-30",
        "audit-entry": f"/internal/audit/{entry.seq}/",
    }
    for name, url in visits.items():
        with subtests.test(msg=name):
            found: dict[str, list[dict[str, Any]]] = {}
            for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                page.goto(url)
                found[label] = [v for v in _axe(page, axe_source)
                                if v.get("impact") in BLOCKING]
            report = "\n".join(f"[{label}]\n{_describe(v)}" for label, v in found.items() if v)
            assert not report, f"axe on {name}:\n{report}"
