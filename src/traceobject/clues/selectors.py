"""Reads of stored clues and country estimates: the clues an estimate fuses, and the pages,
the API and routing's authority suggestion. Nothing here writes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from traceobject import geo
from traceobject.catalog.models import TracedObject
from traceobject.clues.models import (
    CLUE_READER,
    BrandLink,
    ClueRecord,
    ClueScan,
    EstimateRecord,
    Source,
)
from traceobject.clues.worldmap import WorldMap, percent, world_map
from traceobject.evidence.models import Case, Crop, EvidenceImage
from traceobject.geo.countries import country_codes, country_name
from traceobject.geo.fusion import ESTIMATED, INCONCLUSIVE, NO_CLUES, listing_threshold
from traceobject.geo.reference import TAGS

TOP_LISTED = 15  # countries in the ranked list, at most (only those geo.fusion lists)
TIP_CLUES_LISTED = 100
IMAGE_CLUES_LISTED = 200

#: Trust in a tip by triage state (geo.TRIAGE_WEIGHTS, plus the states after triage): tip
#: clues are stored at full trust and weighted by their tip's state when read.
STATE_TRUST: dict[str, float] = {
    **geo.TRIAGE_WEIGHTS,
    "forwarded": geo.TRIAGE_WEIGHTS["useful"],  # found useful and passed on
    "closed": geo.TRIAGE_WEIGHTS["new"],  # done with, for reasons not recorded as a state
}
#: How geo words a brand clue: "tip mentions brand NAME -> ...".
BRAND_REASON = "tip mentions brand "


# --------------------------------------------------------------------------- stored clues


def clue_from_payload(payload: Mapping[str, Any], *, weight: float | None = None,
                      reason: str | None = None, id: str | None = None) -> geo.Clue | None:
    """A geo.Clue from a stored payload (None if the payload is damaged)."""
    try:
        likelihoods = {str(c): float(v) for c, v in dict(payload["likelihoods"]).items()}
        stored_weight = float(payload["weight"])
        floor = float(payload["floor"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not (math.isfinite(stored_weight) and math.isfinite(floor)):
        return None
    return geo.Clue(
        kind=str(payload.get("kind", "")),
        likelihoods=likelihoods,
        reason=str(reason if reason is not None else payload.get("reason", "")),
        weight=stored_weight if weight is None else weight,
        floor=floor,
        source=str(payload.get("source", "")),
        id=id if id is not None else (str(payload["id"]) if payload.get("id") else None),
        value=str(payload.get("value", "")),
    )


def _tip_reason(reason: str, state: str) -> str:
    return reason.removesuffix(" (useful)") + f" ({state})" if reason.endswith(
        " (useful)") else reason


def _tip_rows_to_clues(rows: Iterable[tuple[Any, ...]]) -> tuple[list[geo.Clue], dict[str, int]]:
    """(payload, tip id, state, cluster id) rows -> weighted clues and the cluster map."""
    clues: list[geo.Clue] = []
    cluster_of: dict[str, int] = {}
    for payload, tip_id, state, cluster_id in rows:
        trust = STATE_TRUST.get(state, STATE_TRUST["new"])
        stored = float(payload.get("weight", 0.0)) if isinstance(payload, dict) else 0.0
        clue = clue_from_payload(payload, weight=stored * trust,
                                 reason=_tip_reason(str(payload.get("reason", "")), state),
                                 id=f"tip:{tip_id}")
        if clue is not None:
            clues.append(clue)
        if cluster_id is not None:
            cluster_of[f"tip:{tip_id}"] = cluster_id
    return clues, cluster_of


def _rows_to_clues(payloads: Iterable[Any]) -> list[geo.Clue]:
    out = []
    for payload in payloads:
        clue = clue_from_payload(payload) if isinstance(payload, dict) else None
        if clue is not None:
            out.append(clue)
    return out


def _distinct(clues: list[geo.Clue]) -> list[geo.Clue]:
    """One of each reading (the crop and the image it was cut from read the same label):
    the fusion would count them once anyway, and the reasons then say it once."""
    best: dict[tuple[str | None, str], geo.Clue] = {}
    for clue in clues:
        key = (clue.id, clue.reason)
        if key not in best or clue.weight > best[key].weight:
            best[key] = clue
    return list(best.values())


def object_clues(obj: TracedObject) -> tuple[list[geo.Clue], dict[str, int]]:
    """Every stored clue about ``obj``: its crop and the evidence image the crop was cut
    from, its tips (weighted by state), investigators' tags and notes."""
    crop_image_ids = list(Crop.objects.filter(traced_object=obj).values_list("image_id",
                                                                             flat=True))
    image_rows = ClueRecord.objects.filter(
        Q(crop__traced_object=obj) | Q(image_id__in=crop_image_ids), source=Source.IMAGE
    ).values_list("payload", flat=True)
    own_rows = ClueRecord.objects.filter(object=obj, source__in=(Source.TAG, Source.NOTE)
                                   ).values_list("payload", flat=True)
    clues = _distinct(_rows_to_clues(image_rows)) + _rows_to_clues(own_rows)
    tip_rows = ClueRecord.objects.filter(source=Source.TIP, tip__object=obj).values_list(
        "payload", "tip_id", "tip__state", "tip__cluster_id")
    tip_clues, cluster_of = _tip_rows_to_clues(tip_rows)
    return clues + tip_clues, cluster_of


