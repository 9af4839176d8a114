"""The safety gate's models, loaded once per process (Django-free).

Everything the gate runs ships inside the ``mediapipe==0.10.14`` wheel, OpenCV's wheel
or this package; nothing is downloaded, ever:

* ``face_detection_short_range.tflite`` (BlazeFace) and ``face_landmark.tflite``
  (the face-mesh model, used for its face-presence output), run directly with
  OpenCV's DNN module so the gate controls the detection threshold, the windows
  and the verification;
* the face-mesh model's layer before its face flag (``p_re_lu_28``) and OpenCV's Haar
  face cascades (:data:`HAAR_CASCADES`, in ``cv2.data.haarcascades``), read as
  features by the edge-face and inside-face models: logistic regressions trained by
  ``bench/train_gate_faces.py`` and kept in ``data/gate_edge_face.json`` and
  ``data/gate_inside_face.json``;
* the legacy MediaPipe solutions ``FaceDetection(model_selection=1)`` (full range),
  ``Pose(model_complexity=1)`` (the only pose landmark model in the wheel:
  complexities 0 and 2 would be downloaded, so they are never used), ``Hands``
  and ``SelfieSegmentation``.

The models are created lazily, under a lock, the first time the gate runs in a
process (and again in a child after ``fork``). Neither MediaPipe graphs nor OpenCV
``Net`` objects may be used by two threads at once, so each model has its own lock:
threads share the models and queue per model.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = [
    "MEDIAPIPE_VERSION",
    "EDGE_MODEL_FILE",
    "HAAR_CASCADES",
    "INSIDE_MODEL_FILE",
    "MODEL_FILES",
    "EdgeFaceModel",
    "GateModels",
    "edge_face_model",
    "inside_face_model",
    "ModelLoadError",
    "gate_models",
    "load_edge_model",
    "mediapipe_dir",
]

#: The mediapipe release whose wheel ships every model the gate needs.
MEDIAPIPE_VERSION: Final = "0.10.14"

#: Model files the gate needs, relative to the installed ``mediapipe`` package.
MODEL_FILES: Final[tuple[str, ...]] = (
    "modules/face_detection/face_detection_short_range.tflite",
    "modules/face_detection/face_detection_full_range_sparse.tflite",
    "modules/face_landmark/face_landmark.tflite",
    "modules/pose_detection/pose_detection.tflite",
    "modules/pose_landmark/pose_landmark_full.tflite",
    "modules/palm_detection/palm_detection_full.tflite",
    "modules/hand_landmark/hand_landmark_full.tflite",
    "modules/selfie_segmentation/selfie_segmentation.tflite",
)


#: The edge-face model: a logistic regression trained by ``bench/train_gate_faces.py``.
EDGE_MODEL_FILE: Final = Path(__file__).with_name("data") / "gate_edge_face.json"
#: The inside-face model (faces wholly inside the crop), trained alongside it.
INSIDE_MODEL_FILE: Final = Path(__file__).with_name("data") / "gate_inside_face.json"
#: The face-mesh layer whose output feeds its face flag (its face-flag features).
_EMBEDDING_LAYER: Final = "p_re_lu_28"
_EMBEDDING_SHAPE: Final = (1, 32, 3, 3)
#: OpenCV's Haar face cascades the face features read (``cv2.data.haarcascades``).
HAAR_CASCADES: Final = ("frontalface_default", "frontalface_alt2", "profileface")


class ModelLoadError(RuntimeError):
    """A model of the gate is missing or cannot be loaded."""


@dataclass(frozen=True)
class EdgeFaceModel:
    """Is a face candidate a face? A standardised logistic regression (one for candidates
    cut by the crop edge, one for candidates wholly inside the crop).

    Trained on generated crops (``bench/train_gate_faces.py``); its inputs are named in
    ``features`` and must equal :data:`traceobject.vision.gate_face.EDGE_FEATURES`.
    """

    features: tuple[str, ...]
    mean: Any  # numpy float64 arrays, one value per feature
    scale: Any
    coef: Any
    intercept: float
    threshold: float  # the training's recommended decision threshold
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, x: Any) -> float:
        """The probability that the candidate is a face; non-finite input raises
        ``ValueError`` (the gate then fails with an error finding, never passes)."""
        import numpy as np

        values = np.asarray(x, dtype=np.float64)
        if values.shape != (len(self.features),) or not np.all(np.isfinite(values)):
            raise ValueError("the face model got features it cannot score")
        z = float(np.dot((values - self.mean) / self.scale, self.coef)) + self.intercept
        return float(1.0 / (1.0 + np.exp(-min(80.0, max(-80.0, z)))))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "standardised logistic regression",
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
            "threshold": float(self.threshold),
            "meta": self.meta,
        }


def load_edge_model(path: Path = EDGE_MODEL_FILE) -> EdgeFaceModel:
    """Read and check a face model (the edge-face model unless ``path`` names the
    inside-face model); anything wrong raises :class:`ModelLoadError`."""
    import json
    import math

    import numpy as np

    from traceobject.vision.gate_face import EDGE_FEATURES

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = tuple(str(v) for v in data["features"])
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        intercept, threshold = float(data["intercept"]), float(data["threshold"])
        meta = dict(data.get("meta", {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"cannot read the face model {path}: {exc}") from exc
    if features != EDGE_FEATURES:
        raise ModelLoadError(f"{path.name} was trained on other features than the gate computes")
    n = len(features)
    if any(a.shape != (n,) or not np.all(np.isfinite(a)) for a in arrays) or np.any(arrays[1] <= 0):
        raise ModelLoadError(f"{path.name}: mean, scale and coef need {n} finite values")
    if not (math.isfinite(intercept) and 0.0 < threshold < 1.0):
        raise ModelLoadError(f"{path.name}: bad intercept or threshold")
    return EdgeFaceModel(features, arrays[0], arrays[1], arrays[2], intercept, threshold, meta)


def mediapipe_dir() -> Path:
    """The directory of the installed ``mediapipe`` package, without importing it."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError("mediapipe is not installed (pip install mediapipe==0.10.14)")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass
