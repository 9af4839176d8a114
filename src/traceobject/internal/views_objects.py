"""Back-office pages of same-object search (investigators): "find this object elsewhere"
from a crop, a traced object or a region of an evidence image; the verified matches grouped
by case with their match pictures; linking a match to a traced object.

The query travels in the address (``crop=ID``, ``object=REF`` or ``image=ID&x=&y=&w=&h=``):
the results page, its match pictures and the link form all read it the same way, and a
region typed into the fields of the evidence page (no JavaScript) is the same request as one
drawn on the picture.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from traceobject.accounts.roles import INVESTIGATOR, role_required
from traceobject.audit.services import audit_view_of_request
from traceobject.catalog import staff_selectors
from traceobject.core.errors import NotFound, ServiceError
from traceobject.evidence import sightings as sighting_services
from traceobject.evidence.models import Crop, EvidenceImage, ObjectSighting
from traceobject.evidence.object_search import (
    ObjectQuery,
    ObjectResults,
    object_match_jpeg,
    object_query,
    object_search,
    query_picture,
)

_ID_MAX_DIGITS = 12


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= _ID_MAX_DIGITS else None


def _query(data: QueryDict) -> ObjectQuery:
    """The query named by the address or a form; ServiceError (400) for one that is not
    well formed, Http404 for a crop, object or image that does not exist."""
    if "crop" in data:
        pk = _id(data.get("crop"))
        if pk is None:
            raise ServiceError("invalid_query", _("A crop is named by its number."))
        return object_query(crop=get_object_or_404(
            Crop.objects.select_related("image", "traced_object"), pk=pk))
    if "object" in data:
        try:
            obj = staff_selectors.staff_object(ref=str(data.get("object", ""))[:64])
        except NotFound:
            raise Http404 from None
        return object_query(obj=obj)
    if "image" in data:
        pk = _id(data.get("image"))
        if pk is None:
            raise ServiceError("invalid_query", _("An evidence image is named by its number."))
        image = get_object_or_404(EvidenceImage, pk=pk)
        return object_query(image=image, region={k: data.get(k) for k in ("x", "y", "w", "h")})
    raise ServiceError("invalid_query", _("Choose a crop, an object or a region."))


def _back(query: ObjectQuery | None, data: QueryDict) -> tuple[str, str]:
    """Where the search came from: its page and a label."""
    if query is not None and query.kind == "object" and query.obj is not None:
        return reverse("internal:object", args=[query.obj.ref]), query.obj.ref
    if query is not None and query.crop is not None:
        return (reverse("internal:crop", args=[query.crop.pk]),
                _("Crop %(n)d") % {"n": query.crop.pk})
    pk = _id(data.get("image"))
    if pk is not None and EvidenceImage.objects.filter(pk=pk).exists():
        return reverse("internal:evidence", args=[pk]), _("Evidence %(n)d") % {"n": pk}
    return reverse("internal:cases"), _("Cases")


def _region_values(data: QueryDict) -> dict[str, str]:
    return {k: str(data.get(k, ""))[:20] for k in ("x", "y", "w", "h")}


def _page(request: HttpRequest, *, query: ObjectQuery | None, error: str = "",
          status: int = 200, link_error: str = "", link_image: int | None = None
          ) -> HttpResponse:
    data = request.GET if request.method == "GET" else request.POST
    back_url, back_label = _back(query, data)
    context: dict[str, Any] = {
        "query": query, "error": error, "link_error": link_error, "link_image": link_image,
        "back_url": back_url, "back_label": back_label,
        "region": _region_values(data), "region_image": _id(data.get("image")),
    }
    results = None
    if query is not None and not error:
        try:
            results = object_search(query=query)
        except ServiceError as exc:
            context["error"], status = exc.message, exc.status
    context["results"] = results
    if query is not None:
        params = urlencode(query.params)
        context["params"] = params
        context["query_params"] = query.params
        context["query_picture"] = reverse("internal:object-query-picture") + "?" + params
        shown = [m.image.pk for m in results.matches] if results else []
        linked = sighting_services.linked_objects(image_ids=shown)
        context["groups"] = _groups(results, linked)
        context["link_target"] = query.traced_object
        response = render(request, "internal/objects/find.html", context, status=status)
        audit_view_of_request(request, what="object_search", target=query.target,
                              images=shown)
        return response
    return render(request, "internal/objects/find.html", context, status=status)


def _groups(results: ObjectResults | None, linked: dict[int, list[str]]
            ) -> list[dict[str, Any]]:
    """The matches of each case for the page: an image found in two cases is listed under
    both (the first carries its anchor), with the objects already linked to it."""
    if results is None:
        return []
    seen: set[int] = set()
    groups = []
    for number, group in enumerate(results.by_case, start=1):
        rows = []
        for match in group.matches:
            rows.append({"match": match, "linked": linked.get(match.image.pk, []),
                         "anchor": match.image.pk not in seen, "group": number})
            seen.add(match.image.pk)
        groups.append({"ref": group.ref, "rows": rows})
    return groups


@never_cache
@require_safe
@role_required(INVESTIGATOR)
def object_find(request: HttpRequest) -> HttpResponse:
    """The verified matches of a crop, an object or a region, grouped by case."""
    try:
        query = _query(request.GET)
    except ServiceError as exc:
        return _page(request, query=None, error=exc.message, status=exc.status)
    return _page(request, query=query)


def _jpeg(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@role_required(INVESTIGATOR)
def object_match_picture(request: HttpRequest, pk: int) -> HttpResponse:
    """The query and evidence image ``pk`` side by side, the matched region outlined on
    both and the matching points joined."""
    image = get_object_or_404(EvidenceImage, pk=pk)
    try:
        query = _query(request.GET)
        data = object_match_jpeg(query=query, image=image)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    audit_view_of_request(request, what="object_match", target=f"evidence {image.pk}")
    return _jpeg(data)


@require_safe
@role_required(INVESTIGATOR)
def object_query_picture(request: HttpRequest) -> HttpResponse:
    """The picture searched for (the crop, or the region cut from its evidence image)."""
    import io

    try:
        query = _query(request.GET)
        picture = query_picture(query)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    picture.thumbnail((640, 640))
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=85)
    audit_view_of_request(request, what="object_match", target=query.target)
    return _jpeg(buffer.getvalue())


@require_POST
@role_required(INVESTIGATOR)
def object_link(request: HttpRequest) -> HttpResponse:
    """Link a match to a traced object (the query's own, or one named by reference)."""
    try:
        query = _query(request.POST)
    except ServiceError as exc:
        return _page(request, query=None, error=exc.message, status=exc.status)
    image_id = _id(request.POST.get("evidence"))
    ref = str(request.POST.get("ref", "")).strip()[:64]
    error, status = "", 400
    obj = query.traced_object
    if image_id is None or not EvidenceImage.objects.filter(pk=image_id).exists():
        error = _("Choose an evidence image among the results.")
    elif ref:
        try:
            obj = staff_selectors.staff_object(ref=ref)
        except NotFound:
            error = _("There is no object %(ref)s.") % {"ref": ref}
    elif obj is None:
        error = _("Give the reference of the object to link this image to.")
    if not error and obj is not None and image_id is not None:
        try:
            sighting_services.sighting_link(user=request.user, obj=obj,
                                            image=EvidenceImage.objects.get(pk=image_id),
                                            query=query)
        except ServiceError as exc:
            error = exc.message
            status = exc.status
        else:
            messages.success(request, _("Evidence %(n)d is linked to %(ref)s.")
                             % {"n": image_id, "ref": obj.ref})
            return redirect(reverse("internal:object-find") + "?" + urlencode(query.params)
                            + f"#match-{image_id}")
    return _page(request, query=query, link_error=error, link_image=image_id, status=status)


@require_POST
@role_required(INVESTIGATOR)
def object_sighting_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    sighting = get_object_or_404(ObjectSighting.objects.select_related(
        "traced_object", "linked_by"), pk=pk)
    ref = sighting.traced_object.ref
    sighting_services.sighting_unlink(user=request.user, sighting=sighting)
    messages.success(request, _("The link to evidence %(n)d was removed.")
                     % {"n": sighting.image_id})
    return redirect(reverse("internal:object", args=[ref]) + "#sightings")
