"""Public pages: they translate requests into selector/service calls and render the result."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from traceobject.catalog import selectors
from traceobject.catalog.models import (
    IMAGE_FOLDER_PATTERN,
    RENDITION_FORMATS,
    Category,
    ObjectStatus,
)
from traceobject.core import crypto
from traceobject.core.errors import NotFound, RateLimited, ServiceError, error_body
from traceobject.core.pagecache import cached_public_page
from traceobject.core.ratelimit import ratelimit_hit
from traceobject.public import views_site
from traceobject.public.forms import ReceiptForm, ReplyForm, TipForm
from traceobject.tips import intake


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        return 1


@require_safe
@cached_public_page
def gallery(request: HttpRequest) -> HttpResponse:
    language = _language()
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    campaigns = selectors.campaign_list(language=language)
    campaign = request.GET.get("campaign") or None
    if campaign not in {c.slug for c in campaigns}:
        campaign = None
    page = selectors.object_list(
        language=language, category=category, campaign=campaign, page=_page_number(request)
    )
    return render(request, "public/gallery.html", {
        "page": page, "categories": Category.choices, "campaigns": campaigns,
        "category": category, "campaign": campaign,
    })


@require_safe
@cached_public_page
def object_detail(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        obj = selectors.object_get(ref=ref, language=_language())
    except NotFound:
        raise Http404(ref)
    response = render(request, "public/object.html", {
        "object": obj, "share": views_site.share_card(request, obj)})
    patch_vary_headers(response, ["Cookie"])  # the emergency number of the visitor's country
    return response


def _rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = render(request, "public/error.html", {
        "title": _("Please wait a moment"), "message": error.message,
    }, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def tip_form(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        obj = selectors.object_get(ref=ref, language=_language())
    except NotFound:
        raise Http404(ref)
    if request.method != "POST":
        return render(request, "public/tip_form.html", {"object": obj, "form": TipForm()})
    try:
        ratelimit_hit(request, "tip")
    except RateLimited as error:
        return _rate_limited(request, error)
    form = TipForm(request.POST)
    if form.is_bot:
        # Bots get what they expect and nothing is stored.
        return _receipt_page(request, obj, crypto.receipt_new())
    if form.is_valid():
        try:
            receipt = intake.tip_submit(
                ref=obj.ref, tip=form.cleaned_data["tip"],
                receipt=form.cleaned_data.get("receipt") or None,
            )
        except NotFound as error:
            form.add_error("receipt", error.message)
        else:
            return _receipt_page(request, obj, receipt)
    return render(request, "public/tip_form.html", {"object": obj, "form": form}, status=400)


def _receipt_page(request: HttpRequest, obj: selectors.ObjectView, receipt: str) -> HttpResponse:
    response = render(request, "public/tip_received.html", {"object": obj, "receipt": receipt})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "public/mailbox_login.html", {"form": ReceiptForm()})
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return render(request, "public/mailbox_login.html", {"form": form}, status=400)
    return _mailbox_page(request, form.cleaned_data["receipt"], form)


def _mailbox_page(request: HttpRequest, receipt: str, form: Any,
                  reply_form: ReplyForm | None = None, sent: bool = False) -> HttpResponse:
    try:
        ratelimit_hit(request, "receipt")
        box = intake.mailbox_open(receipt=receipt)
    except RateLimited as error:
        return _rate_limited(request, error)
    except NotFound as error:
        form.add_error(None, error.message)
        return render(request, "public/mailbox_login.html", {"form": ReceiptForm(request.POST)
                      if not isinstance(form, ReceiptForm) else form, "error": error.message},
                      status=404)
    language = _language()
    titles = {}
    for tip in box.tips:
        if tip.ref not in titles:
            try:
                titles[tip.ref] = selectors.object_get(ref=tip.ref, language=language).title
            except NotFound:
                titles[tip.ref] = tip.ref
    normalized = crypto.receipt_normalize(receipt)
    return render(request, "public/mailbox.html", {
        "box": box, "titles": titles,
        "reply_form": reply_form or ReplyForm(initial={"receipt": normalized}),
        "sent": sent,
    })


@never_cache
@require_http_methods(["POST"])
def mailbox_reply(request: HttpRequest) -> HttpResponse:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        receipt = str(request.POST.get("receipt", ""))
        return _mailbox_page(request, receipt, ReceiptForm(), reply_form=form)
    try:
        ratelimit_hit(request, "tip")
        intake.mailbox_reply(receipt=form.cleaned_data["receipt"], text=form.cleaned_data["text"])
    except RateLimited as error:
        return _rate_limited(request, error)
    except ServiceError as error:
        for name, message in error.fields.items():
            form.add_error(name if name in form.fields else None, message)
        if not error.fields:
            form.add_error(None, error.message)
        return _mailbox_page(request, form.cleaned_data["receipt"], ReceiptForm(),
                             reply_form=form)
    return _mailbox_page(request, form.cleaned_data["receipt"], ReceiptForm(), sent=True)


@require_safe
@cached_public_page
def identified(request: HttpRequest) -> HttpResponse:
    page = selectors.object_list(
        language=_language(), status=ObjectStatus.IDENTIFIED, page=_page_number(request)
    )
    return render(request, "public/identified.html", {"page": page})


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "public/statistics.html", {"stats": selectors.statistics()})


_MEDIA_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}
MEDIA_BROWSER_MAX_AGE = 3600
# objects/<reference>/<random folder>/<width>.<jpg|webp>: nothing else is ever served.
_MEDIA_PATH = re.compile(
    rf"^({IMAGE_FOLDER_PATTERN})/\d{{1,5}}\.({'|'.join(RENDITION_FORMATS)})$")


@require_safe
def public_media(request: HttpRequest, path: str) -> FileResponse:
    """Published object images (and nothing else) from the public media store (a folder or a
    bucket). A withdrawn object's pictures stop being served at once; a CDN in front keeps a
    copy for TRACEOBJECT_MEDIA_SHARED_MAX_AGE seconds at most (s-maxage, default 5 minutes;
    the purge hook, core/cdn.py, can make it forget them at once), browsers for an hour."""
    match = _MEDIA_PATH.match(path)
    if match is None:
        raise Http404(path)
    folder, suffix = match.groups()
    if not selectors.image_folder_is_public(folder=folder):
        raise Http404(path)  # drafts and withdrawn objects are not served
    try:
        handle = default_storage.open(path, "rb")
    except (FileNotFoundError, OSError):
        raise Http404(path) from None
    response = FileResponse(handle, content_type=_MEDIA_TYPES[suffix])
    patch_cache_control(response, public=True, max_age=MEDIA_BROWSER_MAX_AGE,
                        s_maxage=settings.MEDIA_SHARED_MAX_AGE)
    return response


# Error pages: JSON in the one error shape under /api/, a localized page elsewhere.

def _error(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    # The core serves no public page to link back to: its error page is the back office's.
    template = "internal/error.html" if settings.ROLE == "core" else "public/error.html"
    return render(request, template, {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "bad_request", _("Bad request"),
                  _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "forbidden", _("Not allowed"),
                  _("You are not allowed to do this."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", _("Page not found"),
                  _("There is nothing at this address. The object may have been withdrawn."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "server_error", _("Something went wrong"),
                  _("An error occurred on our side. Please try again later."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "csrf_failed", _("Form expired"),
                  _("The form was open too long or cookies are blocked. Go back, reload the "
                    "page and send it again."))




