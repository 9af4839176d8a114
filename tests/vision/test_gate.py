"""The safety gate: people blocked, objects through, and failing closed.

Only generated images and the person images scikit-image ships are used: the
astronaut and the 100 faces of ``lfw_subset()``. mediapipe is a declared dependency:
without it these tests fail (they never skip), and every "blocked" assertion also
checks that the block came from a detector, not from an error.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

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
from PIL import Image

from traceobject.vision import gate as gate_module
from traceobject.vision import gate_face as gate_face_module
from traceobject.vision import gate_models as gate_models_module
from traceobject.vision.gate import (
    DEFAULT_CONFIG,
    EDGE_SCORE_THRESHOLD,
    FINDING_KINDS,
    INSIDE_SCORE_THRESHOLD,
    Finding,
    GateConfig,
    GateVerdict,
    gate_check,
    gate_check_file,
    gate_decide,
    gate_raw_scores,
    gate_warm_up,
)
from traceobject.vision.gate_face import (
    EDGE_FEATURES,
    FACE_MODEL_FILES,
    face_model,
    load_face_model,
)
from traceobject.vision.gate_models import MEDIAPIPE_VERSION, ModelLoadError

SCALES = (40, 80, 160)
#: A smoke sample, not the accuracy measurement: bench/bench_gate.py measures the rates on
#: 2,100 face crops and 300 object crops (`make test-all` runs it with --check against the
#: budgets below). ~0.5 s per crop on one core: these samples keep the file near half a
#: minute instead of the ~4 minutes that the 100 faces and 300 objects took here.
#: Object crops: seeds 0.. (the thresholds and the edge-face model were tuned on 10000+).
N_OBJECTS = 12
#: Face crops: faces 0..20, each at one of the 21 (scale, position) pairs.
N_FACES = 21

pytestmark = pytest.mark.filterwarnings("ignore:SymbolDatabase.GetPrototype:UserWarning")


def _astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="module")
def astronaut_verdict() -> GateVerdict:
    return gate_check(_astronaut())


def _assert_no_error(verdict: GateVerdict) -> None:
    errors = [f.detail for f in verdict.findings if f.kind == "error"]
    assert not errors, f"the gate failed with an error, not a detection: {errors}"


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0]) and min(a[1] + a[3], b[1] + b[3]) > max(
        a[1], b[1]
    )


# --------------------------------------------------------------------------- dependencies


def test_dependencies_import_together() -> None:
    """numpy, pdqhash, faiss, OpenCV and mediapipe load in one fresh interpreter."""
    code = (
        "import numpy, pdqhash, faiss, cv2, mediapipe; "
        "print(numpy.__version__, cv2.__version__, mediapipe.__version__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    numpy_version, _cv2_version, mediapipe_version = result.stdout.split()[-3:]
    assert mediapipe_version == MEDIAPIPE_VERSION
    assert numpy_version == np.__version__


def test_models_load_offline() -> None:
    """Every model ships in the wheel and OpenCV reads both TFLite outputs (no skip)."""
    gate_warm_up()


# --------------------------------------------------------------------------- people


def test_astronaut_is_blocked(astronaut_verdict: GateVerdict) -> None:
    verdict = astronaut_verdict
    _assert_no_error(verdict)
    assert verdict.verdict == "fail"
    faces = [f for f in verdict.findings if f.kind == "face"]
    assert any(_overlaps(f.box, ASTRONAUT_FACE) for f in faces), verdict.findings


@pytest.fixture(scope="module")
def lfw_verdicts() -> list[tuple[int, str, GateVerdict, int]]:
    """Faces 0..N_FACES-1, the 21 (scale, position) pairs taken in turn (one crop each)."""
    out = []
    for i, crop, placement in face_crops(
        lfw_faces()[:N_FACES], scales=SCALES, positions=POSITIONS, every=False, seed=424242
    ):
        out.append((placement.scale, placement.position, gate_check(crop), i))
    return out


def test_lfw_faces_on_objects_are_blocked(lfw_verdicts, record_property) -> None:
    """A smoke sample: every (scale, position) pair once. The rates are measured by
    bench/bench_gate.py (2,100 crops: whole faces 0.990, faces half outside the crop 0.976,
    held-out faces 0.989; DESIGN.md asks 0.99 of all crops with a person, not met, see
    README); `make test-all` checks them against this file's former thresholds."""
    assert len(lfw_verdicts) == N_FACES
    assert {(s, p) for s, p, _v, _i in lfw_verdicts} == {(s, p) for s in SCALES for p in POSITIONS}
    for _scale, _position, verdict, _i in lfw_verdicts:
        _assert_no_error(verdict)
    missed = [(i, s, p) for s, p, v, i in lfw_verdicts if v.passed]
    whole_missed = [m for m in missed if m[2] in ("center", "inside")]
    record_property("lfw_sample_missed", len(missed))
    print(f"lfw face crops missed: {missed} of {len(lfw_verdicts)}")
    # Every whole face of the sample is blocked; of the faces the crop's edge cuts, at most
    # one may pass (the benchmark's rate for them is 0.976).
    assert not whole_missed, missed
    assert len(missed) <= 1, missed


