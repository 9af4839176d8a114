"""Back-office pages of the tip inbox: triage, clusters, notes and the anonymous follow-up.

Investigators only. Views translate input and output; tips.services changes, tips.selectors
reads. Every change is a POST and is followed by a redirect (the message says what happened);
refused input re-renders the page with status 400 and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from traceobject.accounts.reauth import reauth_required, safe_next
from traceobject.accounts.roles import INVESTIGATOR, role_required
from traceobject.audit.services import audit_view_of_request
from traceobject.catalog.models import ObjectImage, TracedObject, is_object_ref
from traceobject.core.errors import ServiceError
from traceobject.internal import forms_tips as forms
from traceobject.tips import selectors, services
from traceobject.tips.analysis import ENTITY_KINDS
from traceobject.tips.models import CLOSED_STATES, Direction, Tip, TipCluster, TipState

ROW_TEXT_CHARS = 600  # an inbox row shows this much of a tip; its page shows all

# --------------------------------------------------------------------------- presentation


def highlight(text: str, entities: Any, *, limit: int | None = None) -> SafeString:
    """The text, HTML-escaped, with each entity span in <mark class="entity entity-KIND">.

    Spans come from the database: anything that is not a well-formed, in-range,
    non-overlapping span of a known kind is ignored, never trusted.
    """
    shown = text if limit is None else text[:limit]
    spans = []
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, dict):
            continue
        start, end, kind = entity.get("start"), entity.get("end"), entity.get("kind")
        if (isinstance(start, int) and isinstance(end, int) and kind in ENTITY_KINDS
                and 0 <= start < end <= len(text)):
            spans.append((start, end, str(kind)))
    spans.sort()
    pieces: list[str] = []
    position = 0
    for start, end, kind in spans:
        if start < position or start >= len(shown):
            continue
        end = min(end, len(shown))
        pieces.append(escape(shown[position:start]))
        pieces.append(format_html('<mark class="entity entity-{}">{}</mark>', kind,
                                  shown[start:end]))
        position = end
    pieces.append(escape(shown[position:]))
    if len(shown) < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 (every piece is escaped above)


@dataclass(frozen=True)
class Row:
    tip: Tip
    html: SafeString
    similar: int  # other tips in its cluster
    language: str
    url: str  # the tip's page, with the inbox's view to walk on from there
    thumbnail: str  # the object's first picture, small ("" without one)
    new_answer: bool  # an answer from the tipster the reader has not seen


def _thumbnail_url(ref: str, image: ObjectImage | None) -> str:
    if image is None or not image.widths:
        return ""
    return reverse("internal:object-image", args=[ref, image.pk, min(image.widths)])


def _rows(tips: Any, *, nav: str = "", thumbnails: bool = False) -> list[Row]:
    """The rows of a tips table; with ``thumbnails``, each with its object's picture (one
    query for the page)."""
    tips = list(tips)
    images = (selectors.object_thumbnails(object_ids={tip.object_id for tip in tips})
              if thumbnails else {})
    suffix = f"?{nav}" if nav else ""
    return [Row(tip=tip, html=highlight(tip.text, tip.entities, limit=ROW_TEXT_CHARS),
                similar=max(0, (tip.cluster.size if tip.cluster else 0) - 1),
                language=tip.detected_language or tip.language,
                url=reverse("internal:tip", args=[tip.pk]) + suffix,
                thumbnail=_thumbnail_url(tip.object.ref, images.get(tip.object_id)),
                new_answer=bool(getattr(tip, "new_answer", False)))
            for tip in tips]


def _forward_url(ids: list[int]) -> str:
    try:
        base = reverse("internal:forwarding-new")
    except NoReverseMatch:
        base = "/internal/forwardings/new/"
    return f"{base}?{urlencode([('tip', i) for i in ids])}"


def _object(ref: str) -> TracedObject:
    obj = TracedObject.objects.filter(ref=ref.upper()).first() if is_object_ref(ref) else None
    if obj is None:
        raise Http404
    return obj


def _tip(pk: Any) -> Tip:
    tip = selectors.tip_get(pk=pk)
    if tip is None:
        raise Http404
    return tip


# --------------------------------------------------------------------------- the inbox


def _inbox_page(request: HttpRequest, *, obj: TracedObject | None,
                bulk_error: str = "", status: int = 200) -> HttpResponse:
    form = forms.InboxFilterForm(request.GET or None)
    filters: dict[str, Any] = {"order": "score"}
    nav: list[tuple[str, str]] = []
    if form.is_bound and form.is_valid():
        filters = form.filters(reader=request.user)
        nav = form.nav_query()
    elif form.is_bound:
        status = 400
    filters["obj"] = obj
    if obj is not None:
        nav.append(("object", obj.ref))
    counts = selectors.inbox_state_counts(**filters)
    page = selectors.inbox_page(page=request.GET.get("page"), **filters, reader=request.user,
                                count=selectors.state_total(counts, filters.get("state")))
    thumbnail = ""
    if obj is not None:
        thumbnail = _thumbnail_url(obj.ref, selectors.object_thumbnails(
            object_ids={obj.pk}).get(obj.pk))
    query = request.GET.copy()
    query.pop("page", None)
    state_query = request.GET.copy()
    for name in ("page", "state"):
        state_query.pop(name, None)
    response = render(request, "internal/tips/inbox.html", {
        "obj": obj, "form": form, "page": page, "thumbnail": thumbnail,
        "rows": _rows(page.object_list, nav=urlencode(nav), thumbnails=obj is None),
        "counts": [(value, label, counts.get(value, 0)) for value, label in TipState.choices],
        "total": sum(counts.values()), "state": filters.get("state") or "",
        "query": query.urlencode(), "state_query": state_query.urlencode(),
        "states": services.settable_state_choices(),
        "investigators": selectors.investigators(),
        "bulk_error": bulk_error, "here": request.get_full_path(),
    }, status=status)
    _list_view_record(request, target=f"object {obj.ref}" if obj is not None else "inbox",
                      page=page)
    return response


def _list_view_record(request: HttpRequest, *, target: str, page: Any) -> None:
    """A list page shows the start of each tip's text: one audit entry names them all."""
    audit_view_of_request(request, what="tip_list", target=target,
                          tips=[tip.pk for tip in page.object_list])


