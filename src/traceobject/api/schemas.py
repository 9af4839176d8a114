from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from traceobject.core.inputs import is_storable
from traceobject.tips import intake

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


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _digits(value: object) -> object:
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
        raise ValueError(_("Write a whole number in digits."))
    return value


# A number in the query string, written in ASCII digits (with a minus sign where the bounds
# allow one): pydantic alone would read "9\r", " 9" or "9_0" as numbers, which the documents
# (OpenAPI: integer) do not allow.
QueryInt = Annotated[int, BeforeValidator(_digits)]


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
    # The texts given in English because the requested language lacks them (a page shows
    # them marked "shown in English"): "title", "description", "questions".
    english_fields: list[str] = Field(default_factory=list)
    url: str
    image: str | None
    images: list[ImageOut]
    identified_country: str | None


class ObjectListOut(Schema):
    items: list[ObjectOut]
    count: int
    page: int
    pages: int


def _limits(minimum: int | None, maximum: int, description: str = "") -> Any:
    """Length limits stated in the OpenAPI document only: intake.tip_validate and
    intake.mailbox_reply check them (on the trimmed text) with messages in the tipster's
    language. With a minimum the field is required, else optional (null)."""
    extra: dict[str, Any] = {"maxLength": maximum}
    if minimum is not None:
        extra["minLength"] = minimum
        return Field(json_schema_extra=extra, description=description or None)
    return Field(default=None, json_schema_extra=extra, description=description or None)


class TipIn(Schema):
    text: str = _limits(intake.TEXT_MIN, intake.TEXT_MAX,
                        f"What you know about the object: {intake.TEXT_MIN} to "
                        f"{intake.TEXT_MAX:,} characters, spaces at either end not counted.")
    country: str | None = _limits(None, 2, "ISO 3166-1 alpha-2 code")
    place: str | None = _limits(None, intake.PLACE_MAX)
    seen_when: str | None = _limits(None, intake.WHEN_MAX)
    contact_email: str | None = _limits(None, intake.EMAIL_MAX)
    language: str | None = _limits(None, 8, "one of the site's languages (en, de, ...)")


class ReceiptOut(Schema):
    receipt: str


class MailboxTipOut(Schema):
    number: int = Field(description="1, 2, ... in the mailbox's order (oldest first)")
    ref: str
    status: str
    status_label: str
    received_at: datetime


class MailboxMessageOut(Schema):
    direction: str
    text: str
    created_at: datetime
    ref: str | None
    tip: int | None = Field(description="the number of the tip it is about")
    language: str = Field(description="the language it is written in; empty when not known")


class MailboxOut(Schema):
    tips: list[MailboxTipOut]
    messages: list[MailboxMessageOut]


class ReplyIn(Schema):
    text: str = _limits(1, intake.MESSAGE_MAX)
    tip: Annotated[int, Field(ge=1, le=10_000)] | None = Field(default=None, description=(
        "the number of the tip (in GET /mailbox) this answer or addition is about; by "
        "default the tip of the latest question, else the latest tip"))
    language: str | None = _limits(None, 8, "one of the site's languages (en, de, ...)")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(Schema):
    error: ErrorDetail
