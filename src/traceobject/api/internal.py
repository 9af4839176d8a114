"""Internal API (police network; a per-user token): triage tips, ask tipsters questions,
forward tips; and the liaison API: packages for the officer's own Authority, acknowledge,
report outcomes. Thin: the same services and selectors as the back-office pages.

Every call needs `Authorization: Bearer tob_...` (a token made on the back office's token
page). A token stands for its user and that user's roles; revoking it stops it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Annotated, Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from traceobject.accounts.roles import (
    ADMINISTRATOR,
    INVESTIGATOR,
    LIAISON,
    REVIEWER,
    is_fully_signed_in,
    user_roles,
)
from traceobject.accounts.tokens import TokenAuth, api_user
from traceobject.api.clues import router as clues_router
from traceobject.api.errors import TraceobjectAPI, install_error_handlers
from traceobject.api.schemas import DB_ID_MAX, DbId, ErrorOut, QueryInt, StorableStr
from traceobject.audit.services import audit_view_record
from traceobject.catalog import services as catalog
from traceobject.catalog.models import ObjectStatus, TracedObject, is_object_ref
from traceobject.core.errors import NotFound, ServiceError, error_response
from traceobject.routing import selectors as routing_selectors
from traceobject.routing import services as routing
from traceobject.routing.models import Authority, Forwarding
from traceobject.tips import selectors as tip_selectors
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip, TipState

MAX_IDS = 500
PAGE_MAX = 200

def _staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document is for staff: a valid token (or a staff session signed in with
    both factors) of a user holding a role; 401 (403 without a role) in the error shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if not is_fully_signed_in(user):
            user = TokenAuth()(request)
        if user is None:
            return error_response("unauthorized", _("Authentication required."), 401)
        if not user_roles(user):
            return error_response("forbidden", _("You do not have the role for this."), 403)
        return view(request, *args, **kwargs)

    return wrapper


api_internal = TraceobjectAPI(
    title="traceobject internal API",
    version="1",
    description=(
        "Back-office API of a Trace an Object programme (police network only). Authenticate "
        "with a personal token: `Authorization: Bearer tob_...`. Investigators triage tips, "
        "ask tipsters questions and forward tips; liaison officers see the packages forwarded "
        "to their own authority, acknowledge them and report outcomes. Errors have one shape: "
        '{"error": {"code": "...", "message": "..."}}. This document, too, needs a token.'
    ),
    urls_namespace="api-internal",
    docs_url=None,
    docs_decorator=_staff_only,
    auth=TokenAuth(),
)
install_error_handlers(api_internal)

objects_router = Router(tags=["catalogue"])
tips_router = Router(tags=["tips"])
forwarding_router = Router(tags=["forwarding"])
liaison_router = Router(tags=["liaison"])

# What every endpoint can answer besides its result (400: a body that is not JSON, a refused
# path or query string; 414 is added to every operation by TraceobjectAPI) ...
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                          422: ErrorOut}
# ... an endpoint reading a body (413: larger than TRACEOBJECT_MAX_BODY_BYTES) ...
BODY_ERRORS: dict[int, Any] = {**ERRORS, 413: ErrorOut}
# ... and one whose action the current state can refuse (409).
CONFLICT: dict[int, Any] = {409: ErrorOut}
# A tip id in the path: a number no row can have is refused (422) before the database sees it.
TipId = Annotated[int, Path(ge=1, le=DB_ID_MAX)]


# --- schemas ---------------------------------------------------------------------------------

class TipOut(Schema):
    id: int
    object: str
    state: str
    score: float
    text: str
    country: str
    place: str
    seen_when: str
    language: str
    detected_language: str
    received_at: datetime
    cluster: int | None
    cluster_size: int
    assigned_to: str | None
    entities: list[dict[str, Any]]


class TipListOut(Schema):
    items: list[TipOut]
    count: int
    page: int
    pages: int


class TipFilters(Schema):
    object: StorableStr | None = Field(default=None, max_length=20)
    state: TipState | None = None
    country: StorableStr | None = Field(default=None, max_length=2)
    language: StorableStr | None = Field(default=None, max_length=8)
    q: StorableStr | None = Field(default=None, max_length=200)
    page: QueryInt = Field(default=1, ge=1, le=100_000)
    per_page: QueryInt = Field(default=50, ge=1, le=PAGE_MAX)


class TriageIn(Schema):
    tips: list[DbId] = Field(min_length=1, max_length=MAX_IDS)
    state: TipState = Field(description='"forwarded" is refused (422, forward_to_set): a tip '
                            "becomes forwarded only by being forwarded to an authority.")
    whole_cluster: bool = False


class ChangedOut(Schema):
    changed: int


class QuestionIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    language: str | None = Field(
        default=None, max_length=8,
        description="the language the question is written in (one of the public site's: en, "
                    "de, ...); recognised from the text when left out")


class MessageOut(Schema):
    direction: str
    text: str
    created_at: datetime


class ForwardIn(Schema):
    tips: list[DbId] = Field(min_length=1, max_length=MAX_IDS)
    authority: StorableStr = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    summary: str = Field(min_length=1, max_length=10_000)


class ForwardingOut(Schema):
    ref: str
    authority: str
    object: str
    state: str
    created_at: datetime
    acknowledged_at: datetime | None
    tips: int
    package: dict[str, Any]


class OutcomeIn(Schema):
    lead_useful: bool | None = None
    location_found: bool = False
    country_confirmed: bool = False
    children_safeguarded: int = Field(default=0, ge=0, le=10_000)
    offenders_arrested: int = Field(default=0, ge=0, le=10_000)
    text: str = Field(default="", max_length=10_000)


class OutcomeOut(Schema):
    forwarding: str
    reported_at: datetime
    lead_useful: bool | None
    location_found: bool
    country_confirmed: bool
    children_safeguarded: int
    offenders_arrested: int
    text: str


# --- helpers ---------------------------------------------------------------------------------

def _tip_out(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.pk, "object": tip.object.ref, "state": tip.state, "score": tip.score,
        "text": tip.text, "country": tip.country, "place": tip.place,
        "seen_when": tip.seen_when, "language": tip.language,
        "detected_language": tip.detected_language, "received_at": tip.received_at,
        "cluster": tip.cluster_id,
        "cluster_size": tip.cluster.size if tip.cluster_id and tip.cluster else 1,
        "assigned_to": tip.assigned_to.get_username() if tip.assigned_to else None,
        "entities": tip.entities or [],
    }


def _object(ref: str | None) -> TracedObject | None:
    if ref is None:
        return None
    if not is_object_ref(ref):
        raise NotFound("not_found", _("Not found."))
    return get_object_or_404(TracedObject, ref=ref.upper())


def _tips(ids: list[int]) -> list[Tip]:
    found = list(Tip.objects.filter(pk__in=set(ids)).select_related("object"))
    if len(found) != len(set(ids)):
        raise NotFound("not_found", _("One or more tips do not exist."))
    return found


def _forwarding_out(forwarding: Forwarding) -> dict[str, Any]:
    return {
        "ref": forwarding.ref, "authority": forwarding.authority.country,
        "object": forwarding.object.ref, "state": forwarding.state,
        "created_at": forwarding.created_at, "acknowledged_at": forwarding.acknowledged_at,
        "tips": getattr(forwarding, "n_tips", None) or forwarding.tips.count(),
        "package": forwarding.package,
    }


def _visible_forwarding(user: Any, ref: str) -> Forwarding:
    """Another authority's package answers 404 like one that does not exist."""
    return routing_selectors.forwarding_get(user=user, ref=ref)