@never_cache
@require_safe
@role_required(INVESTIGATOR)
def inbox(request: HttpRequest) -> HttpResponse:
    """Tips about every object, by triage score."""
    return _inbox_page(request, obj=None)


@never_cache
@require_safe
@role_required(INVESTIGATOR)
def object_inbox(request: HttpRequest, ref: str) -> HttpResponse:
    """Tips about one object, by triage score."""
    return _inbox_page(request, obj=_object(ref))


def _back(request: HttpRequest, fallback: str) -> str:
    return safe_next(request, request.POST.get("next"), default=fallback)


def _bulk_refused(request: HttpRequest, obj: TracedObject | None, message: str) -> HttpResponse:
    """The inbox the form came from, with the reason; nothing was changed."""
    back = _back(request, reverse("internal:tips"))
    request.GET = QueryDict(back.partition("?")[2])
    return _inbox_page(request, obj=obj, bulk_error=message, status=400)


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def bulk(request: HttpRequest) -> HttpResponse:
    """Set the state of, assign or forward the ticked tips (optionally whole clusters)."""
    ref = str(request.POST.get("object") or "")
    obj = _object(ref) if ref else None
    form = forms.BulkForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _bulk_refused(request, obj, str(first))
    data = form.cleaned_data
    ids: list[int] = data["tip"]
    found = dict(Tip.objects.filter(pk__in=ids).values_list("id", "object_id"))
    if len(found) != len(ids):
        return _bulk_refused(request, obj, _("Some of the selected tips do not exist."))
    if obj is not None and any(object_id != obj.pk for object_id in found.values()):
        return _bulk_refused(request, obj, _("Some of the selected tips are about another "
                                             "object."))
    if data["action"] == "forward":
        if data["whole_cluster"]:
            ids = selectors.cluster_member_ids(tips=ids)
        return HttpResponseRedirect(_forward_url(ids))
    try:
        if data["action"] == "state":
            changed = services.tip_state_set(tips=ids, state=data["state"], user=request.user,
                                             whole_cluster=data["whole_cluster"])
            message = _("%(n)d tips set to “%(state)s”.") % {
                "n": changed, "state": TipState(data["state"]).label}
        else:
            assignee = (None if data["assignee"] == "none"
                        else selectors.investigators().get(pk=int(data["assignee"])))
            changed = services.tip_assign(tips=ids, assignee=assignee, user=request.user,
                                          whole_cluster=data["whole_cluster"])
            message = _("%(n)d tips assigned.") % {"n": changed}
    except ServiceError as error:
        return _bulk_refused(request, obj, error.message)
    messages.success(request, message)
    return redirect(_back(request, reverse("internal:tips")))


