"""Stored clues and country estimates: the Django side of :mod:`traceobject.geo`.

* Image clues: OCR text (its language, phone numbers, domains, prices, places) and barcodes
  (GS1 prefix) of crops and evidence images, read by tasks (~200 ms an image):
  :func:`clues_extract_for_crop`, :func:`clues_extract_for_images`.
* Tip clues: the tip's country field and what its place and text name, read once per tip
  and stored at full trust; when the estimate is computed they are weighted by the tip's
  current triage state (spam, duplicates and off-topic tips count not at all) and the tips
  of one near-duplicate cluster count once.
* Investigators' clues: tags from the reference tables (:func:`clue_tag_add`) and notes
  "country X: for/against, because ..." (:func:`clue_note_add`).
* Shop and brand names investigators link to a country (:func:`brand_link_add`,
  :func:`brand_link_remove`): every tip is read with them; a change makes the tips that
  name the brand be read again.
* The estimate (:func:`object_estimate_refresh`, :func:`case_estimate_refresh`) fuses them
  with :func:`traceobject.geo.estimate` and stores a CountryEstimate;
  :func:`object_estimate_schedule` queues a recompute when a tip or a crop changes.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks.exceptions import InvalidTaskError

from traceobject import geo
from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.audit.services import audit_record
from traceobject.catalog.models import TracedObject
from traceobject.clues.models import BrandLink, Clue, ClueScan, CountryEstimate, Source
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.text import clean_line
from traceobject.evidence.models import Case, Crop, EvidenceImage
from traceobject.geo._text import fold, words
from traceobject.geo.countries import is_country
from traceobject.geo.reference import TAGS
from traceobject.tips.models import Tip

logger = logging.getLogger(__name__)

TAG_NAMES: tuple[str, ...] = (*TAGS, "language")  # what investigators may tag
TAG_VALUE_MAX = 40
NOTE_MAX = 500
SCAN_TEXT_MAX = 4000
TIP_BATCH = 500
SCHEDULE_WINDOW = 2  # seconds: changes within it are folded into one recompute
SYNC_REFRESH_MAX = 20  # estimates refreshed at once after a deletion; the rest are queued

# Trust in a tip by triage state (geo.TRIAGE_WEIGHTS, plus the states after triage).
STATE_TRUST: dict[str, float] = {
    **geo.TRIAGE_WEIGHTS,
    "forwarded": geo.TRIAGE_WEIGHTS["useful"],  # found useful and passed on
    "closed": geo.TRIAGE_WEIGHTS["new"],  # done with, for reasons not recorded as a state
}


# --------------------------------------------------------------------------- helpers


def _require_investigator(user: Any) -> None:
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", "Only investigators work on clues.", status=403)


def _one_subject(obj: TracedObject | None, case: Case | None) -> tuple[dict[str, Any], str]:
    """The anchor fields and audit target of an object or a case (exactly one)."""
    if (obj is None) == (case is None):
        raise ServiceError("invalid_subject", "Give an object or a case.")
    if obj is not None:
        return {"object": obj}, obj.ref
    assert case is not None
    return {"case": case}, f"case {case.ref}"


def _text(value: object, *, field: str, maximum: int, required: bool = True,
          code: str = "invalid_clue") -> str:
    """One line through the one text cleaner (core.text.clean_line)."""
    return clean_line(value, field=field, max_length=maximum, required=required, code=code)


def _payload(clue: geo.Clue) -> dict[str, Any]:
    return clue.to_dict()


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


# --------------------------------------------------------------------------- image clues


@dataclass(frozen=True)
class ImageReading:
    clues: list[geo.Clue]
    text: str = ""
    error: str = ""


def _image_clue_id(clue: geo.Clue) -> str:
    """The same reading in the crop and in the image it was cut from, or in many images
    of one case, is one piece of evidence: "text is Polish" counts once."""
    return f"image:{clue.kind}:{clue.value.casefold()}"


def image_read(pixels: npt.NDArray[np.uint8]) -> ImageReading:
    """Clues in an RGB image: OCR text (language, phones, domains, prices, places) and
    barcodes (GS1 prefix; web addresses and phones in QR codes). Never raises."""
    from traceobject.vision.barcodes import gs1_country, read_barcodes
    from traceobject.vision.ocr import OcrUnavailable, read_text

    try:
        lines = read_text(pixels)
    except (OcrUnavailable, TypeError, ValueError) as error:
        return ImageReading([], error=f"OCR failed: {type(error).__name__}")
    clues = geo.clues_from_ocr(lines)
    try:
        barcodes = read_barcodes(pixels)
    except (TypeError, ValueError, RuntimeError) as error:
        logger.warning("barcode reading failed: %s", type(error).__name__)
        barcodes = []
    for barcode in barcodes:
        if barcode.gtin:
            clue = geo.clue_from_gs1_info(gs1_country(barcode.gtin), code=barcode.gtin)
            if clue is not None:
                clues.append(clue)
        elif barcode.text:
            clues.extend(geo.clues_from_text(barcode.text, source="barcode"))
    text = "\n".join(line.text for line in lines).replace("\x00", "")
    return ImageReading([c.with_id(_image_clue_id(c)) for c in clues], text[:SCAN_TEXT_MAX])


def _store_reading(reading: ImageReading, *, crop: Crop | None = None,
                   image: EvidenceImage | None = None) -> int:
    anchor: dict[str, Any] = {"crop": crop} if crop is not None else {"image": image}
    with transaction.atomic():
        Clue.objects.filter(source=Source.IMAGE, **anchor).delete()
        Clue.objects.bulk_create([
            Clue(source=Source.IMAGE, kind=c.kind, payload=_payload(c), **anchor)
            for c in reading.clues
        ])
        ClueScan.objects.update_or_create(**anchor, defaults={
            "text": reading.text, "error": reading.error[:200],
            "clue_count": len(reading.clues), "scanned_at": timezone.now(),
        })
    return len(reading.clues)


def clues_extract_for_crop(*, crop_id: int) -> int:
    """Read a crop for clues (replacing what an earlier reading stored); the estimate of
    its object and of the cases of its evidence image are then queued. Returns the number
    of clues; 0 for a crop that no longer exists."""
    from traceobject.evidence.crops import crop_pixels

    crop = Crop.objects.filter(pk=crop_id).first()
    if crop is None:
        return 0
    try:
        pixels = np.asarray(crop_pixels(crop), dtype=np.uint8)
    except (OSError, ValueError) as error:
        reading = ImageReading([], error=f"crop unreadable: {type(error).__name__}")
    else:
        reading = image_read(pixels)
    count = _store_reading(reading, crop=crop)
    if crop.traced_object_id:
        object_estimate_schedule(object_id=crop.traced_object_id)
    for case_id in _cases_of_images([crop.image_id]):
        case_estimate_schedule(case_id=case_id)
    return count


def _evidence_pixels(image: EvidenceImage) -> npt.NDArray[np.uint8]:
    from traceobject.vision.decode import decode_for_hashing
    from traceobject.vision.ocr import OCR_MAX_SIDE

    with storages["evidence"].open(image.storage_key) as fh:
        data = fh.read()
    return decode_for_hashing(data, max_side=OCR_MAX_SIDE).pixels


def clues_extract_for_image(*, image_id: int, schedule: bool = True) -> int:
    """Read one evidence image for clues; returns the number of clues (0 if it is gone)."""
    from traceobject.vision.decode import DecodeError

    image = EvidenceImage.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    try:
        pixels = _evidence_pixels(image)
    except (OSError, DecodeError, ValueError) as error:
        code = getattr(error, "reason_code", type(error).__name__)
        reading = ImageReading([], error=f"evidence unreadable: {code}")
    else:
        reading = image_read(pixels)
    count = _store_reading(reading, image=image)
    if schedule:
        _schedule_for_images([image.pk])
    return count


def clues_extract_for_images(*, image_ids: Sequence[int]) -> int:
    """Read a batch of evidence images (what ingest queues); the estimates of the cases
    and objects concerned are queued once for the batch. Returns the number of clues."""
    ids = [int(i) for i in image_ids]
    total = sum(clues_extract_for_image(image_id=i, schedule=False) for i in ids)
    _schedule_for_images(ids)
    return total


def _cases_of_images(image_ids: Iterable[int]) -> set[int]:
    return set(Case.objects.filter(files__image_id__in=list(image_ids))
               .values_list("id", flat=True).distinct())


def _schedule_for_images(image_ids: Sequence[int]) -> None:
    for case_id in _cases_of_images(image_ids):
        case_estimate_schedule(case_id=case_id)
    for object_id in (Crop.objects.filter(image_id__in=list(image_ids),
                                          traced_object__isnull=False)
                      .values_list("traced_object_id", flat=True)):
        if object_id is not None:
            object_estimate_schedule(object_id=object_id)


EVIDENCE_BATCH = 20


def evidence_clues_schedule(*, image_ids: Iterable[int]) -> int:
    """Queue reading of evidence images in batches of EVIDENCE_BATCH (after the current
    transaction commits); returns the number of tasks queued."""
    from traceobject.clues.tasks import evidence_clues_task

    ids = [int(i) for i in image_ids]
    batches = [ids[i:i + EVIDENCE_BATCH] for i in range(0, len(ids), EVIDENCE_BATCH)]
    for batch in batches:
        transaction.on_commit(partial(evidence_clues_task.enqueue, batch), robust=True)
    return len(batches)


def crop_clues_schedule(*, crop_id: int) -> None:
    """Queue reading of a new crop (after the current transaction commits)."""
    from traceobject.clues.tasks import crop_clues_task

    transaction.on_commit(lambda: crop_clues_task.enqueue(int(crop_id)), robust=True)


# --------------------------------------------------------------------------- tip clues


def _tip_clues(tip: Tip, *, brands: Mapping[str, str] | None = None) -> list[geo.Clue]:
    """A tip's clues at full trust (state "useful"); weighted by its state when fused.
    ``brands``: the shop and brand names investigators linked to countries."""
    text = "\n".join(part for part in (tip.place, tip.text) if part)
    return geo.clues_from_tip(text, country_field=tip.country or None, state="useful",
                              language=tip.language or None, brands=brands, tip_id=tip.pk)


def _tips_scan(tips: QuerySet[Tip]) -> int:
    """Read every tip of ``tips`` that was not read yet; returns how many were read."""
    from traceobject.clues.selectors import brand_links_map

    done = 0
    brands: dict[str, str] | None = None  # read once per scan, when there is a tip to read
    while True:
        batch = list(tips.filter(clue_scan__isnull=True)
                     .only("id", "text", "place", "country", "language")
                     .order_by("id")[:TIP_BATCH])
        if not batch:
            return done
        if brands is None:
            brands = brand_links_map()
        read = {tip.pk: _tip_clues(tip, brands=brands) for tip in batch}
        try:
            _tips_store(read)
        except IntegrityError:  # another worker read some of them at the same moment
            for tip_id, clues in read.items():
                try:
                    _tips_store({tip_id: clues})
                except IntegrityError:
                    continue
        done += len(batch)


def _tips_store(read: Mapping[int, list[geo.Clue]]) -> None:
    now = timezone.now()
    with transaction.atomic():
        ClueScan.objects.bulk_create([
            ClueScan(tip_id=tip_id, clue_count=len(clues), scanned_at=now)
            for tip_id, clues in read.items()
        ])
        Clue.objects.bulk_create([
            Clue(source=Source.TIP, tip_id=tip_id, kind=c.kind, payload=_payload(c),
                 created_at=now)
            for tip_id, clues in read.items() for c in clues
        ])


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


# --------------------------------------------------------------------------- gathering


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
    image_rows = Clue.objects.filter(
        Q(crop__traced_object=obj) | Q(image_id__in=crop_image_ids), source=Source.IMAGE
    ).values_list("payload", flat=True)
    own_rows = Clue.objects.filter(object=obj, source__in=(Source.TAG, Source.NOTE)
                                   ).values_list("payload", flat=True)
    clues = _distinct(_rows_to_clues(image_rows)) + _rows_to_clues(own_rows)
    tip_rows = Clue.objects.filter(source=Source.TIP, tip__object=obj).values_list(
        "payload", "tip_id", "tip__state", "tip__cluster_id")
    tip_clues, cluster_of = _tip_rows_to_clues(tip_rows)
    return clues + tip_clues, cluster_of


def case_image_ids(case: Case) -> QuerySet[EvidenceImage, int]:
    return EvidenceImage.objects.filter(files__case=case).values_list("id", flat=True)


def case_clues(case: Case) -> list[geo.Clue]:
    """Every stored clue about a case: its evidence images and their crops, and
    investigators' tags and notes on the case."""
    image_ids = case_image_ids(case)
    images = Clue.objects.filter(
        Q(image_id__in=image_ids) | Q(crop__image_id__in=image_ids), source=Source.IMAGE
    ).values_list("payload", flat=True)
    own = Clue.objects.filter(case=case, source__in=(Source.TAG, Source.NOTE)
                              ).values_list("payload", flat=True)
    return _distinct(_rows_to_clues(images)) + _rows_to_clues(own)


