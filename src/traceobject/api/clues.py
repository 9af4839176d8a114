"""Internal API of country estimates (investigators, token auth), mounted in the internal
NinjaAPI (:mod:`traceobject.api.internal`).

    GET objects/{ref}/country   the stored estimate of an object, its reasons and clues
    GET cases/{ref}/country     the same for a case
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from traceobject.accounts.roles import INVESTIGATOR
from traceobject.accounts.tokens import TokenAuth, api_user
from traceobject.api.schemas import ErrorOut
from traceobject.catalog.models import TracedObject
from traceobject.clues import selectors
from traceobject.core.errors import NotFound
from traceobject.evidence.models import Case

router = Router(tags=["clues"], auth=TokenAuth())


class CountryOut(Schema):
    code: str
    name: str
    p: float


class ClueOut(Schema):
    id: int
    source: str
    kind: str
    reason: str
    value: str
    weight: float
    favours: str
    crop: int | None
    image: int | None
    tip: int | None
    tip_state: str | None
    created_by: str | None
    created_at: datetime | None


class ImagesOut(Schema):
    total: int
    read: int
    failed: int


class EstimateOut(Schema):
    subject: str
    ref: str
    computed: bool
    status: Literal["not_computed", "no_clues", "inconclusive", "estimate"]
    best: str | None
    countries: list[CountryOut]
    reasons: list[str]
    computed_at: datetime | None
    clue_count: int
    evidence_count: int
    ignored_count: int
    clues: list[ClueOut]
    tip_clues_not_listed: int
    images: ImagesOut


_RESPONSES: dict[int, Any] = {200: EstimateOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                              404: ErrorOut}


@router.get("objects/{ref}/country", response=_RESPONSES, summary="Country estimate of an object")
def object_country(request: HttpRequest, ref: str) -> dict[str, Any]:
    """Most likely countries first, reasons strongest first. Only countries the clues lift
    clearly above the rest are listed (at least twice 1/N and 1 %); ``status`` says why
    the list is empty: ``not_computed``, ``no_clues`` or ``inconclusive`` (clues, but no
    country stands out); ``best`` is then null."""
    api_user(request, INVESTIGATOR)
    obj = TracedObject.objects.filter(ref=ref[:32]).first()
    if obj is None:
        raise NotFound("not_found", _("No such object."))
    return selectors.object_estimate_view(obj).to_dict()


@router.get("cases/{ref}/country", response=_RESPONSES, summary="Country estimate of a case")
def case_country(request: HttpRequest, ref: str) -> dict[str, Any]:
    """As objects/{ref}/country, for the evidence images of a case."""
    api_user(request, INVESTIGATOR)
    case = Case.objects.filter(ref=ref[:64]).first()
    if case is None:
        raise NotFound("not_found", _("No such case."))
    return selectors.case_estimate_view(case).to_dict()
