"""Back office pages for evidence and crops (investigators; reviewers for crops)."""

from __future__ import annotations

from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from traceobject.accounts.roles import INVESTIGATOR, REVIEWER, ROLES, has_role, role_required
from traceobject.core.errors import ServiceError
from traceobject.evidence import crops as crop_services
from traceobject.evidence.models import Case, Crop, EvidenceImage
from traceobject.evidence.selectors import evidence_display_jpeg, similar_images
from traceobject.internal.forms import CropForm, ObjectFromCropForm, OverrideForm, TextRedactForm
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
    case = get_object_or_404(Case, ref=ref)
    images = EvidenceImage.objects.filter(files__case=case).distinct().order_by("id")
    page = Paginator(images, 60).get_page(request.GET.get("page"))
    return render(request, "internal/case.html", {"case": case, "page": page})


@never_cache
@role_required(INVESTIGATOR)
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_object_or_404(EvidenceImage, pk=pk)
    similar = similar_images(pdq=image.pdq, quality=image.pdq_quality, exclude_id=image.pk,
                             limit=48) if image.pdq else []
    return render(request, "internal/evidence.html", {
        "image": image, "files": image.files.select_related("case"),
        "similar": similar, "crops": image.crops.all(), "form": CropForm(),
    })


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
    return render(request, "internal/evidence.html", {
        "image": image, "files": image.files.select_related("case"), "similar": [],
        "crops": image.crops.all(), "form": form, "error": error,
    }, status=400)


@never_cache
@role_required(INVESTIGATOR, REVIEWER)
def crop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    crop = get_object_or_404(Crop.objects.select_related("image", "traced_object"), pk=pk)
    return _crop_page(request, crop)


def _crop_page(request: HttpRequest, crop: Crop, *, override_form: OverrideForm | None = None,
               object_form: ObjectFromCropForm | None = None, redact_error: str = "",
               status: int = 200) -> HttpResponse:
    return render(request, "internal/crop.html", {
        "crop": crop, "override_form": override_form or OverrideForm(),
        "redact_error": redact_error,
        "object_form": object_form or ObjectFromCropForm(),
        "is_reviewer": has_role(request.user, REVIEWER),
        "is_investigator": has_role(request.user, INVESTIGATOR),
    }, status=status)


@require_safe
@role_required(INVESTIGATOR, REVIEWER)
def crop_image(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ("plain", "annotated"):
        raise Http404
    crop = get_object_or_404(Crop, pk=pk)
    data = crop_services.crop_png(crop, annotated=kind == "annotated")
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
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