def _store_estimate(result: geo.CountryEstimate, **subject: Any) -> CountryEstimate:
    probabilities = [{"code": c, "p": round(p, 6)} for c, p in result.ranked()]
    estimate, _created = CountryEstimate.objects.update_or_create(**subject, defaults={
        "probabilities": probabilities,
        "reasons": list(result.reasons),
        "best": result.best or "",
        "clue_count": result.clue_count,
        "evidence_count": result.evidence_count,
        "ignored_count": result.ignored_count,
        "computed_at": timezone.now(),
    })
    return estimate


def object_estimate_refresh(*, obj: TracedObject, read_images: bool = False) -> CountryEstimate:
    """Read the object's new tips, fuse every clue and store the CountryEstimate.

    ``read_images``: also read the object's crop and its evidence image now if they were
    never read (slow: OCR; the tasks normally do it)."""
    _tips_scan(Tip.objects.filter(object=obj))
    if read_images:
        crop = Crop.objects.filter(traced_object=obj).first()
        if crop is not None:
            if not ClueScan.objects.filter(crop=crop).exists():
                clues_extract_for_crop(crop_id=crop.pk)
            if not ClueScan.objects.filter(image_id=crop.image_id).exists():
                clues_extract_for_image(image_id=crop.image_id, schedule=False)
    clues, cluster_of = object_clues(obj)
    result = geo.estimate(clues, cluster_of=cluster_of)
    with transaction.atomic():
        return _store_estimate(result, object=obj)


