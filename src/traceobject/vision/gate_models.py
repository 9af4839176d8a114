"""The safety gate's models, loaded once per process (Django-free).

Everything the gate runs ships inside the ``mediapipe==0.10.14`` wheel, OpenCV's wheel
or this package; nothing is downloaded, ever:

* ``face_detection_short_range.tflite`` (BlazeFace) and ``face_landmark.tflite``
  (the face-mesh model, used for its face-presence output), run directly so the gate
  controls the detection threshold, the windows and the verification: BlazeFace with
  LiteRT (``ai-edge-litert``, XNNPACK, one thread) when it is installed, else with
  OpenCV's DNN module (the same outputs within 1e-4; LiteRT takes about half the CPU
  time per window, and the gate runs BlazeFace on about 200 windows a crop); the
  face-mesh model with OpenCV's DNN module (the gate reads one of its inner layers);
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
from abc import ABC, abstractmethod
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


class FaceDetector(ABC):
    """BlazeFace short range on a batch of 128 x 128 windows (NHWC, float32 in [-1, 1]).

    :meth:`forward` gives the model's two outputs as it was exported, for one image: each
    head (stride 8, then 16) flattened over the batch, then the heads concatenated, so
    ``(1, n * 896, 16)`` regressors and ``(1, n * 896, 1)`` classificators. Not
    thread-safe (the caller holds the :class:`_Guarded` lock)."""

    engine: str

    @abstractmethod
    def forward(self, batch: Any) -> tuple[Any, Any]:
        """The regressors and classificators of ``batch`` (n, 128, 128, 3)."""


class _DnnFaceDetector(FaceDetector):
    engine = "opencv-dnn"

    def __init__(self, net: Any, outputs: tuple[str, str]) -> None:
        self.net, self.outputs = net, outputs

    def forward(self, batch: Any) -> tuple[Any, Any]:
        self.net.setInput(batch.transpose(0, 3, 1, 2))
        reg, cls = self.net.forward(list(self.outputs))
        return reg, cls


class _LiteRTFaceDetector(FaceDetector):
    """One LiteRT interpreter per batch size (resizing one costs a re-allocation each
    time); batches above :data:`MAX_BATCH` windows run in pieces."""

    engine = "litert"
    MAX_BATCH: Final = 32

    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path, self._interpreter_class = path, Interpreter
        self._by_size: dict[int, tuple[Any, int, int, int]] = {}
        self._interpreter(1)

    def _interpreter(self, n: int) -> tuple[Any, int, int, int]:
        found = self._by_size.get(n)
        if found is None:
            interpreter = self._interpreter_class(model_path=str(self.path), num_threads=1)
            inp = interpreter.get_input_details()[0]["index"]
            if n != 1:
                interpreter.resize_tensor_input(inp, [n, 128, 128, 3])
            interpreter.allocate_tensors()
            by_width = {int(o["shape"][-1]): o["index"] for o in interpreter.get_output_details()}
            if sorted(by_width) != [1, 16]:
                raise ModelLoadError(f"LiteRT reads {self.path.name} wrongly: {by_width}")
            found = self._by_size[n] = (interpreter, inp, by_width[16], by_width[1])
        return found

    def forward(self, batch: Any) -> tuple[Any, Any]:
        import numpy as np

        regs, clss = [], []
        for start in range(0, len(batch), self.MAX_BATCH):
            part = np.ascontiguousarray(batch[start:start + self.MAX_BATCH], dtype=np.float32)
            interpreter, inp, reg_index, cls_index = self._interpreter(len(part))
            interpreter.set_tensor(inp, part)
            interpreter.invoke()
            regs.append(interpreter.get_tensor(reg_index)[0])
            clss.append(interpreter.get_tensor(cls_index)[0])
        if len(regs) == 1:
            return regs[0][None], clss[0][None]
        # Pieces back in the one-image export's layout: every stride-8 anchor, then stride 16.
        fine = (128 // 8) ** 2 * 2
        sizes = [len(r) // 896 for r in regs]
        reg = np.concatenate([r[: n * fine] for r, n in zip(regs, sizes, strict=True)]
                             + [r[n * fine:] for r, n in zip(regs, sizes, strict=True)])
        cls = np.concatenate([c[: n * fine] for c, n in zip(clss, sizes, strict=True)]
                             + [c[n * fine:] for c, n in zip(clss, sizes, strict=True)])
        return reg[None], cls[None]


def _face_detector(path: Path) -> FaceDetector:
    """LiteRT when installed and working, else OpenCV DNN; both checked on a zero window.
    ``TRACEOBJECT_GATE_ENGINE=opencv-dnn`` forces OpenCV (to compare the two)."""
    import numpy as np

    detector: FaceDetector | None = None
    if os.environ.get("TRACEOBJECT_GATE_ENGINE", "") != "opencv-dnn" and (
            importlib.util.find_spec("ai_edge_litert") is not None):
        try:
            detector = _LiteRTFaceDetector(path)
        except ModelLoadError:
            raise
        except Exception as exc:  # a broken LiteRT install: OpenCV reads the same model
            warnings.warn(f"LiteRT cannot run {path.name} ({exc}); using OpenCV DNN",
                          RuntimeWarning, stacklevel=2)
    if detector is None:
        net, outputs = _tflite_net(path, (1, 3, 128, 128), ((1, 896, 16), (1, 896, 1)))
        detector = _DnnFaceDetector(net, outputs)
    reg, cls = detector.forward(np.zeros((1, 128, 128, 3), dtype=np.float32))
    if tuple(reg.shape) != (1, 896, 16) or tuple(cls.shape) != (1, 896, 1):
        raise ModelLoadError(f"{path.name} gives {reg.shape} and {cls.shape} with "
                             f"{detector.engine}")
    return detector


@dataclass
class GateModels:
    face_net: _Guarded  # BlazeFace short range: a FaceDetector
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

        face_net = _face_detector(root / MODEL_FILES[0])
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
