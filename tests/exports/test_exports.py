"""Exports of tips: contents (CSV, JSON), progress, private storage, who may download."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.core.errors import ServiceError
from traceobject.exports import services
from traceobject.exports.models import Export
from traceobject.exports.services import csv_safe, export_run, export_start
from traceobject.tips.models import Tip, TipCluster, TipNote

pytestmark = pytest.mark.django_db

CONTACT = "tipster@example.org"


@pytest.fixture
def tips(submit, users, published, make_object):
    """Three tips on `published` (one hostile to spreadsheets), one on another object."""
    first = submit(text="Sold at a market in Brno.", country="CZ", place="Brno",
                   seen_when="May 2024", language="cs")
    second = submit(text='=HYPERLINK("http://evil.example","click")', place="+420 123",
                    seen_when="-1 day")
    # (a tab is refused in a one-line field now; csv_safe still quotes one: test_csv_safe)
    third = submit(text="@SUM(A1:A9) is what I saw", place="@Tab")
    cluster = TipCluster.objects.create(object=published, size=2, created_at=timezone.now())
    Tip.objects.filter(pk__in=[first.pk, second.pk]).update(cluster=cluster)
    Tip.objects.filter(pk=first.pk).update(assigned_to=users["investigator"], state="useful")
    for text in ("Checked the market.", "Asked the shop."):
        TipNote.objects.create(tip=first, author=users["investigator"], text=text,
                               created_at=timezone.now())
    other = submit(obj=make_object(title="Red carton"), text="Elsewhere entirely.")
    return {"first": first, "second": second, "third": third, "other": other,
            "cluster": cluster}


def _content(export: Export) -> bytes:
    handle, _name, _type = services.export_download(user=export.user, export_id=export.pk)
    with handle:
        return handle.read()


def test_csv_export_holds_the_tips_of_the_object_and_no_contact(
        tips, users, published, run_tasks_now):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    assert export.state == "done" and export.total == 3 and export.done == 3
    raw = _content(export)
    assert CONTACT.encode() not in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == sorted(t.pk for t in
                                                  (tips["first"], tips["second"], tips["third"]))
    first = next(r for r in rows if int(r["id"]) == tips["first"].pk)
    assert first == {
        "id": str(tips["first"].pk), "object": published.ref, "state": "useful",
        "received_at": Tip.objects.get(pk=tips["first"].pk).received_at.isoformat(),
        "country": "CZ", "place": "Brno", "seen_when": "May 2024", "language": "cs",
        "text": "Sold at a market in Brno.", "cluster": str(tips["cluster"].pk),
        "assignee": users["investigator"].username, "notes": "2",
    }
    third = next(r for r in rows if int(r["id"]) == tips["third"].pk)
    assert third["cluster"] == "" and third["assignee"] == "" and third["notes"] == "0"


def test_csv_cells_a_spreadsheet_would_run_get_a_quote(tips, users, published, run_tasks_now):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    rows = {int(r["id"]): r for r in
            csv.DictReader(io.StringIO(_content(export).decode("utf-8-sig")))}
    second, third = rows[tips["second"].pk], rows[tips["third"].pk]
    assert second["text"] == """'=HYPERLINK("http://evil.example","click")"""
    assert second["place"] == "'+420 123" and second["seen_when"] == "'-1 day"
    assert third["text"].startswith("'@SUM") and third["place"] == "'@Tab"
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("ok = fine", "ok = fine"), ("", ""), (12, 12), (None, None),
])
def test_csv_safe(value, safe):
    assert csv_safe(value) == safe


def test_json_export_of_a_campaign(tips, users, published, campaign, run_tasks_now):
    elsewhere = catalog.campaign_create(slug="other", names={"en": "Other"})
    outside = tips["other"].object
    outside.campaign = elsewhere
    outside.save()
    export = export_start(user=users["investigator"], campaign=campaign, fmt="json")
    body = json.loads(_content(export))
    assert body["export"] == {"id": export.pk, "scope": "campaign", "object": None,
                              "campaign": campaign.slug,
                              "created_at": export.created_at.isoformat(), "tips": 3}
    by_id = {t["id"]: t for t in body["tips"]}
    assert set(by_id) == {tips["first"].pk, tips["second"].pk, tips["third"].pk}
    # JSON is not a spreadsheet: values stay exactly as written.
    assert by_id[tips["second"].pk]["text"] == '=HYPERLINK("http://evil.example","click")'
    assert by_id[tips["first"].pk]["notes"] == 2
    assert by_id[tips["first"].pk]["cluster"] == tips["cluster"].pk
    assert by_id[tips["third"].pk]["cluster"] is None
    assert CONTACT not in json.dumps(body)
    assert all("contact" not in key for tip in body["tips"] for key in tip)


