"""Exports of tips for investigators: started here, written by a background task in chunks
(progress in the Export row), stored in the private store, downloaded by the owner or an
administrator. An export never contains a tipster's contact address."""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.audit.services import audit_record
from traceobject.catalog.models import Campaign, TracedObject
from traceobject.core.errors import NotFound, ServiceError
from traceobject.exports.models import Export, ExportFormat, ExportScope, ExportState
from traceobject.exports.selectors import export_file_name, export_visible
from traceobject.tips.models import Tip

logger = logging.getLogger(__name__)

EXPORT_STORAGE = "evidence"  # private: never served by the public site
CHUNK = 500
COLUMNS = ("id", "object", "state", "received_at", "country", "place", "seen_when",
           "language", "text", "cluster", "assignee", "notes")
CONTENT_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8",
                 ExportFormat.JSON: "application/json"}
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_storage() -> Storage:
    return storages[EXPORT_STORAGE]


def export_start(*, user: Any, fmt: str, obj: TracedObject | None = None,
                 campaign: Campaign | None = None) -> Export:
    """Queue an export of the tips on one object or on every object of a campaign."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators export tips."), status=403)
    if fmt not in ExportFormat.values:
        raise ServiceError("export_format", _("Choose CSV or JSON."), fields={"format": "unknown"})
    if (obj is None) == (campaign is None):
        raise ServiceError("export_scope", _("Choose one object or one campaign."),
                           fields={"target": "choose one"})
    from traceobject.exports.tasks import export_run_task

    with transaction.atomic():
        export = Export.objects.create(
            user=user, scope=ExportScope.OBJECT if obj else ExportScope.CAMPAIGN,
            object=obj, campaign=campaign, format=fmt, created_at=timezone.now(),
        )
        audit_record(actor=user, action="export.start", target=f"export {export.pk}", data={
            "scope": export.scope, "object": obj.ref if obj else None,
            "campaign": campaign.slug if campaign else None, "format": fmt,
        })
        # The database backend stores the task in this transaction: no export without its task.
        export_run_task.enqueue(export.pk)
    export.refresh_from_db()
    return export


def _export_tips(export: Export) -> QuerySet[Tip]:
    if export.scope == ExportScope.OBJECT and export.object_id is not None:
        return Tip.objects.filter(object_id=export.object_id)
    if export.scope == ExportScope.CAMPAIGN and export.campaign_id is not None:
        return Tip.objects.filter(object__campaign_id=export.campaign_id)
    return Tip.objects.none()  # the object or campaign was deleted meanwhile


def csv_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(tip: Any) -> dict[str, Any]:
    return {
        "id": tip.pk, "object": tip.object.ref, "state": tip.state,
        "received_at": tip.received_at.isoformat(), "country": tip.country,
        "place": tip.place, "seen_when": tip.seen_when, "language": tip.language,
        "text": tip.text, "cluster": tip.cluster_id,
        "assignee": tip.assigned_to.get_username() if tip.assigned_to else "",
        "notes": tip.notes_count,
    }


def _chunks(tips: QuerySet[Tip], size: int) -> Iterator[list[dict[str, Any]]]:
    """Keyset chunks by id: memory stays flat however many tips there are."""
    last = 0
    base = (tips.select_related("object", "assigned_to").annotate(notes_count=Count("notes"))
            .order_by("id"))
    while True:
        rows = [_row(tip) for tip in base.filter(id__gt=last)[:size]]
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def _progress_save(export_id: int, done: int) -> None:
    Export.objects.filter(pk=export_id, state=ExportState.RUNNING).update(
        done=done, progress_at=timezone.now())


class _Writer:
    def __init__(self, export: Export, out: IO[bytes]) -> None:
        self.export = export
        self.text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self.first = True
        self.csv: Any = None

    def start(self, total: int) -> None:
        if self.export.format == ExportFormat.CSV:
            self.text.write("\ufeff")  # spreadsheets then read the file as UTF-8
            self.csv = csv.DictWriter(self.text, fieldnames=COLUMNS)
            self.csv.writeheader()
            return
        meta = {"id": self.export.pk, "scope": self.export.scope,
                "object": self.export.object.ref if self.export.object else None,
                "campaign": self.export.campaign.slug if self.export.campaign else None,
                "created_at": self.export.created_at.isoformat(), "tips": total}
        self.text.write('{"export": ' + json.dumps(meta, ensure_ascii=False) + ', "tips": [')

    def rows(self, rows: list[dict[str, Any]]) -> None:
        if self.csv is not None:
            self.csv.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
            return
        for row in rows:
            self.text.write(("\n" if self.first else ",\n") + json.dumps(row, ensure_ascii=False))
            self.first = False

    def finish(self) -> None:
        if self.csv is None:
            self.text.write("\n]}\n")
        self.text.flush()
        self.text.detach()


def export_run(*, export_id: int, chunk: int = CHUNK) -> Export | None:
    """Write one queued export (the task's body). Claimed with a conditional UPDATE, so an
    export is written once even if its task is delivered twice. Returns None if it was not
    queued (already running or finished)."""
    now = timezone.now()
    if not Export.objects.filter(pk=export_id, state=ExportState.QUEUED).update(
            state=ExportState.RUNNING, started_at=now, progress_at=now):
        return None
    running = Export.objects.filter(pk=export_id, state=ExportState.RUNNING)
    export = Export.objects.select_related("object", "campaign").get(pk=export_id)
    key = ""
    try:
        tips = _export_tips(export)
        last_id = tips.order_by("-id").values_list("id", flat=True).first() or 0
        tips = tips.filter(id__lte=last_id)  # tips arriving meanwhile are not half-counted
        total = tips.count()
        running.update(total=total, progress_at=timezone.now())
        with tempfile.TemporaryFile() as out:
            writer = _Writer(export, out)
            writer.start(total)
            done = 0
            for rows in _chunks(tips, chunk):
                writer.rows(rows)
                done += len(rows)
                _progress_save(export_id, done)
            writer.finish()
            out.seek(0)
            running.update(progress_at=timezone.now())  # the upload may take a while
            name = f"exports/{export.pk}/{secrets.token_hex(8)}.{export.format}"
            key = export_storage().save(name, File(out))
        if not running.update(state=ExportState.DONE, file_key=key, done=done,
                              finished_at=timezone.now()):
            # Housekeeping gave it up as stalled meanwhile: its owner was told it failed.
            logger.warning("export %s was no longer running; its file is dropped", export_id)
            dropped, key = key, ""
            export_storage().delete(dropped)
    except Exception as error:  # recorded on the export; the message may hold tip data
        logger.exception("export %s failed", export_id)
        if key:
            export_storage().delete(key)
        running.update(state=ExportState.FAILED, error=type(error).__name__[:200],
                       finished_at=timezone.now())
    export.refresh_from_db()
    return export


def export_download(*, user: Any, export_id: int) -> tuple[IO[bytes], str, str]:
    """(file, file name, content type) of a finished export; every download is audited."""
    export = export_visible(user=user, export_id=export_id)
    storage = export_storage()
    if export.state != ExportState.DONE or not export.file_key or not storage.exists(
            export.file_key):
        raise NotFound("export_not_ready", _("This export has no file."))
    audit_record(actor=user, action="export.download", target=f"export {export.pk}",
                 data={"owner": export.user.get_username(), "tips": export.total})
    return storage.open(export.file_key, "rb"), export_file_name(export), CONTENT_TYPES[
        ExportFormat(export.format)]