class ObjectStateOut(Schema):
    ref: str
    status: str
    category: str
    title: str
    created_by: str | None
    submitted_by: str | None
    approved_by: str | None


class StaffObjectFilters(Schema):
    status: ObjectStatus | None = None


class ReviewIn(Schema):
    comment: str = Field(default="", max_length=4000)


class ApproveIn(ReviewIn):
    """The review checklist's ticked lines (all of `people`, `identifying_text`, `metadata`,
    `languages` are needed) and whether to publish with English where a translation is
    missing (needed when one is)."""

    checklist: list[str] = Field(default_factory=list, max_length=8)
    english_fallback: bool = False


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _object_state_out(obj: TracedObject) -> dict[str, Any]:
    english = next((t for t in obj.texts.all() if t.language == "en"), None)
    return {"ref": obj.ref, "status": obj.status, "category": obj.category,
            "title": english.title if english else "", "created_by": _name(obj.created_by),
            "submitted_by": _name(obj.submitted_by), "approved_by": _name(obj.approved_by)}


# --- catalogue -------------------------------------------------------------------------------

STAFF_CATALOGUE = (INVESTIGATOR, REVIEWER, ADMINISTRATOR)


@objects_router.get("/objects", response={200: list[ObjectStateOut], **ERRORS})
def objects_list(request: HttpRequest, filters: Query[StaffObjectFilters]) -> list[dict[str, Any]]:
    """Traced objects in every state of the publication workflow (at most 1,000)."""
    api_user(request, *STAFF_CATALOGUE)
    rows = TracedObject.objects.select_related("created_by", "submitted_by", "approved_by")
    if filters.status:
        rows = rows.filter(status=filters.status)
    return [_object_state_out(o) for o in rows.prefetch_related("texts").order_by("-id")[:1000]]


