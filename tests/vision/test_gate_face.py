"""The face search behind the safety gate: batched BlazeFace, border windows, budgets.

Only generated images and scikit-image's person images (the astronaut, ``lfw_subset``).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from bench.gate_samples import (
    ASTRONAUT_FACE,
    POSITIONS,
    face_crops,
    lfw_faces,
    object_image,
    paste_face,
)
from skimage import data

from traceobject.vision import gate_face
from traceobject.vision.gate_face import (
    EDGE_FEATURES,
    EDGE_INSIDE,
    INSIDE_FEATURES_MIN,
    MAX_VERIFY,
    MAX_VERIFY_EDGE,
    MIN_WINDOW,
    find_faces,
)
from traceobject.vision.gate_models import gate_models

pytestmark = pytest.mark.filterwarnings("ignore:SymbolDatabase.GetPrototype:UserWarning")


def _windows() -> list[np.ndarray]:
    """Windows BlazeFace finds faces in, between windows it finds nothing in."""
    x, y, w, h = ASTRONAUT_FACE
    astronaut = np.ascontiguousarray(
        data.astronaut()[y - h // 2 : y + h + h // 2, x - 20 : x + w + 60]
    )
    side = min(astronaut.shape[:2])
    astronaut = np.ascontiguousarray(astronaut[:side, :side])
    face, _ = paste_face(object_image(3, (128, 128)), lfw_faces()[7], scale=56, position="center")
    blank = np.full((128, 128, 3), 90, dtype=np.uint8)
    return [
        blank,
        astronaut,
        object_image(4, (128, 128)),
        face,
        np.ascontiguousarray(face[:, ::-1]),
    ]


def test_batched_detection_gives_each_window_its_own_faces() -> None:
    """One forward pass over many windows answers as one pass per window would: the
    model's output holds every window's stride-8 anchors, then every window's
    stride-16 anchors, and a wrong split would move faces between windows."""
    models = gate_models()
    windows = _windows()
    batched = gate_face._detect_batch(models, windows)
    singles = [gate_face._detect_batch(models, [w])[0] for w in windows]
    assert len(batched) == len(windows)
    for got, want in zip(batched, singles, strict=True):
        assert len(got) == len(want)
        for a, b in zip(sorted(got), sorted(want), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-4)
    # The faces are found where they are, and nothing in the blank window.
    assert batched[0] == []
    for k in (1, 3, 4):
        best = max(batched[k], default=None)
        assert best is not None and best[0] >= 0.6, (k, batched[k])
        assert 0.3 <= best[1] <= 0.7 and 0.3 <= best[2] <= 0.7, best
    assert gate_face._detect_batch(models, []) == []


def test_litert_and_opencv_read_blazeface_alike() -> None:
    """The gate runs BlazeFace with LiteRT when it is installed and OpenCV DNN otherwise:
    both give the same outputs for the same windows, also for a batch larger than LiteRT's
    largest (run in pieces and put back in the one-image layout)."""
    from traceobject.vision.gate_models import (
        MODEL_FILES,
        _DnnFaceDetector,
        _LiteRTFaceDetector,
        _tflite_net,
        mediapipe_dir,
    )

    path = mediapipe_dir() / MODEL_FILES[0]
    litert = _LiteRTFaceDetector(path)
    dnn = _DnnFaceDetector(*_tflite_net(path, (1, 3, 128, 128), ((1, 896, 16), (1, 896, 1))))
    assert gate_models().face_net.obj.engine == "litert"  # installed: the gate takes it
    windows = [cv2.resize(w, (128, 128), interpolation=cv2.INTER_AREA) for w in _windows()]
    batch = np.stack([w.astype(np.float32) / 127.5 - 1.0 for w in windows] * 9)  # 45 > 32
    assert len(batch) > litert.MAX_BATCH
    for n in (1, len(windows), len(batch)):
        (reg_a, cls_a), (reg_b, cls_b) = litert.forward(batch[:n]), dnn.forward(batch[:n])
        assert reg_a.shape == reg_b.shape == (1, n * 896, 16)
        assert cls_a.shape == cls_b.shape == (1, n * 896, 1)
        np.testing.assert_allclose(reg_a, reg_b, atol=1e-3)
        np.testing.assert_allclose(cls_a, cls_b, atol=1e-3)


def _bench_crop(
    face: int, scale: int, position: str
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The benchmark's crop of lfw face ``face`` (bench/bench_gate.py's chunks of 5)."""
    start = face - face % 5
    for i, crop, placement in face_crops(
        lfw_faces()[start : start + 5],
        scales=(40, 80, 160),
        positions=POSITIONS,
        every=True,
        seed=1000 + start * 21,
    ):
        if start + i == face and (placement.scale, placement.position) == (scale, position):
            return crop, placement.box
    raise AssertionError("no such crop")


