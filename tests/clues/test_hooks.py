"""Estimates follow the data: opening a tip, triaging it, cutting a crop and ingesting
evidence each queue the matching clue task (the worker runs it; here the queue is read).
Evidence and tips send signals (evidence.signals, tips.signals) that the clues app connects
in its AppConfig.ready(): every process that sets Django up has them connected."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
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

    if crop.gate_verdict != "pass":  # a drawn picture of boxes: the gate lets it through
        pytest.fail(f"the gate refused the crop: {crop.gate_findings}")
    obj = crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                               title="Boxes")
    assert queued("object_estimate_task") == [[obj.pk]]


REPO = Path(__file__).resolve().parents[2]
LISTENERS = '''
import json, django
django.setup()
from django.conf import settings
from traceobject.evidence import signals as evidence
from traceobject.tips import signals as tips
print("RESULT " + json.dumps({
    "clues": "traceobject.clues" in settings.INSTALLED_APPS,
    "listened": sorted(name for name, signal in (
        ("images_recorded", evidence.images_recorded), ("case_ingested", evidence.case_ingested),
        ("crop_created", evidence.crop_created), ("crop_made_object", evidence.crop_made_object),
        ("tips_changed", tips.tips_changed)) if signal.has_listeners()),
}))
'''


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRACEOBJECT_ROLE")}
    env.update(TRACEOBJECT_HOME=str(home), DJANGO_SETTINGS_MODULE="traceobject.settings",
               **extra)
    return env


@pytest.mark.parametrize("role", ["all", "edge"])
def test_a_process_set_up_like_the_cli_and_the_worker_has_the_receivers(tmp_path, role):
    """The CLI and the worker (django-tasks' db_worker, a management command) call
    django.setup(): the apps are ready and the clues app's receivers connected. An edge
    has neither evidence nor clues installed: nothing listens there, and nothing sends."""
    done = subprocess.run([sys.executable, "-c", LISTENERS], cwd=tmp_path, text=True,
                          env=_env(tmp_path, TRACEOBJECT_ROLE=role), capture_output=True,
                          timeout=120, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[-1][7:])
    if role == "edge":
        assert result == {"clues": False, "listened": []}
    else:
        assert result == {"clues": True, "listened": [
            "case_ingested", "crop_created", "crop_made_object", "images_recorded",
            "tips_changed"]}


@pytest.mark.slow
def test_the_cli_ingest_queues_the_clue_tasks(tmp_path: Path):
    """`traceobject ingest` with worker processes: the main process records the images and
    the clue tasks are queued for the worker, one batch of images and the case's estimate
    (and the evidence app's batch of local features for same-object search)."""
    for n in range(3):
        write_jpeg(tmp_path / "in" / f"{n}.jpg", seed=40 + n, size=(320, 240))
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "traceobject.cli", "ingest", str(tmp_path / "in"), "--case",
         "CLI-1", "--workers", "2"], env=_env(home), capture_output=True, text=True,
        timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(home / "traceobject.sqlite3") as db:
        images = sorted(row[0] for row in db.execute("SELECT id FROM evidence_evidenceimage"))
        case = db.execute("SELECT id FROM evidence_case WHERE ref = 'CLI-1'").fetchone()[0]
        rows = db.execute("SELECT task_path, args_kwargs FROM django_tasks_database_dbtaskresult")
        queued: dict[str, list[object]] = {}
        for path, args_kwargs in rows:
            queued.setdefault(path.rpartition(".")[2], []).append(
                json.loads(args_kwargs)["args"])
    assert len(images) == 3
    assert queued.pop("evidence_clues_task") == [[images]]
    assert queued.pop("case_estimate_task") == [[case]]
    assert queued.pop("image_features_task") == [[images]]  # same-object search's
    assert queued == {}
