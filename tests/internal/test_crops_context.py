"""Faces cut off by the crop's edge: the gate also looks at the evidence around the crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bench.gate_samples import lfw_faces, object_image
from PIL import Image

from traceobject.evidence import crops
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage

FACE = 120
EDGES = ("top", "bottom", "left", "right")


def _evidence_with_face(folder: Path, index: int, face: np.ndarray) -> tuple[EvidenceImage, tuple]:
    """An object picture (900 x 700) with a face at a known place; returns the face box."""
    scene = Image.fromarray(object_image(5000 + index, (900, 700)))
    picture = Image.fromarray(face).convert("RGB").resize((FACE, FACE), Image.Resampling.BICUBIC)
    fx, fy = 390, 290
    scene.paste(picture, (fx, fy))
    path = folder / f"scene_{index}.png"
    scene.save(path)
    ingest([path], case_ref="CTX")
    return EvidenceImage.objects.get(files__path=str(path)), (fx, fy)


def _cut_through(edge: str, fx: int, fy: int) -> dict[str, int]:
    """A 300 x 250 crop whose `edge` runs through the middle of the face."""
    half = FACE // 2
    if edge == "top":
        return {"x": fx - 90, "y": fy + half, "w": 300, "h": 250}
    if edge == "bottom":
        return {"x": fx - 90, "y": fy + half - 250, "w": 300, "h": 250}
    if edge == "left":
        return {"x": fx + half, "y": fy - 60, "w": 300, "h": 250}
    return {"x": fx + half - 300, "y": fy - 60, "w": 300, "h": 250}


#: Evidence pictures in the crop workflow's smoke sample (each cut by all four edges). The
#: rate over many faces is bench/bench_gate.py's `gate_recall_lfw_edge_half_out_in_context`
#: (0.998 of 600 crops; `make test-all` checks it is >= 0.95, this test's former bound on
#: 10 pictures): each picture here costs an ingest and eight gate runs (~10 s on one core);
#: one picture, cut by each edge, is the per-commit sample.
SAMPLE = 1


@pytest.mark.django_db(transaction=True)
def test_faces_cut_by_every_edge_of_the_crop_are_blocked(users, tmp_path):
    faces = lfw_faces()
    missed, total = [], 0
    for index in range(SAMPLE):
        image, (fx, fy) = _evidence_with_face(tmp_path, index, faces[index * 7])
        for edge in EDGES:
            crop = crops.crop_create(image=image, rect=_cut_through(edge, fx, fy),
                                     user=users["investigator"])
            total += 1
            if crop.gate_verdict != "fail":
                missed.append((index, edge))
            # the block comes from the picture around the crop, not from an error
            assert not any(f.get("kind") == "error" for f in crop.gate_findings), crop
    assert len(missed) <= 1, f"edge-cut faces not blocked: {missed} of {total}"


@pytest.mark.django_db(transaction=True)
def test_context_does_not_block_for_a_face_outside_or_blacked_out(users, tmp_path):
    image, (fx, fy) = _evidence_with_face(tmp_path, 99, lfw_faces()[3])
    far = crops.crop_create(image=image, rect={"x": 0, "y": 0, "w": 250, "h": 200},
                            user=users["investigator"])
    assert not any("reaches into the crop" in f.get("detail", "") for f in far.gate_findings)
    redacted = crops.crop_create(
        image=image, rect=_cut_through("top", fx, fy), user=users["investigator"],
        redactions=[{"x": fx - 10, "y": fy - 10, "w": FACE + 20, "h": FACE + 20,
                     "mode": "black"}])
    assert not any("reaches into the crop" in f.get("detail", "")
                   for f in redacted.gate_findings)
