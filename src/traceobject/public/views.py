"""Public pages: they translate requests into selector/service calls and render the result."""

from __future__ import annotations

import contextlib
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signing import BadSignature
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, get_language_info
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
from traceobject.core.reference import country_name
from traceobject.public import views_site
from traceobject.public.forms import ReceiptForm, ReceiptNotedForm, ReplyForm, TipForm
from traceobject.tips import intake, once


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


# Nothing twice (tips.once). Every form that stores something carries a one-time token and is
# answered with a redirect (post/redirect/get): a reload shows the answer again, and a resubmitted
# or double-clicked form finds its token and stores nothing. The token counts together with this
# browser's own secret, a cookie set with the form: another browser holding the token finds
# nothing, and the database alone opens no answer.

FORM_COOKIE = "traceobject_form"
_FORM_COOKIE_SALT = "traceobject.public.form-cookie"
# A receipt is shown again to the browser that sent the tip until it is noted down, for
# once.receipt_shown_for() at most; a mailbox opened stays open (reloads, answers) for
# once.mailbox_open_for() (settings: TRACEOBJECT_RECEIPT_SHOWN_MINUTES, ..._MAILBOX_OPEN_MINUTES).


def _browser_secret(request: HttpRequest) -> str | None:
    try:
        value = request.get_signed_cookie(FORM_COOKIE, salt=_FORM_COOKIE_SALT)
    except (KeyError, BadSignature):
        return None
    return value if value and 32 <= len(value) <= 64 else None


def _keep_browser_secret(response: HttpResponse, secret: str, *, new: bool) -> HttpResponse:
    """Give the browser its secret (a cookie for the browser session, for this site's own
    requests only, never readable by scripts)."""
    if new:
        response.set_signed_cookie(
            FORM_COOKIE, secret, salt=_FORM_COOKIE_SALT, httponly=True, samesite="Lax",
            secure=settings.CSRF_COOKIE_SECURE, path="/")
    return response


def _form_page(request: HttpRequest, template: str, context: dict[str, Any],
               status: int = 200) -> HttpResponse:
    """A page with forms that store something: the browser gets its secret if it has none."""
    secret = _browser_secret(request)
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return _keep_browser_secret(response, secret or once.browser_secret_new(),
                                new=secret is None)


def _posted_claim(request: HttpRequest, scope: str) -> tuple[once.Claim | None, str | None]:
    """The claim of the form token in a POST (None if the token is missing, forged or out of
    date, or the browser sent no secret) and the token's random part (the answer's address)."""
    handle = once.form_token_check(request.POST.get("form_token"))
    secret = _browser_secret(request)
    if handle is None or secret is None:
        return None, None
    return once.form_claim(scope=scope, secret=secret, handle=handle), handle


def _token_again(request: HttpRequest) -> str:
    """The token to draw a form with again after an error: the one sent if it is still good
    (nothing was stored with it), else a new one."""
    token = request.POST.get("form_token", "")
    return token if once.form_token_check(token) else once.form_token_new()


def _out_of_date(request: HttpRequest) -> str:
    if _browser_secret(request) is None:
        return _cookies_needed()
    return _("This form is out of date (it was open a long time, or cookies are blocked). "
             "Check it and send it again.")


def _cookies_needed() -> str:
    return _("Your browser did not send back this site's cookies, which this form needs. Allow "
             "cookies for this site, then send the form again.")


def _same_origin(request: HttpRequest) -> bool:
    """A post this site's own page sent (never another site's form)."""
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    origin = request.headers.get("Origin")
    return bool(origin) and origin == f"{request.scheme}://{request.get_host()}"


_TIP_FIELDS = ("text", "country", "place", "seen_when", "contact_email", "receipt")


def _tip_form_again(request: HttpRequest, ref: str) -> HttpResponse:
    """The tip form refused for want of cookies (CSRF protection, the one-time token): drawn
    again with what the tipster wrote (from the refused post itself: nothing is stored) and
    what the form needs and why."""
    try:
        obj = selectors.object_get(ref=ref, language=_language())
    except NotFound:
        raise Http404(ref)
    form = TipForm()
    initial = {}
    for name in _TIP_FIELDS:
        value = request.POST.get(name, "")
        limit = getattr(form.fields[name], "max_length", None) or 10_000
        if isinstance(value, str) and value:
            initial[name] = value[:limit]
    return _form_page(request, "public/tip_form.html", {
        "object": obj, "form": TipForm(initial=initial), "form_token": once.form_token_new(),
        "cookies_needed": True}, status=403)