class _Guarded:
    """A model object and the lock that serialises its use."""

    obj: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class GateModels:
    face_net: _Guarded  # BlazeFace short range, cv2.dnn
    face_outputs: tuple[str, str]  # its (regressors, classificators) output names
    landmark_net: _Guarded  # face mesh landmarks + face flag, cv2.dnn
    landmark_outputs: tuple[str, str]  # its (landmarks, face flag) output names
    landmark_embedding: str  # the layer before its face flag (face-flag features)
    haar: _Guarded  # OpenCV's Haar face cascades, in HAAR_CASCADES order
    face_full: _Guarded  # mp.solutions.face_detection, full range
    pose: _Guarded
    hands: _Guarded
    selfie: _Guarded
    pid: int
    mediapipe_version: str


_lock = threading.Lock()
_models: GateModels | None = None
#: Set in a child forked after the models were loaded: MediaPipe cannot run there.
_forked_after_load = False
#: Models inherited through fork(): a child must neither use nor free them (their
#: destructors would touch the parent's threads), so they are kept here forever.
_inherited: list[GateModels] = []


def _after_fork_in_child() -> None:
    global _lock, _models, _forked_after_load
    _lock = threading.Lock()  # the parent may have held it while forking
    if _models is not None:
        _inherited.append(_models)
        _models = None
        _forked_after_load = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def gate_models() -> GateModels:
    """The process-wide models, created on first use (thread-safe).

    MediaPipe cannot be loaded again in a process forked from one that had loaded it
    (measured: heap corruption or a hang), so such a child gets
    :class:`ModelLoadError` and the gate fails closed. Fork worker processes before
    the first check (prefork servers do), or start them with ``spawn``/``forkserver``.
    """
    global _models
    models = _models
    if models is not None and models.pid == os.getpid():
        return models
    with _lock:
        if _forked_after_load:
            raise ModelLoadError(
                "the gate's models were loaded before this process was forked and MediaPipe "
                "cannot run in a forked child: start workers with 'spawn' or 'forkserver', "
                "or fork before the first check"
            )
        if _models is None or _models.pid != os.getpid():
            _models = _load()
        return _models


_edge_model: EdgeFaceModel | None = None
_inside_model: EdgeFaceModel | None = None


def edge_face_model() -> EdgeFaceModel:
    """The edge-face model, read once per process (raises :class:`ModelLoadError`)."""
    global _edge_model
    model = _edge_model
    if model is None:
        model = _edge_model = load_edge_model(EDGE_MODEL_FILE)
    return model


def inside_face_model() -> EdgeFaceModel:
    """The inside-face model, read once per process (raises :class:`ModelLoadError`)."""
    global _inside_model
    model = _inside_model
    if model is None:
        model = _inside_model = load_edge_model(INSIDE_MODEL_FILE)
    return model


