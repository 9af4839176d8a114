"""Image clues: OCR and barcodes of crops and evidence images, stored and fused (slow: OCR)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import storages
from django_tasks_db.models import DBTaskResult
from PIL import Image

from traceobject.clues import estimates, investigators, reading
from traceobject.clues.models import ClueRecord, ClueScan, EstimateRecord, Source
from traceobject.clues.selectors import case_country_ranking, object_country_ranking
from traceobject.clues.tasks import crop_clues_task, evidence_clues_task
from traceobject.evidence import crops
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import Case, EvidenceImage

from .conftest import GERMAN_LINES, label_rect, write_label

pytestmark = pytest.mark.django_db


def _tasks(name: str) -> list[DBTaskResult]:
    return [t for t in DBTaskResult.objects.all() if t.task_path.endswith(name)]


def test_the_safety_gate_passes_the_label(label_case, users):
    """A label's text and barcode are not taken for a person (the other tests here are given
    this verdict: tests/clues/conftest.py label_crop)."""
    image = EvidenceImage.objects.get()
    crop = crops.crop_create(image=image, rect=label_rect(image), user=users["investigator"])
    assert crop.may_be_published and crop.gate_verdict == "pass", (crop.gate_findings,
                                                                    crop.text_findings)


def test_polish_label_crop_gives_stored_clues_and_a_polish_estimate(
        label_object, label_crop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        count = crop_clues_task.call(label_crop.pk)
    rows = list(ClueRecord.objects.filter(crop=label_crop))
    assert count == len(rows) > 0
    kinds = {row.kind for row in rows}
    assert {"language", "phone", "barcode_gs1"} <= kinds, kinds
    assert all(row.source == Source.IMAGE and row.object_id is None for row in rows)
    language = next(row for row in rows if row.kind == "language")
    assert language.payload["value"] == "pl" and "Polish" in language.payload["reason"]
    scan = ClueScan.objects.get(crop=label_crop)
    assert "Polsce" in scan.text and scan.error == "" and scan.clue_count == count
    # reading the crop queued the object's estimate (once) and the case's
    assert len(_tasks("object_estimate_task")) == 1
    assert len(_tasks("case_estimate_task")) == 1

    estimate = estimates.object_estimate_refresh(obj=label_object)
    assert estimate.best == "PL"
    ranking = object_country_ranking(label_object)
    assert ranking[0][0] == "PL" and ranking[0][1] > 0.5
    assert [p for _c, p in ranking] == sorted((p for _c, p in ranking), reverse=True)
    assert any("Polish" in reason for reason in estimate.reasons)

    # reading again replaces, never doubles
    assert reading.clues_extract_for_crop(crop_id=label_crop.pk) == count
    assert ClueRecord.objects.filter(crop=label_crop).count() == count


def test_evidence_images_are_read_in_batches_and_fused_per_case(
        label_case, tmp_path: Path, django_capture_on_commit_callbacks):
    write_label(tmp_path / "more" / "de.png", GERMAN_LINES)
    Image.fromarray(np.full((240, 320, 3), 200, np.uint8)).save(tmp_path / "more" / "blank.png")
    ingest([tmp_path / "more"], case_ref="DE-1")
    ids = list(EvidenceImage.objects.values_list("id", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert reading.evidence_clues_schedule(image_ids=ids) == 1
    (task,) = _tasks("evidence_clues_task")
    assert sorted(task.args_kwargs["args"][0]) == sorted(ids)

    with django_capture_on_commit_callbacks(execute=True):
        total = evidence_clues_task.call(ids)
    assert total == ClueRecord.objects.filter(source=Source.IMAGE).count() > 0
    assert ClueScan.objects.filter(image__isnull=False).count() == 3
    blank = EvidenceImage.objects.get(width=320)
    assert ClueScan.objects.get(image=blank).clue_count == 0
    assert len(_tasks("case_estimate_task")) == 2  # PL-1 and DE-1, once each

    german = estimates.case_estimate_refresh(case=Case.objects.get(ref="DE-1"))
    assert german.best == "DE"
    polish = estimates.case_estimate_refresh(case=label_case)
    assert polish.best == "PL"
    assert case_country_ranking(label_case)[0][0] == "PL"


def test_many_images_are_queued_in_batches(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = reading.evidence_clues_schedule(image_ids=range(1, 46))
    assert queued == 3
    sizes = sorted(len(t.args_kwargs["args"][0]) for t in _tasks("evidence_clues_task"))
    assert sizes == [5, 20, 20]


def test_image_without_text_gives_no_estimate(tmp_path: Path, users):
    folder = tmp_path / "plain"
    folder.mkdir()
    Image.fromarray(np.full((300, 400, 3), 128, np.uint8)).save(folder / "grey.png")
    ingest([folder], case_ref="GREY")
    image = EvidenceImage.objects.get()
    assert reading.clues_extract_for_image(image_id=image.pk) == 0
    scan = ClueScan.objects.get(image=image)
    assert scan.error == "" and scan.text == ""
    case = Case.objects.get(ref="GREY")
    estimate = estimates.case_estimate_refresh(case=case)
    assert estimate.best == "" and estimate.clue_count == 0
    assert estimate.probabilities == []  # no list of equally likely countries
    assert estimate.reasons == ["no clues yet"]
    assert case_country_ranking(case) == []


def test_unreadable_or_missing_sources_are_recorded_not_raised(label_case, label_crop):
    image = EvidenceImage.objects.get()
    storage = storages["evidence"]
    storage.delete(image.storage_key)
    with storage.open(image.storage_key, "wb") as fh:
        fh.write(b"this is not an image")
    assert reading.clues_extract_for_image(image_id=image.pk) == 0
    assert ClueScan.objects.get(image=image).error.startswith("evidence unreadable")
    storage.delete(label_crop.storage_key)
    assert reading.clues_extract_for_crop(crop_id=label_crop.pk) == 0
    assert ClueScan.objects.get(crop=label_crop).error.startswith("crop unreadable")
    # ids that do not exist (deleted meanwhile) are no error either
    assert reading.clues_extract_for_crop(crop_id=10**9) == 0
    assert reading.clues_extract_for_images(image_ids=[10**9]) == 0
    assert not EstimateRecord.objects.exists()


def test_recompute_reads_an_unread_crop(label_object, label_crop, users):
    assert not ClueScan.objects.exists()
    estimate = investigators.estimate_recompute(user=users["investigator"], obj=label_object)
    assert ClueScan.objects.filter(crop=label_crop).exists()
    assert ClueScan.objects.filter(image_id=label_crop.image_id).exists()
    assert estimate.best == "PL"
    # the crop and the image it was cut from say the same: counted once, not twice
    language = [r for r in estimate.reasons if "Polish" in r]
    assert len(language) == 1, estimate.reasons


def test_recompute_reads_again_what_an_older_reader_read(label_object, label_crop, users):
    from traceobject.clues.models import CLUE_READER, ClueRecord, Source

    investigators.estimate_recompute(user=users["investigator"], obj=label_object)
    ClueScan.objects.update(reader=CLUE_READER - 1)
    ClueRecord.objects.filter(source=Source.IMAGE).delete()  # what the old reader found
    investigators.estimate_recompute(user=users["investigator"], obj=label_object)
    assert set(ClueScan.objects.values_list("reader", flat=True)) == {CLUE_READER}
    assert ClueRecord.objects.filter(source=Source.IMAGE, crop=label_crop).exists()
    # read by the current reader: a recompute does not read them again
    scanned = dict(ClueScan.objects.values_list("pk", "scanned_at"))
    investigators.estimate_recompute(user=users["investigator"], obj=label_object)
    assert dict(ClueScan.objects.values_list("pk", "scanned_at")) == scanned


def test_pages_link_image_clues_to_their_crop_and_evidence(client, users, label_object,
                                                           label_crop, label_case):
    from tests.conftest import staff_login

    investigators.estimate_recompute(user=users["investigator"], obj=label_object)
    staff_login(client, users["investigator"])
    html = client.get(f"/internal/objects/{label_object.ref}/country/").content.decode()
    assert f'href="/internal/crops/{label_crop.pk}/"' in html
    assert f'href="/internal/evidence/{label_crop.image_id}/"' in html
    assert "Wyprodukowano w Polsce" in html  # the text OCR read, for the investigator
    case_page = client.get(f"/internal/cases/{label_case.ref}/country/").content.decode()
    assert "Images read for clues: 1 of 1." in case_page
    # an image clue is deleted from the case page; the case estimate follows
    clue = ClueRecord.objects.filter(image_id=label_crop.image_id, kind="phone").first()
    assert clue is not None
    response = client.post(f"/internal/cases/{label_case.ref}/country/clues/{clue.pk}/delete/")
    assert response.status_code == 302 and not ClueRecord.objects.filter(pk=clue.pk).exists()
    assert EstimateRecord.objects.get(case=label_case).best == "PL"