def test_an_export_with_no_tips(users, make_object, run_tasks_now):
    export = export_start(user=users["investigator"], obj=make_object(title="Quiet"), fmt="json")
    assert export.state == "done" and export.total == 0
    assert json.loads(_content(export))["tips"] == []
    export = export_start(user=users["investigator"], obj=make_object(title="Quiet 2"),
                          fmt="csv")
    assert _content(export).decode("utf-8-sig").strip() == ",".join(services.COLUMNS)


def test_progress_is_saved_after_every_chunk(submit, users, published, monkeypatch):
    for n in range(5):
        submit(text=f"Tip number {n} about the bag.")
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    assert export.state == "queued" and export.done == 0  # the worker has not run it yet
    seen: list[tuple[int, int]] = []
    real = services._progress_save

    def spy(export_id: int, done: int) -> None:
        real(export_id, done)
        row = Export.objects.get(pk=export_id)
        seen.append((row.done, row.total))

    monkeypatch.setattr(services, "_progress_save", spy)
    export = export_run(export_id=export.pk, chunk=2)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert export is not None and export.state == "done" and export.finished_at is not None


def test_an_export_is_written_once(tips, users, published):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    assert export_run(export_id=export.pk) is not None
    key = Export.objects.get(pk=export.pk).file_key
    assert export_run(export_id=export.pk) is None  # a second delivery of the task
    assert Export.objects.get(pk=export.pk).file_key == key


def test_start_queues_a_task_and_is_audited(tips, users, published):
    export = export_start(user=users["investigator"], obj=published, fmt="json")
    task = DBTaskResult.objects.get(task_path="traceobject.exports.tasks.export_run_task")
    assert task.args_kwargs["args"] == [export.pk]
    event = AuditEvent.objects.get(action="export.start")
    assert event.actor == users["investigator"].username and event.target == f"export {export.pk}"
    assert event.data == {"scope": "object", "object": published.ref, "campaign": None,
                          "format": "json"}


def test_the_file_is_in_the_private_store(tips, users, published, run_tasks_now,
                                          evidence_store: Path, client, settings):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    path = evidence_store / export.file_key
    assert path.is_file() and export.file_key.startswith("exports/")
    assert not str(path.resolve()).startswith(str(Path(settings.MEDIA_ROOT).resolve()))
    assert client.get(f"/media/{export.file_key}").status_code == 404
    assert client.get(f"/media/../evidence/{export.file_key}").status_code == 404


def test_a_failing_export_is_marked_failed_without_a_file(tips, users, published, monkeypatch,
                                                          evidence_store: Path):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")

    def boom(tip):  # a bug or a database error half-way
        raise RuntimeError("secret tip text must not reach the export row")

    monkeypatch.setattr(services, "_row", boom)
    result = export_run(export_id=export.pk)
    assert result is not None and result.state == "failed" and result.error == "RuntimeError"
    assert result.file_key == ""
    assert not [p for p in evidence_store.rglob("*") if p.is_file() and "exports" in p.parts]
    with pytest.raises(ServiceError):
        services.export_download(user=users["investigator"], export_id=export.pk)


@pytest.mark.parametrize("role", ["reviewer", "liaison", "auditor", "outsider", "administrator"])
def test_only_investigators_start_exports(users, published, role):
    with pytest.raises(ServiceError) as info:
        export_start(user=users[role], obj=published, fmt="csv")
    assert info.value.status == 403
    assert not Export.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"fmt": "xlsx"}, "export_format"),
    ({"fmt": ""}, "export_format"),
    ({"fmt": "csv", "obj": None}, "export_scope"),
    ({"fmt": "csv", "both": True}, "export_scope"),
])
def test_bad_start_input_changes_nothing(users, published, campaign, kwargs, code):
    args = {"obj": published, **kwargs}
    if args.pop("both", False):
        args["campaign"] = campaign
    with pytest.raises(ServiceError) as info:
        export_start(user=users["investigator"], **args)
    assert info.value.code == code
    assert not Export.objects.exists() and not AuditEvent.objects.filter(
        action="export.start").exists()


