"""Tasks of the clues app: thin, they load by id and call a service."""

from __future__ import annotations

from django_tasks import task

from traceobject.catalog.models import TracedObject
from traceobject.clues import estimates, reading
from traceobject.evidence.models import Case


@task()
def crop_clues_task(crop_id: int) -> int:
    """Read a new crop for clues (OCR, barcodes); queues its object's estimate."""
    return reading.clues_extract_for_crop(crop_id=crop_id)


@task()
def evidence_clues_task(ids: list[int]) -> int:
    """Read a batch of evidence images for clues; queues the estimates concerned."""
    return reading.clues_extract_for_images(image_ids=ids)


@task()
def object_estimate_task(object_id: int) -> str:
    """Recompute an object's country estimate (its best country, "" if flat or gone)."""
    obj = TracedObject.objects.filter(pk=object_id).first()
    if obj is None:
        return ""
    return estimates.object_estimate_refresh(obj=obj).best


@task()
def case_estimate_task(case_id: int) -> str:
    """Recompute a case's country estimate."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return ""
    return estimates.case_estimate_refresh(case=case).best
