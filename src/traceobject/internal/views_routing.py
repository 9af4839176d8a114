"""Back-office pages of routing: forwarding tips to national authorities (investigators), the
forwardings list and packages (investigators, administrators, auditors), and the liaison
officers' pages (their own Authority's packages only; anything else is "not found")."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from traceobject.accounts.reauth import (
    reauth_is_fresh,
    reauth_required,
    reauth_url,
    safe_next,
)
from traceobject.accounts.roles import (
    ADMINISTRATOR,
    AUDITOR,
    INVESTIGATOR,
    LIAISON,
    has_role,
    role_required,
)
from traceobject.catalog.selectors import image_view
from traceobject.core.errors import NotFound, ServiceError
from traceobject.internal.forms_routing import (
    ForwardingFilterForm,
    ForwardingForm,
    InvestigatorAnswerForm,
    LiaisonQuestionForm,
    OutcomeForm,
)
from traceobject.routing import package as packages
from traceobject.routing import selectors, services
from traceobject.routing.models import (
    TO_LIAISON,
    Authority,
    Forwarding,
    ForwardingState,
    MessageKind,
)

STAFF = (INVESTIGATOR, ADMINISTRATOR, AUDITOR)
PAGE_SIZE = 50
_ID = re.compile(r"^\d{1,18}$")
_CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                  "json": "application/json"}


def _visible(request: HttpRequest, ref: str) -> Forwarding:
    try:
        return selectors.forwarding_get(user=request.user, ref=ref)
    except NotFound:
        raise Http404("No such forwarding.")


def _package_context(forwarding: Forwarding) -> dict[str, Any]:
    return packages.package_context(forwarding.package)


# Investigators: choosing tips, previewing and sending a forwarding


class _Selection:
    """The tips named in the query string (?tip=1&tip=2 or ?cluster=3) and what is wrong."""

    def __init__(self, request: HttpRequest) -> None:
        from traceobject.tips.models import CLOSED_STATES, Tip, TipCluster

        self.errors: list[str] = []
        self.tips: list[Any] = []
        self.cluster: Any = None
        raw_ids = request.GET.getlist("tip")
        raw_cluster = request.GET.get("cluster", "")
        if len(raw_ids) > services.TIPS_MAX:
            self.errors.append(f"At most {services.TIPS_MAX} tips go into one forwarding.")
            return
        if not all(_ID.match(value) for value in raw_ids) or (raw_cluster and not
                                                              _ID.match(raw_cluster)):
            self.errors.append("The selection of tips is not valid.")
            return
        if raw_cluster:
            self.cluster = TipCluster.objects.filter(pk=int(raw_cluster)).first()
            if self.cluster is None:
                self.errors.append("This cluster does not exist.")
                return
            members = self.cluster.members.exclude(state__in=CLOSED_STATES)
            self.tips = list(members.select_related("object").order_by("received_at", "id"))
        if raw_ids:
            ids = {int(value) for value in raw_ids}
            found = list(Tip.objects.filter(pk__in=ids).select_related("object")
                         .order_by("received_at", "id"))
            if len(found) != len(ids):
                self.errors.append("A selected tip does not exist.")
            known = {tip.pk for tip in self.tips}
            self.tips += [tip for tip in found if tip.pk not in known]
        if not self.tips and not self.errors:
            self.errors.append("Select at least one open tip to forward.")
        if len({tip.object_id for tip in self.tips}) > 1:
            self.errors.append("All tips of a forwarding must be about the same object.")

    @property
    def obj(self) -> Any:
        return self.tips[0].object if self.tips else None


def _suggestions(selection: _Selection) -> list[tuple[Authority, str]]:
    return (selectors.authority_suggest(obj=selection.obj, tips=selection.tips)
            if selection.tips and not selection.errors else [])


def _form(selection: _Selection, data: Any = None) -> ForwardingForm:
    return ForwardingForm(data, suggestions=_suggestions(selection))


def _new_page(request: HttpRequest, selection: _Selection, form: ForwardingForm, *,
              preview: dict[str, Any] | None = None, error: str = "",
              status: int = 200) -> HttpResponse:
    suggestions = _suggestions(selection)
    if suggestions and not form.is_bound:
        form.initial.setdefault("authority", suggestions[0][0].pk)
    image = selection.obj.images.first() if selection.obj is not None else None
    return render(request, "internal/routing/forwarding_new.html", {
        "selection": selection, "obj": selection.obj, "form": form,
        "picture": image_view(image) if image is not None else None,
        "suggestions": suggestions, "preview": preview, "error": error,
        "reauth_fresh": reauth_is_fresh(request),
        "reauth_link": reauth_url(request.get_full_path()),
        "action": request.get_full_path(),
    }, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(INVESTIGATOR)
def forwarding_new(request: HttpRequest) -> HttpResponseBase:
    selection = _Selection(request)
    if request.method != "POST":
        return _new_page(request, selection, _form(selection),
                         status=400 if selection.errors else 200)
    if selection.errors:
        return _new_page(request, selection, _form(selection, request.POST), status=400)
    if "send" in request.POST:
        return _forwarding_send(request, selection)
    return _forwarding_preview(request, selection)


def _public_base(request: HttpRequest) -> str:
    """Where this process serves the public site itself (role all), its own address: the
    packages' links when TRACEOBJECT_PUBLIC_BASE_URL is not set. A core has none."""
    return "" if settings.ROLE == "core" else request.build_absolute_uri("/")


