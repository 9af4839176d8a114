"""Each script through the crop workflow: a generated label photographed in the country's
script (bench/country_eval.py, the clear images of tests/geo/test_country_eval_images.py)
is ingested as evidence, cut out, made an object, read by the worker's task, and the
object's estimate lists its country first. Four scripts, one for each way a crop is read:
Latin and Han by RapidOCR, Cyrillic by Tesseract's script model after routing, Arabic right
to left; every script's clear label goes through `traceobject clues` in
tests/geo/test_country_eval_images.py, and bench/bench_country_eval.py measures them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bench.country_eval import check_fonts, make_spec, render
from PIL import Image

from tests.evidence.conftest import crop_make
from tests.geo.test_country_eval_images import CLEAR
from traceobject.clues import estimates
from traceobject.clues.models import ClueScan
from traceobject.clues.tasks import crop_clues_task
from traceobject.evidence import crops
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(bool(check_fonts()), reason="; ".join(check_fonts())),
]


WORKFLOW_SCRIPTS = ("Latin", "Cyrillic", "Arabic", "Han-Simplified")


@pytest.mark.parametrize("script", WORKFLOW_SCRIPTS)
def test_a_label_in_each_script_gives_its_country_through_the_crop_workflow(
        script: str, tmp_path: Path, users: dict[str, Any]) -> None:
    country, kind = CLEAR[script]
    folder = tmp_path / "seized"
    folder.mkdir()
    Image.fromarray(render(make_spec(country, kind, extras=False)).pixels).save(
        folder / "label.png")
    ingest([folder], case_ref=f"CASE-{script}")
    image = EvidenceImage.objects.get()
    rect = {"x": 0, "y": 0, "w": image.width, "h": image.height}
    crop = crop_make(image, rect, user=users["investigator"])
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="other",
                               title=f"Label ({script})")
    assert crop_clues_task.call(crop.pk) > 0
    scan = ClueScan.objects.get(crop=crop)
    assert scan.text.strip(), scan.error
    estimate = estimates.object_estimate_refresh(obj=obj)
    assert estimate.best == country, (scan.text, estimate.reasons)
