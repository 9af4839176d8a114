"""Fixtures of the clues tests: tips written straight into the triage store, and a Polish
label brought in as evidence, cropped and made an object (OCR runs on it: a few images only)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from tests.evidence.conftest import crop_make
from tests.vision.labels import ean13_array, label_image
from traceobject.catalog.models import TracedObject
from traceobject.evidence import crops
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import Case, Crop, EvidenceImage
from traceobject.geo import gazetteer
from traceobject.geo.language import detect_languages
from traceobject.tips.models import Tip, TipCluster

POLISH_LINES = ("Skład: bawełna 100%", "Wyprodukowano w Polsce", "Infolinia: +48 22 123 45 67")
GERMAN_LINES = ("Zutaten: Zucker, Weizenmehl, Butter", "Kann Spuren von Nüssen enthalten",
                "Hergestellt in Deutschland, Größe M")


@pytest.fixture(scope="session", autouse=True)
def _warm_geo() -> None:
    """Load the language models and the gazetteer once per session (a few seconds)."""
    gazetteer.warm_up()
    detect_languages("Ein kurzer deutscher Satz zum Aufwärmen.")


@pytest.fixture(autouse=True)
def _private_store(evidence_store: Path) -> None:
    """Every test gets its own evidence store."""


_intake_ids = itertools.count(1_000_000)


@pytest.fixture
def make_tip(db: Any) -> Callable[..., Tip]:
    def make(obj: TracedObject, text: str = "", *, country: str = "", state: str = "new",
             cluster: TipCluster | None = None, language: str = "", place: str = "") -> Tip:
        now = timezone.now()
        return Tip.objects.create(intake_id=next(_intake_ids), object=obj, text=text,
                                  country=country, state=state, cluster=cluster,
                                  language=language, place=place, received_at=now,
                                  opened_at=now)

    return make


@pytest.fixture
def make_cluster(db: Any) -> Callable[[TracedObject], TipCluster]:
    return lambda obj: TipCluster.objects.create(object=obj, size=0, created_at=timezone.now())


def write_label(path: Path, lines: tuple[str, ...], *, barcode: str = "") -> Path:
    label = label_image(lines)
    sheet = Image.new("RGB", (label.width + 240, label.height + 260), (235, 232, 225))
    sheet.paste(label, (40, 40))
    if barcode:
        sheet.paste(Image.fromarray(ean13_array(barcode)), (40, label.height + 70))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, "PNG")
    return path


@pytest.fixture
def label_case(db: Any, tmp_path: Path) -> Case:
    """Case PL-1 holding one evidence image: a Polish label (text, phone, barcode 590...)."""
    write_label(tmp_path / "seized" / "label.png", POLISH_LINES, barcode="590123412345")
    ingest([tmp_path / "seized"], case_ref="PL-1")
    return Case.objects.get(ref="PL-1")


def label_rect(image: EvidenceImage) -> dict[str, int]:
    return {"x": 20, "y": 20, "w": image.width - 40, "h": image.height - 40}


@pytest.fixture
def label_crop(label_case: Case, users: dict[str, Any]) -> Crop:
    """The label cut out, passed by the gate (given, not run again for every test: that the
    gate passes this label is asserted by test_images.py's first test)."""
    image = EvidenceImage.objects.get()
    return crop_make(image, label_rect(image), user=users["investigator"])


@pytest.fixture
def label_object(label_crop: Crop, users: dict[str, Any]) -> TracedObject:
    assert label_crop.may_be_published, label_crop.gate_findings
    return crops.crop_to_object(crop=label_crop, user=users["investigator"],
                                category="clothing", title="Care label")