def _forwarding_preview(request: HttpRequest, selection: _Selection) -> HttpResponse:
    form = _form(selection, request.POST)
    if not form.is_valid():
        return _new_page(request, selection, form, status=400)
    package = packages.package_build(
        ref="FWD-preview", created_at=timezone.now(), authority=form.cleaned_data["authority"],
        obj=selection.obj, summary=form.cleaned_data["summary"], tips=selection.tips,
        investigator=request.user, base=_public_base(request))
    return _new_page(request, selection, form, preview=packages.package_context(package))


@reauth_required
def _forwarding_send(request: HttpRequest, selection: _Selection) -> HttpResponse:
    form = _form(selection, request.POST)
    if not form.is_valid():
        return _new_page(request, selection, form, status=400)
    try:
        forwarding = services.forwarding_create(
            tips=selection.tips, authority=form.cleaned_data["authority"],
            summary=form.cleaned_data["summary"], user=request.user,
            public_base=_public_base(request))
    except ServiceError as exc:
        return _new_page(request, selection, form, error=exc.message,
                         status=exc.status if exc.status < 500 else 400)
    messages.success(request, _("Forwarded to %(authority)s as %(ref)s.") % {
        "authority": packages.authority_label(forwarding.package.get("authority", {})),
        "ref": forwarding.ref})
    return redirect("internal:forwarding", ref=forwarding.ref)


# Investigators, administrators, auditors: the forwardings