def case_estimate_refresh(*, case: Case) -> CountryEstimate:
    """Fuse the clues of the case's evidence images (and tags and notes on the case)."""
    result = geo.estimate(case_clues(case))
    with transaction.atomic():
        return _store_estimate(result, case=case)


def case_images_unread(case: Case) -> list[int]:
    return list(EvidenceImage.objects.filter(files__case=case, clue_scan__isnull=True)
                .values_list("id", flat=True).distinct().order_by("id"))


# --------------------------------------------------------------------------- scheduling


def _schedule(key: str, enqueue: Callable[..., Any], deferred: Callable[..., Any]) -> None:
    """One task per window and key: changes within the window are folded into the task,
    which runs after the window and so sees all of them (tips.intake does the same)."""
    if not cache.add(key, 1, timeout=SCHEDULE_WINDOW):
        return
    try:
        deferred(timezone.now() + timedelta(seconds=SCHEDULE_WINDOW))
    except InvalidTaskError:  # a backend without deferral: run soon, let the next change
        cache.delete(key)  # schedule its own run
        enqueue()


def object_estimate_schedule(*, object_id: int) -> None:
    """Queue a recompute of the object's estimate once the current transaction commits
    (at most one pending per object and window). Cheap: call it on every change of a tip
    (opened, state, cluster) or crop."""
    from traceobject.clues.tasks import object_estimate_task

    oid = int(object_id)
    transaction.on_commit(lambda: _schedule(
        f"clues:object-estimate:{oid}",
        lambda: object_estimate_task.enqueue(oid),
        lambda at: object_estimate_task.using(run_after=at).enqueue(oid),
    ), robust=True)