def _on(box: tuple[int, int, int, int], cand: gate_face.FaceCandidate) -> bool:
    x, y, w, h = box
    return x <= cand.cx <= x + w and y - h <= cand.cy <= y + h and max(cand.w, cand.h) <= 3 * w


@pytest.mark.parametrize("face", [67, 68])
def test_small_face_cut_by_the_top_edge_is_found(monkeypatch, face: int) -> None:
    """A 40 px face half outside the crop's top: 40 x 20 px of it are left. The whole
    crop's windows (down to MIN_WINDOW) miss it; the finer border windows find it."""
    crop, box = _bench_crop(face, 40, "edge-top")
    assert box[1] == 0 and box[3] == 20
    models = gate_models()
    found = [c for c in find_faces(models, crop) if _on(box, c)]
    assert found and all(c.inside < EDGE_INSIDE for c in found)
    assert max(c.det for c in found) >= 0.5
    assert all(c.features is not None for c in found)

    monkeypatch.setattr(gate_face, "MIN_EDGE_WINDOW", MIN_WINDOW)
    assert [c for c in find_faces(models, crop) if _on(box, c)] == []


def test_inside_and_edge_candidates_have_their_own_budgets(monkeypatch) -> None:
    """Textures inside the crop cannot crowd out a face at the edge, nor the reverse."""
    models = gate_models()
    crop, box = _bench_crop(68, 40, "edge-top")
    cands = find_faces(models, crop)
    inside = [c for c in cands if c.inside >= EDGE_INSIDE]
    edge = [c for c in cands if c.inside < EDGE_INSIDE]
    assert len(inside) == MAX_VERIFY  # this crop has more proposals inside than that
    assert 0 < len(edge) <= MAX_VERIFY_EDGE
    assert all(c.inside > 0 for c in cands)
    strongest_edge = max(edge, key=lambda c: c.det)

    monkeypatch.setattr(gate_face, "MAX_VERIFY", 1)
    few = find_faces(models, crop)
    assert len([c for c in few if c.inside >= EDGE_INSIDE]) == 1
    assert len([c for c in few if c.inside < EDGE_INSIDE]) == len(edge)

    monkeypatch.setattr(gate_face, "MAX_VERIFY", MAX_VERIFY)
    monkeypatch.setattr(gate_face, "MAX_VERIFY_EDGE", 1)
    few = find_faces(models, crop)
    assert len([c for c in few if c.inside >= EDGE_INSIDE]) == MAX_VERIFY
    (only,) = [c for c in few if c.inside < EDGE_INSIDE]
    assert (only.cx, only.cy, only.det) == (
        strongest_edge.cx,
        strongest_edge.cy,
        strongest_edge.det,
    )


def test_a_blank_crop_has_no_face_candidates() -> None:
    models = gate_models()
    blank = np.full((300, 200, 3), 200, dtype=np.uint8)
    assert find_faces(models, blank) == []


def test_inside_candidates_strong_enough_get_features() -> None:
    """Candidates inside the crop are described for the inside-face model from
    INSIDE_FEATURES_MIN on; weaker ones are not judged (nor counted as faces)."""
    models = gate_models()
    crop, _box = _bench_crop(68, 40, "edge-top")
    inside = [c for c in find_faces(models, crop) if c.inside >= EDGE_INSIDE]
    assert any(c.det >= INSIDE_FEATURES_MIN for c in inside)
    assert any(c.det < INSIDE_FEATURES_MIN for c in inside)
    for c in inside:
        assert (c.features is not None) == (c.det >= INSIDE_FEATURES_MIN)
        if c.features is not None:
            assert c.features.shape == (len(EDGE_FEATURES),)


def test_haar_features_see_a_face_and_not_a_plain_surface() -> None:
    """The Haar cascades accept windows on a pasted face and none on a blank one."""
    models = gate_models()
    crop, (x, y, w, h) = _bench_crop(72, 80, "center")
    cand = gate_face.FaceCandidate(1.0, x + w / 2, y + h / 2, w, h)
    on_face = gate_face._haar(models, crop, cand, 0)
    blank = np.full_like(crop, 128)
    on_blank = gate_face._haar(models, blank, cand, 0)
    assert len(on_face) == len(on_blank) == sum(n.startswith("haar_mirror") for n in EDGE_FEATURES)
    windows = on_face[0::2]  # (windows, weight) per run
    assert max(windows) > 0, on_face
    assert on_blank == [0.0] * len(on_blank)
