"""Back office pages for evidence and crops (investigators; reviewers for crops)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from traceobject.accounts.roles import INVESTIGATOR, REVIEWER, ROLES, has_role, role_required
from traceobject.audit.services import audit_view_of_request
from traceobject.core.errors import ServiceError
from traceobject.evidence import crops as crop_services
from traceobject.evidence import services as evidence_services
from traceobject.evidence.ingest_queue import ingest_runs_status
from traceobject.evidence.models import Case, Crop, EvidenceImage
from traceobject.evidence.selectors import (
    case_grid,
    case_images_chosen,
    case_videos,
    crop_findings,
    evidence_display_jpeg,
    image_video_provenance,
    similar_images,
    video_thumbnails,
    videos_containing_image,
)
from traceobject.internal.forms import (
    CropForm,
    GridForm,
    ObjectFromCropForm,
    OverrideForm,
    SelectionForm,
    TextRedactForm,
    sequence_parse,
)
from traceobject.internal.selectors import home_summary


@never_cache
@role_required(*ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Every staff role lands here after signing in and sees the work waiting for it."""
    return render(request, "internal/home.html",
                  {"summary": home_summary(user=request.user)})


@never_cache
@role_required(INVESTIGATOR)
def case_list(request: HttpRequest) -> HttpResponse:
    cases = Case.objects.annotate(n=Count("files")).order_by("-created_at")
    return render(request, "internal/cases.html", {"cases": cases})


@never_cache
@role_required(INVESTIGATOR)
def case_detail(request: HttpRequest, ref: str) -> HttpResponse:
    """The evidence grid of a case: names, marks, order, filters, a selection."""
    case = get_object_or_404(Case, ref=ref)
    query = request.GET.copy()
    for name, default in (("sort", "name"), ("per", "60")):
        query.setdefault(name, default)  # the controls show what the grid does
    grid = GridForm(query)
    return _case_page(request, case, grid, status=200 if grid.is_valid() else 400)


def _case_page(request: HttpRequest, case: Case, grid: GridForm, *, error: str = "",
               status: int = 200) -> HttpResponse:
    chosen = grid.settings()
    page, rows = case_grid(case=case, user=request.user, sort=chosen["sort"],
                           filters=chosen["filters"], page=request.GET.get("page"),
                           per_page=chosen["per_page"])
    keep = urlencode([("sort", chosen["sort"]), ("per", chosen["per_page"])]
                     + [("show", f) for f in chosen["filters"]])
    video_page, videos = case_videos(case=case, page=request.GET.get("vpage"))
    response = render(request, "internal/case.html", {
        "case": case, "page": page, "rows": rows, "grid": grid, "chosen": chosen,
        "keep": keep, "error": error, "video_page": video_page, "videos": videos,
        "ingest_runs": ingest_runs_status(case=case, limit=3),
    }, status=status)
    # one record for the page's thumbnails (the videos' keyframes too), not one per image
    audit_view_of_request(request, what="evidence_grid", target=f"case {case.ref}",
                          images=[row.image.pk for row in rows]
                          + [k.image_id for v in videos for k in v.keyframes])
    return response


@require_POST
@role_required(INVESTIGATOR)
def case_mark_viewed(request: HttpRequest, ref: str) -> HttpResponse:
    """Bulk action of the grid: the selected images count as viewed by this person."""
    case = get_object_or_404(Case, ref=ref)
    grid = GridForm(request.POST)
    selection = SelectionForm(request.POST)
    if selection.is_valid():
        try:
            evidence_services.evidence_viewed_mark(
                user=request.user, case=case, image_ids=selection.cleaned_data["image"])
        except ServiceError as exc:
            return _case_page(request, case, grid, error=exc.message, status=exc.status)
        chosen = grid.settings()
        keep = urlencode([("sort", chosen["sort"]), ("per", chosen["per_page"])]
                         + [("show", f) for f in chosen["filters"]])
        return redirect(reverse("internal:case", args=[case.ref]) + "?" + keep)
    problems = " ".join(str(e) for e in selection.errors.get("image", []))
    return _case_page(request, case, grid, error=problems, status=400)