def test_lfw_faces_findings_are_where_the_face_is(lfw_verdicts) -> None:
    for _scale, _position, verdict, _i in lfw_verdicts:
        for f in verdict.findings:
            assert f.kind in FINDING_KINDS
            assert f.box[2] >= 0 and f.box[3] >= 0


# --------------------------------------------------------------------------- objects


@pytest.fixture(scope="module")
def object_verdicts() -> list[tuple[int, GateVerdict]]:
    return [(seed, gate_check(object_image(seed))) for seed in range(N_OBJECTS)]


def test_object_only_crops_pass(object_verdicts, record_property) -> None:
    for _seed, verdict in object_verdicts:
        _assert_no_error(verdict)
    blocked = {
        seed: sorted({f.kind for f in v.findings}) for seed, v in object_verdicts if not v.passed
    }
    rate = 1 - len(blocked) / len(object_verdicts)
    record_property("objects_pass_rate", rate)
    print(f"object-only crops passed: {rate:.3f}; blocked: {blocked}")
    # A smoke sample (the false-block rate, 3.3 % of 300, is bench/bench_gate.py's): at most
    # one of the first N_OBJECTS seeds may be blocked (none is, when this was written).
    assert len(blocked) <= 1, f"object-only pass rate {rate:.3f}; blocked: {blocked}"


@pytest.mark.parametrize("name", ["coffee", "rocket", "coins"])
def test_scikit_image_object_photos_pass(name: str) -> None:
    from skimage import data

    image = np.asarray(getattr(data, name)())
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    verdict = gate_check(np.ascontiguousarray(image))
    assert verdict.passed, verdict.findings


def test_a_cat_is_reported_either_way() -> None:
    """chelsea is a cat: not a person. Blocking it is acceptable; an error is not."""
    from skimage import data

    verdict = gate_check(data.chelsea())
    _assert_no_error(verdict)
    print(f"chelsea (a cat): {verdict.verdict} {[f.kind for f in verdict.findings]}")


# --------------------------------------------------------------------------- failing closed


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "astronaut.png",
        np.zeros((64, 64, 3), dtype=np.float32),
        np.zeros((64, 64, 2), dtype=np.uint8),
        np.zeros((64, 64, 3, 1), dtype=np.uint8),
        np.zeros((8, 300, 3), dtype=np.uint8),
        np.zeros((20, 2000, 3), dtype=np.uint8),
        np.zeros((0, 0, 3), dtype=np.uint8),
    ],
    ids=["none", "str", "float", "two-channels", "4d", "too-thin", "too-elongated", "empty"],
)
def test_unreadable_input_fails_with_error(bad) -> None:
    verdict = gate_check(bad)
    assert verdict.verdict == "fail"
    assert [f.kind for f in verdict.findings] == ["error"]
    assert verdict.to_dict()["findings"][0]["detail"]