def _load() -> GateModels:
    root = mediapipe_dir()
    missing = [name for name in MODEL_FILES if not (root / name).is_file()]
    if missing:
        raise ModelLoadError(
            f"mediapipe at {root} lacks {', '.join(missing)}; "
            f"install mediapipe=={MEDIAPIPE_VERSION}"
        )
    # MediaPipe's C++ side logs through glog/absl to stderr; keep it to errors.
    os.environ.setdefault("GLOG_minloglevel", "2")
    # mediapipe 0.10.14 calls a protobuf API that warns on every graph run.
    warnings.filterwarnings(
        "ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated", category=UserWarning
    )
    try:
        import mediapipe
        from mediapipe.python.solutions import face_detection, hands, pose, selfie_segmentation

        face_net, face_outputs = _tflite_net(
            root / MODEL_FILES[0], (1, 3, 128, 128), ((1, 896, 16), (1, 896, 1))
        )
        landmark_net, landmark_outputs = _tflite_net(
            root / MODEL_FILES[2], (1, 3, 192, 192), ((1, 1404, 1, 1), (1, 1, 1, 1))
        )
        _check_embedding(landmark_net)
        cascades = _haar_cascades()
        face_full = face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
        pose_model = pose.Pose(
            static_image_mode=True,
            model_complexity=1,  # the full model ships in the wheel; 0 and 2 would be downloaded
            enable_segmentation=False,
            min_detection_confidence=0.5,
        )
        hands_model = hands.Hands(
            static_image_mode=True,
            max_num_hands=4,
            model_complexity=1,
            min_detection_confidence=0.5,
        )
        selfie = selfie_segmentation.SelfieSegmentation(model_selection=0)
    except ModelLoadError:
        raise
    except Exception as exc:  # ImportError, cv2.error, RuntimeError from the graphs, ...
        raise ModelLoadError(f"cannot load the gate's models: {type(exc).__name__}: {exc}") from exc
    return GateModels(
        face_net=_Guarded(face_net),
        face_outputs=face_outputs,
        landmark_net=_Guarded(landmark_net),
        landmark_outputs=landmark_outputs,
        landmark_embedding=_EMBEDDING_LAYER,
        haar=_Guarded(cascades),
        face_full=_Guarded(face_full),
        pose=_Guarded(pose_model),
        hands=_Guarded(hands_model),
        selfie=_Guarded(selfie),
        pid=os.getpid(),
        mediapipe_version=str(getattr(mediapipe, "__version__", "?")),
    )


def _haar_cascades() -> tuple[Any, ...]:
    """OpenCV's Haar face cascades (they ship in the opencv-python wheel)."""
    import cv2

    root = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
    out = []
    for name in HAAR_CASCADES:
        path = root / f"haarcascade_{name}.xml"
        cascade = cv2.CascadeClassifier(str(path)) if path.is_file() else None
        if cascade is None or cascade.empty():
            raise ModelLoadError(f"OpenCV's Haar cascade {path} is missing or unreadable")
        out.append(cascade)
    return tuple(out)


def _check_embedding(net: Any) -> None:
    """The face-mesh layer the edge-face model reads exists and has its shape."""
    import numpy as np

    net.setInput(np.zeros((1, 3, 192, 192), dtype=np.float32))
    try:
        shape = tuple(net.forward(_EMBEDDING_LAYER).shape)
    except Exception as exc:  # cv2.error: no such layer in this OpenCV's reading
        raise ModelLoadError(f"face-mesh layer {_EMBEDDING_LAYER} not found: {exc}") from exc
    if shape != _EMBEDDING_SHAPE:
        raise ModelLoadError(f"face-mesh layer {_EMBEDDING_LAYER} gives {shape}")


def _tflite_net(
    path: Path, input_shape: tuple[int, ...], output_shapes: tuple[tuple[int, ...], ...]
) -> tuple[Any, tuple[str, str]]:
    """Load a TFLite model with OpenCV DNN and check it really gives ``output_shapes``.

    OpenCV 5.0's new DNN engine silently drops the second output of these models,
    so the classic engine is asked for when the build has the choice (5.1 has one
    engine, which works). The outputs are found by shape (their names and order differ
    between OpenCV releases); anything unexpected raises :class:`ModelLoadError`.
    """
    import cv2
    import numpy as np

    engine = getattr(cv2.dnn, "ENGINE_CLASSIC", None)
    if engine is not None:
        net = cv2.dnn.readNetFromTFLite(str(path), engine=engine)
    else:
        net = cv2.dnn.readNetFromTFLite(str(path))
    names = list(net.getUnconnectedOutLayersNames())
    net.setInput(np.zeros(input_shape, dtype=np.float32))
    outputs = net.forward(names)
    found: list[str] = []
    for shape in output_shapes:
        match = [n for n, o in zip(names, outputs, strict=True) if tuple(o.shape) == shape]
        if len(match) != 1:
            got = {n: tuple(o.shape) for n, o in zip(names, outputs, strict=True)}
            raise ModelLoadError(
                f"OpenCV {cv2.__version__} reads {path.name} wrongly: outputs {got}, "
                f"expected shapes {list(output_shapes)}"
            )
        found.append(match[0])
    return net, (found[0], found[1])