def _staff_object(ref: str) -> TracedObject:
    obj = _object(ref)
    assert obj is not None
    return obj


@objects_router.post("/objects/{ref}/submit",
                     response={200: ObjectStateOut, **ERRORS, **CONFLICT})
def object_submit(request: HttpRequest, ref: str) -> dict[str, Any]:
    """draft -> in review."""
    user = api_user(request, *STAFF_CATALOGUE)
    return _object_state_out(catalog.object_submit(obj=_staff_object(ref), user=user))


@objects_router.post("/objects/{ref}/approve",
                     response={200: ObjectStateOut, **BODY_ERRORS, **CONFLICT})
def object_approve(request: HttpRequest, ref: str, payload: ApproveIn) -> dict[str, Any]:
    """in review -> published, by a reviewer other than the author and the submitter
    (four-eyes: refused with 403 `four_eyes` otherwise), with every line of the review
    checklist ticked (else 400 `checklist_incomplete`) and, where part of the public text is
    not translated, `english_fallback` (else 400 `not_translated`)."""
    user = api_user(request, REVIEWER)
    return _object_state_out(catalog.object_approve(
        obj=_staff_object(ref), user=user, comment=payload.comment,
        checklist=payload.checklist, english_fallback=payload.english_fallback))


@objects_router.post("/objects/{ref}/reject",
                     response={200: ObjectStateOut, **BODY_ERRORS, **CONFLICT})
def object_reject(request: HttpRequest, ref: str, payload: ReviewIn) -> dict[str, Any]:
    """in review -> draft, with a comment for the author."""
    user = api_user(request, REVIEWER)
    return _object_state_out(catalog.object_reject(obj=_staff_object(ref), user=user,
                                                   comment=payload.comment))


# --- investigators ---------------------------------------------------------------------------