class _SeeOther(HttpResponseRedirect):
    status_code = 303  # "see the answer there, with GET", whatever the method was


def _see_other(url: str) -> HttpResponse:
    response = _SeeOther(url)
    response["Cache-Control"] = "no-store"
    return response


def _now_text() -> str:
    return timezone.now().isoformat()


def _within(body: dict[str, Any], period: timedelta) -> bool:
    at = parse_datetime(str(body.get("at", "")))
    return at is not None and timezone.now() - at <= period


# The tip form, the receipt


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def tip_form(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        obj = selectors.object_get(ref=ref, language=_language())
    except NotFound:
        raise Http404(ref)
    if request.method != "POST":
        return _form_page(request, "public/tip_form.html", {
            "object": obj, "form": TipForm(), "form_token": once.form_token_new()})
    try:
        ratelimit_hit(request, "tip")
    except RateLimited as error:
        return _rate_limited(request, error)
    form = TipForm(request.POST)
    if form.is_bot:
        # Bots get what they expect and nothing is stored.
        return _receipt_page(request, obj, crypto.receipt_new(), handle=once.view_handle_new())
    claim, handle = _posted_claim(request, "tip")
    if claim is not None and once.find(claim) is not None:
        return _see_other(reverse("public:receipt", args=[handle]))  # sent before
    if form.is_valid() and claim is None:
        form.add_error(None, _out_of_date(request))
    elif form.is_valid():
        assert claim is not None and handle is not None
        try:
            intake.tip_submit(
                ref=obj.ref, tip=form.cleaned_data["tip"],
                receipt=form.cleaned_data.get("receipt") or None,
                once=once.Pending(claim=claim, status=201, body={"at": _now_text()}),
            )
        except NotFound as error:
            form.add_error("receipt", error.message)
        except once.Taken:  # the same form, sent twice at once: the first one stored it
            return _see_other(reverse("public:receipt", args=[handle]))
        else:
            return _see_other(reverse("public:receipt", args=[handle]))
    return _form_page(request, "public/tip_form.html", {
        "object": obj, "form": form, "form_token": _token_again(request)}, status=400)


def _receipt_page(request: HttpRequest, obj: selectors.ObjectView | None, receipt: str, *,
                  handle: str, noted_form: ReceiptNotedForm | None = None,
                  status: int = 200) -> HttpResponse:
    return _form_page(request, "public/tip_received.html", {
        "object": obj, "receipt": receipt, "handle": handle,
        "noted_form": noted_form or ReceiptNotedForm(),
        "mailbox_token": once.form_token_new(),
    }, status=status)


def _receipt_claim(request: HttpRequest, handle: str) -> once.Claim | None:
    secret = _browser_secret(request)
    if secret is None or once.handle_check(handle) is None:
        return None
    return once.form_claim(scope="tip", secret=secret, handle=handle)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def receipt(request: HttpRequest, handle: str) -> HttpResponse:
    """The answer to a tip sent with the form: the receipt, shown to the browser that sent
    it until it is noted down (at most once.receipt_shown_for()), and to no one else."""
    claim = _receipt_claim(request, handle)
    found = once.find(claim) if claim is not None else None
    body = found.body if found is not None else None
    shown = (body is not None and isinstance(body.get("receipt"), str)
             and _within(body, once.receipt_shown_for()))
    if request.method == "POST":
        noted = ReceiptNotedForm(request.POST)
        if noted.is_valid() or not shown:
            if claim is not None:
                once.forget_answer(claim)
            return _see_other(reverse("public:gallery"))
    if not shown or body is None:
        response = render(request, "public/receipt_gone.html", {
            "sent": found is not None}, status=404 if found is None else 410)
        response["Cache-Control"] = "no-store"
        return response
    try:
        obj: selectors.ObjectView | None = selectors.object_get(
            ref=str(body.get("ref", "")), language=_language())
    except NotFound:  # withdrawn meanwhile: the receipt still opens the mailbox
        obj = None
    if request.method == "POST":
        return _receipt_page(request, obj, body["receipt"], handle=handle, noted_form=noted,
                             status=400)
    return _receipt_page(request, obj, body["receipt"], handle=handle)


# The mailbox


def _time_zone(value: Any) -> str:
    """A time zone the browser named (its script fills it in), or "" for UTC."""
    if isinstance(value, str) and value in _time_zones() and value != "UTC":
        return value
    return ""


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox(request: HttpRequest) -> HttpResponse:
    """Open the mailbox with a receipt: answered with a redirect to the mailbox's page (for
    this browser, for once.mailbox_open_for()), so that the receipt is not posted again by a
    reload, and is never in an address."""
    if request.method != "POST":
        return _login_page(request, ReceiptForm())
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form, status=400)
    try:
        ratelimit_hit(request, "receipt")
        normalized = intake.receipt_check(receipt=form.cleaned_data["receipt"])
    except RateLimited as error:
        return _rate_limited(request, error)
    except NotFound as error:
        return _login_page(request, form, error=error.message, status=404)
    # Opening changes nothing: a token that is missing or out of date is replaced.
    handle = once.form_token_check(request.POST.get("form_token")) or once.view_handle_new()
    secret = _browser_secret(request)
    browser = secret or once.browser_secret_new()
    claim = once.form_claim(scope="mailbox", secret=browser, handle=handle)
    # Taken: the same form sent again, and that mailbox page is there already.
    with contextlib.suppress(once.Taken):
        intake.once_record(claim, status=200, body={
            "receipt": normalized, "at": _now_text(), "tz": _time_zone(request.POST.get("tz"))})
    response = _see_other(reverse("public:mailbox-open", args=[handle]))
    return _keep_browser_secret(response, browser, new=secret is None)