# --------------------------------------------------------------------------- one tip


NAV_MAX = 2000  # characters of a carried inbox view (the filters fit in far fewer)


@dataclass(frozen=True)
class Navigation:
    """Where the tip sits in the inbox the investigator came from."""

    query: str  # the inbox's view, rebuilt from valid values ("" for the default one)
    inbox: str  # back to that inbox
    previous: str  # the tip before, with the same view ("" at the start)
    next: str  # the tip after ("" at the end)
    invalid: bool  # the view in the address was not valid: the whole inbox is walked


def _nav_source(request: HttpRequest) -> QueryDict:
    """The inbox view a tip page was opened with: its query string, or for a form posted from
    the page, the view the form carried."""
    if request.method == "POST":
        return QueryDict(str(request.POST.get("nav") or "")[:NAV_MAX])
    return request.GET


def _navigation(request: HttpRequest, tip: Tip) -> Navigation:
    source = _nav_source(request)
    invalid = len(source.urlencode()) > NAV_MAX
    obj: TracedObject | None = None
    ref = str(source.get("object") or "")
    if ref:
        obj = (TracedObject.objects.filter(ref=ref.upper()).first() if is_object_ref(ref)
               else None)
        invalid = invalid or obj is None
    form = forms.InboxFilterForm({k: source.get(k) for k in forms.InboxFilterForm.NAV_FIELDS
                                  if k in source})
    filters: dict[str, Any] = {"order": "score"}
    pairs: list[tuple[str, str]] = []
    if invalid or not form.is_valid():
        invalid, obj = True, None
    else:
        filters = form.filters(reader=request.user)
        pairs = form.nav_query()
    if obj is not None:
        pairs.append(("object", obj.ref))
    filters["obj"] = obj
    query = urlencode(pairs)
    suffix = f"?{query}" if query else ""
    around = selectors.tip_neighbours(tip=tip, **filters)
    inbox_query = urlencode([(k, v) for k, v in pairs if k != "object"])
    inbox = (reverse("internal:object-tips", args=[obj.ref]) if obj is not None
             else reverse("internal:tips")) + (f"?{inbox_query}" if inbox_query else "")
    return Navigation(
        query=query, inbox=inbox, invalid=invalid,
        previous=(reverse("internal:tip", args=[around.previous]) + suffix
                  if around.previous else ""),
        next=reverse("internal:tip", args=[around.next]) + suffix if around.next else "")