def case_image_ids(case: Case) -> QuerySet[EvidenceImage, int]:
    return EvidenceImage.objects.filter(files__case=case).values_list("id", flat=True)


def case_clues(case: Case) -> list[geo.Clue]:
    """Every stored clue about a case: its evidence images and their crops, and
    investigators' tags and notes on the case."""
    image_ids = case_image_ids(case)
    images = ClueRecord.objects.filter(
        Q(image_id__in=image_ids) | Q(crop__image_id__in=image_ids), source=Source.IMAGE
    ).values_list("payload", flat=True)
    own = ClueRecord.objects.filter(case=case, source__in=(Source.TAG, Source.NOTE)
                              ).values_list("payload", flat=True)
    return _distinct(_rows_to_clues(images)) + _rows_to_clues(own)


def case_images_unread(case: Case) -> list[int]:
    """Ids of the case's evidence images never read for clues, or read by an older reader
    (:data:`~traceobject.clues.models.CLUE_READER`)."""
    return list(EvidenceImage.objects.filter(Q(clue_scan__isnull=True)
                                             | Q(clue_scan__reader__lt=CLUE_READER),
                                             files__case=case)
                .values_list("id", flat=True).distinct().order_by("id"))


def cases_of_images(image_ids: Iterable[int]) -> set[int]:
    """Ids of the cases holding any of the evidence images."""
    return set(Case.objects.filter(files__image_id__in=list(image_ids))
               .values_list("id", flat=True).distinct())


# --------------------------------------------------------------------------- rankings


def _listed_countries(estimate: EstimateRecord | None) -> list[tuple[str, float]]:
    """(code, p) of the stored estimate's listed countries, most likely first: those at
    or above geo's listing threshold (records stored before it held every country)."""
    if estimate is None or not estimate.best:
        return []
    threshold = listing_threshold()
    out: list[tuple[str, float]] = []
    for item in estimate.probabilities:
        try:
            code, p = str(item["code"]), float(item["p"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(p) and p >= threshold:
            out.append((code, p))
    out.sort(key=lambda item: (-item[1], item[0]))
    return out


def object_country_ranking(obj: TracedObject) -> list[tuple[str, float]]:
    """(country code, probability), most likely first, from the stored estimate.

    Only countries the clues lifted clearly above the rest (geo.fusion's listing
    threshold): empty when the object has no estimate yet, no clue counted or no country
    stands out, so that nothing is suggested without evidence."""
    return _listed_countries(EstimateRecord.objects.filter(object=obj).first())


def case_country_ranking(case: Case) -> list[tuple[str, float]]:
    """As :func:`object_country_ranking`, for a case."""
    return _listed_countries(EstimateRecord.objects.filter(case=case).first())


# --------------------------------------------------------------------------- page / API view


@dataclass(frozen=True)
class RankedCountry:
    code: str
    name: str
    p: float

    @property
    def percent(self) -> str:
        return percent(self.p)


@dataclass(frozen=True)
class ClueView:
    id: int
    source: str  # image / tip / tag / note
    kind: str
    reason: str
    value: str
    weight: float  # as it counts now (tips: times the trust in their state)
    favours: str  # "PL 0.93, CZ 0.04" or "against DE" or "11 countries (...)"
    crop_id: int | None = None
    image_id: int | None = None
    tip_id: int | None = None
    tip_state: str = ""
    created_by: str = ""
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": self.source, "kind": self.kind, "reason": self.reason,
            "value": self.value, "weight": round(self.weight, 4), "favours": self.favours,
            "crop": self.crop_id, "image": self.image_id, "tip": self.tip_id,
            "tip_state": self.tip_state or None, "created_by": self.created_by or None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True)
class ReadingStatus:
    """How far the images were read for clues."""

    images: int = 0  # images (crop + source image, or the case's evidence images)
    read: int = 0
    failed: int = 0
    text: str = ""  # what OCR read in the object's crop

    @property
    def pending(self) -> int:
        return self.images - self.read


@dataclass(frozen=True)
class EstimateView:
    subject: str  # "object" or "case"
    ref: str
    computed: bool  # False: never computed
    flat: bool  # no estimate: no clue counted, or no country stands out
    ranked: list[RankedCountry]
    reasons: list[str]
    computed_at: datetime | None
    clue_count: int
    evidence_count: int
    ignored_count: int
    map: WorldMap
    clues: list[ClueView] = field(default_factory=list)
    tip_clues_more: int = 0  # tip clues not listed
    reading: ReadingStatus = field(default_factory=ReadingStatus)

    @property
    def best(self) -> RankedCountry | None:
        return None if self.flat or not self.ranked else self.ranked[0]

    @property
    def status(self) -> str:
        """"not_computed", "no_clues", "inconclusive" (clues, but no country stands out)
        or "estimate"."""
        if not self.computed:
            return "not_computed"
        if self.best is not None:
            return ESTIMATED
        return NO_CLUES if self.evidence_count == 0 else INCONCLUSIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "ref": self.ref, "computed": self.computed,
            "status": self.status,
            "best": self.best.code if self.best else None,
            "countries": [{"code": r.code, "name": r.name, "p": round(r.p, 4)}
                          for r in self.ranked],
            "reasons": list(self.reasons),
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "clue_count": self.clue_count, "evidence_count": self.evidence_count,
            "ignored_count": self.ignored_count,
            "clues": [c.to_dict() for c in self.clues],
            "tip_clues_not_listed": self.tip_clues_more,
            "images": {"total": self.reading.images, "read": self.reading.read,
                       "failed": self.reading.failed},
        }