@never_cache
@require_safe
@role_required(*STAFF)
def forwarding_list(request: HttpRequest) -> HttpResponse:
    form = ForwardingFilterForm(request.GET or None)
    forwardings = selectors.forwardings_visible_to(request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        if form.cleaned_data["authority"]:
            forwardings = forwardings.filter(authority__country=form.cleaned_data["authority"])
        if form.cleaned_data["state"]:
            forwardings = forwardings.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["question"] == "open":
            forwardings = forwardings.filter(pk__in=selectors.open_question_forwarding_ids())
    page = Paginator(forwardings.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "internal/routing/forwarding_list.html", {
        "form": form, "page": page, "is_investigator": has_role(request.user, INVESTIGATOR),
    }, status=status)


@never_cache
@require_safe
@role_required(*STAFF)
def forwarding_detail(request: HttpRequest, ref: str) -> HttpResponse:
    forwarding = _visible(request, ref)
    return _detail_page(request, forwarding)


def _detail_page(request: HttpRequest, forwarding: Forwarding, *,
                 answer_form: InvestigatorAnswerForm | None = None, error: str = "",
                 status: int = 200) -> HttpResponse:
    thread = list(selectors.forwarding_messages(forwarding=forwarding))
    return render(request, "internal/routing/forwarding_detail.html", {
        "forwarding": forwarding, **_package_context(forwarding),
        "current_tips": forwarding.tips.order_by("received_at", "id"),
        "outcomes": forwarding.outcomes.select_related("reported_by"),
        "thread": thread, "error": error,
        "has_open_question": any(m.kind == MessageKind.LIAISON_QUESTION and m.seen_at is None
                                 for m in thread),
        "answer_form": answer_form or InvestigatorAnswerForm(),
    }, status=status)


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def forwarding_answer(request: HttpRequest, ref: str) -> HttpResponse:
    """The investigators answer a liaison officer's question (from the forwarding's page or
    the tip's page: `next` brings them back)."""
    forwarding = _visible(request, ref)
    form = InvestigatorAnswerForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, forwarding, answer_form=form, status=400,
                            error=_("The answer was not sent: see below."))
    try:
        services.investigator_answer(forwarding=forwarding, user=request.user,
                                     text=form.cleaned_data["text"])
    except NotFound:
        raise Http404("No such forwarding.")
    except ServiceError as exc:
        return _detail_page(request, forwarding, answer_form=form, error=exc.message,
                            status=exc.status if exc.status < 500 else 400)
    messages.success(request, _("Answer sent to %(authority)s.") % {
        "authority": forwarding.authority.name})
    fallback = reverse("internal:forwarding", args=[forwarding.ref])
    return redirect(safe_next(request, form.cleaned_data.get("next"), default=fallback))


@never_cache
@require_safe
@role_required(*STAFF, LIAISON)
def forwarding_package(request: HttpRequest, ref: str, fmt: str) -> HttpResponse:
    """The frozen package as HTML, PDF or JSON (an audited export)."""
    if fmt not in _CONTENT_TYPES:
        raise Http404
    forwarding = _visible(request, ref)
    if fmt == "pdf":
        body: bytes | str = packages.package_pdf(forwarding.package)
    elif fmt == "json":
        body = packages.package_json(forwarding.package)
    else:
        body = packages.package_html(forwarding.package)
    services.packages_export_record(user=request.user, forwardings=[forwarding], via=fmt)
    response = HttpResponse(body, content_type=_CONTENT_TYPES[fmt])
    # The HTML version is a page to read and print in the browser; the others are files.
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{forwarding.ref}.{fmt}"'
    if fmt == "html":  # its inline stylesheet, and nothing else, is allowed
        response._csp_update = {  # type: ignore[attr-defined]
            "style-src": [packages.package_css_source()]}
    return response


# Liaison officers: their Authority's packages


