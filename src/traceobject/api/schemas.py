from __future__ import annotations

from datetime import datetime

from ninja import Schema


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