@require_POST
@role_required(INVESTIGATOR)
def case_sequence(request: HttpRequest, ref: str) -> HttpResponse:
    """Bulk action of the grid: open the selected images one after the other."""
    case = get_object_or_404(Case, ref=ref)
    selection = SelectionForm(request.POST)
    error = ""
    if selection.is_valid():
        ids = case_images_chosen(case=case, image_ids=selection.cleaned_data["image"])
        if ids:
            return redirect(reverse("internal:evidence", args=[ids[0]]) + "?"
                            + urlencode({"seq": ".".join(str(i) for i in ids)}))
        error = _("Some selected images are not in this case.")
    else:
        error = " ".join(str(e) for e in selection.errors.get("image", []))
    return _case_page(request, case, GridForm(request.POST), error=error, status=400)


def _evidence_page(request: HttpRequest, image: EvidenceImage, *, similar: list[Any],
                   form: CropForm, error: str = "", status: int = 200,
                   sequence: dict[str, Any] | None = None) -> HttpResponse:
    """The evidence viewer; the audit log records who saw the image and the thumbnails on
    the page (similar images, the keyframes shown for the videos holding it; one record)."""
    in_videos = _videos_holding(image)
    response = render(request, "internal/evidence.html", {
        "image": image, "files": image.files.select_related("case"),
        "similar": similar, "crops": image.crops.all(), "form": form, "error": error,
        "sequence": sequence or {}, "video_frames": image_video_provenance(image=image),
        "in_videos": in_videos,
    }, status=status)
    audit_view_of_request(request, what="evidence", target=f"evidence {image.pk}",
                          images=[match.image.pk for match in similar]
                          + [row["thumb"].image_id for row in in_videos if row["thumb"]])
    return response


def _videos_holding(image: EvidenceImage, limit: int = 24) -> list[dict[str, Any]]:
    """The videos with a sampled frame near the image: the nearest frame (number and
    time), the distance, and the keyframe shown for it."""
    if not image.pdq:
        return []
    found = videos_containing_image(pdq=image.pdq, quality=image.pdq_quality, limit=limit)
    frames = {v.video.pk: (v.frame_numbers[0] if v.frame_numbers else 0) for v in found}
    thumbs = video_thumbnails(frames=frames)
    return [{"video": v.video, "distance": v.distance, "frame": frames[v.video.pk],
             "time": v.times[0] if v.times else 0.0, "more": max(0, len(v.times) - 1),
             "cases": v.cases, "thumb": thumbs.get(v.video.pk)} for v in found]


@never_cache
@role_required(INVESTIGATOR)
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_object_or_404(EvidenceImage, pk=pk)
    sequence = sequence_parse(request.GET.get("seq"))
    error = ""
    if sequence is not None and image.pk not in sequence:
        sequence, error = None, _("The sequence of images is not valid.")
    evidence_services.evidence_viewed_record(user=request.user, image=image)
    similar = similar_images(pdq=image.pdq, quality=image.pdq_quality, exclude_id=image.pk,
                             limit=48) if image.pdq else []
    steps = {}
    if sequence:
        at = sequence.index(image.pk)
        keep = urlencode({"seq": ".".join(str(i) for i in sequence)})
        steps = {"number": at + 1, "count": len(sequence), "keep": keep,
                 "previous": sequence[at - 1] if at > 0 else None,
                 "next": sequence[at + 1] if at + 1 < len(sequence) else None}
    return _evidence_page(request, image, similar=list(similar), form=CropForm(), error=error,
                          status=400 if error else 200, sequence=steps)


