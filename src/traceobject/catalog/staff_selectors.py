"""Reads of the back office's catalogue: workflow, four-eyes, provenance (core only; the
public side reads catalog.selectors, which knows nothing of evidence).

An object cut from evidence has a crop (evidence's ``Crop``, whose one-to-one
``traced_object`` gives the object its ``crop`` relation): it is read through that relation,
so the catalogue does not import evidence, which builds on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from traceobject.catalog.models import ObjectStatus, ObjectText, TracedObject, is_object_ref
from traceobject.catalog.selectors import ObjectView, _object_view
from traceobject.core.errors import NotFound


def _crop(obj: TracedObject) -> Any:
    """The crop ``obj`` was cut from, fresh from the database, or None."""
    found = (TracedObject.objects.select_related("crop__image", "crop__created_by",
                                                 "crop__override_by")
             .filter(pk=obj.pk).first())
    try:
        return found.crop if found is not None else None
    except ObjectDoesNotExist:  # an object not cut from evidence
        return None


def object_problems(*, obj: TracedObject) -> list[str]:
    """Why `obj` may not (yet) go to review or be published; empty when it may."""
    problems = []
    if not ObjectText.objects.filter(object=obj, language="en").exclude(title="").exists():
        problems.append(_("It needs an English title."))
    if not obj.images.exists():
        problems.append(_("It needs at least one picture."))
    crop = _crop(obj)
    if crop is not None and not crop.may_be_published:
        if crop.gate_verdict != "pass":
            problems.append(_("Crop %(n)s failed the safety gate and no reviewer overrode it.")
                            % {"n": crop.pk})
        else:
            problems.append(_("Crop %(n)s shows text that may identify someone; it is neither "
                              "redacted nor overridden by a reviewer.") % {"n": crop.pk})
    return problems


# The public texts a translation must carry wherever English has them (the thank-you note is
# written when the object is identified, after publication).
TRANSLATED_FIELDS = ("title", "description", "questions")


def untranslated(*, obj: TracedObject) -> dict[str, list[str]]:
    """The site's languages in which part of `obj`'s public text would be shown in English:
    language -> the fields (of TRANSLATED_FIELDS) that English has and that language lacks
    (every field when the language has no text at all). Empty when fully translated."""
    texts = {t.language: t for t in ObjectText.objects.filter(object=obj)}
    english = texts.get("en")
    if english is None:
        return {}
    wanted = [name for name in TRANSLATED_FIELDS if getattr(english, name)]
    missing: dict[str, list[str]] = {}
    for code, _name in settings.LANGUAGES:
        if code == "en":
            continue
        text = texts.get(code)
        lacking = [name for name in wanted if text is None or not getattr(text, name)]
        if lacking:
            missing[code] = lacking
    return missing


def approval_conflict(*, obj: TracedObject, user: Any) -> str:
    """Why `user` may not approve `obj` under the four-eyes rule ("" if they may): the
    approver wrote nothing of it, submitted nothing, supplied no picture or crop."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return _("not signed in")
    if obj.created_by_id == pk:
        return _("you created it")
    if obj.submitted_by_id == pk:
        return _("you submitted it for review")
    if obj.images.filter(added_by_id=pk).exists():
        return _("you added one of its pictures")
    if TracedObject.objects.filter(pk=obj.pk, crop__created_by_id=pk).exists():
        return _("you made the crop it came from")
    return ""


def status_counts() -> dict[str, int]:
    """How many objects are in each workflow state (every state listed)."""
    counts = dict(TracedObject.objects.values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in ObjectStatus.values}


def staff_objects(*, status: str | None = None) -> QuerySet[TracedObject]:
    """Every object (any state) for the back office, newest first, with its English title."""
    qs = (TracedObject.objects.select_related("campaign", "created_by", "submitted_by")
          .prefetch_related(Prefetch("texts", queryset=ObjectText.objects.filter(language="en"),
                                     to_attr="_en"))
          .annotate(n_images=Count("images", distinct=True))
          .order_by("-created_at", "-id"))
    if status in ObjectStatus.values:
        qs = qs.filter(status=status)
    return qs


def staff_object(*, ref: str) -> TracedObject:
    """One object in any state, for staff; NotFound for anything else."""
    obj = None
    if is_object_ref(ref):
        obj = (TracedObject.objects.select_related(
            "campaign", "created_by", "submitted_by", "approved_by")
            .filter(ref=ref.upper()).first())
    if obj is None:
        raise NotFound("unknown_object", _("There is no object with this reference."))
    return obj


def review_queue() -> QuerySet[TracedObject]:
    """Objects waiting for review, longest waiting first."""
    return (TracedObject.objects.filter(status=ObjectStatus.IN_REVIEW)
            .select_related("campaign", "created_by", "submitted_by")
            .order_by("submitted_at", "id"))


@dataclass(frozen=True)
class Provenance:
    """Where an object came from (internal only: never shown on the public side)."""

    crop: Any  # evidence.models.Crop or None
    evidence_id: int | None
    case_refs: list[str]
    # When the crop was cut from a frame of a video: each {video_id, frame_number, time,
    # places: [(case ref, path)]} (the evidence pages show the same).
    video_frames: list[dict[str, Any]] = field(default_factory=list)


def object_provenance(*, obj: TracedObject) -> Provenance:
    crop = _crop(obj)
    if crop is None:
        return Provenance(crop=None, evidence_id=None, case_refs=[])
    cases = set(crop.image.files.values_list("case__ref", flat=True))
    frames = []
    # Read through the image's reverse relations: the catalogue does not import evidence.
    for frame in crop.image.video_frames.order_by("video_id", "frame_number")[:10]:
        places = list(frame.video.files.order_by("case__ref", "path")
                      .values_list("case__ref", "path"))
        cases |= {ref for ref, _path in places}
        frames.append({"video_id": frame.video_id, "frame_number": frame.frame_number,
                       "time": frame.time, "places": places})
    return Provenance(crop=crop, evidence_id=crop.image_id, case_refs=sorted(cases),
                      video_frames=frames)


def object_preview(*, obj: TracedObject, language: str = "en") -> ObjectView:
    """What the public page would show of `obj` (in any state), for reviewers. The image
    URLs are public ones; the back office serves them through its own route instead."""
    fresh = TracedObject.objects.select_related("campaign").prefetch_related(
        Prefetch("texts", queryset=ObjectText.objects.filter(language__in={language, "en"}),
                 to_attr="_texts"),
        Prefetch("images", to_attr="_images"),
    ).get(pk=obj.pk)
    return _object_view(fresh, language)
