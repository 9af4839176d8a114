"""The clues app follows the data: new evidence images and crops are read for clues, and
the estimates whose clues changed are recomputed. Connected in ``CluesConfig.ready()``;
evidence and tips send the signals without knowing this app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from traceobject.clues.estimates import case_estimate_schedule, object_estimate_schedule
from traceobject.clues.reading import crop_clues_schedule, evidence_clues_schedule
from traceobject.evidence.signals import (
    case_ingested,
    crop_created,
    crop_made_object,
    images_recorded,
)
from traceobject.tips.signals import tips_changed


@receiver(images_recorded, dispatch_uid="clues.read_new_images")
def _read_new_images(sender: Any, *, image_ids: Iterable[int], **_kwargs: Any) -> None:
    # Clues (OCR, language, barcodes) are read by the worker, not in the ingest's run.
    evidence_clues_schedule(image_ids=image_ids)


@receiver(case_ingested, dispatch_uid="clues.case_ingested")
def _estimate_ingested_case(sender: Any, *, case_id: int, **_kwargs: Any) -> None:
    case_estimate_schedule(case_id=case_id)


@receiver(crop_created, dispatch_uid="clues.read_new_crop")
def _read_new_crop(sender: Any, *, crop_id: int, **_kwargs: Any) -> None:
    crop_clues_schedule(crop_id=crop_id)  # OCR, language, barcodes: a task


@receiver(crop_made_object, dispatch_uid="clues.crop_made_object")
def _estimate_object_of_crop(sender: Any, *, object_id: int, **_kwargs: Any) -> None:
    object_estimate_schedule(object_id=object_id)


@receiver(tips_changed, dispatch_uid="clues.tips_changed")
def _estimate_objects_of_tips(sender: Any, *, object_ids: Iterable[int],
                              **_kwargs: Any) -> None:
    # coalesced per object, so a flood of tips costs one recompute per window
    for object_id in set(object_ids):
        object_estimate_schedule(object_id=object_id)