@never_cache
@require_safe
@role_required(LIAISON)
def liaison_home(request: HttpRequest) -> HttpResponse:
    authority_id = selectors.liaison_authority_id(request.user)
    forwardings = selectors.forwardings_visible_to(request.user)
    if authority_id is not None:
        forwardings = forwardings.filter(authority_id=authority_id)
    page = Paginator(forwardings.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    new = selectors.liaison_new_counts(user=request.user)
    for forwarding in page:
        forwarding.new_messages = new.get(forwarding.pk, 0)  # type: ignore[attr-defined]
    return render(request, "internal/routing/liaison_home.html", {
        "page": page, "new_total": sum(new.values()), "new_packages": len(new),
        "authority": Authority.objects.filter(pk=authority_id).first() if authority_id else None,
    })


def _liaison_forwarding(request: HttpRequest, ref: str) -> Forwarding:
    """A forwarding of the liaison officer's own Authority, else 404."""
    forwarding = _visible(request, ref)
    if forwarding.authority_id != selectors.liaison_authority_id(request.user):
        raise Http404("No such forwarding.")
    return forwarding


def _outcome_form(forwarding: Forwarding) -> OutcomeForm:
    """Empty, or holding the latest report (a correction starts from it)."""
    latest = selectors.outcome_latest(forwarding=forwarding)
    if latest is None:
        return OutcomeForm()
    lead = {True: "yes", False: "no"}.get(latest.lead_useful, "")  # type: ignore[arg-type]
    return OutcomeForm(initial={
        "lead_useful": lead, "location_found": latest.location_found,
        "country_confirmed": latest.country_confirmed,
        "children_safeguarded": latest.children_safeguarded,
        "offenders_arrested": latest.offenders_arrested, "text": latest.text})


def _liaison_page(request: HttpRequest, forwarding: Forwarding, *,
                  form: OutcomeForm | None = None, question_form: LiaisonQuestionForm |
                  None = None, error: str = "", status: int = 200) -> HttpResponse:
    thread = list(selectors.forwarding_messages(forwarding=forwarding))
    return render(request, "internal/routing/liaison_forwarding.html", {
        "forwarding": forwarding, **_package_context(forwarding),
        "form": form or _outcome_form(forwarding), "error": error,
        "outcomes": forwarding.outcomes.select_related("reported_by"),
        "can_acknowledge": forwarding.state == ForwardingState.SENT,
        "thread": thread, "question_form": question_form or LiaisonQuestionForm(),
        "new_ids": {m.pk for m in thread if m.kind in TO_LIAISON and m.seen_at is None},
    }, status=status)


@never_cache
@require_safe
@role_required(LIAISON)
def liaison_forwarding(request: HttpRequest, ref: str) -> HttpResponse:
    """The package; what is new for the officer is marked new this once, then seen."""
    forwarding = _liaison_forwarding(request, ref)
    response = _liaison_page(request, forwarding)
    if request.method == "GET":
        services.liaison_messages_seen(forwarding=forwarding, user=request.user)
    return response


@never_cache
@require_POST
@role_required(LIAISON)
def liaison_question(request: HttpRequest, ref: str) -> HttpResponse:
    forwarding = _liaison_forwarding(request, ref)
    form = LiaisonQuestionForm(request.POST)
    if not form.is_valid():
        return _liaison_page(request, forwarding, question_form=form, status=400,
                             error=_("The question was not sent: see below."))
    try:
        services.liaison_question_ask(forwarding=forwarding, user=request.user,
                                      text=form.cleaned_data["text"])
    except NotFound:
        raise Http404("No such forwarding.")
    except ServiceError as exc:
        return _liaison_page(request, forwarding, question_form=form, error=exc.message,
                             status=exc.status if exc.status < 500 else 400)
    messages.success(request, _("Your question was sent to the investigators."))
    return redirect("internal:liaison-forwarding", ref=forwarding.ref)


@never_cache
@require_POST
@role_required(LIAISON)
def liaison_acknowledge(request: HttpRequest, ref: str) -> HttpResponse:
    forwarding = _liaison_forwarding(request, ref)
    try:
        services.forwarding_acknowledge(forwarding=forwarding, user=request.user)
    except NotFound:
        raise Http404("No such forwarding.")
    except ServiceError as exc:
        return _liaison_page(request, forwarding, error=exc.message, status=exc.status)
    return redirect("internal:liaison-forwarding", ref=forwarding.ref)


@never_cache
@require_POST
@role_required(LIAISON)
def liaison_outcome(request: HttpRequest, ref: str) -> HttpResponse:
    forwarding = _liaison_forwarding(request, ref)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _liaison_page(request, forwarding, form=form, status=400)
    try:
        services.outcome_report(forwarding=forwarding, user=request.user, **form.cleaned_data)
    except NotFound:
        raise Http404("No such forwarding.")
    except ServiceError as exc:
        return _liaison_page(request, forwarding, form=form, error=exc.message,
                             status=exc.status)
    return redirect("internal:liaison-forwarding", ref=forwarding.ref)