def _private_file(key: str, content_type: str) -> FileResponse:
    storage = storages["evidence"]
    if not key or not storage.exists(key):
        raise Http404
    response = FileResponse(storage.open(key), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_safe
@role_required(INVESTIGATOR)
def evidence_thumb(request: HttpRequest, pk: int) -> FileResponse:
    """A thumbnail: not recorded one by one; the page that shows it records its image ids."""
    image = get_object_or_404(EvidenceImage, pk=pk)
    return _private_file(image.thumb_key, "image/jpeg")


@require_safe
@role_required(INVESTIGATOR)
def evidence_display(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence image oriented as displayed, for the crop tool (re-encoded, private)."""
    image = get_object_or_404(EvidenceImage, pk=pk)
    data = evidence_display_jpeg(image=image)
    if data is None:
        raise Http404
    audit_view_of_request(request, what="evidence_file", target=f"evidence {image.pk}")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(INVESTIGATOR)
def crop_create(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_object_or_404(EvidenceImage, pk=pk)
    form = CropForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            crop = crop_services.crop_create(
                image=image, rect=form.cleaned_data,
                redactions=form.cleaned_data["redactions"], user=request.user)
        except ServiceError as exc:
            error = exc.message
        else:
            return redirect("internal:crop", pk=crop.pk)
    return _evidence_page(request, image, similar=[], form=form, error=error, status=400)


@never_cache
@role_required(INVESTIGATOR, REVIEWER)
def crop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    crop = get_object_or_404(Crop.objects.select_related("image", "traced_object"), pk=pk)
    return _crop_page(request, crop)


def _crop_page(request: HttpRequest, crop: Crop, *, override_form: OverrideForm | None = None,
               object_form: ObjectFromCropForm | None = None, redact_error: str = "",
               status: int = 200) -> HttpResponse:
    response = render(request, "internal/crop.html", {
        "crop": crop, "findings": crop_findings(crop=crop),
        "video_frames": image_video_provenance(image=crop.image),
        "label_size": max(12, round(max(crop.width, crop.height) / 28)),
        "override_form": override_form or OverrideForm(),
        "redact_error": redact_error,
        "object_form": object_form or ObjectFromCropForm(),
        "is_reviewer": has_role(request.user, REVIEWER),
        "is_investigator": has_role(request.user, INVESTIGATOR),
    }, status=status)
    audit_view_of_request(request, what="crop", target=f"crop {crop.pk}")
    return response


@require_safe
@role_required(INVESTIGATOR, REVIEWER)
def crop_image(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ("plain", "annotated"):
        raise Http404
    crop = get_object_or_404(Crop, pk=pk)
    data = crop_services.crop_png(crop, annotated=kind == "annotated")
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    audit_view_of_request(request, what="crop_file", target=f"crop {crop.pk}")
    return response


@require_POST
@role_required(REVIEWER)
def crop_override(request: HttpRequest, pk: int) -> HttpResponse:
    crop = get_object_or_404(Crop, pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            crop_services.crop_override(crop=crop, user=request.user,
                                        reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("internal:crop", pk=crop.pk)
    return _crop_page(request, crop, override_form=form, status=400)


@require_POST
@role_required(INVESTIGATOR)
def crop_text_redact(request: HttpRequest, pk: int) -> HttpResponse:
    crop = get_object_or_404(Crop, pk=pk)
    form = TextRedactForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            crop_services.crop_text_redact(crop=crop, user=request.user,
                                           finding=form.cleaned_data["finding"])
        except ServiceError as exc:
            error = exc.message
        else:
            return redirect("internal:crop", pk=crop.pk)
    else:
        error = _("Choose a finding of this crop to black out.")
    return _crop_page(request, crop, redact_error=error, status=400)


@require_POST
@role_required(INVESTIGATOR)
def crop_to_object(request: HttpRequest, pk: int) -> HttpResponse:
    crop = get_object_or_404(Crop, pk=pk)
    form = ObjectFromCropForm(request.POST)
    if form.is_valid():
        try:
            crop_services.crop_to_object(
                crop=crop, user=request.user, category=form.cleaned_data["category"],
                title=form.cleaned_data["title"], description=form.cleaned_data["description"],
                questions=form.cleaned_data["questions"].splitlines())
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("internal:crop", pk=crop.pk)
    return _crop_page(request, crop, object_form=form, status=400)
