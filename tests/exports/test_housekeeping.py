"""Export housekeeping: stalled exports are failed, expired files deleted (exports/housekeeping)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.conftest import staff_login
from traceobject.audit.models import AuditEvent
from traceobject.core.errors import NotFound
from traceobject.exports import housekeeping, services
from traceobject.exports.housekeeping import STALLED_ERROR, exports_tidy
from traceobject.exports.models import Export, ExportState
from traceobject.exports.services import export_run, export_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_export(submit, users, published):
    """A finished CSV export of two tips, with its file in the private store."""
    submit(text="Sold at a market in Brno.")
    submit(text="The same bag in a shop in Ostrava.")
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    finished = export_run(export_id=export.pk)
    assert finished is not None and finished.state == ExportState.DONE
    return finished


def _files(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file() and "exports" in p.parts]


def _tidy_events() -> list[dict]:
    return [e.data for e in AuditEvent.objects.filter(action="exports.tidy").order_by("seq")]


def test_a_running_export_without_progress_for_30_minutes_is_failed(users, published):
    now = timezone.now()
    stale = export_start(user=users["investigator"], obj=published, fmt="csv")
    alive = export_start(user=users["investigator"], obj=published, fmt="json")
    queued = export_start(user=users["investigator"], obj=published, fmt="csv")
    Export.objects.filter(pk=stale.pk).update(
        state=ExportState.RUNNING, started_at=now - timedelta(hours=2),
        progress_at=now - timedelta(minutes=31))
    Export.objects.filter(pk=alive.pk).update(
        state=ExportState.RUNNING, started_at=now - timedelta(hours=2),
        progress_at=now - timedelta(minutes=29))  # slow, but still writing
    Export.objects.filter(pk=queued.pk).update(created_at=now - timedelta(days=3))

    assert exports_tidy(now=now) == {"stalled": 1, "expired": 0, "not_deleted": 0}
    stale.refresh_from_db()
    assert stale.state == ExportState.FAILED and stale.error == STALLED_ERROR
    assert stale.finished_at == now
    assert Export.objects.get(pk=alive.pk).state == ExportState.RUNNING
    # A queued export waits for a worker, however long: it has not started.
    assert Export.objects.get(pk=queued.pk).state == ExportState.QUEUED
    assert _tidy_events() == [{"stalled": 1, "expired": 0, "not_deleted": 0}]


def test_a_running_export_with_no_progress_time_counts_from_its_start(users, published):
    now = timezone.now()
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    Export.objects.filter(pk=export.pk).update(state=ExportState.RUNNING,
                                               started_at=now - timedelta(minutes=45))
    assert exports_tidy(now=now)["stalled"] == 1
    assert Export.objects.get(pk=export.pk).state == ExportState.FAILED


def test_progress_keeps_an_export_alive(submit, users, published, monkeypatch):
    for n in range(3):
        submit(text=f"Tip {n} about the bag.")
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    base = timezone.now()
    ticks = iter(range(1, 1000))
    # A clock that moves a minute per reading: every progress write must be a new time.
    monkeypatch.setattr(services, "timezone",
                        SimpleNamespace(now=lambda: base + timedelta(minutes=next(ticks))))
    seen = []
    real = services._progress_save

    def spy(export_id: int, done: int) -> None:
        real(export_id, done)
        seen.append(Export.objects.get(pk=export_id).progress_at)

    monkeypatch.setattr(services, "_progress_save", spy)
    export_run(export_id=export.pk, chunk=1)
    started = Export.objects.get(pk=export.pk).started_at
    assert len(seen) == 3 and started < seen[0] < seen[1] < seen[2]


def test_an_export_failed_as_stalled_that_finishes_after_all_keeps_no_file(
        submit, users, published, monkeypatch, evidence_store: Path):
    for n in range(3):
        submit(text=f"Tip {n} about the bag.")
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    real = services._progress_save

    def slow(export_id: int, done: int) -> None:
        real(export_id, done)
        if done == 1:  # the housekeeping runs while the worker hangs for an hour
            exports_tidy(now=timezone.now() + timedelta(hours=1))

    monkeypatch.setattr(services, "_progress_save", slow)
    result = export_run(export_id=export.pk, chunk=1)
    assert result is not None and result.state == ExportState.FAILED
    assert result.error == STALLED_ERROR and result.file_key == ""
    assert result.done == 1  # progress after it was failed is not written
    assert _files(evidence_store) == []


def test_export_files_are_deleted_after_the_retention_period(done_export, client, users,
                                                             evidence_store: Path):
    assert len(_files(evidence_store)) == 1
    written = done_export.finished_at
    # One second short of 30 days: kept.
    assert exports_tidy(now=written + timedelta(days=30, seconds=-1))["expired"] == 0
    assert _tidy_events() == []  # a run that changes nothing writes nothing
    assert exports_tidy(now=written + timedelta(days=30)) == {
        "stalled": 0, "expired": 1, "not_deleted": 0}
    done_export.refresh_from_db()
    assert done_export.state == ExportState.EXPIRED and done_export.file_key == ""
    assert _files(evidence_store) == []
    assert _tidy_events() == [{"stalled": 0, "expired": 1, "not_deleted": 0}]
    with pytest.raises(NotFound):
        services.export_download(user=users["investigator"], export_id=done_export.pk)
    # A second run finds nothing more to do.
    assert exports_tidy(now=written + timedelta(days=31))["expired"] == 0

    staff_login(client, users["investigator"])
    page = client.get(f"/internal/exports/{done_export.pk}/").content.decode()
    assert "Its file has been deleted: export files are kept for 30 days." in page
    assert f"/internal/exports/{done_export.pk}/download" not in page
    status = client.get(f"/internal/exports/{done_export.pk}/status.json").json()
    assert status["state"] == "expired" and status["finished"] is True
    assert status["download_url"] is None
    assert client.get(f"/internal/exports/{done_export.pk}/download").status_code == 404
    assert "Expired" in client.get("/internal/exports/").content.decode()


def test_the_retention_period_is_a_setting(done_export, settings, client, users):
    settings.TRACEOBJECT_EXPORT_RETENTION_DAYS = 1
    staff_login(client, users["investigator"])
    page = client.get(f"/internal/exports/{done_export.pk}/").content.decode()
    assert "The file is kept for 1 day." in page
    assert exports_tidy(now=done_export.finished_at + timedelta(days=1))["expired"] == 1


def test_a_file_that_cannot_be_deleted_keeps_the_export_for_the_next_run(
        done_export, monkeypatch, evidence_store: Path):
    later = done_export.finished_at + timedelta(days=40)
    storage = housekeeping.export_storage()

    def refuse(name: str) -> None:
        raise OSError("store unreachable")

    monkeypatch.setattr(type(storage), "delete", lambda self, name: refuse(name))
    assert exports_tidy(now=later) == {"stalled": 0, "expired": 0, "not_deleted": 1}
    assert Export.objects.get(pk=done_export.pk).state == ExportState.DONE
    assert len(_files(evidence_store)) == 1
    monkeypatch.undo()
    assert exports_tidy(now=later)["expired"] == 1
    assert _files(evidence_store) == []


def test_failed_exports_are_left_as_they_are(users, published):
    export = export_start(user=users["investigator"], obj=published, fmt="csv")
    long_ago = timezone.now() - timedelta(days=400)
    Export.objects.filter(pk=export.pk).update(state=ExportState.FAILED, error="RuntimeError",
                                               finished_at=long_ago)
    assert exports_tidy() == {"stalled": 0, "expired": 0, "not_deleted": 0}
    export.refresh_from_db()
    assert export.state == ExportState.FAILED and export.error == "RuntimeError"


def test_the_task_runs_the_housekeeping(done_export):
    Export.objects.filter(pk=done_export.pk).update(
        finished_at=timezone.now() - timedelta(days=90))
    result = housekeeping.exports_tidy_task.call()
    assert result == {"stalled": 0, "expired": 1, "not_deleted": 0}
