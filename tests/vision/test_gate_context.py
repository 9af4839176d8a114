"""The gate with the picture around a crop (what the crop workflow runs, without Django)."""

from __future__ import annotations

import numpy as np
import pytest
from bench.gate_samples import lfw_faces, object_image
from PIL import Image

from traceobject.vision import gate as gate_module
from traceobject.vision.gate import gate_check
from traceobject.vision.gate_context import (
    CONTEXT_INSIDE_MAX,
    findings_around,
    gate_in_context,
    gate_verdict,
)

FACE = 120
FX, FY = 390, 290  # where the face is in the picture


def _picture(face_index: int = 7) -> Image.Image:
    scene = Image.fromarray(object_image(5100, (900, 700)))
    face = Image.fromarray(lfw_faces()[face_index]).convert("RGB")
    scene.paste(face.resize((FACE, FACE), Image.Resampling.BICUBIC), (FX, FY))
    return scene


def test_a_face_cut_by_the_crop_edge_reaches_in_from_around() -> None:
    picture = _picture()
    box = (FX + FACE // 2, FY - 60, 300, 250)  # the crop's left edge halves the face
    found = gate_in_context(picture, box, (300, 250))
    faces = [f for f in found if f["kind"] == "face"]
    assert faces, found
    for finding in faces:
        x, y, w, h = finding["box"]
        assert "reaches into the crop" in finding["detail"]
        # in the crop's pixels: the part of the face inside the crop, at its left edge
        assert x == 0 and 0 < w <= FACE // 2 + 10
        assert y >= 0 and y + h <= 250
    # the same crop, stored reduced to half its size: the boxes follow
    half = [f for f in gate_in_context(picture, box, (150, 125)) if f["kind"] == "face"][0]
    assert half["box"][2] == pytest.approx(faces[0]["box"][2] / 2, abs=1)


def _on_the_face(box: tuple[float, ...] | list[int], crop_x: int, crop_y: int) -> bool:
    """Does ``box`` (x, y, w, h in the crop at ``crop_x``, ``crop_y``) hold the middle of
    the pasted face?"""
    x, y, w, h = box
    mx, my = FX - crop_x + FACE // 2, FY - crop_y + FACE // 2
    return x <= mx <= x + w and y <= my <= y + h


def test_a_face_wholly_inside_the_crop_is_left_to_the_gate_on_the_crop_alone() -> None:
    picture = _picture()
    box = (FX - 90, FY - 60, 300, 250)  # the whole face, well inside the crop
    around = findings_around(picture, box)
    shares = [s for f, part, s in around if f["kind"] == "face" and _on_the_face(part, *box[:2])]
    # the wider view sees the face, wholly inside the crop: not one the crop's edge cuts
    assert shares and min(shares) >= CONTEXT_INSIDE_MAX, around
    reaching = gate_in_context(picture, box, (300, 250))
    assert not [f for f in reaching if f["kind"] == "face" and _on_the_face(f["box"], *box[:2])]
    # ... so it is left to the gate on the crop alone, which the workflow runs first
    crop = np.asarray(picture.crop((box[0], box[1], box[0] + 300, box[1] + 250)))
    assert "face" in {f.kind for f in gate_check(crop).findings}


def test_the_share_inside_the_crop_of_a_face_its_edge_halves() -> None:
    box = (FX + FACE // 2, FY - 60, 300, 250)
    around = findings_around(_picture(), box)
    shares = [s for f, part, s in around if f["kind"] == "face" and _on_the_face(part, *box[:2])]
    assert shares and all(0.25 < share < CONTEXT_INSIDE_MAX for share in shares), around


def test_nothing_reaches_in_from_a_face_elsewhere_or_without_surroundings() -> None:
    picture = _picture()
    assert gate_in_context(picture, (0, 0, 250, 200), (250, 200)) == []
    whole = (0, 0, picture.width, picture.height)
    assert gate_in_context(picture, whole, picture.size) == []  # nothing around it


def test_a_blacked_out_face_does_not_reach_in() -> None:
    picture = _picture()
    picture.paste((0, 0, 0), (FX - 10, FY - 10, FX + FACE + 10, FY + FACE + 10))
    box = (FX + FACE // 2, FY - 60, 300, 250)
    assert not [f for f in gate_in_context(picture, box, (300, 250)) if f["kind"] == "face"]


def test_the_verdict_fails_closed(monkeypatch) -> None:
    verdict, findings = gate_verdict("not pixels")  # type: ignore[arg-type]
    assert verdict == "fail" and findings[0]["kind"] == "error"

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the models are gone")

    monkeypatch.setattr(gate_module, "gate_check", broken)
    verdict, findings = gate_verdict(np.zeros((50, 50, 3), dtype=np.uint8))
    assert verdict == "fail"
    assert findings == [
        {
            "kind": "error",
            "score": 1.0,
            "box": None,
            "detail": "the safety gate could not run: RuntimeError",
        }
    ]
    # around a crop too: the error is a finding, so the crop cannot pass
    around = gate_in_context(_picture(), (FX, FY, 100, 100), (100, 100))
    assert [f["kind"] for f in around] == ["error"]
    assert around[0]["detail"].startswith("in context: the safety gate could not run")