def case_estimate_schedule(*, case_id: int) -> None:
    """Queue a recompute of the case's estimate (as :func:`object_estimate_schedule`)."""
    from traceobject.clues.tasks import case_estimate_task

    cid = int(case_id)
    transaction.on_commit(lambda: _schedule(
        f"clues:case-estimate:{cid}",
        lambda: case_estimate_task.enqueue(cid),
        lambda at: case_estimate_task.using(run_after=at).enqueue(cid),
    ), robust=True)


# --------------------------------------------------------------------------- investigators


def clue_tag_add(*, user: Any, tag: str, value: str, obj: TracedObject | None = None,
                 case: Case | None = None) -> Clue:
    """An investigator's tag ("plug" = "G") from the reference tables, on an object or a
    case; the estimate is recomputed. Unknown tags and values are refused."""
    _require_investigator(user)
    anchor, target = _one_subject(obj, case)
    name = _text(tag, field="tag", maximum=40).lower()
    if name not in TAG_NAMES:
        raise ServiceError("invalid_tag", f"Unknown tag {name!r}.", fields={"tag": "unknown"})
    raw = _text(value, field="value", maximum=TAG_VALUE_MAX)
    try:
        clue = geo.clue_from_tag(name, raw)
    except geo.TagError as error:
        raise ServiceError("invalid_tag", str(error), fields={"value": str(error)}) from None
    with transaction.atomic():
        row = Clue.objects.create(source=Source.TAG, kind=clue.kind, payload=_payload(clue),
                                  created_by=user, **anchor)
        audit_record(actor=user, action="clue.tag_add", target=target,
                     data={"clue": row.pk, "tag": name, "value": clue.value})
    _refresh(obj=obj, case=case)
    return row


