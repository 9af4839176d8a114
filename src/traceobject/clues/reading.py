"""Image clues: OCR text (its language, phone numbers, domains, prices, places) and barcodes
(GS1 prefix) of crops and evidence images, read by tasks (~200 ms an image):
:func:`clues_extract_for_crop`, :func:`clues_extract_for_images`; what an earlier reading
stored is replaced, and the estimates concerned are queued."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from traceobject import geo
from traceobject.catalog.models import TracedObject
from traceobject.clues.estimates import case_estimate_schedule, object_estimate_schedule
from traceobject.clues.models import CLUE_READER, ClueRecord, ClueScan, Source
from traceobject.clues.selectors import cases_of_images
from traceobject.evidence.models import Crop, EvidenceImage

logger = logging.getLogger(__name__)

SCAN_TEXT_MAX = 4000
EVIDENCE_BATCH = 20


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
        ClueRecord.objects.filter(source=Source.IMAGE, **anchor).delete()
        ClueRecord.objects.bulk_create([
            ClueRecord(source=Source.IMAGE, kind=c.kind, payload=c.to_dict(), **anchor)
            for c in reading.clues
        ])
        ClueScan.objects.update_or_create(**anchor, defaults={
            "text": reading.text, "error": reading.error[:200],
            "clue_count": len(reading.clues), "scanned_at": timezone.now(),
            "reader": CLUE_READER,
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
    for case_id in cases_of_images([crop.image_id]):
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


def object_images_read(*, obj: TracedObject) -> int:
    """Read the object's crop and the evidence image it was cut from now, those never read
    or read by an older reader (:data:`CLUE_READER`; slow: OCR; the tasks normally do it).
    Returns how many images were read."""
    crop = Crop.objects.filter(traced_object=obj).first()
    if crop is None:
        return 0
    read = 0
    if not ClueScan.objects.filter(crop=crop, reader__gte=CLUE_READER).exists():
        clues_extract_for_crop(crop_id=crop.pk)
        read += 1
    if not ClueScan.objects.filter(image_id=crop.image_id, reader__gte=CLUE_READER).exists():
        clues_extract_for_image(image_id=crop.image_id, schedule=False)
        read += 1
    return read


def _schedule_for_images(image_ids: Sequence[int]) -> None:
    for case_id in cases_of_images(image_ids):
        case_estimate_schedule(case_id=case_id)
    for object_id in (Crop.objects.filter(image_id__in=list(image_ids),
                                          traced_object__isnull=False)
                      .values_list("traced_object_id", flat=True)):
        if object_id is not None:
            object_estimate_schedule(object_id=object_id)


# --------------------------------------------------------------------------- queueing


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
