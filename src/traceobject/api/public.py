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
from traceobject.tips import intake

router = Router(tags=["public"])


class ObjectFilters(Schema):
    category: Category | None = None
    campaign: str | None = None
    status: ObjectStatus | None = None
    page: int = 1
    per_page: int = selectors.PAGE_SIZE
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


@router.post("/objects/{ref}/tips",
             response={201: ReceiptOut, 400: ErrorOut, 404: ErrorOut, 413: ErrorOut,
                       415: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def submit_tip(request: HttpRequest, ref: str, payload: TipIn,
               x_receipt: str | None = Header(default=None, alias="X-Receipt"),
               ) -> Status:
    """Send a tip. It is sealed at once; the answer holds the receipt, shown only this once."""
    _require_json(request)
    ratelimit_hit(request, "tip")
    data = payload.dict()
    data["language"] = data.get("language") or _language()
    tip = intake.tip_validate(data)
    receipt = intake.tip_submit(ref=ref, tip=tip, receipt=x_receipt or None)
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
    """The tipster's tips and messages, for the receipt in the X-Receipt header."""
    response["Cache-Control"] = "no-store"
    return intake.mailbox_open(receipt=_require_receipt(request, x_receipt))


@router.post("/mailbox/replies",
             response={204: None, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 413: ErrorOut,
                       415: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def reply(request: HttpRequest, payload: ReplyIn,
          x_receipt: str | None = Header(default=None, alias="X-Receipt")) -> Status:
    """Answer the investigators' questions."""
    _require_json(request)
    receipt = _require_receipt(request, x_receipt)
    ratelimit_hit(request, "tip")
    intake.mailbox_reply(receipt=receipt, text=payload.text)
    return Status(204, None)