def clue_note_add(*, user: Any, country: str, stance: str, because: str,
                  obj: TracedObject | None = None, case: Case | None = None) -> Clue:
    """An investigator's note "country X: for/against, because ..."; the estimate is
    recomputed. The reason is required (up to NOTE_MAX characters)."""
    _require_investigator(user)
    anchor, target = _one_subject(obj, case)
    code = _text(country, field="country", maximum=2).upper()
    if not is_country(code):
        raise ServiceError("invalid_country", f"{code!r} is not a country code.",
                           fields={"country": "unknown country"})
    if stance not in ("for", "against"):
        raise ServiceError("invalid_clue", "The stance is 'for' or 'against'.",
                           fields={"stance": "for or against"})
    reason = _text(because, field="because", maximum=NOTE_MAX)
    clue = geo.clue_from_note(code, stance == "for", reason)
    with transaction.atomic():
        row = Clue.objects.create(source=Source.NOTE, kind=clue.kind, payload=_payload(clue),
                                  created_by=user, **anchor)
        audit_record(actor=user, action="clue.note_add", target=target,
                     data={"clue": row.pk, "country": code, "stance": stance,
                           "because": reason})
    _refresh(obj=obj, case=case)
    return row


def clue_delete(*, clue: Clue, user: Any) -> None:
    """Delete a clue (a wrong tag, a misread label); the estimates it fed are recomputed.
    A deleted image or tip clue stays deleted: a source is read only once."""
    _require_investigator(user)
    objects, cases = _affected(clue)
    with transaction.atomic():
        data = {"source": clue.source, "kind": clue.kind,
                "reason": str(clue.payload.get("reason", ""))[:300],
                "crop": clue.crop_id, "image": clue.image_id, "tip": clue.tip_id}
        target = f"clue {clue.pk}"
        clue.delete()
        audit_record(actor=user, action="clue.delete", target=target, data=data)
    for n, object_id in enumerate(sorted(objects)):
        found = TracedObject.objects.filter(pk=object_id).first()
        if found is not None and n < SYNC_REFRESH_MAX:
            object_estimate_refresh(obj=found)
        elif found is not None:
            object_estimate_schedule(object_id=object_id)
    for n, case_id in enumerate(sorted(cases)):
        found_case = Case.objects.filter(pk=case_id).first()
        if found_case is not None and n < SYNC_REFRESH_MAX:
            case_estimate_refresh(case=found_case)
        elif found_case is not None:
            case_estimate_schedule(case_id=case_id)