def test_model_load_failure_fails_closed(monkeypatch) -> None:
    def broken() -> None:
        raise ModelLoadError("face_landmark.tflite is missing")

    monkeypatch.setattr(gate_module, "gate_models", broken)
    verdict = gate_check(object_image(1))
    assert verdict.verdict == "fail"
    assert verdict.findings[0].kind == "error"
    assert "face_landmark.tflite" in verdict.findings[0].detail


@pytest.mark.parametrize("which", sorted(FACE_MODEL_FILES))
@pytest.mark.parametrize(
    "damage",
    ["missing", "not-json", "fewer-features", "other-features", "nan", "zero-scale", "threshold"],
)
def test_broken_face_model_fails_closed(
    tmp_path: Path, monkeypatch, damage: str, which: str
) -> None:
    """A missing or damaged face model (edge or inside) is an error finding, never a pass."""
    shipped = FACE_MODEL_FILES[which]
    path = tmp_path / shipped.name
    data = json.loads(shipped.read_text(encoding="utf-8"))
    if damage == "not-json":
        path.write_text("{not json", encoding="utf-8")
    elif damage != "missing":
        if damage == "fewer-features":
            for key in ("features", "mean", "scale", "coef"):
                data[key] = data[key][:-1]
        elif damage == "other-features":
            data["features"][0] = "something_else"
        elif damage == "nan":
            data["coef"][3] = float("nan")
        elif damage == "zero-scale":
            data["scale"][5] = 0.0
        elif damage == "threshold":
            data["threshold"] = 1.5
        path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelLoadError):
        load_face_model(path)
    monkeypatch.setitem(FACE_MODEL_FILES, which, path)
    monkeypatch.setattr(gate_face_module, "_face_models", {})  # read again, from path
    verdict = gate_check(object_image(1))
    assert verdict.verdict == "fail"
    assert [f.kind for f in verdict.findings] == ["error"]
    assert path.name in verdict.findings[0].detail


def test_missing_haar_cascade_fails_closed(tmp_path: Path, monkeypatch) -> None:
    """The face features read OpenCV's Haar cascades: without one, the gate cannot run."""
    import cv2

    monkeypatch.setattr(cv2.data, "haarcascades", str(tmp_path) + "/")
    with pytest.raises(ModelLoadError, match="haarcascade_frontalface_default"):
        gate_models_module._haar_cascades()
    monkeypatch.setattr(gate_models_module, "_models", None)
    verdict = gate_check(object_image(1))
    assert verdict.verdict == "fail"
    assert [f.kind for f in verdict.findings] == ["error"]
    assert "Haar cascade" in verdict.findings[0].detail


def test_edge_model_refuses_features_it_cannot_score(monkeypatch) -> None:
    """NaN features (a model gone wrong) are an error finding, not a pass."""
    model = face_model("edge")
    with pytest.raises(ValueError):
        model.score(np.full(len(EDGE_FEATURES), np.nan))
    with pytest.raises(ValueError):
        model.score(np.zeros(len(EDGE_FEATURES) - 1))

    def nan_features(*_args, **_kwargs):
        return np.full(len(EDGE_FEATURES), np.nan, dtype=np.float32)

    monkeypatch.setattr(gate_face_module, "_edge_features", nan_features)
    faces = lfw_faces()
    crop, _placement = paste_face(object_image(778), faces[70], scale=80, position="edge-top")
    verdict = gate_check(crop)
    assert verdict.verdict == "fail"
    assert [f.kind for f in verdict.findings] == ["error"]


def test_face_model_thresholds_are_the_gates_defaults() -> None:
    """bench/train_gate_faces.py writes the thresholds; GateConfig must use those."""
    edge = load_face_model(FACE_MODEL_FILES["edge"])
    assert edge.threshold == EDGE_SCORE_THRESHOLD == DEFAULT_CONFIG.face_edge_score
    inside = load_face_model(FACE_MODEL_FILES["inside"])
    assert inside.threshold == INSIDE_SCORE_THRESHOLD == DEFAULT_CONFIG.face_inside_score
    assert edge.features == inside.features == EDGE_FEATURES


