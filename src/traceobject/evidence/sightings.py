"""Sightings: a traced object found in another evidence image (same-object search) and
linked to it by an investigator. Writes are audited; what they add up to ("also seen in N
other images, K cases") is for investigators only and never leaves the core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.audit.services import audit_record
from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import Crop, EvidenceImage, ObjectSighting
from traceobject.evidence.object_search import (
    ObjectQuery,
    object_match_verify,
    object_query,
)
from traceobject.evidence.selectors import image_cases


def _investigator(user: Any) -> None:
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators link objects to evidence."),
                           status=403)


def _own_image_id(obj: TracedObject) -> int | None:
    return Crop.objects.filter(traced_object=obj).values_list("image_id", flat=True).first()


def _own_crop(obj: TracedObject) -> Crop | None:
    """The crop ``obj`` was made from (None for an object made from uploaded pictures)."""
    return Crop.objects.filter(traced_object=obj).select_related("image").first()


def sighting_link(*, user: Any, obj: TracedObject, image: EvidenceImage,
                  query: ObjectQuery) -> ObjectSighting:
    """Link ``obj`` to ``image``, where the search ``query`` found it: the match is verified
    again here (the inlier count stored is the server's, never a form's), and so is the
    object's own crop when the query was something else (a region, another crop): a link
    says the object is in the image, not only the query. An image where either does not
    verify, the object's own image, or one already linked is refused and nothing changes.
    An object made from uploaded pictures (no crop) is checked against the query only."""
    _investigator(user)
    if image.pk == _own_image_id(obj):
        raise ServiceError("own_image", _("This is the image the object was cut from."))
    if ObjectSighting.objects.filter(traced_object=obj, image=image).exists():
        raise ServiceError("already_linked", _("This image is already linked to %(ref)s.")
                           % {"ref": obj.ref}, status=409)
    verification = object_match_verify(query=query, image=image)
    if not verification.verified:
        raise ServiceError("not_verified", _(
            "The object could not be matched in this image (%(n)d matching points): nothing "
            "was linked.") % {"n": verification.inliers})
    own = _own_crop(obj)
    checked = own is not None and (query.crop is None or query.crop.pk != own.pk)
    if own is not None and checked:
        by_crop = object_match_verify(query=object_query(crop=own), image=image)
        if not by_crop.verified:
            raise ServiceError("crop_not_verified", _(
                "The crop %(ref)s was made from does not match this image (%(n)d matching "
                "points): nothing was linked.") % {"ref": obj.ref, "n": by_crop.inliers})
    try:
        with transaction.atomic():
            sighting = ObjectSighting.objects.create(
                traced_object=obj, image=image, inliers=verification.inliers, linked_by=user)
            audit_record(actor=user, action="object.sighting_link", target=obj.ref,
                         data={"evidence": image.pk, "inliers": verification.inliers,
                               "query": query.target,
                               "object_crop": own.pk if own is not None else None,
                               "object_crop_checked": checked})
    except IntegrityError:  # linked by someone else at the same moment
        raise ServiceError("already_linked", _("This image is already linked to %(ref)s.")
                           % {"ref": obj.ref}, status=409) from None
    return sighting


def sighting_unlink(*, user: Any, sighting: ObjectSighting) -> None:
    """Remove a link made by mistake (audited, with what it said)."""
    _investigator(user)
    with transaction.atomic():
        audit_record(actor=user, action="object.sighting_unlink",
                     target=sighting.traced_object.ref,
                     data={"evidence": sighting.image_id, "inliers": sighting.inliers,
                           "linked_by": sighting.linked_by.get_username()})
        sighting.delete()


@dataclass(frozen=True)
class Sighting:
    row: ObjectSighting
    cases: list[str]


@dataclass(frozen=True)
class SightingsSummary:
    """Where else an object was seen: other evidence images than its own, and the cases
    they were found in."""

    images: int
    cases: int
    case_refs: list[str]
    rows: list[Sighting]


def object_sightings(*, obj: TracedObject, user: Any) -> SightingsSummary | None:
    """The object's sightings for an investigator; None for anybody else (the line "also
    seen in ..." is not shown to them)."""
    if not has_role(user, INVESTIGATOR):
        return None
    own = _own_image_id(obj)
    rows = list(ObjectSighting.objects.filter(traced_object=obj).exclude(image_id=own)
                .select_related("image", "linked_by"))
    cases = image_cases(image_ids=[r.image_id for r in rows])
    refs = sorted({ref for r in rows for ref in cases.get(r.image_id, [])})
    return SightingsSummary(images=len(rows), cases=len(refs), case_refs=refs,
                            rows=[Sighting(r, cases.get(r.image_id, [])) for r in rows])


def linked_objects(*, image_ids: list[int]) -> dict[int, list[str]]:
    """Per evidence image, the refs of the objects linked to it."""
    found: dict[int, list[str]] = {}
    for image_id, ref in (ObjectSighting.objects.filter(image_id__in=image_ids)
                          .order_by("traced_object__ref")
                          .values_list("image_id", "traced_object__ref")):
        found.setdefault(image_id, []).append(ref)
    return found