def _login_page(request: HttpRequest, form: ReceiptForm, *, error: str = "",
                notice: str = "", status: int = 200) -> HttpResponse:
    return _form_page(request, "public/mailbox_login.html", {
        "form": form, "error": error, "notice": notice,
        "form_token": once.form_token_new()}, status=status)


def _mailbox_view(request: HttpRequest, handle: str) -> dict[str, Any] | None:
    """What this browser's mailbox page `handle` holds (receipt, time zone, whether an answer
    was just sent), or None when there is no such page here or it was closed."""
    secret = _browser_secret(request)
    if secret is None or once.handle_check(handle) is None:
        return None
    found = once.find(once.form_claim(scope="mailbox", secret=secret, handle=handle))
    body = found.body if found is not None else None
    if body is None or not isinstance(body.get("receipt"), str):
        return None
    return body if _within(body, once.mailbox_open_for()) else None


@never_cache
@require_safe
def mailbox_open(request: HttpRequest, handle: str) -> HttpResponse:
    view = _mailbox_view(request, handle)
    if view is None:
        return _login_page(request, ReceiptForm(), notice=_(
            "Your mailbox was closed after a while, to protect you. Enter your receipt to open "
            "it again."))
    return _mailbox_page(request, view["receipt"], time_zone=view.get("tz", ""),
                         sent=bool(view.get("sent")), show_own=request.GET.get("show") == "own")


@dataclass
class _Thread:
    """One of the tipster's tips on the mailbox page: its messages and its answer form."""

    tip: intake.MailboxTip | None
    title: str
    messages: list[dict[str, Any]]
    form: ReplyForm
    form_token: str


def _language_names() -> dict[str, str]:
    return {code: str(get_language_info(code)["name_translated"])
            for code, _name in settings.LANGUAGES}


