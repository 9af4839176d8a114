"""The face models' training (bench/train_gate_faces.py) and the gate score alike."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from traceobject.vision.gate_face import EDGE_FEATURES, FACE_MODEL_FILES, FaceModel, load_face_model

_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "train_gate_faces.py"


@pytest.fixture(scope="module")
def train():
    spec = importlib.util.spec_from_file_location("train_gate_faces", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_gate_faces"] = module
    spec.loader.exec_module(module)
    return module


def _toy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two classes apart along a few of the gate's feature dimensions, noise elsewhere."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.int64)
    x = rng.normal(0.0, 1.0, (n, len(EDGE_FEATURES)))
    x[:, :5] += 2.5 * y[:, None]
    x[:, 7] *= 50.0  # a feature on another scale: standardising must handle it
    return x, y


def test_fit_separates_and_the_gate_scores_as_the_training_does(train) -> None:
    x, y = _toy(600, 1)
    mean, scale, coef, intercept = train.fit(x, y, 0.01)
    test_x, test_y = _toy(400, 2)
    trained = train._scores(test_x, (mean, scale, coef, intercept))
    assert ((trained >= 0.5) == test_y).mean() >= 0.95
    model = FaceModel(EDGE_FEATURES, mean, scale, coef, intercept, 0.5)
    served = np.array([model.score(row) for row in test_x])
    assert np.allclose(served, trained, atol=1e-9)


def test_stronger_regularisation_shrinks_the_weights(train) -> None:
    x, y = _toy(600, 3)
    weak = train.fit(x, y, 1.0)[2]
    strong = train.fit(x, y, 0.001)[2]
    assert np.linalg.norm(strong) < np.linalg.norm(weak)


def test_crop_rates_count_crops_not_candidates(train) -> None:
    # crops 0-2 hold a face, 3-5 do not; crop 2 is blocked by another detector
    data = {
        "crop_face": np.array([True, True, True, False, False, False]),
        "crop_other": np.array([False, False, True, False, False, False]),
        "crop_of": np.array([0, 0, 1, 3, 3, 4]),
    }
    scores = np.array([0.2, 0.9, 0.3, 0.95, 0.1, 0.4])
    recall, false_block = train.crop_rates(data, scores, 0.8)
    assert recall == pytest.approx(2 / 3)  # crop 0 (one candidate fires) and crop 2 (other)
    assert false_block == pytest.approx(1 / 3)  # crop 3
    assert train.crop_rates(data, scores, 0.99) == (pytest.approx(1 / 3), 0.0)


def test_thresholds_pick_per_kind_within_the_false_block_target(train) -> None:
    """Inside and edge candidates get their own threshold; the pair found blocks the
    most face crops without blocking more than the target share of object crops."""
    # crops 0-3 hold a face, 4-7 do not. Candidates: (crop, inside?, score, label)
    cands = [
        (0, True, 0.9, 1),
        (1, True, 0.6, 1),
        (2, False, 0.7, 1),
        (3, False, 0.95, 1),
        (4, True, 0.65, 0),  # inside threshold 0.62 would block this object crop
        (5, False, 0.8, 0),  # edge threshold 0.7 would block this one
        (6, False, 0.5, 0),
        (7, True, 0.3, 0),
    ]
    data = {
        "crop_face": np.array([True] * 4 + [False] * 4),
        "crop_other": np.zeros(8, dtype=bool),
        "crop_of": np.array([c[0] for c in cands]),
        "inside": np.array([c[1] for c in cands]),
        "y": np.array([c[3] for c in cands]),
    }
    scores = np.array([c[2] for c in cands])
    t_in, t_edge, recall, false_block = train.thresholds(data, scores, 0.25)
    # One object crop may be blocked: either the inside one (then crops 0, 1, 3 and
    # not 2) or the edge one (then crops 0, 2, 3 and not 1): 3 of 4 either way.
    assert recall == pytest.approx(3 / 4)
    assert false_block == pytest.approx(1 / 4)
    again = train.crop_rates(data, scores, np.where(data["inside"], t_in, t_edge))
    assert again == (pytest.approx(recall), pytest.approx(false_block))
    assert train.thresholds(data, scores, 0.0)[2] == pytest.approx(2 / 4)  # crops 0 and 3


def test_written_model_reads_back(train, tmp_path: Path) -> None:
    """What --write stores is what the gate loads, down to the last weight."""
    shipped = load_face_model(FACE_MODEL_FILES["edge"])
    path = tmp_path / "model.json"
    path.write_text(json.dumps(shipped.to_json()), encoding="utf-8")
    again = load_face_model(path)
    assert again.threshold == shipped.threshold
    assert np.array_equal(again.coef, shipped.coef)
    assert shipped.meta["trained_by"] == "bench/train_gate_faces.py"
    inside = load_face_model(FACE_MODEL_FILES["inside"])
    assert inside.meta["candidates"] == "inside" and shipped.meta["candidates"] == "edge"
