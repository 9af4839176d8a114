"""Text in object crops, read offline with RapidOCR (Django-free).

Investigators crop labels, packaging and prints out of the evidence; the words on
them ("Fabriqué en France", "Skład: bawełna 100%") are among the best clues to a
country. :func:`read_text` returns every line of text found in an RGB crop.

Models. ``rapidocr`` 3.10 ships three ONNX models inside its wheel
(``rapidocr/models/``), and this module loads exactly those by path, so nothing is
ever downloaded (rapidocr would otherwise fetch a missing model from the internet):

* detection ``PP-OCRv6_det_small.onnx``;
* text direction (0 / 180 degrees) ``ch_ppocr_mobile_v2.0_cls_mobile.onnx``;
* recognition ``PP-OCRv6_rec_small.onnx``: one multilingual model for Chinese,
  Japanese, English and ~48 Latin-script languages (rapidocr's
  ``default_models.yaml`` routes ``de fr pl es it nl sv cs da fi hu ro sk sl hr pt
  tr vi ...`` all to it), with the diacritics of those languages (ł ą ż ä ö ü ß é
  è ç ñ å č ř ...). Its character list is embedded in the ONNX file.

If a model file is missing (another rapidocr version), :class:`OcrUnavailable` is
raised with the paths that were looked for; there is no download fallback.

Engine. One RapidOCR engine per process, created lazily on first use under a lock;
calls are serialised with the same lock, because a RapidOCR call mutates the
engine's parameters (``update_params``) and is not safe to run concurrently. For
parallel OCR, use processes (each gets its own engine; after ``fork`` the child
builds a fresh one). ``TRACEOBJECT_OCR_THREADS`` sets onnxruntime's intra-op
threads per engine (default: onnxruntime's choice, all cores), so that N worker
processes can use one thread each.

Input. ``rgb`` is a ``uint8`` numpy array ``(h, w, 3)`` in RGB order. Grayscale
``(h, w)`` / ``(h, w, 1)`` is converted to RGB; RGBA ``(h, w, 4)`` is composited
on white (transparent areas of a cut-out read as background, not as black). Other
dtypes or shapes raise ``TypeError`` / ``ValueError``. Images with a side under
:data:`OCR_MIN_SIDE` pixels hold no readable text and give ``[]``; images with a
side over ``max_side`` (default :data:`OCR_MAX_SIDE`) are downscaled first (area
interpolation) and the boxes mapped back to the input's pixel coordinates.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from rapidocr import RapidOCR

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "DET_MAX_SIDE",
    "OCR_MAX_SIDE",
    "OCR_MIN_SIDE",
    "OCR_THREADS_ENV",
    "OcrUnavailable",
    "TextLine",
    "coerce_rgb",
    "ocr_model_files",
    "ocr_warm_up",
    "read_text",
]

#: Larger images are downscaled to this longest side before OCR. Text that is still
#: readable on a 2000-pixel-wide label survives; an 8000 x 8000 array does not cost
#: 16 times as much.
OCR_MAX_SIDE: Final = 2000
#: Smaller images (either side) cannot hold a readable line of text: ``[]``.
OCR_MIN_SIDE: Final = 8
#: Lines the recogniser is less sure of are dropped (RapidOCR's own default).
DEFAULT_MIN_CONFIDENCE: Final = 0.5
#: Text detection runs on the image scaled down to this longest side (never up).
#: Measured on 8-language labels (tests/vision/labels.py): 960 read 12-px text on small
#: crops and 14-px text on 1900 x 1400 images exactly, 3-5x faster than rapidocr's
#: default (shorter side scaled up to 736), which missed most 14-px text on the large
#: image; 1280 and 1600 were slower and no better.
DET_MAX_SIDE: Final = 960
#: Environment variable: onnxruntime intra-op threads per engine (positive integer).
OCR_THREADS_ENV: Final = "TRACEOBJECT_OCR_THREADS"

#: The models of the pinned rapidocr wheel (see the module docstring).
_MODEL_FILES: Final = {
    "det": "PP-OCRv6_det_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
}

Point = tuple[float, float]


class OcrUnavailable(RuntimeError):
    """rapidocr or onnxruntime is not installed, or its bundled models are missing."""


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text, as read.

    ``box`` holds the four corners of the (possibly rotated) line in the input
    image's pixel coordinates, clockwise from the top-left corner of the text.
    """

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]

    @property
    def rect(self) -> tuple[int, int, int, int]:
        """The axis-aligned bounding rectangle ``(x, y, w, h)`` of :attr:`box`."""
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        x0, y0 = int(np.floor(min(xs))), int(np.floor(min(ys)))
        x1, y1 = int(np.ceil(max(xs))), int(np.ceil(max(ys)))
        return x0, y0, x1 - x0, y1 - y0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "box": [[round(x, 1), round(y, 1)] for x, y in self.box],
        }


# --------------------------------------------------------------------------- input


