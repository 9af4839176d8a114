"""Investigators' clues: tags from the reference tables (:func:`clue_tag_add`), notes
"country X: for/against, because ..." (:func:`clue_note_add`), deleting a wrong clue
(:func:`clue_delete`) and asking for a recompute (:func:`estimate_recompute`). Each is
audited; the estimates concerned are recomputed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from traceobject import geo
from traceobject.audit.services import audit_record
from traceobject.catalog.models import TracedObject
from traceobject.clues._input import _one_subject, _require_investigator, _text
from traceobject.clues.estimates import (
    case_estimate_refresh,
    case_estimate_schedule,
    object_estimate_refresh,
    object_estimate_schedule,
)
from traceobject.clues.models import ClueRecord, EstimateRecord, Source
from traceobject.clues.reading import evidence_clues_schedule, object_images_read
from traceobject.clues.selectors import case_images_unread, cases_of_images
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import Case, Crop
from traceobject.geo.countries import is_country
from traceobject.geo.reference import TAGS
from traceobject.tips.models import Tip

TAG_NAMES: tuple[str, ...] = (*TAGS, "language")  # what investigators may tag
TAG_VALUE_MAX = 40
NOTE_MAX = 500
SYNC_REFRESH_MAX = 20  # estimates refreshed at once after a deletion; the rest are queued


def clue_tag_add(*, user: Any, tag: str, value: str, obj: TracedObject | None = None,
                 case: Case | None = None) -> ClueRecord:
    """An investigator's tag ("plug" = "G") from the reference tables, on an object or a
    case; the estimate is recomputed. Unknown tags and values are refused."""
    _require_investigator(user)
    anchor, target = _one_subject(obj, case)
    name = _text(tag, field="tag", maximum=40).lower()
    if name not in TAG_NAMES:
        raise ServiceError("invalid_tag", _("Unknown tag %(tag)s.") % {"tag": repr(name)},
                           fields={"tag": _("unknown")})
    raw = _text(value, field="value", maximum=TAG_VALUE_MAX)
    try:
        clue = geo.clue_from_tag(name, raw)
    except geo.TagError as error:
        raise ServiceError("invalid_tag", str(error), fields={"value": str(error)}) from None
    with transaction.atomic():
        row = ClueRecord.objects.create(source=Source.TAG, kind=clue.kind, payload=clue.to_dict(),
                                  created_by=user, **anchor)
        audit_record(actor=user, action="clue.tag_add", target=target,
                     data={"clue": row.pk, "tag": name, "value": clue.value})
    _refresh(obj=obj, case=case)
    return row


def clue_note_add(*, user: Any, country: str, stance: str, because: str,
                  obj: TracedObject | None = None, case: Case | None = None) -> ClueRecord:
    """An investigator's note "country X: for/against, because ..."; the estimate is
    recomputed. The reason is required (up to NOTE_MAX characters)."""
    _require_investigator(user)
    anchor, target = _one_subject(obj, case)
    code = _text(country, field="country", maximum=2).upper()
    if not is_country(code):
        raise ServiceError("invalid_country",
                           _("%(code)s is not a country code.") % {"code": repr(code)},
                           fields={"country": _("unknown country")})
    if stance not in ("for", "against"):
        raise ServiceError("invalid_clue", _("The stance is 'for' or 'against'."),
                           fields={"stance": _("for or against")})
    reason = _text(because, field="because", maximum=NOTE_MAX)
    clue = geo.clue_from_note(code, stance == "for", reason)
    with transaction.atomic():
        row = ClueRecord.objects.create(source=Source.NOTE, kind=clue.kind, payload=clue.to_dict(),
                                  created_by=user, **anchor)
        audit_record(actor=user, action="clue.note_add", target=target,
                     data={"clue": row.pk, "country": code, "stance": stance,
                           "because": reason})
    _refresh(obj=obj, case=case)
    return row


def clue_delete(*, clue: ClueRecord, user: Any) -> None:
    """Delete a clue (a wrong tag, a misread label); the estimates it fed are recomputed.
    A deleted image or tip clue stays deleted: a source is read only once."""
    _require_investigator(user)
    objects, cases = _affected(clue)
    with transaction.atomic():
        data = {"source": clue.source, "kind": clue.kind,
                "reason": str(clue.payload.get("reason", ""))[:300],
                "crop": clue.crop_id, "image": clue.image_id, "tip": clue.tip_id}
        target = f"clue {clue.pk}"
        clue.delete()
        audit_record(actor=user, action="clue.delete", target=target, data=data)
    for n, object_id in enumerate(sorted(objects)):
        found = TracedObject.objects.filter(pk=object_id).first()
        if found is not None and n < SYNC_REFRESH_MAX:
            object_estimate_refresh(obj=found)
        elif found is not None:
            object_estimate_schedule(object_id=object_id)
    for n, case_id in enumerate(sorted(cases)):
        found_case = Case.objects.filter(pk=case_id).first()
        if found_case is not None and n < SYNC_REFRESH_MAX:
            case_estimate_refresh(case=found_case)
        elif found_case is not None:
            case_estimate_schedule(case_id=case_id)


def _affected(clue: ClueRecord) -> tuple[set[int], set[int]]:
    """The objects and cases whose estimates use ``clue``."""
    objects: set[int] = set()
    cases: set[int] = set()
    if clue.object_id:
        objects.add(clue.object_id)
    if clue.case_id:
        cases.add(clue.case_id)
    if clue.tip_id:
        objects.update(Tip.objects.filter(pk=clue.tip_id).values_list("object_id", flat=True))
    image_ids: list[int] = []
    if clue.crop_id:
        crop = Crop.objects.filter(pk=clue.crop_id).values("image_id", "traced_object_id").first()
        if crop:
            image_ids.append(crop["image_id"])
            if crop["traced_object_id"]:
                objects.add(crop["traced_object_id"])
    if clue.image_id:
        image_ids.append(clue.image_id)
        objects.update(o for o in Crop.objects.filter(image_id=clue.image_id)
                       .values_list("traced_object_id", flat=True) if o)
    cases |= cases_of_images(image_ids)
    return objects, cases


def estimate_recompute(*, user: Any, obj: TracedObject | None = None,
                       case: Case | None = None) -> EstimateRecord:
    """An investigator asks for a recompute: an object's crop is read now if it never was;
    a case's unread evidence images are queued for reading."""
    _require_investigator(user)
    _anchor, target = _one_subject(obj, case)
    if obj is not None:
        object_images_read(obj=obj)
        estimate = object_estimate_refresh(obj=obj)
        queued = 0
    else:
        assert case is not None
        queued = evidence_clues_schedule(image_ids=case_images_unread(case))
        estimate = case_estimate_refresh(case=case)
    audit_record(actor=user, action="clue.estimate_refresh", target=target,
                 data={"best": estimate.best, "clues": estimate.clue_count,
                       "read_tasks_queued": queued})
    return estimate


def _refresh(*, obj: TracedObject | None, case: Case | None) -> None:
    if obj is not None:
        object_estimate_refresh(obj=obj)
    elif case is not None:
        case_estimate_refresh(case=case)