def test_inside_model_blocks_a_whole_face() -> None:
    """The inside-face model, not another detector, blocks a face wholly inside the crop."""
    faces = lfw_faces()
    crop, placement = paste_face(object_image(779), faces[61], scale=80, position="inside")
    raw = gate_raw_scores(crop)
    on_face = [
        c.inside_score
        for c in raw.faces
        if c.inside >= 0.9 and _overlaps(_int_box(c.box), placement.box)
    ]
    assert on_face and max(on_face) >= INSIDE_SCORE_THRESHOLD, on_face
    verdict = gate_decide(raw)
    assert any(f.detail.startswith("face (face model") for f in verdict.findings)
    strict = GateConfig(face_inside_score=min(1.0, max(on_face) + 1e-6))
    assert not [f for f in gate_decide(raw, strict).findings if "face model" in f.detail]


def test_edge_model_scores_the_face_above_the_objects() -> None:
    """The edge model, not another detector, blocks a face half outside the crop."""
    faces = lfw_faces()
    crop, placement = paste_face(object_image(777), faces[60], scale=80, position="edge-left")
    raw = gate_raw_scores(crop)
    on_face = [
        c.edge_score
        for c in raw.faces
        if 0 < c.inside < 0.9 and _overlaps(_int_box(c.box), placement.box)
    ]
    assert on_face and max(on_face) >= EDGE_SCORE_THRESHOLD, on_face
    assert not gate_decide(raw).passed
    # The same candidates scored with a threshold above every score: nothing from them.
    strict = GateConfig(face_edge_score=min(1.0, max(on_face) + 1e-6))
    edge_findings = [f for f in gate_decide(raw, strict).findings if "crop edge" in f.detail]
    assert edge_findings == []


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    return (int(box[0]), int(box[1]), int(box[2]) + 1, int(box[3]) + 1)


def test_detector_exception_fails_closed(monkeypatch) -> None:
    def boom(*_args, **_kwargs):
        raise RuntimeError("graph crashed")

    monkeypatch.setattr(gate_module, "_hands", boom)
    verdict = gate_check(object_image(2))
    assert verdict.verdict == "fail"
    assert verdict.findings[0].kind == "error"
    assert "graph crashed" in verdict.findings[0].detail


def test_grey_and_rgba_input_are_checked() -> None:
    image = _astronaut()
    grey = np.asarray(Image.fromarray(image).convert("L"))
    rgba = np.dstack([image, np.zeros(image.shape[:2], dtype=np.uint8)])  # fully transparent
    for variant in (grey, rgba):
        verdict = gate_check(variant)
        _assert_no_error(verdict)
        assert verdict.verdict == "fail"


def test_large_crop_is_reduced_and_boxes_stay_in_its_pixels() -> None:
    image = np.asarray(Image.fromarray(_astronaut()).resize((1280, 1280)))
    verdict = gate_check(image)
    _assert_no_error(verdict)
    fx, fy, fw, fh = (v * 2.5 for v in ASTRONAUT_FACE)
    faces = [f for f in verdict.findings if f.kind == "face"]
    assert any(_overlaps(f.box, (int(fx), int(fy), int(fw), int(fh))) for f in faces)
    assert all(f.box[0] + f.box[2] <= 1280 and f.box[1] + f.box[3] <= 1280 for f in faces)


# --------------------------------------------------------------------------- files


def test_gate_check_file(tmp_path: Path) -> None:
    person = tmp_path / "person.png"
    Image.fromarray(_astronaut()).save(person)
    carton = tmp_path / "carton.jpg"
    Image.fromarray(object_image(3)).save(carton, quality=92)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    judged = gate_check_file(person)
    assert judged.verdict == "fail"
    _assert_no_error(judged)
    assert gate_check_file(carton).to_dict() == {"verdict": "pass", "findings": []}
    for bad in (garbage, tmp_path / "missing.png"):
        verdict = gate_check_file(bad)
        assert verdict.verdict == "fail"
        assert [f.kind for f in verdict.findings] == ["error"]


# --------------------------------------------------------------------------- API