@tips_router.get("/tips", response={200: TipListOut, **ERRORS})
def tips_list(request: HttpRequest, filters: Query[TipFilters]) -> dict[str, Any]:
    """Opened tips, highest triage score first, with the inbox's filters."""
    user = api_user(request, INVESTIGATOR)
    rows = tip_selectors.inbox(
        obj=_object(filters.object), state=filters.state, country=filters.country,
        language=filters.language, query=filters.q,
    )
    total = rows.count()
    pages = max(1, -(-total // filters.per_page))
    page = min(filters.page, pages)
    start = (page - 1) * filters.per_page
    items = list(rows.select_related("object", "cluster", "assigned_to")[
        start:start + filters.per_page])
    audit_view_record(user=user, what="tip_list", target="inbox",  # as the inbox page does
                      tips=[t.pk for t in items])
    return {"items": [_tip_out(t) for t in items], "count": total, "page": page,
            "pages": pages}


@tips_router.get("/tips/{int:tip_id}", response={200: TipOut, **ERRORS})
def tip_get(request: HttpRequest, tip_id: TipId) -> dict[str, Any]:
    user = api_user(request, INVESTIGATOR)
    tip = get_object_or_404(Tip.objects.select_related("object", "cluster", "assigned_to"),
                            pk=tip_id)
    audit_view_record(user=user, what="tip", target=f"tip {tip.pk}")  # as the tip's page does
    return _tip_out(tip)


@tips_router.post("/tips/triage", response={200: ChangedOut, **BODY_ERRORS})
def tips_triage(request: HttpRequest, payload: TriageIn) -> dict[str, int]:
    """Set the state of several tips (with whole_cluster: of every member of their clusters)."""
    user = api_user(request, INVESTIGATOR)
    changed = tip_services.tip_state_set(tips=_tips(payload.tips), state=payload.state,
                                         user=user, whole_cluster=payload.whole_cluster)
    return {"changed": changed}


@tips_router.get("/tips/{int:tip_id}/messages", response={200: list[MessageOut], **ERRORS})
def tip_messages(request: HttpRequest, tip_id: TipId) -> list[dict[str, Any]]:
    """The anonymous conversation with the tipster, in the order it was written down (the
    tipster's times are kept only to the hour: by time, an answer could come before its
    question)."""
    user = api_user(request, INVESTIGATOR)
    tip = get_object_or_404(Tip, pk=tip_id)
    audit_view_record(user=user, what="tip", target=f"tip {tip.pk}")
    return [{"direction": m.direction, "text": m.text, "created_at": m.created_at}
            for m in tip.messages.order_by("id")]


@tips_router.post("/tips/{int:tip_id}/questions", response={201: MessageOut, **BODY_ERRORS})
def tip_question(request: HttpRequest, tip_id: TipId, payload: QuestionIn) -> Status:
    """Ask the tipster a question; they read it in their mailbox with their receipt."""
    user = api_user(request, INVESTIGATOR)
    tip = get_object_or_404(Tip, pk=tip_id)
    message = tip_services.tip_question_ask(tip=tip, user=user, text=payload.text,
                                            language=payload.language or "")
    return Status(201, {"direction": message.direction, "text": message.text,
                        "created_at": message.created_at})


@forwarding_router.post("/forwardings",
                        response={201: ForwardingOut, **BODY_ERRORS, **CONFLICT})
def forwarding_create(request: HttpRequest, payload: ForwardIn) -> Status:
    """Forward tips about one object to the authority of a country."""
    user = api_user(request, INVESTIGATOR)
    authority = Authority.objects.filter(country=payload.authority.upper()).first()
    if authority is None:
        raise ServiceError("invalid", _("There is no authority for that country."),
                           status=422, fields={"authority": _("Unknown authority.")})
    # where this process serves the public site itself, the packages' links use its address
    # when TRACEOBJECT_PUBLIC_BASE_URL is not set (a core has none)
    base = "" if settings.ROLE == "core" else request.build_absolute_uri("/")
    forwarding = routing.forwarding_create(tips=_tips(payload.tips), authority=authority,
                                           summary=payload.summary, user=user,
                                           public_base=base)
    return Status(201, _forwarding_out(forwarding))


def _forwardings_listed(request: HttpRequest, role: str) -> list[dict[str, Any]]:
    """The forwardings `role` may see (routing.selectors), newest first, at most 500: the
    packages in them are taken out, an audited export (like the downloads)."""
    user = api_user(request, role)
    rows = list(routing_selectors.forwardings_visible_to(user)
                .select_related("authority", "object").annotate(n_tips=Count("tips"))[:500])
    routing.packages_export_record(user=user, forwardings=rows, via="api")
    return [_forwarding_out(f) for f in rows]


@forwarding_router.get("/forwardings", response={200: list[ForwardingOut], **ERRORS})
def forwardings_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every forwarding (investigators), newest first, at most 500."""
    return _forwardings_listed(request, INVESTIGATOR)


# --- liaison officers ------------------------------------------------------------------------

@liaison_router.get("/packages", response={200: list[ForwardingOut], **ERRORS})
def packages_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Packages forwarded to the officer's own authority, newest first, at most 500."""
    return _forwardings_listed(request, LIAISON)


@liaison_router.get("/packages/{ref}", response={200: ForwardingOut, **ERRORS})
def package_get(request: HttpRequest, ref: str) -> dict[str, Any]:
    user = api_user(request, LIAISON)
    forwarding = _visible_forwarding(user, ref)
    routing.packages_export_record(user=user, forwardings=[forwarding], via="api")
    return _forwarding_out(forwarding)


@liaison_router.post("/packages/{ref}/acknowledge",
                      response={200: ForwardingOut, **ERRORS, **CONFLICT})
def package_acknowledge(request: HttpRequest, ref: str) -> dict[str, Any]:
    user = api_user(request, LIAISON)
    forwarding = routing.forwarding_acknowledge(forwarding=_visible_forwarding(user, ref),
                                                user=user)
    return _forwarding_out(forwarding)


@liaison_router.post("/packages/{ref}/outcomes", response={201: OutcomeOut, **BODY_ERRORS})
def package_outcome(request: HttpRequest, ref: str, payload: OutcomeIn) -> Status:
    """Report what came of a package; a later report corrects an earlier one."""
    user = api_user(request, LIAISON)
    forwarding = _visible_forwarding(user, ref)
    outcome = routing.outcome_report(forwarding=forwarding, user=user, **payload.dict())
    return Status(201, {
        "forwarding": forwarding.ref, "reported_at": outcome.reported_at,
        "lead_useful": outcome.lead_useful, "location_found": outcome.location_found,
        "country_confirmed": outcome.country_confirmed,
        "children_safeguarded": outcome.children_safeguarded,
        "offenders_arrested": outcome.offenders_arrested, "text": outcome.text,
    })


api_internal.add_router("", objects_router)
api_internal.add_router("", clues_router)
api_internal.add_router("", tips_router)
api_internal.add_router("", forwarding_router)
api_internal.add_router("/liaison", liaison_router)