def _tip_page(request: HttpRequest, tip: Tip, *, status: int = 200, error: str = "",
              contact: str | None = None, revealed: bool = False,
              **form_overrides: Any) -> HttpResponse:
    """The tip's page. Each time it is shown (also again after refused input) the audit log
    records who saw the tip, in one entry: after a reveal of an address, the reveal's own."""
    detail = selectors.tip_detail(tip=tip)
    assignee = str(tip.assigned_to_id) if tip.assigned_to_id else "none"
    image = selectors.object_thumbnails(object_ids={tip.object_id}).get(tip.object_id)
    cluster_size = tip.cluster.size if tip.cluster else 0
    response = render(request, "internal/tips/tip.html", {
        "tip": tip, "html": highlight(tip.text, tip.entities), "detail": detail,
        "similar": _rows(detail.similar), "language": tip.detected_language or tip.language,
        "translation": selectors.tip_translation(tip=tip),
        "states": services.settable_state_choices(), "error": error, "contact": contact,
        "referral_country": services.tip_referral_country(tip),
        "thumbnail": _thumbnail_url(tip.object.ref, image),
        "nav": _navigation(request, tip), "score": selectors.score_breakdown(tip=tip),
        "new_answers": _new_answer_ids(request, tip, detail),
        "forward_url": _forward_url([tip.pk]),
        "forward_cluster_url": (f"{reverse('internal:forwarding-new')}?"
                                f"{urlencode([('cluster', tip.cluster_id)])}"
                                if tip.cluster_id and cluster_size > 1 else ""),
        "closed": tip.state in CLOSED_STATES,
        "state_form": form_overrides.get("state_form") or forms.StateForm(
            initial={"state": tip.state}),
        "assign_form": form_overrides.get("assign_form") or forms.AssignForm(
            initial={"assignee": assignee}),
        "note_form": form_overrides.get("note_form") or forms.NoteForm(),
        "question_form": form_overrides.get("question_form") or forms.QuestionForm(),
        "refer_form": form_overrides.get("refer_form") or forms.ReferForm(),
    }, status=status)
    if not revealed:
        audit_view_of_request(request, what="tip", target=f"tip {tip.pk}")
    return response


def _new_answer_ids(request: HttpRequest, tip: Tip, detail: selectors.TipDetail) -> set[int]:
    """The tipster's answers on the page that are new to the reader; the page shows them
    (marked), so from now on they are seen."""
    if request.method != "GET" or not detail.messages:
        return set()
    seen = selectors.seen_message_id(tip=tip, user=request.user)
    new = {m.pk for m in detail.messages
           if m.direction == Direction.FROM_TIPSTER and m.pk > seen}
    services.tip_seen(tip=tip, user=request.user, message_id=max(m.pk for m in detail.messages))
    return new


@never_cache
@require_safe
@role_required(INVESTIGATOR)
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _tip_page(request, _tip(pk))