def coerce_rgb(image: Any) -> npt.NDArray[np.uint8]:
    """A C-contiguous ``(h, w, 3)`` uint8 RGB array from RGB, grayscale or RGBA input.

    Grayscale is repeated into three channels; RGBA is composited on white.
    Raises ``TypeError`` for anything but a uint8 numpy array and ``ValueError`` for
    other shapes or an empty image.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array of RGB pixels, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels (0-255), got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.uint16)
        colour = image[:, :, :3].astype(np.uint16)
        image = ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
    elif not (image.ndim == 3 and image.shape[2] == 3):
        raise ValueError(
            f"expected an (h, w, 3) RGB, (h, w) grayscale or (h, w, 4) RGBA array, "
            f"got shape {image.shape}"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"empty image of shape {image.shape}")
    return np.ascontiguousarray(image)


def _downscale(rgb: npt.NDArray[np.uint8], max_side: int) -> tuple[npt.NDArray[np.uint8], float]:
    """``(image, factor)`` with the longest side at most ``max_side``; factor <= 1."""
    import cv2

    h, w = rgb.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    if factor >= 1.0:
        return rgb, 1.0
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    # the factor actually applied on each axis may differ slightly; use the mean
    return np.ascontiguousarray(small), (size[0] / w + size[1] / h) / 2


# --------------------------------------------------------------------------- engine

_lock = threading.Lock()
_engine: RapidOCR | None = None
_engine_pid: int | None = None


#: Engines inherited through ``fork``. They are never used, and never freed either:
#: freeing one runs onnxruntime's destructors on thread-pool state that fork left
#: inconsistent, which deadlocks (seen: ``pthread_cond_destroy`` in the child).
_inherited: list[Any] = []


def _reset_after_fork() -> None:
    global _lock, _engine, _engine_pid
    _lock = threading.Lock()  # a lock held by another thread at fork time stays held
    if _engine is not None:
        _inherited.append(_engine)
    _engine = None
    _engine_pid = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def ocr_model_files() -> dict[str, Path]:
    """The ONNX files the engine loads (``det``, ``cls``, ``rec``), inside rapidocr's wheel.

    Raises :class:`OcrUnavailable` if rapidocr is not installed or a file is missing.
    """
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise OcrUnavailable(f"rapidocr is not installed: {exc}") from exc
    models = Path(rapidocr.__file__).resolve().parent / "models"
    files = {task: models / name for task, name in _MODEL_FILES.items()}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        version = getattr(rapidocr, "__version__", "?")
        raise OcrUnavailable(
            f"rapidocr {version} does not ship {', '.join(missing)}; this module expects "
            f"the models of the pinned rapidocr version and never downloads any"
        )
    return files


def _threads() -> int:
    raw = os.environ.get(OCR_THREADS_ENV, "").strip()
    if not raw:
        return -1  # onnxruntime decides
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{OCR_THREADS_ENV} must be a positive integer, not {raw!r}")
    return value


def _create_engine() -> RapidOCR:
    files = ocr_model_files()
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:  # pragma: no cover - onnxruntime missing, broken cv2, ...
        raise OcrUnavailable(f"rapidocr cannot be imported: {exc}") from exc
    threads = _threads()
    params = {
        "Global.log_level": "error",
        "Global.text_score": 0.0,  # read_text filters by its own min_confidence
        "Global.model_root_dir": str(files["rec"].parent),
        "Det.model_path": str(files["det"]),
        "Cls.model_path": str(files["cls"]),
        "Rec.model_path": str(files["rec"]),
        # Detect at the crop's own size, at most DET_MAX_SIDE (rapidocr's default scales
        # the *shorter* side up to 736: a 70 x 260 label became 736 x 2760, 10x slower).
        "Det.limit_type": "max",
        "Det.limit_side_len": DET_MAX_SIDE,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1 if threads > 0 else -1,
    }
    return RapidOCR(params=params)


def _get_engine() -> RapidOCR:
    """The process's engine; the caller holds ``_lock``."""
    global _engine, _engine_pid
    if _engine is None or _engine_pid != os.getpid():
        _engine = _create_engine()
        _engine_pid = os.getpid()
    return _engine


def ocr_warm_up() -> None:
    """Create the engine and load its three models now (they load lazily on first use)."""
    import cv2

    page = np.full((64, 256, 3), 255, np.uint8)
    cv2.putText(page, "Warm up", (8, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    read_text(page)


# --------------------------------------------------------------------------- reading


def read_text(
    rgb: npt.NDArray[np.uint8],
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    max_side: int = OCR_MAX_SIDE,
) -> list[TextLine]:
    """Every line of text in ``rgb``, top to bottom, as :class:`TextLine`.

    An image without text gives ``[]``. See the module docstring for accepted input.
    """
    if max_side < OCR_MIN_SIDE:
        raise ValueError(f"max_side must be at least {OCR_MIN_SIDE}, not {max_side}")
    image = coerce_rgb(rgb)
    h, w = image.shape[:2]
    if min(h, w) < OCR_MIN_SIDE:
        return []
    image, factor = _downscale(image, max_side)
    if min(image.shape[:2]) < OCR_MIN_SIDE:  # a long thin strip shrunk to nothing
        return []
    bgr = np.ascontiguousarray(image[:, :, ::-1])  # rapidocr takes arrays as BGR
    with _lock:
        engine = _get_engine()
        result = engine(bgr, use_det=True, use_cls=True, use_rec=True)
    texts = getattr(result, "txts", None)
    boxes = getattr(result, "boxes", None)
    scores = getattr(result, "scores", None)
    if not texts or boxes is None or scores is None:
        return []
    lines = []
    for text, score, box in zip(texts, scores, boxes, strict=True):
        clean = unicodedata.normalize("NFC", str(text)).strip()
        if not clean or float(score) < min_confidence:
            continue
        corners = np.asarray(box, dtype=np.float64).reshape(4, 2) / factor
        corners[:, 0] = np.clip(corners[:, 0], 0, w)
        corners[:, 1] = np.clip(corners[:, 1], 0, h)
        points = tuple((float(x), float(y)) for x, y in corners)
        lines.append(TextLine(clean, float(score), points))  # type: ignore[arg-type]
    return lines
