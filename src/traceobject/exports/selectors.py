"""Reading exports: who may see which, and their progress."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from traceobject.accounts.roles import ADMINISTRATOR, INVESTIGATOR, has_role
from traceobject.catalog.models import Campaign, TracedObject
from traceobject.core.errors import NotFound
from traceobject.exports.models import Export, ExportState


def exports_visible_to(user: Any) -> QuerySet[Export]:
    """An investigator sees their own exports, an administrator every export."""
    exports = Export.objects.select_related("object", "campaign", "user").order_by(
        "-created_at", "-id")
    if has_role(user, ADMINISTRATOR):
        return exports
    if has_role(user, INVESTIGATOR):
        return exports.filter(user=user)
    return exports.none()


def export_visible(*, user: Any, export_id: int) -> Export:
    """The export if `user` may see it; otherwise unknown (404, its existence is not told)."""
    export = exports_visible_to(user).filter(pk=export_id).first()
    if export is None:
        raise NotFound("export_unknown", _("No such export."))
    return export


def export_file_name(export: Export) -> str:
    what = (export.object.ref if export.object else
            export.campaign.slug if export.campaign else "deleted")
    return f"traceobject-{what}-export-{export.pk}.{export.format}"


FINISHED = (ExportState.DONE, ExportState.FAILED, ExportState.EXPIRED)


def export_status(export: Export) -> dict[str, Any]:
    """What the progress page polls (status.json)."""
    percent = 100 if export.state == ExportState.DONE else (
        int(100 * export.done / export.total) if export.total else 0)
    return {
        "id": export.pk, "state": export.state, "state_label": str(export.get_state_display()),
        "total": export.total, "done": export.done, "percent": min(percent, 100),
        "error": export.error,
        "finished": export.state in FINISHED,
        "download_url": reverse("internal:export-download", args=[export.pk])
        if export.state == ExportState.DONE else None,
    }


def export_targets() -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for the start form: "object:<ref>" and "campaign:<slug>" values, grouped."""
    objects = [(f"object:{obj.ref}", f"{obj.ref} {_title(obj)}".strip())
               for obj in TracedObject.objects.prefetch_related("texts").order_by("ref")]
    campaigns = [(f"campaign:{c.slug}", str(c.names.get("en") or c.slug))
                 for c in Campaign.objects.order_by("slug")]
    return [(_("Objects"), objects), (_("Campaigns"), campaigns)]


def _title(obj: TracedObject) -> str:
    texts = {t.language: t.title for t in obj.texts.all()}
    return texts.get("en") or next(iter(texts.values()), "")


def export_target_resolve(value: str) -> tuple[TracedObject | None, Campaign | None]:
    """("object:TAO-2027-0001" | "campaign:slug") -> (object, campaign); unknown: NotFound."""
    kind, _sep, key = value.partition(":")
    if kind == "object":
        obj = TracedObject.objects.filter(ref=key).first()
        if obj is not None:
            return obj, None
    elif kind == "campaign":
        campaign = Campaign.objects.filter(slug=key).first()
        if campaign is not None:
            return None, campaign
    raise NotFound("export_target_unknown", _("No such object or campaign."),
                   fields={"target": "unknown"})