def _tip_done(request: HttpRequest, tip: Tip, message: str) -> HttpResponse:
    """Back to the tip's page, with the inbox view the form carried (checked again)."""
    messages.success(request, message)
    nav = _navigation(request, tip)
    return HttpResponseRedirect(reverse("internal:tip", args=[tip.pk])
                                + (f"?{nav.query}" if nav.query else ""))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def tip_state(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip(pk)
    form = forms.StateForm(request.POST)
    if not form.is_valid():
        reason = form.errors.get("state")
        return _tip_page(request, tip, status=400, state_form=form,
                         error=str(reason[0]) if reason else _("Choose a state."))
    try:
        changed = services.tip_state_set(tips=[tip], state=form.cleaned_data["state"],
                                         user=request.user,
                                         whole_cluster=form.cleaned_data["whole_cluster"])
    except ServiceError as error:
        return _tip_page(request, tip, status=400, state_form=form, error=error.message)
    return _tip_done(request, tip, _("%(n)d tips set to “%(state)s”.") % {
        "n": changed, "state": TipState(form.cleaned_data["state"]).label})


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def tip_translate(request: HttpRequest, pk: int) -> HttpResponse:
    """Translate the tip with the local model now (the worker does it when it opens a tip
    and a model is configured; this is for tips opened before, or after a failure)."""
    tip = _tip(pk)
    try:
        services.tip_translate(tip=tip, user=request.user)
    except ServiceError as error:
        return _tip_page(request, tip, status=error.status, error=error.message)
    return _tip_done(request, tip, _("Translated."))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def tip_assign(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip(pk)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        return _tip_page(request, tip, status=400, assign_form=form,
                         error=_("Choose an investigator, or nobody."))
    value = form.cleaned_data["assignee"]
    assignee = None if value == "none" else selectors.investigators().get(pk=int(value))
    services.tip_assign(tips=[tip], assignee=assignee, user=request.user)
    return _tip_done(request, tip, _("Assigned to %(name)s.") % {
        "name": assignee.get_username() if assignee else _("nobody")})


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def tip_note(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip(pk)
    form = forms.NoteForm(request.POST)
    if not form.is_valid():
        return _tip_page(request, tip, status=400, note_form=form,
                         error=_("The note was not saved: see below."))
    try:
        services.tip_note_add(tip=tip, user=request.user, text=form.cleaned_data["text"])
    except ServiceError as error:
        return _tip_page(request, tip, status=400, note_form=form, error=error.message)
    return _tip_done(request, tip, _("Note added."))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def tip_ask(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip(pk)
    form = forms.QuestionForm(request.POST)
    if not form.is_valid():
        return _tip_page(request, tip, status=400, question_form=form,
                         error=_("The question was not sent: see below."))
    try:
        services.tip_question_ask(tip=tip, user=request.user, text=form.cleaned_data["text"],
                                  language=form.cleaned_data.get("language") or "")
    except ServiceError as error:
        return _tip_page(request, tip, status=400, question_form=form, error=error.message)
    return _tip_done(request, tip, _("Question sent to the tipster's mailbox."))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def tip_refer(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip(pk)
    form = forms.ReferForm(request.POST)
    if not form.is_valid():
        return _tip_page(request, tip, status=400, refer_form=form,
                         error=_("Choose a country from the list."))
    try:
        referral = services.tip_refer(tip=tip, user=request.user,
                                      country=form.cleaned_data["country"])
    except ServiceError as error:
        return _tip_page(request, tip, status=400, refer_form=form, error=error.message)
    channel = " / ".join(v for v in (referral.email, referral.url) if v)
    return _tip_done(request, tip, _("Referred to %(authority)s (%(country)s): pass the "
                                     "report on through %(channel)s.") % {
        "authority": referral.authority, "country": referral.country, "channel": channel})


@never_cache
@require_POST
@role_required(INVESTIGATOR)
@reauth_required
def tip_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The tipster's contact address (audited), after a fresh password + code."""
    tip = _tip(pk)
    address = services.tip_contact_reveal(tip=tip, user=request.user)
    return _tip_page(request, tip, contact=address, revealed=bool(tip.contact_sealed))


# --------------------------------------------------------------------------- clusters


def _cluster(pk: Any) -> TipCluster:
    cluster = selectors.cluster_get(pk=pk)
    if cluster is None:
        raise Http404
    return cluster


@never_cache
@require_safe
@role_required(INVESTIGATOR)
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _cluster_page(request, _cluster(pk))


def _cluster_page(request: HttpRequest, cluster: TipCluster, *, status: int = 200,
                  form: forms.StateForm | None = None) -> HttpResponse:
    counts = selectors.inbox_state_counts(cluster=cluster)
    page = selectors.inbox_page(cluster=cluster, page=request.GET.get("page"),
                                count=selectors.state_total(counts, None))
    response = render(request, "internal/tips/cluster.html", {
        "cluster": cluster, "page": page,
        "rows": _rows(page.object_list, nav=urlencode([("cluster", cluster.pk)])),
        "counts": [(label, counts[value]) for value, label in TipState.choices
                   if counts.get(value)],
        "form": form or forms.StateForm(), "states": services.settable_state_choices(),
    }, status=status)
    _list_view_record(request, target=f"cluster {cluster.pk}", page=page)
    return response


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def cluster_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Triage the whole cluster in one action."""
    cluster = _cluster(pk)
    form = forms.StateForm(request.POST)
    if not form.is_valid():
        return _cluster_page(request, cluster, status=400, form=form)
    first = Tip.objects.filter(cluster=cluster).values_list("id", flat=True).first()
    changed = 0
    if first is not None:
        changed = services.tip_state_set(tips=[first], state=form.cleaned_data["state"],
                                         user=request.user, whole_cluster=True)
    messages.success(request, _("%(n)d tips set to “%(state)s”.") % {
        "n": changed, "state": TipState(form.cleaned_data["state"]).label})
    return redirect("internal:tip-cluster", pk=cluster.pk)
