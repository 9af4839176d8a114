"""Estimates follow the data: opening a tip, triaging it, cutting a crop and ingesting
evidence each queue the matching clue task (the worker runs it; here the queue is read)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from tests.evidence.conftest import write_jpeg
from traceobject.evidence import crops
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip


def queued(task_name: str) -> list[list[object]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(
        task_path__endswith=f".{task_name}")]


@pytest.mark.django_db(transaction=True)
def test_opening_and_triaging_a_tip_queue_the_objects_estimate(
        published, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
            {"text": "Gekauft in Krakau bei POLANA.", "country": "PL"}))
        tip_services.sealed_tips_open()
    assert queued("object_estimate_task") == [[published.pk]]

    DBTaskResult.objects.all().delete()
    from django.core.cache import cache

    cache.clear()  # the coalescing window of the first recompute
    with django_capture_on_commit_callbacks(execute=True):
        tip_services.tip_state_set(tips=list(Tip.objects.all()), state="useful",
                                   user=users["investigator"])
    assert queued("object_estimate_task") == [[published.pk]]


@pytest.mark.django_db(transaction=True)
def test_crops_and_ingest_queue_their_clue_tasks(tmp_path: Path, users, evidence_store):
    write_jpeg(tmp_path / "in" / "a.jpg", seed=3, size=(640, 480))
    write_jpeg(tmp_path / "in" / "b.jpg", seed=4, size=(640, 480))
    ingest([tmp_path / "in"], case_ref="CASE-HOOK")
    ids = sorted(EvidenceImage.objects.values_list("pk", flat=True))
    assert sorted(i for batch in queued("evidence_clues_task") for i in batch[0]) == ids
    assert queued("case_estimate_task")

    image = EvidenceImage.objects.get(pk=ids[0])
    crop = crops.crop_create(image=image, rect={"x": 10, "y": 10, "w": 200, "h": 150},
                             user=users["investigator"])
    assert queued("crop_clues_task") == [[crop.pk]]
