"""Public API v1: objects, tips, mailbox. Thin: selectors and services do the work."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema
from ninja.responses import Status

from traceobject.api.schemas import (
    ErrorOut,
    ImageOut,
    MailboxOut,
    ObjectListOut,
    ObjectOut,
    QueryInt,
    ReceiptOut,
    ReplyIn,
    TipIn,
)
from traceobject.catalog import selectors
from traceobject.catalog.models import Category, ObjectStatus
from traceobject.core.errors import ServiceError
from traceobject.core.pagecache import shared_cache_headers
from traceobject.core.ratelimit import ratelimit_hit
from traceobject.core.reference import ui_language_codes
from traceobject.tips import intake, once
from traceobject.tips.models import Direction

router = Router(tags=["public"])


class ObjectFilters(Schema):
    category: Category | None = None
    campaign: str | None = None
    status: ObjectStatus | None = None
    page: QueryInt = 1
    per_page: QueryInt = selectors.PAGE_SIZE
    language: str | None = None


def _language(requested: str | None = None) -> str:
    if requested and requested in ui_language_codes():
        return requested
    return get_language() or "en"


def _object_url(ref: str, language: str) -> str:
    with override(language):
        return reverse("public:object", args=[ref])


def object_out(obj: selectors.ObjectView, language: str) -> dict[str, Any]:
    images = [
        ImageOut(width=i.width, height=i.height, full=i.full.jpeg,
                 renditions=[r.__dict__ for r in i.renditions])  # type: ignore[misc]
        for i in obj.images
    ]
    return {
        "ref": obj.ref, "title": obj.title, "description": obj.description,
        "questions": obj.questions, "category": obj.category,
        "category_label": obj.category_label, "status": obj.status,
        "campaign": obj.campaign_slug, "language": obj.language,
        "english_fields": [f for f in obj.english_fields if f != "thank_you"],
        "url": _object_url(obj.ref, language),
        "image": images[0].full if images else None,
        "images": images,
        "identified_country": obj.identified_country or None,
    }


@router.get("/objects", response={200: ObjectListOut, 400: ErrorOut, 422: ErrorOut})
def list_objects(request: HttpRequest, response: HttpResponse,
                 filters: Query[ObjectFilters]) -> dict[str, Any]:
    """Published and identified objects, one page at a time."""
    shared_cache_headers(response)
    language = _language(filters.language)
    if filters.status and filters.status not in (ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED):
        return {"items": [], "count": 0, "page": 1, "pages": 1}
    page = selectors.object_list(
        language=language, category=filters.category, campaign=filters.campaign,
        status=filters.status, page=max(1, min(filters.page, 100_000)),
        per_page=filters.per_page,
    )
    return {"items": [object_out(o, language) for o in page.items], "count": page.count,
            "page": page.number, "pages": page.num_pages}


@router.get("/objects/{ref}", response={200: ObjectOut, 400: ErrorOut, 404: ErrorOut})
def get_object(request: HttpRequest, response: HttpResponse, ref: str,
               language: str | None = None) -> dict[str, Any]:
    lang = _language(language)
    found = object_out(selectors.object_get(ref=ref, language=lang), lang)
    shared_cache_headers(response)  # only an object that exists: a 404 is not kept
    return found


IDEMPOTENCY_KEY = Header(
    default=None, alias="Idempotency-Key",
    description=(
        "Optional: a key of your choosing (a random UUID is best) that makes a retry safe. The "
        f"same key within {once.LIFETIME.days * 24} hours gets the same answer again and "
        "stores nothing twice; the same key with another request (another body, object or "
        "X-Receipt) is refused with 422. 1 to "
        f"{once.KEY_MAX} visible ASCII characters, else 400."),
    example="0b6e3c1e-5d2f-4a8e-9a61-3f2d8c7b9e10",
)


def _idempotency(request: HttpRequest, scope: str, key: str | None, x_receipt: str | None
                 ) -> tuple[once.Claim | None, once.Answer | None]:
    """The claim of an Idempotency-Key header (None without one) and the answer it already
    has (None for a new key). The header is read as sent: an empty one is refused too."""
    key = once.api_key_check(request.META.get("HTTP_IDEMPOTENCY_KEY", key))
    if key is None:
        return None, None
    # The request it stands for: the object (in the path), the receipt and the body as sent.
    signature = b"\0".join([request.path.encode(), (x_receipt or "").encode(), request.body])
    claim = once.api_claim(scope=scope, key=key, request=signature)
    return claim, once.find(claim)


def _replayed(answer: once.Answer) -> Status:
    """The answer recorded with the key (an API key's answer is kept for its whole life)."""
    return Status(answer.status, answer.body)


@router.post("/objects/{ref}/tips",
             response={201: ReceiptOut, 400: ErrorOut, 404: ErrorOut, 413: ErrorOut,
                       415: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def submit_tip(request: HttpRequest, response: HttpResponse, ref: str, payload: TipIn,
               x_receipt: str | None = Header(default=None, alias="X-Receipt"),
               idempotency_key: str | None = IDEMPOTENCY_KEY,
               ) -> Status:
    """Send a tip. It is sealed at once; the answer holds the receipt, shown only this once
    (or again, to a retry with the same Idempotency-Key and request)."""
    response["Cache-Control"] = "no-store"
    _require_json(request)
    ratelimit_hit(request, "tip")
    claim, answer = _idempotency(request, "tip", idempotency_key, x_receipt)
    if answer is not None:
        return _replayed(answer)
    data = payload.dict()
    data["language"] = data.get("language") or _language()
    tip = intake.tip_validate(data)
    pending = once.Pending(claim=claim, status=201, body={}) if claim is not None else None
    try:
        receipt = intake.tip_submit(ref=ref, tip=tip, receipt=x_receipt or None, once=pending)
    except once.Taken:  # sent twice at once: the first one stored it (422 if it was another
        assert claim is not None  # request with the same key)
        found = once.find(claim)
        if found is None:
            raise
        return _replayed(found)
    return Status(201, {"receipt": receipt})


def _require_json(request: HttpRequest) -> None:
    """Only JSON bodies: a form-encoded or text/plain POST from another site is refused (it
    would need no CORS preflight)."""
    if request.content_type != "application/json":
        raise ServiceError("unsupported_media_type",
                           _("Send the body as JSON (Content-Type: application/json)."),
                           status=415)


def _require_receipt(request: HttpRequest, x_receipt: str | None) -> str:
    ratelimit_hit(request, "receipt")
    if not x_receipt:
        raise ServiceError("receipt_required", _("Send your receipt in the X-Receipt header."),
                           status=401)
    return x_receipt


@router.get("/mailbox", response={200: MailboxOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut,
                                  429: ErrorOut})
def get_mailbox(request: HttpRequest, response: HttpResponse,
                x_receipt: str | None = Header(default=None, alias="X-Receipt")) -> Any:
    """The tipster's tips and messages, for the receipt in the X-Receipt header, in time
    order. The tipster's own words (tips, answers) are not sent back."""
    response["Cache-Control"] = "no-store"
    box = intake.mailbox_open(receipt=_require_receipt(request, x_receipt))
    return {"tips": box.tips,
            "messages": [m for m in box.messages if m.direction != Direction.TIP_COPY]}


@router.post("/mailbox/replies",
             response={204: None, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 413: ErrorOut,
                       415: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def reply(request: HttpRequest, response: HttpResponse, payload: ReplyIn,
          x_receipt: str | None = Header(default=None, alias="X-Receipt"),
          idempotency_key: str | None = IDEMPOTENCY_KEY) -> Status:
    """Answer the investigators' questions, or add to one of your tips (`tip`: its number in
    GET /mailbox)."""
    response["Cache-Control"] = "no-store"
    _require_json(request)
    receipt = _require_receipt(request, x_receipt)
    ratelimit_hit(request, "tip")
    claim, answer = _idempotency(request, "reply", idempotency_key, x_receipt)
    if answer is not None:
        return Status(answer.status, None)
    pending = once.Pending(claim=claim, status=204, body={}) if claim is not None else None
    try:
        intake.mailbox_reply(receipt=receipt, text=payload.text, tip=payload.tip,
                             language=_language(payload.language), once=pending)
    except once.Taken:  # sent twice at once: the first one stored it (422 if it was another
        assert claim is not None  # request with the same key)
        once.find(claim)
    return Status(204, None)