def test_progress_page_and_status_json(client, tips, users, published):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/exports/{export.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<progress" in html and f"/internal/exports/{export.pk}/status.json" in html
    assert "internal/ops.js" in html and "Refresh" in html
    assert "<script>" not in html and "style=" not in html
    status = client.get(f"/internal/exports/{export.pk}/status.json").json()
    assert status["state"] == "queued" and status["download_url"] is None
    assert status["finished"] is False
    assert "no-cache" in client.get(f"/internal/exports/{export.pk}/status.json")[
        "Cache-Control"]

    export_run(export_id=export.pk)
    status = client.get(f"/internal/exports/{export.pk}/status.json").json()
    assert status == {"id": export.pk, "state": "done", "state_label": "Done", "total": 3,
                      "done": 3, "percent": 100, "error": "", "finished": True,
                      "download_url": f"/internal/exports/{export.pk}/download"}
    assert "Download" in client.get(f"/internal/exports/{export.pk}/").content.decode()


def test_owner_and_administrator_download_others_do_not(client, tips, users, published,
                                                        run_tasks_now):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    url = f"/internal/exports/{export.pk}/download"
    staff_login(client, users["investigator2"])
    for other in (url, f"/internal/exports/{export.pk}/",
                  f"/internal/exports/{export.pk}/status.json"):
        assert client.get(other).status_code == 404  # not even told it exists
    listing = client.get("/internal/exports/").content.decode()
    assert f"/internal/exports/{export.pk}/" not in listing
    assert not AuditEvent.objects.filter(action="export.download").exists()

    for who in ("investigator", "administrator"):
        staff_login(client, users[who])
        response = client.get(url)
        assert response.status_code == 200, who
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        assert f"traceobject-{published.ref}-export-{export.pk}.csv" in response[
            "Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        assert b"Sold at a market in Brno." in b"".join(response.streaming_content)
    downloads = AuditEvent.objects.filter(action="export.download").order_by("seq")
    assert [e.actor for e in downloads] == [users["investigator"].username,
                                            users["administrator"].username]
    assert all(e.target == f"export {export.pk}" for e in downloads)
    assert client.head(url).status_code == 405  # a HEAD would be an unaudited look


def test_download_of_an_unfinished_export_is_404(client, tips, users, published):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    staff_login(client, users["investigator"])
    assert client.get(f"/internal/exports/{export.pk}/download").status_code == 404


def test_start_through_the_form(client, tips, users, published, campaign, run_tasks_now):
    staff_login(client, users["investigator"])
    page = client.get("/internal/exports/")
    assert page.status_code == 200 and f"object:{published.ref}" in page.content.decode()
    response = client.post("/internal/exports/", {"target": f"object:{published.ref}",
                                                  "format": "json"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/internal/exports/{export.pk}/"
    assert export.user == users["investigator"] and export.object == published
    assert export.format == "json" and export.state == "done"
    response = client.post("/internal/exports/", {"target": f"campaign:{campaign.slug}",
                                                  "format": "csv"})
    assert response.status_code == 302
    assert Export.objects.filter(scope="campaign", campaign=campaign).count() == 1
    listing = client.get("/internal/exports/").content.decode()
    assert listing.count("/internal/exports/") >= 3


@pytest.mark.parametrize("data", [
    {"target": "object:TAO-1999-9999", "format": "csv"},
    {"target": "campaign:nope", "format": "csv"},
    {"target": "object:", "format": "csv"},
    {"target": "evidence:1", "format": "csv"},
    {"target": "x" * 10_000, "format": "csv"},
    {"target": "object:TAO\x00", "format": "csv"},
    {"format": "csv"},
    {"target": "OBJECT", "format": "xlsx"},
    {"target": "OBJECT", "format": ""},
    {"target": "OBJECT"},
])
def test_bad_form_input_is_refused_and_changes_nothing(client, users, published, data):
    staff_login(client, users["investigator"])
    if data.get("target") == "OBJECT":
        data = {**data, "target": f"object:{published.ref}"}
    response = client.post("/internal/exports/", data)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Export.objects.exists() and not DBTaskResult.objects.exists()


def test_an_oversized_request_is_refused(client, users):
    staff_login(client, users["investigator"])
    response = client.post("/internal/exports/", {"target": "x" * 100_000, "format": "csv"})
    assert response.status_code == 400
    assert not Export.objects.exists()


def test_administrators_see_every_export_but_do_not_start_one(client, users, published, tips):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    staff_login(client, users["administrator"])
    page = client.get("/internal/exports/").content.decode()
    assert f"/internal/exports/{export.pk}/" in page and "Start the export" not in page
    response = client.post("/internal/exports/", {"target": f"object:{published.ref}",
                                                  "format": "csv"})
    assert response.status_code == 403
    assert Export.objects.count() == 1


def test_huge_and_unknown_ids_are_404(client, users):
    staff_login(client, users["administrator"])
    for url in ("/internal/exports/99999/", "/internal/exports/99999/status.json",
                "/internal/exports/99999/download",
                f"/internal/exports/{2**70}/", f"/internal/exports/{2**70}/status.json",
                f"/internal/exports/{2**70}/download"):
        assert client.get(url).status_code == 404, url
