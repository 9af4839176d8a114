"""Back-office pages of the catalogue: objects (investigators edit them, reviewers review
them), the review queue (reviewers) and campaigns (administrators).

The views only translate forms to service calls (traceobject.catalog.services) and
ServiceErrors to pages; every rule (roles, states, four-eyes) is enforced by the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from traceobject.accounts.roles import (
    ADMINISTRATOR,
    INVESTIGATOR,
    REVIEWER,
    has_role,
    role_required,
)
from traceobject.catalog import selectors, staff_selectors
from traceobject.catalog import services as catalog
from traceobject.catalog.models import (
    Campaign,
    ObjectImage,
    ObjectStatus,
    ObjectText,
    TracedObject,
)
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.reference import ui_language_codes
from traceobject.evidence.sightings import object_sightings
from traceobject.internal import forms_catalog as forms

LANGUAGE_NAMES = dict(settings.LANGUAGES)
# Room for the form fields around an upload of the largest allowed picture.
UPLOAD_BODY_MARGIN = 64 * 1024


# --------------------------------------------------------------------------- objects


def _get(ref: str) -> TracedObject:
    try:
        return staff_selectors.staff_object(ref=ref)
    except NotFound:
        raise Http404


@never_cache
@require_safe
@role_required(INVESTIGATOR, REVIEWER)
def object_list(request: HttpRequest) -> HttpResponse:
    form = forms.StatusFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    counts = staff_selectors.status_counts()
    page = Paginator(staff_selectors.staff_objects(status=status or None), 50).get_page(
        request.GET.get("page"))
    rows = [{"obj": obj, "title": obj._en[0].title if obj._en else "",  # type: ignore[attr-defined]
             "images": obj.n_images} for obj in page]  # type: ignore[attr-defined]
    return render(request, "internal/catalog/object_list.html", {
        "page": page, "rows": rows, "status": status, "total": sum(counts.values()),
        "tabs": [(value, label, counts[value]) for value, label in ObjectStatus.choices],
        "is_investigator": has_role(request.user, INVESTIGATOR),
    })


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(INVESTIGATOR)
def object_new(request: HttpRequest) -> HttpResponse:
    form = forms.NewObjectForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                obj = catalog.object_create(
                    user=request.user, category=data["category"], campaign=data["campaign"],
                    texts={"en": {"title": data["title"], "description": data["description"],
                                  "questions": data["questions"]}})
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Draft %(ref)s created.") % {"ref": obj.ref})
                return redirect("internal:object", ref=obj.ref)
        return render(request, "internal/catalog/object_new.html", {"form": form}, status=400)
    return render(request, "internal/catalog/object_new.html", {"form": form})


def _image_info(obj: TracedObject, image: ObjectImage) -> dict[str, Any]:
    def url(width: int) -> str:
        return reverse("internal:object-image", args=[obj.ref, image.pk, width])

    small = [w for w in image.widths if w <= 640]
    return {"row": image, "small": url(small[-1] if small else image.widths[0]),
            "full": url(image.widths[-1])}


def _language(request: HttpRequest) -> str:
    code = request.GET.get("lang", "en")
    return code if code in ui_language_codes() else "en"


def _text_form(obj: TracedObject, language: str) -> forms.TextsForm:
    text = ObjectText.objects.filter(object=obj, language=language).first()
    initial: dict[str, Any] = {"language": language}
    if text:
        initial.update(title=text.title, description=text.description,
                       questions="\n".join(text.questions), thank_you=text.thank_you)
    return forms.TextsForm(initial=initial)


FIELD_LABELS = {"title": gettext_lazy("Title"), "description": gettext_lazy("Description"),
                "questions": gettext_lazy("Questions")}


def _approval(obj: TracedObject, form: forms.ApproveForm | None = None) -> dict[str, Any]:
    """What the approval form shows: the checklist (ticked as last sent), the languages in
    which part of the public text is missing (named in the reader's language, with the
    fields), the reviewer's choice about them and the comment."""
    data: Any = form.data if form is not None and form.is_bound else None
    missing = staff_selectors.untranslated(obj=obj)
    written = set(obj.texts.values_list("language", flat=True))
    return {
        "checks": [{"name": name, "label": label, "text": text}
                   for name, (label, text) in catalog.REVIEW_CHECKS.items()],
        "ticked": set(data.getlist("checklist")) if data is not None else set(),
        "fallback": bool(data.get("english_fallback")) if data is not None else False,
        "comment": data.get("comment", "") if data is not None else "",
        "untranslated": missing,
        # Languages with no text at all, then those missing only some fields (named).
        "untranslated_whole": [code for code in missing if code not in written],
        "untranslated_part": [(code, [str(FIELD_LABELS[f]) for f in fields])
                              for code, fields in missing.items() if code in written],
    }


