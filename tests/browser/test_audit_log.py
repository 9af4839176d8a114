"""The audit log in chromium: an auditor signs in, filters the log to views, exports it as
CSV and JSON from the page, and the files arrive, parse and name people. With SCREENSHOTS=1
the page is photographed at desktop and phone width."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE
from tests.browser.test_back_office_flow import _sign_in
from tests.tips.conftest import tip_make
from traceobject.audit.models import AuditEvent
from traceobject.audit.services import audit_record, audit_view_record

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def log(users: Any, published: Any) -> dict[str, Any]:
    """Views and changes by named people, with hostile text in a target and in data."""
    ivy = users["investigator"]
    ivy.first_name, ivy.last_name = "Ivy", "Ingram"
    ivy.save()
    aude = users["auditor"]
    aude.first_name, aude.last_name = "Aude", "Aubert"
    aude.save()
    tip = tip_make(published, "The bag was sold at a kiosk in Graz.")
    audit_view_record(user=ivy, what="tip", target=f"tip {tip.pk}")
    audit_record(actor=ivy, action="tip.state_set", target=f"tip {tip.pk}",
                 data={"state": "useful", "note": "=cmd|' /C calc'!A0\nЗаметка «тест» 中文"})
    audit_record(actor=users["administrator"], action="accounts.role_change",
                 target=f"user {ivy.pk}", data={"roles": ["investigator"]})
    audit_view_record(user=users["investigator2"], what="tip", target=f"tip {tip.pk}")
    return {"tip": tip}


def test_an_auditor_exports_the_filtered_log_from_the_page(
        new_context: Callable[..., Any], live_server: Any, users: Any, log: dict[str, Any],
        screenshot_dir: Path) -> None:
    tip = log["tip"]
    context = new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    _sign_in(page, users["auditor"])
    page.get_by_role("link", name="Audit log").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_label("Kind of action").select_option("views")
    page.get_by_label("Person").select_option("ivy")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_role("region", name="Audit log")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("ivy (Ivy Ingram)")
    expect(table).to_contain_text(f"tip {tip.pk} on {tip.object.ref}")

    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert download.suggested_filename.startswith("audit-log-")
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["actor_name"], r["action"], r["target_label"]) for r in rows] == [
        ("ivy (Ivy Ingram)", "view.tip", f"tip {tip.pk} on {tip.object.ref}")]

    with page.expect_download() as info:
        page.get_by_role("link", name="JSON", exact=True).click()
    document = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert document["export"]["exported_by"] == "aude"
    assert document["export"]["filters"]["kind"] == "views"
    assert [e["actor_name"] for e in document["entries"]] == ["ivy (Ivy Ingram)"]

    # Both exports are on record, with their filter and size, under the auditor's name.
    exports = list(AuditEvent.objects.filter(action="audit.export").order_by("seq"))
    assert [(e.actor, e.data["format"], e.data["rows"], e.data["filters"]["actor"])
            for e in exports] == [("aude", "csv", 1, "ivy"), ("aude", "json", 1, "ivy")]
    page.goto("/internal/audit/?kind=exports")
    expect(page.get_by_role("region", name="Audit log")).to_contain_text("aude (Aude Aubert)")

    # The whole log: the hostile note is plain text in a cell, not a formula.
    with page.expect_download() as info:
        page.goto("/internal/audit/")
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.DictReader(io.StringIO(
        Path(info.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    state = next(r for r in rows if r["action"] == "tip.state_set")
    assert json.loads(state["data"])["note"].startswith("=cmd|")
    assert "Заметка «тест» 中文" in state["data"]
    role = next(r for r in rows if r["action"] == "accounts.role_change")
    assert role["actor_name"] == "adam" and role["target_label"] == "ivy (Ivy Ingram)"

    if os.environ.get("SCREENSHOTS") == "1":
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.goto("/internal/audit/")
            page.screenshot(path=str(screenshot_dir / f"{name}-audit-log.png"), full_page=True)
            entry = AuditEvent.objects.get(action="accounts.role_change")
            page.goto(f"/internal/audit/{entry.seq}/")
            page.screenshot(path=str(screenshot_dir / f"{name}-audit-entry.png"),
                            full_page=True)