def _favours(payload: dict[str, Any]) -> str:
    clue = clue_from_payload(payload)
    if clue is None:
        return ""
    top = clue.top(3)
    if top and top[0][1] >= 0.25:
        return ", ".join(f"{c} {share:.2f}" for c, share in top)
    if top:  # spread over many countries alike (€, plug type C): count those near the peak
        peak = max(clue.likelihoods.values())
        return f"{sum(1 for v in clue.likelihoods.values() if v > clue.floor and v >= peak / 2)}" \
            " countries"
    against = clue.against()
    return "against " + ", ".join(against[:5]) if against else ""


def _clue_view(row: ClueRecord, *, tip_state: str = "") -> ClueView:
    payload = row.payload if isinstance(row.payload, dict) else {}
    try:
        weight = float(payload.get("weight", 0.0))
    except (TypeError, ValueError):
        weight = 0.0
    reason = str(payload.get("reason", ""))
    if tip_state:
        weight *= STATE_TRUST.get(tip_state, STATE_TRUST["new"])
        if reason.endswith(" (useful)"):
            reason = reason.removesuffix(" (useful)") + f" ({tip_state})"
    return ClueView(
        id=row.pk, source=row.source, kind=row.kind, reason=reason,
        value=str(payload.get("value", "")), weight=weight, favours=_favours(payload),
        crop_id=row.crop_id, image_id=row.image_id, tip_id=row.tip_id, tip_state=tip_state,
        created_by=row.created_by.get_username() if row.created_by else "",
        created_at=row.created_at,
    )


def _view(*, subject: str, ref: str, estimate: EstimateRecord | None,
          clues: list[ClueView], tip_more: int, reading: ReadingStatus) -> EstimateView:
    listed = _listed_countries(estimate)
    flat = not listed
    ranked = [RankedCountry(c, country_name(c), p) for c, p in listed[:TOP_LISTED]]
    return EstimateView(
        subject=subject, ref=ref, computed=estimate is not None, flat=flat,
        ranked=ranked,
        reasons=list(estimate.reasons) if estimate else [],
        computed_at=estimate.computed_at if estimate else None,
        clue_count=estimate.clue_count if estimate else 0,
        evidence_count=estimate.evidence_count if estimate else 0,
        ignored_count=estimate.ignored_count if estimate else 0,
        map=world_map(dict(listed), top=None if flat else listed[0][0]),
        clues=clues, tip_clues_more=tip_more, reading=reading,
    )


def _listed(rows: QuerySet[ClueRecord], limit: int) -> list[ClueRecord]:
    return list(rows.select_related("created_by").order_by("created_at", "id")[:limit])