def _object_page(request: HttpRequest, obj: TracedObject, *, status: int = 200,
                 error: ServiceError | None = None, language: str | None = None,
                 **form_overrides: Any) -> HttpResponse:
    user = request.user
    language = language or _language(request)
    is_investigator = has_role(user, INVESTIGATOR)
    is_reviewer = has_role(user, REVIEWER)
    have = set(obj.texts.values_list("language", flat=True))
    context: dict[str, Any] = {
        "obj": obj,
        "language": language,
        "language_name": LANGUAGE_NAMES.get(language, language),
        "title": ObjectText.objects.filter(object=obj, language="en")
        .values_list("title", flat=True).first() or "",
        "text_tabs": sorted(((code, name) for code, name in settings.LANGUAGES
                             if code in have or code == language),
                            key=lambda item: item[0] != "en"),
        "other_languages": [(code, name) for code, name in settings.LANGUAGES
                            if code not in have],
        "texts_form": _text_form(obj, language),
        "settings_form": forms.SettingsForm(initial={
            "category": obj.category, "campaign": obj.campaign_id, "position": obj.position}),
        "upload_form": forms.UploadForm(),
        "approval": _approval(obj, form_overrides.get("approve_form")),
        "reject_form": forms.RejectForm(),
        "withdraw_form": forms.ReasonForm(),
        "identified_form": forms.IdentifiedForm(initial={"country": obj.identified_country}),
        "images": [_image_info(obj, i) for i in obj.images.select_related("added_by")],
        "reviews": obj.reviews.select_related("user"),
        "problems": staff_selectors.object_problems(obj=obj),
        "conflict": staff_selectors.approval_conflict(obj=obj, user=user),
        "provenance": staff_selectors.object_provenance(obj=obj),
        # where else the object was seen (same-object search): investigators only
        "sightings": object_sightings(obj=obj, user=user),
        "error": error,
        "findings": getattr(error, "findings", None),
        "is_investigator": is_investigator,
        "is_reviewer": is_reviewer,
        "can_edit": is_investigator and obj.status in catalog.EDITABLE_STATES,
        "can_change_images": is_investigator and obj.status in catalog.IMAGE_EDITABLE_STATES,
        "can_submit": is_investigator and obj.status == ObjectStatus.DRAFT,
        "can_review": is_reviewer and obj.status == ObjectStatus.IN_REVIEW,
        "can_withdraw": (is_investigator or is_reviewer) and obj.status in (
            ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED),
        "can_identify": (is_investigator or is_reviewer) and obj.status in (
            ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED),
        "is_public": obj.status in (ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED),
        "public_url": _public_url(obj.ref),
    }
    context.update(form_overrides)
    return render(request, "internal/catalog/object_detail.html", context, status=status)


@never_cache
@require_safe
@role_required(INVESTIGATOR, REVIEWER)
def object_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _object_page(request, _get(ref))


def _done(request: HttpRequest, obj: TracedObject, message: str,
          language: str | None = None) -> HttpResponse:
    messages.success(request, message)
    if request.POST.get("next") == "review":
        return redirect("internal:review-queue")
    url = reverse("internal:object", args=[obj.ref])
    return redirect(f"{url}?lang={language}" if language and language != "en" else url)


def _act(request: HttpRequest, ref: str, call: Callable[[TracedObject], Any], message: str,
         ) -> HttpResponse:
    obj = _get(ref)
    try:
        call(obj)
    except ServiceError as exc:
        obj.refresh_from_db()
        return _object_page(request, obj, error=exc, status=exc.status)
    return _done(request, obj, message)


def _invalid(request: HttpRequest, ref: str, **form_overrides: Any) -> HttpResponse:
    return _object_page(request, _get(ref), status=400, **form_overrides)


