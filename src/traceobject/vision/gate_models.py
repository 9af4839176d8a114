"""The safety gate's models, loaded once per process (Django-free).

Everything the gate runs ships inside the ``mediapipe==0.10.14`` wheel, OpenCV's wheel
or this package; nothing is downloaded, ever:

* ``face_detection_short_range.tflite`` (BlazeFace) and ``face_landmark.tflite``
  (the face-mesh model, used for its face-presence output), run directly with
  OpenCV's DNN module so the gate controls the detection threshold, the windows
  and the verification;
* the face-mesh model's layer before its face flag (``p_re_lu_28``) and OpenCV's Haar
  face cascades (:data:`HAAR_CASCADES`, in ``cv2.data.haarcascades``), read as
  features by the edge-face and inside-face models (logistic regressions trained by
  ``bench/train_gate_faces.py``, kept in ``data/gate_edge_face.json`` and
  ``data/gate_inside_face.json``; :mod:`traceobject.vision.gate_face` reads them);
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
    "HAAR_CASCADES",
    "MODEL_FILES",
    "GateModels",
    "ModelLoadError",
    "gate_models",
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


#: The face-mesh layer whose output feeds its face flag (its face-flag features).
_EMBEDDING_LAYER: Final = "p_re_lu_28"
_EMBEDDING_SHAPE: Final = (1, 32, 3, 3)
#: OpenCV's Haar face cascades the face features read (``cv2.data.haarcascades``).
HAAR_CASCADES: Final = ("frontalface_default", "frontalface_alt2", "profileface")


class ModelLoadError(RuntimeError):
    """A model of the gate is missing or cannot be loaded."""


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
    """The face-mesh layer the face models read exists and has its shape."""
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