def test_to_dict_is_json(astronaut_verdict: GateVerdict) -> None:
    verdict = astronaut_verdict
    payload = json.loads(json.dumps(verdict.to_dict()))
    assert set(payload) == {"verdict", "findings"}
    assert payload["verdict"] == "fail"
    for f in payload["findings"]:
        assert set(f) == {"kind", "score", "box", "detail"}
        assert f["kind"] in FINDING_KINDS
        assert len(f["box"]) == 4 and all(isinstance(v, int) for v in f["box"])
        assert isinstance(f["score"], float)


def test_annotated_draws_each_finding_on_a_copy(astronaut_verdict: GateVerdict) -> None:
    image = _astronaut()
    before = image.copy()
    verdict = astronaut_verdict
    drawn = verdict.annotated(image)
    assert drawn.shape == image.shape and drawn.dtype == np.uint8
    assert np.array_equal(image, before)
    for f in verdict.findings:
        x, y, w, h = f.box
        ring = np.concatenate([drawn[y, x : x + w], drawn[y + h - 1, x : x + w]])
        orig = np.concatenate([image[y, x : x + w], image[y + h - 1, x : x + w]])
        assert not np.array_equal(ring, orig), f


def test_annotated_error_frames_the_whole_crop() -> None:
    image = np.full((40, 60, 3), 200, dtype=np.uint8)
    finding = Finding("error", 1.0, (0, 0, 0, 0), "boom")
    drawn = GateVerdict("fail", [finding]).annotated(image)
    assert not np.array_equal(drawn[:, 0], image[:, 0])


def test_threads_share_the_models(astronaut_verdict, object_verdicts) -> None:
    images = [_astronaut(), object_image(0), object_image(1), object_image(2)]
    expected = [astronaut_verdict.to_dict()] + [v.to_dict() for _s, v in object_verdicts[:3]]
    results: dict[int, dict] = {}

    def work(i: int) -> None:
        results[i] = gate_check(images[i]).to_dict()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(images))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(images))] == expected


def test_ms_per_crop_is_reported(object_verdicts) -> None:
    ms = [v.elapsed_ms for _s, v in object_verdicts]
    print(f"gate: {np.mean(ms):.0f} ms per crop (mean), {max(ms):.0f} ms max")
    assert all(m > 0 for m in ms)


def test_a_face_cut_by_the_edge_that_the_face_mesh_does_not_see_needs_a_surer_edge_model(
) -> None:
    """Cloth, leaves and gravel: the edge model alone (0.85-0.90) with no face-mesh face
    does not block; the same score with a face-mesh face, or a surer edge model, does."""
    from traceobject.vision.gate import RawScores
    from traceobject.vision.gate_face import FaceCandidate

    def crop_with(edge: float, presence: float) -> RawScores:
        cand = FaceCandidate(det=0.6, cx=10.0, cy=100.0, w=60.0, h=60.0, presence=presence,
                             inside=0.6, edge_score=edge)
        return RawScores(width=300, height=300, faces=[cand])

    assert gate_decide(crop_with(0.87, 0.02)).passed  # a floral print's "face"
    assert not gate_decide(crop_with(0.87, 0.5)).passed  # the face mesh sees a face
    assert not gate_decide(crop_with(0.93, 0.0)).passed  # the edge model is surer
    assert gate_decide(crop_with(0.80, 0.9)).passed  # below the edge model's threshold
    looser = GateConfig(face_edge_meshless_score=0.0)  # the former rule
    assert not gate_decide(crop_with(0.87, 0.02), looser).passed


def test_generated_cloth_and_gravel_that_looked_like_faces_pass() -> None:
    """Crops of bench/bench_gate_textiles.py that the former rule blocked (edge model
    0.85-0.87 on a floral print, 0.86 on gravel), and a face cut by the edge still blocked."""
    from bench.bench_gate_textiles import texture_crop

    for kind, index in (("floral", 3), ("gravel", 14)):
        verdict = gate_check(texture_crop(kind, index))
        assert verdict.passed, (kind, index, verdict.findings)
    faces = lfw_faces()
    crop, _placement = paste_face(object_image(778), faces[61], scale=80, position="edge-right")
    assert not gate_check(crop).passed
