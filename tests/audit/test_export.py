"""The audit log with names, its filters by person and kind, and its export as CSV and JSON
(streamed, recorded, safe with hostile content)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import staff_login
from tests.tips.conftest import tip_make
from traceobject.audit.models import AuditEvent
from traceobject.audit.selectors import AuditFilter
from traceobject.audit.services import audit_record, audit_verify
from traceobject.internal.audit_selectors import audit_rows

pytestmark = pytest.mark.django_db

HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd",
    "line one\nline two\r\nline three",
    'He said "yes", then \'no\'; a,b',
    "Кириллица · العربية · 中文 · עברית · 😀",
    "</script><script>alert(1)</script>",
]


@pytest.fixture
def named(users):
    ivy = users["investigator"]
    ivy.first_name, ivy.last_name = "Ivy", "Ingram"
    ivy.save()
    otto = users["outsider"]
    otto.first_name, otto.last_name = "Отто", "Ölmann"
    otto.save()
    return users


def _export(client, fmt: str, **query: str):
    response = client.get(f"/internal/audit/export.{fmt}", query)
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    return response, b"".join(response.streaming_content).decode("utf-8")


def _csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


# Names


def test_people_and_targets_have_names(client, named, published) -> None:
    tip = tip_make(published, "Seen in Graz.")
    audit_record(actor=named["administrator"], action="accounts.role_change",
                 target=f"user {named['outsider'].pk}")
    audit_record(actor=named["investigator"], action="tip.state_set", target=f"tip {tip.pk}")
    staff_login(client, named["auditor"])
    html = client.get("/internal/audit/").content.decode()
    assert "Отто Ölmann" in html and "otto (Отто Ölmann)" in html
    assert f"user {named['outsider'].pk}" in html  # the stored target stays visible
    assert "ivy (Ivy Ingram)" in html and f"tip {tip.pk} on {published.ref}" in html
    event = AuditEvent.objects.get(action="accounts.role_change")
    detail = client.get(f"/internal/audit/{event.seq}/").content.decode()
    assert "otto (Отто Ölmann)" in detail and "<dd>adam</dd>" in detail


def test_unknown_and_odd_targets_stay_as_they_are(named) -> None:
    for target in ("user 999999", "tip 0", "tip 99999999999999999999999", "user abc",
                   "evidence -1", "case NOPE", "crop 1 2", "", "user 7\n"):
        audit_record(actor=None, action="test.odd", target=target)
    rows = audit_rows(events=list(AuditEvent.objects.filter(action="test.odd")))
    assert [row.label for row in rows] == [""] * 9
    assert {row.person for row in rows} == {"system"}


def test_names_cost_the_same_queries_for_five_or_fifty_entries(client, named, published) -> None:
    tips = [tip_make(published, f"Tip number {i} about the bag.", cluster=False)
            for i in range(25)]
    people = [named[r] for r in ("investigator", "investigator2", "administrator", "reviewer")]

    def fill(n: int) -> None:
        for i in range(n):
            audit_record(actor=people[i % 4], action="tip.state_set",
                         target=f"tip {tips[i % 25].pk}")
            audit_record(actor=people[i % 4], action="accounts.role_change",
                         target=f"user {people[(i + 1) % 4].pk}")

    staff_login(client, named["auditor"])
    assert client.get("/internal/audit/").status_code == 200  # the session's first request
    fill(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/internal/audit/").status_code == 200
    fill(30)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/internal/audit/").content.decode()
    assert html.count(" on " + published.ref) >= 20
    assert len(many.captured_queries) == len(few.captured_queries)


# Filters


def test_person_and_kind_filters(client, named) -> None:
    audit_record(actor=named["investigator"], action="view.tip", target="tip 1")
    audit_record(actor=named["investigator"], action="tip.contact_reveal", target="tip 1")
    audit_record(actor=named["investigator"], action="tip.state_set", target="tip 1")
    audit_record(actor=named["investigator2"], action="view.evidence", target="evidence 4")
    audit_record(actor=None, action="retention.purge")
    staff_login(client, named["auditor"])
    html = client.get("/internal/audit/", {"kind": "views"}).content.decode()
    assert "view.tip" in html and "tip.contact_reveal" in html and "view.evidence" in html
    assert "tip.state_set" not in html and "retention.purge" not in html
    html = client.get("/internal/audit/", {"kind": "views", "actor": "ivy"}).content.decode()
    assert "view.tip" in html and "view.evidence" not in html
    html = client.get("/internal/audit/", {"kind": "system"}).content.decode()
    assert "retention.purge" in html and "view.tip" not in html
    page = client.get("/internal/audit/").content.decode()  # the choices name people
    assert '<option value="ivy">ivy (Ivy Ingram)</option>' in page
    assert '<option value="system">' in page


@pytest.mark.parametrize("query", [
    {"actor": "nobody-by-this-name"},
    {"actor": "ivy' OR '1'='1"},
    {"actor": "<script>alert(1)</script>"},
    {"kind": "views; DROP TABLE audit_auditevent"},
    {"kind": "x" * 10000},
    {"kind": "__class__"},
    {"since": "2027-02-30"},
    {"until": "9999999-01-01"},
])
def test_hostile_filters_are_a_clear_error(client, named, query) -> None:
    audit_record(actor=named["investigator"], action="view.tip", target="tip 1")
    staff_login(client, named["auditor"])
    count = AuditEvent.objects.count()
    for url in ("/internal/audit/", "/internal/audit/export.csv", "/internal/audit/export.json"):
        response = client.get(url, query)
        html = response.content.decode()
        assert response.status_code == 400, url
        assert "Correct the filter" in html and "<td>" not in html
        assert "<script>alert" not in html and "DROP TABLE" not in html
    assert AuditEvent.objects.count() == count  # no export was recorded
    assert audit_verify().ok


def test_repeated_and_unknown_parameters(client, named) -> None:
    audit_record(actor=named["investigator"], action="view.tip", target="tip 1")
    audit_record(actor=named["reviewer"], action="view.tip", target="tip 2")
    staff_login(client, named["auditor"])
    response = client.get("/internal/audit/?actor=rita&actor=ivy&sort=-seq&format=xml")
    html = response.content.decode()
    assert response.status_code == 200  # the last value counts, unknown ones are ignored
    assert "tip 1" in html and "tip 2" not in html


# Export


def _hostile_log(named) -> None:
    for i, text in enumerate(HOSTILE):
        audit_record(actor=named["investigator"], action="test.hostile", target=text[:200],
                     data={"note": text, "n": i, "nested": {"list": [text]}})


def test_csv_export_is_quoted_and_formula_safe(client, named) -> None:
    _hostile_log(named)
    staff_login(client, named["auditor"])
    response, text = _export(client, "csv", action="test.hostile")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert "no-store" in response["Cache-Control"]
    rows = _csv(text)
    assert len(rows) == len(HOSTILE)
    by_n = {json.loads(row["data"].lstrip("'"))["n"]: row for row in rows}
    for i, original in enumerate(HOSTILE):
        row = by_n[i]
        assert row["actor"] == "ivy" and row["actor_name"] == "ivy (Ivy Ingram)"
        if original.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert row["target"] == "'" + original  # a spreadsheet shows it as text
        else:
            assert row["target"] == original
        assert json.loads(row["data"]) == {"note": original, "n": i, "nested": {"list": [original]}}
    for row in rows:  # no cell a spreadsheet would run
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    # Lines end in CRLF; line breaks inside a cell are inside quotes.
    assert '"line one\nline two\r\nline three"' in text


def test_json_export_is_well_formed_with_hostile_content(client, named) -> None:
    _hostile_log(named)
    staff_login(client, named["administrator"])
    response, text = _export(client, "json", action="test.hostile")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(text)
    assert document["export"]["exported_by"] == "adam"
    assert document["export"]["rows"] == len(HOSTILE)
    assert document["export"]["filters"]["action"] == "test.hostile"
    entries = document["entries"]
    assert [e["data"]["note"] for e in reversed(entries)] == HOSTILE  # newest first
    assert {e["actor_name"] for e in entries} == {"ivy (Ivy Ingram)"}
    assert entries[0]["target"] == HOSTILE[-1] and entries[-1]["target"] == HOSTILE[0]


def test_the_export_is_recorded_and_holds_the_filtered_log(client, named, published) -> None:
    tip = tip_make(published, "Seen in Graz.")
    audit_record(actor=named["investigator"], action="view.tip", target=f"tip {tip.pk}")
    audit_record(actor=named["investigator"], action="tip.state_set", target=f"tip {tip.pk}")
    audit_record(actor=named["investigator2"], action="view.tip", target=f"tip {tip.pk}")
    staff_login(client, named["auditor"])
    before = AuditEvent.objects.latest("seq").seq
    _response, text = _export(client, "csv", kind="views", actor="ivy")
    rows = _csv(text)
    assert [(r["action"], r["target_label"]) for r in rows] == [
        ("view.tip", f"tip {tip.pk} on {published.ref}")]
    record = AuditEvent.objects.get(seq=before + 1)
    assert (record.actor, record.action) == ("aude", "audit.export")
    assert record.data["format"] == "csv" and record.data["rows"] == 1
    assert record.data["filters"]["kind"] == "views" and record.data["filters"]["actor"] == "ivy"
    assert record.data["filters"]["upto"] == before
    # Exports show in the log under "exports", and the next export holds the first one.
    _response, text = _export(client, "json", kind="exports")
    entries = json.loads(text)["entries"]
    assert [e["seq"] for e in entries] == [record.seq]
    assert entries[0]["actor_name"] == "aude" and entries[0]["target_label"] == "CSV, 1 entry"
    html = client.get("/internal/audit/", {"kind": "exports"}).content.decode()
    assert "CSV, 1 entry" in html and "JSON, 1 entry" in html
    assert audit_verify().ok


def test_the_export_streams_in_chunks(client, named, monkeypatch) -> None:
    monkeypatch.setattr("traceobject.audit.selectors.EXPORT_CHUNK", 4)
    for i in range(11):
        audit_record(actor=None, action="test.chunk", target=f"n {i}")
    staff_login(client, named["auditor"])
    response = client.get("/internal/audit/export.csv", {"action": "test.chunk"})
    parts = list(response.streaming_content)
    assert len(parts) == 1 + 3  # the header, then three chunks of at most four entries
    rows = _csv(b"".join(parts).decode())
    assert [r["target"] for r in rows] == [f"n {i}" for i in range(10, -1, -1)]
    response = client.get("/internal/audit/export.json", {"action": "test.chunk"})
    document = json.loads(b"".join(response.streaming_content).decode())
    assert [e["target"] for e in document["entries"]] == [f"n {i}" for i in range(10, -1, -1)]


def test_an_empty_export_is_still_well_formed(client, named) -> None:
    staff_login(client, named["auditor"])
    _response, text = _export(client, "json", action="no.such.action")
    assert json.loads(text)["entries"] == [] and json.loads(text)["export"]["rows"] == 0
    _response, text = _export(client, "csv", action="no.such.action")
    assert _csv(text) == []


@pytest.mark.parametrize("role", ["investigator", "reviewer", "liaison", "outsider"])
def test_other_roles_may_not_export(client, named, role) -> None:
    staff_login(client, named[role])
    count = AuditEvent.objects.count()
    for fmt in ("csv", "json"):
        response = client.get(f"/internal/audit/export.{fmt}")
        assert response.status_code == 403 and not response.streaming
    assert AuditEvent.objects.count() == count


def test_export_url_refuses_other_formats_and_methods(client, named) -> None:
    staff_login(client, named["auditor"])
    count = AuditEvent.objects.count()
    for fmt in ("xml", "CSV", "csv.exe", "json%00"):
        assert client.get(f"/internal/audit/export.{fmt}").status_code in (400, 404), fmt
    assert client.head("/internal/audit/export.csv").status_code == 405
    assert client.post("/internal/audit/export.csv").status_code == 405
    assert AuditEvent.objects.count() == count


def test_the_export_service_checks_the_role_and_format(named) -> None:
    from traceobject.audit.services import audit_export_record
    from traceobject.core.errors import ServiceError

    with pytest.raises(ServiceError) as info:
        audit_export_record(user=named["investigator"], fmt="csv",
                            filters=AuditFilter().described(), rows=0)
    assert info.value.status == 403
    with pytest.raises(ServiceError):
        audit_export_record(user=named["auditor"], fmt="xlsx",
                            filters=AuditFilter().described(), rows=0)
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_the_page_offers_the_export_with_its_filter(client, named) -> None:
    staff_login(client, named["auditor"])
    html = client.get("/internal/audit/", {"kind": "views", "actor": "ivy"}).content.decode()
    assert 'href="/internal/audit/export.csv?kind=views&amp;actor=ivy"' in html or \
        'href="/internal/audit/export.csv?actor=ivy&amp;kind=views"' in html
    assert "/internal/audit/export.json?" in html


def test_hostile_content_is_shown_as_text_on_the_pages(client, named) -> None:
    _hostile_log(named)
    named["reviewer"].first_name = "<b>Rita</b>"
    named["reviewer"].save()
    audit_record(actor=named["reviewer"], action="test.hostile", target="x")
    staff_login(client, named["auditor"])
    html = client.get("/internal/audit/", {"action": "test.hostile"}).content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>Rita</b>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "rita (&lt;b&gt;Rita&lt;/b&gt;)" in html
    assert "Кириллица · العربية · 中文 · עברית · 😀" in html
    event = AuditEvent.objects.filter(action="test.hostile").order_by("seq").first()
    assert event is not None
    detail = client.get(f"/internal/audit/{event.seq}/").content.decode()
    assert "&quot;=HYPERLINK(" in detail and "<script>alert" not in detail