def _mailbox_page(request: HttpRequest, receipt: str, *, time_zone: str = "",
                  sent: bool = False, show_own: bool = False,
                  reply_form: ReplyForm | None = None, status: int = 200) -> HttpResponse:
    try:
        box = intake.mailbox_open(receipt=receipt)
    except NotFound as error:
        return _login_page(request, ReceiptForm(), error=error.message, status=404)
    language = _language()
    names = _language_names()
    titles: dict[str, str] = {}
    for tip in box.tips:
        if tip.ref not in titles:
            try:
                titles[tip.ref] = selectors.object_get(ref=tip.ref, language=language).title
            except NotFound:
                titles[tip.ref] = ""
    normalized = crypto.receipt_normalize(receipt) or ""
    failed_tip = reply_form.data.get("tip") if reply_form is not None else None

    def entries(number: int | None) -> list[dict[str, Any]]:
        return [{"m": m, "other_language": names.get(m.language, "")
                 if m.language and m.language != language else "",
                 "country": country_name(m.details["country"], language)
                 if m.details.get("country") else ""}
                for m in box.thread(number)]

    def form_for(number: int | None) -> ReplyForm:
        if reply_form is not None and str(failed_tip or "") == str(number or ""):
            return reply_form
        return ReplyForm(initial={"receipt": normalized, "tip": number},
                         auto_id=f"id_tip{number or 0}_%s")

    threads = [_Thread(tip=t, title=titles.get(t.ref, ""), messages=entries(t.number),
                       form=form_for(t.number), form_token=once.form_token_new())
               for t in box.tips]
    loose = [m for m in box.messages if m.tip is None]
    if loose:
        threads.append(_Thread(tip=None, title="", messages=entries(None),
                               form=form_for(None), form_token=once.form_token_new()))
    # The errors of an answer form that is not on the page (its tip is not this mailbox's).
    unplaced = ([str(e) for errors in reply_form.errors.values() for e in errors]
                if reply_form is not None and not any(t.form is reply_form for t in threads)
                else [])
    zone = ZoneInfo(time_zone) if time_zone else UTC
    with timezone.override(zone):
        return _form_page(request, "public/mailbox.html", {
            "box": box, "titles": titles, "threads": threads, "sent": sent,
            "show_own": show_own, "time_zone": time_zone or "UTC", "tz_value": time_zone,
            "unplaced_errors": unplaced,
        }, status=status)


@never_cache
@require_http_methods(["POST"])
def mailbox_reply(request: HttpRequest) -> HttpResponse:
    """An answer or an addition from the mailbox: stored once, then the mailbox page again
    (through a redirect: a reload sends nothing)."""
    form = ReplyForm(request.POST, auto_id=f"id_tip{request.POST.get('tip') or 0}_%s")
    receipt = str(request.POST.get("receipt", ""))
    time_zone = _time_zone(request.POST.get("tz"))
    claim, handle = _posted_claim(request, "mailbox")
    if claim is not None and once.find(claim) is not None:
        return _see_other(reverse("public:mailbox-open", args=[handle]))  # sent before
    if not form.is_valid():
        return _mailbox_page(request, receipt, time_zone=time_zone, reply_form=form,
                             status=400)
    if claim is None:
        form.add_error(None, _out_of_date(request))
        return _mailbox_page(request, receipt, time_zone=time_zone, reply_form=form,
                             status=400)
    assert handle is not None
    try:
        ratelimit_hit(request, "tip")
        normalized = intake.receipt_check(receipt=form.cleaned_data["receipt"])
        intake.mailbox_reply(
            receipt=normalized, text=form.cleaned_data["text"],
            tip=form.cleaned_data.get("tip"), language=_language(),
            once=once.Pending(claim=claim, status=200, body={
                "receipt": normalized, "at": _now_text(), "tz": time_zone, "sent": True}))
    except RateLimited as error:
        return _rate_limited(request, error)
    except once.Taken:  # the same answer, sent twice at once: the first one stored it
        pass
    except ServiceError as error:
        for name, message in error.fields.items():  # the hidden fields' errors on top
            form.add_error(name if name == "text" else None, message)
        if not error.fields:
            form.add_error(None, error.message)
        return _mailbox_page(request, receipt, time_zone=time_zone, reply_form=form,
                             status=400)
    return _see_other(reverse("public:mailbox-open", args=[handle]))


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
    if reason == REASON_NO_CSRF_COOKIE and not request.path.startswith("/api/"):
        # Cookies blocked (or cleared since the form was drawn). The tip form is shown again
        # with what was typed, to the site's own page only: another site's post gets nothing.
        match = request.resolver_match
        if (match is not None and match.view_name == "public:tip" and request.method == "POST"
                and _same_origin(request) and settings.ROLE != "core"):
            return _tip_form_again(request, str(match.kwargs.get("ref", "")))
        return _error(request, 403, "csrf_failed", _("Cookies are needed to send this form"),
                      _cookies_needed())
    return _error(request, 403, "csrf_failed", _("Form expired"),
                  _("The form was open too long or cookies are blocked. Go back, reload the "
                    "page and send it again."))