def _affected(clue: Clue) -> tuple[set[int], set[int]]:
    """The objects and cases whose estimates use ``clue``."""
    objects: set[int] = set()
    cases: set[int] = set()
    if clue.object_id:
        objects.add(clue.object_id)
    if clue.case_id:
        cases.add(clue.case_id)
    if clue.tip_id:
        objects.update(Tip.objects.filter(pk=clue.tip_id).values_list("object_id", flat=True))
    image_ids: list[int] = []
    if clue.crop_id:
        crop = Crop.objects.filter(pk=clue.crop_id).values("image_id", "traced_object_id").first()
        if crop:
            image_ids.append(crop["image_id"])
            if crop["traced_object_id"]:
                objects.add(crop["traced_object_id"])
    if clue.image_id:
        image_ids.append(clue.image_id)
        objects.update(o for o in Crop.objects.filter(image_id=clue.image_id)
                       .values_list("traced_object_id", flat=True) if o)
    cases |= _cases_of_images(image_ids)
    return objects, cases


def estimate_recompute(*, user: Any, obj: TracedObject | None = None,
                       case: Case | None = None) -> CountryEstimate:
    """An investigator asks for a recompute: an object's crop is read now if it never was;
    a case's unread evidence images are queued for reading."""
    _require_investigator(user)
    _anchor, target = _one_subject(obj, case)
    if obj is not None:
        estimate = object_estimate_refresh(obj=obj, read_images=True)
        queued = 0
    else:
        assert case is not None
        queued = evidence_clues_schedule(image_ids=case_images_unread(case))
        estimate = case_estimate_refresh(case=case)
    audit_record(actor=user, action="clue.estimate_refresh", target=target,
                 data={"best": estimate.best, "clues": estimate.clue_count,
                       "read_tasks_queued": queued})
    return estimate


def _refresh(*, obj: TracedObject | None, case: Case | None) -> None:
    if obj is not None:
        object_estimate_refresh(obj=obj)
    elif case is not None:
        case_estimate_refresh(case=case)



# --------------------------------------------------------------------------- brand links

BRAND_NAME_MIN = 2
BRAND_NAME_MAX = 80
BRAND_KEY_MAX = 200  # the folded name (BrandLink.key); folding may lengthen a name
BRAND_NOTE_MAX = 500
BRAND_REASON = "tip mentions brand "  # how geo words a brand clue: "... brand NAME -> ..."


def brand_key(name: str) -> str:
    """The name as tips are matched against it: words only, case- and accent-folded
    ("Żabka" and "ZABKA" are one name, so are "Media-Markt" and "Media Markt")."""
    return " ".join(fold(w) for w, _s, _e in words(name))


def _brand_name(value: object) -> tuple[str, str]:
    """(name, key) of a shop or brand name; refused when it is not text, holds control
    characters, is too short or too long, or could never be found in a tip."""
    if not isinstance(value, str):
        raise ServiceError("invalid_brand", "The name must be text.",
                           fields={"name": "not text"})
    if any(unicodedata.category(ch)[0] == "C" for ch in value):
        raise ServiceError("invalid_brand", "The name contains control characters.",
                           fields={"name": "control characters"})
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if len(name) < BRAND_NAME_MIN:
        raise ServiceError("invalid_brand",
                           f"The name needs at least {BRAND_NAME_MIN} characters.",
                           fields={"name": "too short" if name else "required"})
    if len(name) > BRAND_NAME_MAX:
        raise ServiceError("invalid_brand",
                           f"The name is longer than {BRAND_NAME_MAX} characters.",
                           fields={"name": f"at most {BRAND_NAME_MAX} characters"})
    key = brand_key(name)
    if len(key) < 3 or len(key) > BRAND_KEY_MAX:
        raise ServiceError("invalid_brand",
                           "The name needs at least three letters to be found in tips.",
                           fields={"name": "too few letters"})
    return name, key


