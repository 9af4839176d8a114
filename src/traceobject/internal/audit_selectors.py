"""The audit log as people read it: who acted by name, what was acted on by a readable label,
and the log exported as CSV or JSON a chunk at a time.

The log stores the actor's username and a short target ("user 7", "tip 12", "evidence 40",
"case C-1", "crop 3"). Labels are looked up per page or per export chunk with one query per
kind of target, never one per entry.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from traceobject.audit.models import AuditEvent
from traceobject.audit.selectors import AuditFilter, audit_events_stream, audit_people
from traceobject.evidence.models import Case, Crop, EvidenceFile
from traceobject.exports.services import csv_safe
from traceobject.tips.models import Tip

_TARGET = re.compile(r"\A(user|tip|evidence|crop|case) ([^\s]{1,64})\Z")
_INT_KINDS = ("user", "tip", "evidence", "crop")
_MAX_ID = 2**63 - 1

EXPORT_COLUMNS = ("seq", "at", "actor", "actor_name", "action", "target", "target_label",
                  "data", "prev_hash", "hash")


@dataclass(frozen=True)
class AuditRow:
    """One entry with the names filled in."""

    event: AuditEvent
    person: str  # "username (Full Name)", or the stored actor as it is
    label: str  # a readable name of the target, or "" when there is none to add
    images: list[str] = field(default_factory=list)  # labels of images a view listed

    def as_dict(self) -> dict[str, Any]:
        event = self.event
        return {"seq": event.seq, "at": event.at.isoformat(), "actor": event.actor,
                "actor_name": self.person, "action": event.action, "target": event.target,
                "target_label": self.label, "data": event.data,
                "prev_hash": event.prev_hash, "hash": event.hash}


def _split(targets: Iterable[str]) -> dict[str, set[Any]]:
    wanted: dict[str, set[Any]] = {kind: set() for kind in (*_INT_KINDS, "case")}
    for target in targets:
        match = _TARGET.match(target or "")
        if match is None:
            continue
        kind, key = match.groups()
        if kind in _INT_KINDS:
            if not key.isdigit() or not 0 < int(key) <= _MAX_ID:
                continue
            wanted[kind].add(int(key))
        else:
            wanted[kind].add(key)
    return wanted


def _file_name(path: str) -> str:
    return re.split(r"[\\/]", path)[-1] or path


def _image_labels(ids: set[int]) -> dict[int, str]:
    """Evidence image id -> "file name (case REF)", from the first file it was found as."""
    labels: dict[int, str] = {}
    extra: dict[int, int] = {}
    if not ids:
        return labels
    for image_id, path, case_ref in (EvidenceFile.objects.filter(image_id__in=ids)
                                     .order_by("image_id", "id")
                                     .values_list("image_id", "path", "case__ref")):
        if image_id in labels:
            extra[image_id] = extra.get(image_id, 0) + 1
            continue
        labels[image_id] = _("%(name)s (evidence %(id)s, case %(case)s)") % {
            "name": _file_name(path), "id": image_id, "case": case_ref}
    for image_id, more in extra.items():
        labels[image_id] += " " + _("and %(n)s more files") % {"n": more}
    return labels


def _labels(events: list[AuditEvent]) -> tuple[dict[str, str], dict[int, str]]:
    """(target -> label, evidence image id -> label): one query per kind of target."""
    wanted = _split(event.target for event in events)
    for event in events:  # images listed by view records
        images = event.data.get("images") if isinstance(event.data, dict) else None
        if event.action.startswith("view.") and isinstance(images, list):
            wanted["evidence"].update(i for i in images
                                      if isinstance(i, int) and 0 < i <= _MAX_ID)
    labels: dict[str, str] = {}
    if wanted["user"]:
        user_model = get_user_model()
        for pk, username, first, last in user_model.objects.filter(pk__in=wanted["user"]) \
                .values_list("pk", user_model.USERNAME_FIELD, "first_name", "last_name"):
            full = f"{first} {last}".strip()
            labels[f"user {pk}"] = f"{username} ({full})" if full else username
    if wanted["tip"]:
        for pk, ref in Tip.objects.filter(pk__in=wanted["tip"]).values_list("pk", "object__ref"):
            labels[f"tip {pk}"] = _("tip %(n)s on %(ref)s") % {"n": pk, "ref": ref}
    crops: dict[int, int] = {}
    if wanted["crop"]:
        crops = dict(Crop.objects.filter(pk__in=wanted["crop"]).values_list("pk", "image_id"))
        wanted["evidence"].update(crops.values())
    images = _image_labels(wanted["evidence"])
    for pk in wanted["evidence"]:
        if pk in images:
            labels[f"evidence {pk}"] = images[pk]
    for pk, image_id in crops.items():
        labels[f"crop {pk}"] = _("crop %(n)s of %(image)s") % {
            "n": pk, "image": images.get(image_id, _("evidence %(id)s") % {"id": image_id})}
    if wanted["case"]:
        for ref, title in Case.objects.filter(ref__in=wanted["case"]).values_list("ref", "title"):
            if title:
                labels[f"case {ref}"] = f"{ref}: {title}"
    return labels, images


def audit_rows(*, events: list[AuditEvent]) -> list[AuditRow]:
    """The entries with names: two queries for people and users, one per kind of target."""
    people = audit_people(names={event.actor for event in events})
    labels, images = _labels(events)
    rows = []
    for event in events:
        listed = event.data.get("images") if isinstance(event.data, dict) else None
        shown = []
        if event.action.startswith("view.") and isinstance(listed, list):
            shown = [images.get(i, _("evidence %(id)s") % {"id": i}) for i in listed
                     if isinstance(i, int)]
        label = labels.get(event.target, "")
        if event.action == "audit.export":
            label = _export_label(event.data)
        rows.append(AuditRow(event=event, person=people.get(event.actor, event.actor),
                             label=label, images=shown))
    return rows


def _export_label(data: Any) -> str:
    """An export of the log: its format and size ("CSV, 120 entries")."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), int):
        return ""
    fmt = str(data.get("format", "")).upper()[:8]
    return ngettext("%(format)s, %(n)s entry", "%(format)s, %(n)s entries", data["rows"]) % {
        "format": fmt, "n": data["rows"]}


# --------------------------------------------------------------------------- export


class _Line:
    """A file-like object whose write returns the text, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return csv_safe(value)


def audit_export_csv(*, filters: AuditFilter) -> Iterator[str]:
    """The entries as CSV (UTF-8 with a byte order mark, every field quoted where needed, a
    cell a spreadsheet would run as a formula prefixed with a quote)."""
    writer = csv.writer(_Line(), quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
    for events in audit_events_stream(filters=filters):
        yield "".join(writer.writerow([_csv_cell(v) for v in row.as_dict().values()])
                      for row in audit_rows(events=events))


def audit_export_json(*, filters: AuditFilter, user: Any, rows: int,
                      now: datetime | None = None) -> Iterator[str]:
    """The entries as one JSON document: {"export": {...}, "entries": [...]}."""
    meta = {"exported_at": (now or timezone.now()).isoformat(),
            "exported_by": user.get_username(), "filters": filters.described(), "rows": rows}
    yield '{"export": ' + json.dumps(meta, ensure_ascii=False, sort_keys=True) + ',\n"entries": ['
    first = True
    for events in audit_events_stream(filters=filters):
        parts = []
        for row in audit_rows(events=events):
            parts.append(("\n" if first else ",\n") + json.dumps(row.as_dict(), ensure_ascii=False))
            first = False
        yield "".join(parts)
    yield "\n]}\n"