def object_estimate_view(obj: TracedObject) -> EstimateView:
    """The stored estimate of ``obj`` with its clues, for the page and the API."""
    crop = Crop.objects.filter(traced_object=obj).first()
    image_q = Q(crop=crop) | Q(image_id=crop.image_id) if crop is not None else Q(pk__in=[])
    own = _listed(ClueRecord.objects.filter(object=obj, source__in=(Source.TAG, Source.NOTE)), 500)
    images = _listed(ClueRecord.objects.filter(image_q, source=Source.IMAGE), IMAGE_CLUES_LISTED)
    tip_rows = (ClueRecord.objects.filter(source=Source.TIP, tip__object=obj)
                .select_related("tip").only(
                    "id", "source", "kind", "payload", "crop_id", "image_id", "tip_id",
                    "created_at", "created_by_id", "tip__id", "tip__state"))
    tip_total = tip_rows.count()
    tips = list(tip_rows.order_by("tip_id", "id")[:TIP_CLUES_LISTED])
    clues = ([_clue_view(r) for r in own] + [_clue_view(r) for r in images]
             + [_clue_view(r, tip_state=r.tip.state) for r in tips if r.tip is not None])
    reading = ReadingStatus()
    if crop is not None:
        scans = list(ClueScan.objects.filter(Q(crop=crop) | Q(image_id=crop.image_id)))
        crop_scan = next((s for s in scans if s.crop_id == crop.pk), None)
        reading = ReadingStatus(images=2, read=len(scans),
                                failed=sum(1 for s in scans if s.error),
                                text=crop_scan.text if crop_scan else "")
    return _view(subject="object", ref=obj.ref,
                 estimate=EstimateRecord.objects.filter(object=obj).first(), clues=clues,
                 tip_more=max(0, tip_total - len(tips)), reading=reading)


def case_estimate_view(case: Case) -> EstimateView:
    """The stored estimate of a case with its clues."""
    image_ids = case_image_ids(case)
    own = _listed(ClueRecord.objects.filter(case=case, source__in=(Source.TAG, Source.NOTE)), 500)
    images = _listed(ClueRecord.objects.filter(
        Q(image_id__in=image_ids) | Q(crop__image_id__in=image_ids), source=Source.IMAGE),
        IMAGE_CLUES_LISTED)
    total = EvidenceImage.objects.filter(files__case=case).distinct().count()
    scans = ClueScan.objects.filter(image_id__in=image_ids)
    reading = ReadingStatus(images=total, read=scans.count(),
                            failed=scans.exclude(error="").count())
    return _view(subject="case", ref=case.ref,
                 estimate=EstimateRecord.objects.filter(case=case).first(),
                 clues=[_clue_view(r) for r in own + images], tip_more=0, reading=reading)


def clue_belongs_to(clue: ClueRecord, *, obj: TracedObject | None = None,
                    case: Case | None = None) -> bool:
    """Whether ``clue`` is one of the clues shown for ``obj`` (or ``case``)."""
    if obj is not None:
        crop = Crop.objects.filter(traced_object=obj).values("id", "image_id").first()
        return bool(
            clue.object_id == obj.pk
            or (clue.tip_id is not None and clue.tip is not None
                and clue.tip.object_id == obj.pk)
            or (crop is not None and (clue.crop_id == crop["id"]
                                      or clue.image_id == crop["image_id"]))
        )
    if case is not None:
        if clue.case_id == case.pk:
            return True
        ids = case_image_ids(case)
        return bool(
            (clue.image_id is not None and ids.filter(id=clue.image_id).exists())
            or (clue.crop_id is not None
                and Crop.objects.filter(pk=clue.crop_id, image_id__in=ids).exists())
        )
    return False


def tag_choices() -> list[tuple[str, str]]:
    """(tag, "tag: help") of the tags investigators may set, for forms."""
    tags = [*TAGS.items(), ("language", "ISO 639-1 code of the text on the object, e.g. 'pl'")]
    return [(name, f"{name}: {hint}") for name, hint in tags]


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country an estimate ranges over, sorted by name."""
    return sorted(((c, country_name(c)) for c in country_codes()), key=lambda i: i[1])


# --------------------------------------------------------------------------- brand links


def brand_links_map() -> dict[str, str]:
    """{name: country} of every shop and brand name linked to a country (what tips are
    read with; read it once per batch of tips, not per tip)."""
    return dict(BrandLink.objects.values_list("name", "country"))


@dataclass(frozen=True)
class BrandLinkView:
    link: BrandLink
    country_name: str
    tips: int  # tips read so far in which the name was found

    @property
    def created_by(self) -> str:
        user = self.link.created_by
        return user.get_username() if user is not None else ""


def _brand_tip_counts() -> dict[str, int]:
    """name -> number of tips whose stored clues include a brand clue for it."""
    rows = ClueRecord.objects.filter(source=Source.TIP, payload__reason__startswith=BRAND_REASON
                               ).values_list("tip_id", "payload__reason")
    tips: dict[str, set[int]] = {}
    for tip_id, reason in rows:
        name, arrow, _rest = str(reason).removeprefix(BRAND_REASON).rpartition(" -> ")
        if arrow and tip_id is not None:
            tips.setdefault(name, set()).add(tip_id)
    return {name: len(ids) for name, ids in tips.items()}


def brand_links_list() -> list[BrandLinkView]:
    """Every brand link with the number of tips found naming it, by name."""
    counts = _brand_tip_counts()
    links = BrandLink.objects.select_related("created_by").order_by("key")
    return [BrandLinkView(link, country_name(link.country), counts.get(link.name, 0))
            for link in links]