def _brand_country(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if not is_country(code):  # the one country list: the estimate's countries
        raise ServiceError("invalid_country", "Choose a country (ISO 3166 alpha-2 code).",
                           fields={"country": "unknown country"})
    return code


def _name_fragments(name: str) -> set[str]:
    """Text that a tip naming ``name`` contains, for a case-insensitive search in the
    database: the longest word less a possible inflection ending ("Biedronk|i"), reduced
    to its longest run of ASCII letters when there is one of 3 or more (SQLite compares
    only ASCII case-insensitively, and tipsters often leave out accents: "Zabka")."""
    longest = max((w for w, _s, _e in words(name)), key=len, default=name)
    stem = longest[:-2] if len(longest) >= 6 else longest[:-1] if len(longest) >= 5 \
        else longest
    ascii_run = max(re.findall(r"[A-Za-z]+", stem), key=len, default="")
    if len(ascii_run) >= 3:
        return {ascii_run}
    if len(stem) >= 3:
        return {stem, stem.lower(), stem.upper(), stem.capitalize()}
    return {name, name.lower(), name.upper(), brand_key(name)}


def _tips_naming(name: str) -> set[int]:
    """Ids of the tips already read that may name ``name`` (more rather than fewer: a tip
    read again gives the same clues) or hold a brand clue for it."""
    query = Q()
    for fragment in _name_fragments(name):
        query |= Q(text__icontains=fragment) | Q(place__icontains=fragment)
    ids = set(Tip.objects.filter(query, clue_scan__isnull=False).values_list("id", flat=True))
    stored = Clue.objects.filter(
        source=Source.TIP, payload__reason__startswith=f"{BRAND_REASON}{name} -> ",
    ).values_list("tip_id", flat=True).distinct()
    return ids | {tip_id for tip_id in stored if tip_id is not None}


def _tips_reread(tip_ids: set[int]) -> int:
    """Forget what the tips gave and queue their objects' estimates, whose recompute
    reads the tips again (with the brand links as they are then). Returns the objects."""
    ordered = sorted(tip_ids)
    objects: set[int] = set()
    for start in range(0, len(ordered), TIP_BATCH):
        chunk = ordered[start:start + TIP_BATCH]
        Clue.objects.filter(source=Source.TIP, tip_id__in=chunk).delete()
        ClueScan.objects.filter(tip_id__in=chunk).delete()
        objects.update(Tip.objects.filter(pk__in=chunk).values_list("object_id", flat=True))
    for object_id in sorted(objects):
        object_estimate_schedule(object_id=object_id)
    return len(objects)


def brand_link_add(*, user: Any, name: str, country: str, note: str = "") -> BrandLink:
    """Link a shop or brand name to a country: tips naming it become clues for that
    country. The tips already read that name it are read again (their objects' estimates
    are queued). A name linked already (in any case or accents) is refused with 409."""
    _require_investigator(user)
    name, key = _brand_name(name)
    code = _brand_country(country)
    why = _text(note, field="note", maximum=BRAND_NOTE_MAX, required=False,
                code="invalid_brand")
    duplicate = ServiceError("duplicate_brand", f"{name!r} is linked to a country already.",
                             status=409, fields={"name": "linked already"})
    with transaction.atomic():
        if BrandLink.objects.filter(key=key).exists():
            raise duplicate
        try:
            with transaction.atomic():
                link = BrandLink.objects.create(name=name, key=key, country=code, note=why,
                                                created_by=user)
        except IntegrityError:  # linked at the same moment by someone else
            raise duplicate from None
        tips = _tips_naming(name)
        objects = _tips_reread(tips)
        audit_record(actor=user, action="clue.brand_add", target=f"brand link {link.pk}",
                     data={"name": name, "country": code, "note": why,
                           "tips_reread": len(tips), "objects": objects})
    return link


def brand_link_remove(*, user: Any, link: BrandLink) -> None:
    """Remove a brand link; the tips that named it are read again without it."""
    _require_investigator(user)
    with transaction.atomic():
        deleted, _rows = BrandLink.objects.filter(pk=link.pk).delete()
        if not deleted:
            raise NotFound("not_found", "This brand link was removed already.")
        tips = _tips_naming(link.name)
        objects = _tips_reread(tips)
        audit_record(actor=user, action="clue.brand_remove", target=f"brand link {link.pk}",
                     data={"name": link.name, "country": link.country,
                           "tips_reread": len(tips), "objects": objects})
