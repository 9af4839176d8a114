from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator

from traceobject.core.inputs import is_storable

# Row ids are 64-bit signed integers in every database: a larger number cannot name a row (and
# overflows SQLite's integers), so input ids are bounded here and answer 422 like other bad
# input.
DB_ID_MAX = 2**63 - 1
DbId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]


def _storable(value: str) -> str:
    if not is_storable(value):
        raise ValueError(_("This contains characters that cannot be stored."))
    return value


# Text that goes into a query as it is: a NUL (PostgreSQL refuses it) or a lone surrogate is 422.
StorableStr = Annotated[str, AfterValidator(_storable)]


class RenditionOut(Schema):
    width: int
    jpeg: str
    webp: str


class ImageOut(Schema):
    width: int
    height: int
    full: str
    renditions: list[RenditionOut]


class ObjectOut(Schema):
    ref: str
    title: str
    description: str
    questions: list[str]
    category: str
    category_label: str
    status: str
    campaign: str | None
    language: str
    url: str
    image: str | None
    images: list[ImageOut]
    identified_country: str | None


class ObjectListOut(Schema):
    items: list[ObjectOut]
    count: int
    page: int
    pages: int


class TipIn(Schema):
    text: str
    country: str | None = None
    place: str | None = None
    seen_when: str | None = None
    contact_email: str | None = None
    language: str | None = None


class ReceiptOut(Schema):
    receipt: str


class MailboxTipOut(Schema):
    ref: str
    status: str
    status_label: str
    received_at: datetime


class MailboxMessageOut(Schema):
    direction: str
    text: str
    created_at: datetime
    ref: str | None


class MailboxOut(Schema):
    tips: list[MailboxTipOut]
    messages: list[MailboxMessageOut]


class ReplyIn(Schema):
    text: str


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(Schema):
    error: ErrorDetail