@require_POST
@role_required(INVESTIGATOR)
def object_texts(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.TextsForm(request.POST)
    if not form.is_valid():
        language = request.POST.get("language", "en")
        return _invalid(request, ref, texts_form=form,
                        language=language if language in ui_language_codes() else "en")
    language = form.cleaned_data["language"]
    obj = _get(ref)
    try:
        catalog.object_texts_set(obj=obj, user=request.user, texts=form.texts())
    except ServiceError as exc:
        for name, problem in exc.fields.items():
            if name in form.fields:
                form.add_error(name, problem)
        return _object_page(request, obj, error=exc, status=exc.status, texts_form=form,
                            language=language)
    return _done(request, obj, _("Texts saved (%(lang)s).") % {"lang": language}, language)


@require_POST
@role_required(INVESTIGATOR)
def object_settings(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.SettingsForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ref, settings_form=form)
    data = form.cleaned_data
    return _act(request, ref, lambda obj: catalog.object_update(
        obj=obj, user=request.user, category=data["category"], campaign=data["campaign"],
        position=data["position"]), _("Saved."))


@csrf_exempt  # the body's size is checked before it is read; the CSRF check follows
@require_POST
@role_required(INVESTIGATOR)
def object_image_upload(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > catalog.MAX_UPLOAD_BYTES + UPLOAD_BODY_MARGIN:
        error = ServiceError("too_large", _("A picture may have at most %(n)s MiB.")
                             % {"n": catalog.MAX_UPLOAD_BYTES // (1024 * 1024)}, status=413)
        return _object_page(request, _get(ref), error=error, status=413)
    return _upload(request, ref)


@csrf_protect
def _upload(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, ref, upload_form=form)
    upload = form.cleaned_data["image"]
    data = upload.read(catalog.MAX_UPLOAD_BYTES + 1)
    return _act(request, ref, lambda obj: catalog.object_image_upload(
        obj=obj, user=request.user, data=data, filename=upload.name), _("Picture added."))


def _image(obj: TracedObject, pk: int) -> ObjectImage:
    return get_object_or_404(ObjectImage, pk=pk, object=obj)


@require_POST
@role_required(INVESTIGATOR)
def object_image_remove(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    return _act(request, ref, lambda obj: catalog.object_image_remove(
        obj=obj, user=request.user, image=_image(obj, pk)), _("Picture removed."))


@require_POST
@role_required(INVESTIGATOR)
def object_image_move(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ref)
    return _act(request, ref, lambda obj: catalog.object_image_move(
        obj=obj, user=request.user, image=_image(obj, pk), offset=form.cleaned_data["offset"]),
        _("Pictures reordered."))


@require_safe
@role_required(INVESTIGATOR, REVIEWER)
def object_image(request: HttpRequest, ref: str, pk: int, width: int) -> FileResponse:
    """A rendition of an object's picture in any state (drafts are not served publicly)."""
    image = _image(_get(ref), pk)
    key = f"{image.folder}/{width}.jpg"
    if width not in image.widths or not default_storage.exists(key):
        raise Http404
    response = FileResponse(default_storage.open(key), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(INVESTIGATOR)
def object_submit(request: HttpRequest, ref: str) -> HttpResponse:
    return _act(request, ref, lambda obj: catalog.object_submit(obj=obj, user=request.user),
                _("Submitted for review."))


@require_POST
@role_required(REVIEWER)
def object_approve(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.ApproveForm(request.POST)
    obj = _get(ref)
    if not form.is_valid():
        error = ServiceError("invalid", " ".join(
            str(e) for errors in form.errors.values() for e in errors))
        return _object_page(request, obj, status=400, error=error, approve_form=form)
    data = form.cleaned_data
    try:
        catalog.object_approve(obj=obj, user=request.user, comment=data["comment"],
                               checklist=data["checklist"],
                               english_fallback=data["english_fallback"])
    except ServiceError as exc:
        obj.refresh_from_db()
        return _object_page(request, obj, error=exc, status=exc.status, approve_form=form)
    return _done(request, obj, _("Approved: the object is published."))


@require_POST
@role_required(REVIEWER)
def object_reject(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ref, reject_form=form)
    return _act(request, ref, lambda obj: catalog.object_reject(
        obj=obj, user=request.user, comment=form.cleaned_data["comment"]),
        _("Sent back to draft."))


@require_POST
@role_required(INVESTIGATOR, REVIEWER)
def object_withdraw(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ref, withdraw_form=form)
    return _act(request, ref, lambda obj: catalog.object_withdraw(
        obj=obj, user=request.user, reason=form.cleaned_data["reason"]),
        _("Withdrawn: the object is no longer public."))


@require_POST
@role_required(INVESTIGATOR, REVIEWER)
def object_identified(request: HttpRequest, ref: str) -> HttpResponse:
    form = forms.IdentifiedForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ref, identified_form=form)
    note = form.cleaned_data["thank_you"]
    return _act(request, ref, lambda obj: catalog.object_mark_identified(
        obj=obj, user=request.user, country=form.cleaned_data["country"],
        thank_you={"en": note} if note else None), _("Marked identified."))


def _public_url(ref: str) -> str:
    """Where the public sees the object: this process's own public page (role all), else the
    edge's address (TRACEOBJECT_PUBLIC_BASE_URL) when it is set."""
    try:
        return reverse("public:object", args=[ref])
    except NoReverseMatch:
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        return f"{base}/en/objects/{ref}/" if base else ""


# --------------------------------------------------------------------------- review queue


@never_cache
@require_safe
@role_required(REVIEWER)
def review_queue(request: HttpRequest) -> HttpResponse:
    items = []
    for obj in staff_selectors.review_queue():
        items.append({
            "obj": obj,
            "preview": staff_selectors.object_preview(obj=obj),
            "images": [_image_info(obj, i) for i in obj.images.select_related("added_by")],
            "languages": list(obj.texts.values_list("language", flat=True)),
            "provenance": staff_selectors.object_provenance(obj=obj),
            "problems": staff_selectors.object_problems(obj=obj),
            "conflict": staff_selectors.approval_conflict(obj=obj, user=request.user),
            "reviews": obj.reviews.select_related("user"),
            "approval": _approval(obj),
        })
    return render(request, "internal/catalog/review_queue.html", {
        "items": items,
        "is_investigator": has_role(request.user, INVESTIGATOR),
    })


# --------------------------------------------------------------------------- campaigns


def _campaign_rows() -> list[dict[str, Any]]:
    rows = []
    campaigns = Campaign.objects.annotate(n=Count("traced_objects")).order_by("position", "id")
    for campaign in campaigns:
        if not campaign.is_public:
            state = _("not launched")
        elif selectors.campaign_has_ended(campaign):
            state = _("ended")
        else:
            state = _("running")
        rows.append({"campaign": campaign, "state": state,
                     "ended": selectors.campaign_has_ended(campaign),
                     "name": campaign.names.get("en", campaign.slug)})
    return rows


@never_cache
@require_safe
@role_required(ADMINISTRATOR)
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(request, "internal/catalog/campaign_list.html", {
        "rows": _campaign_rows(), "end_form": forms.EndForm()})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ADMINISTRATOR)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = forms.NewCampaignForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = catalog.campaign_create(
                    user=request.user, slug=data["slug"], names={"en": data["name"]},
                    descriptions={"en": data["description"]}, is_public=False,
                    position=Campaign.objects.count())
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Campaign created; launch it when it is ready."))
                return redirect("internal:campaign", slug=campaign.slug)
        return render(request, "internal/catalog/campaign_new.html", {"form": form}, status=400)
    return render(request, "internal/catalog/campaign_new.html", {"form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ADMINISTRATOR)
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    language = _language(request)
    status = 200
    if request.method == "POST":
        form = forms.CampaignForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["language"]
            names, descriptions = dict(campaign.names), dict(campaign.descriptions)
            names[language] = form.cleaned_data["name"]
            descriptions[language] = form.cleaned_data["description"]
            try:
                catalog.campaign_update(campaign=campaign, user=request.user, names=names,
                                        descriptions=descriptions)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                campaign.refresh_from_db()
            else:
                messages.success(request, _("Saved."))
                url = reverse("internal:campaign", args=[campaign.slug])
                return redirect(f"{url}?lang={language}")
        status = 400
    else:
        form = forms.CampaignForm(initial={
            "language": language, "name": campaign.names.get(language, ""),
            "description": campaign.descriptions.get(language, "")})
    return render(request, "internal/catalog/campaign_edit.html", {
        "campaign": campaign, "form": form, "language": language,
        "language_name": LANGUAGE_NAMES.get(language, language),
        "languages": settings.LANGUAGES, "end_form": forms.EndForm(),
        "ended": selectors.campaign_has_ended(campaign),
    }, status=status)


def _campaign_act(request: HttpRequest, slug: str, call: Callable[[Campaign], Any],
                  message: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    try:
        call(campaign)
    except ServiceError as exc:
        return render(request, "internal/catalog/campaign_list.html", {
            "rows": _campaign_rows(), "end_form": forms.EndForm(), "error": exc.message,
        }, status=exc.status)
    messages.success(request, message)
    return redirect("internal:campaigns")


@require_POST
@role_required(ADMINISTRATOR)
def campaign_launch(request: HttpRequest, slug: str) -> HttpResponse:
    return _campaign_act(request, slug, lambda c: catalog.campaign_launch(
        campaign=c, user=request.user), _("Campaign launched."))


@require_POST
@role_required(ADMINISTRATOR)
def campaign_end(request: HttpRequest, slug: str) -> HttpResponse:
    form = forms.EndForm(request.POST)
    if not form.is_valid():
        return _campaign_act(request, slug, lambda c: _raise(
            ServiceError("invalid", _("Give a valid date."))), "")
    return _campaign_act(request, slug, lambda c: catalog.campaign_end(
        campaign=c, user=request.user, on=form.cleaned_data["ends_on"]), _("Campaign ended."))


@require_POST
@role_required(ADMINISTRATOR)
def campaign_move(request: HttpRequest, slug: str) -> HttpResponse:
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return _campaign_act(request, slug, lambda c: _raise(
            ServiceError("invalid", _("Move by one place up or down."))), "")
    return _campaign_act(request, slug, lambda c: catalog.campaign_move(
        campaign=c, user=request.user, offset=form.cleaned_data["offset"]),
        _("Campaigns reordered."))


def _raise(error: ServiceError) -> None:
    raise error
