"""Text in object crops, read offline with RapidOCR and Tesseract (Django-free).

Investigators crop labels, packaging and prints out of the evidence; the words on
them ("Fabriqué en France", "Сделано в России", "ราคา ๒๐ บาท") are among the best
clues to a country. :func:`read_text` returns every line of text found in an RGB crop,
in Latin (with Vietnamese, Turkish, Romanian ... diacritics), Cyrillic, Greek, Arabic,
Hebrew, Thai, Devanagari, Hangul, Japanese and Chinese (Simplified and Traditional:
the characters themselves tell which).

How a crop is read:

1. RapidOCR's detector finds the lines (rotated boxes), its direction classifier
   turns upside-down lines upright, and its recogniser reads every line.
2. A line RapidOCR read as Chinese or Japanese is kept as read (its recogniser is
   trained on them), and so is a number it read confidently ("12 345 678": no letters,
   the same in every script). Every other line, including empty and unsure readings,
   is also read by Tesseract's script models
   (:mod:`traceobject.vision.ocr_tesseract`), which decide the line's script, within a
   budget of :data:`TESSERACT_READ_BUDGET` Tesseract line reads per crop (about 25
   lines in other scripts) and :data:`TESSERACT_SECONDS_BUDGET` seconds: once it is
   spent, the remaining lines keep RapidOCR's reading (logged at debug level), so a crop
   full of symbols costs a bounded time.
3. A line in a script RapidOCR cannot read (Cyrillic, Greek, Arabic, Hebrew, Thai,
   Devanagari, Hangul) takes Tesseract's text. A Latin line keeps RapidOCR's text,
   unless Tesseract's Latin reading is RapidOCR's plus letters RapidOCR's model lacks
   (precomposed Vietnamese letters such as ả ệ ộ). A line RapidOCR read confidently as
   Latin, which Tesseract's Latin model read (nearly) alike, stays Latin unless a
   Cyrillic or Greek reading scores clearly higher and has letters without a Latin twin
   ("TAXI 500 ml" is not "ТАХІ 500 ті"). A Tesseract reading scoring under
   :data:`TESSERACT_MIN_SCORE` or with fewer than two letters (a number) leaves
   RapidOCR's text in place.
4. A capitals-only line whose Latin, Cyrillic and Greek readings are close (ΕΛΛΗΝΙΚΟ
   and ЕЛЛНМІКО look alike), or a Latin line kept by the rule above, takes the script
   of the crop's unambiguous lines.
5. A line no model read convincingly (and RapidOCR not confidently as Latin) is read
   again, within the same budget, at a few more scales, with the model of the script
   the crop's convincing Tesseract lines are in (Tesseract's Arabic models read some
   lines exactly at one scale and as nothing at the next).

The direction classifier is trained on Chinese and Latin and turned Arabic, Hebrew and
Devanagari lines upside down in tests, so Tesseract reads each line as detected first.

Each :class:`TextLine` says which ``engine`` read it and its ``script``. The accuracy
per script and the cost are measured by ``bench/bench_ocr_scripts.py``.

Models. ``rapidocr`` 3.10 ships three ONNX models inside its wheel
(``rapidocr/models/``), and this module loads exactly those by path, so nothing is
ever downloaded (rapidocr would otherwise fetch a missing model from the internet):

* detection ``PP-OCRv6_det_small.onnx``;
* text direction (0 / 180 degrees) ``ch_ppocr_mobile_v2.0_cls_mobile.onnx``;
* recognition ``PP-OCRv6_rec_small.onnx``: one multilingual model for Chinese,
  Japanese, English and ~48 Latin-script languages, with the diacritics of most of
  them (ł ą ż ä ö ü ß é è ç ñ å č ř ş ğ ă ...). Its character list is embedded in
  the ONNX file.

If a model file is missing (another rapidocr version), :class:`OcrUnavailable` is
raised with the paths that were looked for; there is no download fallback. Tesseract's
script models come from Debian's ``tesseract-ocr-script-*`` packages; if tesserocr or
those files are missing, a warning is logged once, :func:`ocr_status` says what is
missing, and lines are read by RapidOCR alone (Latin and Chinese as before).

Engine. One RapidOCR engine and one set of Tesseract models per process, created
lazily on first use under a lock; calls are serialised with the same lock, because a
RapidOCR call mutates the engine's parameters (``update_params``) and a Tesseract
handle holds one image at a time. For parallel OCR, use processes (each gets its own
engines; after ``fork`` the child builds fresh ones). ``TRACEOBJECT_OCR_THREADS`` sets
onnxruntime's intra-op threads per engine (default: onnxruntime's choice, all cores),
so that N worker processes can use one thread each.

Input. ``rgb`` is a ``uint8`` numpy array ``(h, w, 3)`` in RGB order. Grayscale
``(h, w)`` / ``(h, w, 1)`` is converted to RGB; RGBA ``(h, w, 4)`` is composited
on white (transparent areas of a cut-out read as background, not as black). Other
dtypes or shapes raise ``TypeError`` / ``ValueError``. Images with a side under
:data:`OCR_MIN_SIDE` pixels hold no readable text and give ``[]``; images with a
side over ``max_side`` (default :data:`OCR_MAX_SIDE`) are downscaled first (area
interpolation) and the boxes mapped back to the input's pixel coordinates.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from traceobject.vision.ocr_tesseract import (
    EARLY_ACCEPT,
    LINE_HEIGHT,
    LOOKALIKES,
    RETRY_HEIGHT,
    LineReading,
    ScriptReader,
    TesseractStatus,
    letters_by_script,
)

if TYPE_CHECKING:
    from rapidocr import RapidOCR

log = logging.getLogger(__name__)

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
    "ocr_status",
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
    #: The line's script: ``Latin``, ``Cyrillic``, ``Greek``, ``Arabic``, ``Hebrew``,
    #: ``Thai``, ``Devanagari``, ``Hangul``, ``Han`` (Chinese) or ``Japanese`` (kana with
    #: or without Han); ``""`` when the text has no letters (digits, symbols).
    script: str = ""
    #: ``rapidocr`` or ``tesseract``: which recogniser's text this is.
    engine: str = "rapidocr"

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
            "script": self.script,
            "engine": self.engine,
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
_reader: ScriptReader | None = None


#: Engines inherited through ``fork``. They are never used, and never freed either:
#: freeing one runs onnxruntime's destructors on thread-pool state that fork left
#: inconsistent, which deadlocks (seen: ``pthread_cond_destroy`` in the child).
_inherited: list[Any] = []


def _reset_after_fork() -> None:
    global _lock, _engine, _engine_pid, _reader
    _lock = threading.Lock()  # a lock held by another thread at fork time stays held
    if _engine is not None:
        _inherited.append(_engine)
    if _reader is not None:
        _inherited.extend(_reader.release())
    _engine = None
    _engine_pid = None
    _reader = None


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


def _get_reader() -> ScriptReader:
    """The process's Tesseract models; the caller holds ``_lock``."""
    global _reader
    if _reader is None:
        _reader = ScriptReader()
        _reader.warn_once()
    return _reader


def ocr_status() -> TesseractStatus:
    """Which Tesseract script models this process reads with, or why none.

    ``status.usable`` is false when tesserocr or the traineddata files are missing
    (then only Latin, Chinese and Japanese text is read); ``status.missing`` lists the
    script models not found; ``status.problem`` says what to install.
    """
    with _lock:
        return _get_reader().status


def ocr_warm_up() -> None:
    """Create the engines and load their models now (they load lazily on first use):
    RapidOCR's three, and every Tesseract script and language model available."""
    import cv2

    page = np.full((64, 256, 3), 255, np.uint8)
    cv2.putText(page, "Warm up", (8, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    read_text(page)
    with _lock:
        _get_reader().load_all()


# --------------------------------------------------------------------------- reading


def read_text(
    rgb: npt.NDArray[np.uint8],
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    max_side: int = OCR_MAX_SIDE,
    route: bool = True,
) -> list[TextLine]:
    """Every line of text in ``rgb``, top to bottom, as :class:`TextLine`.

    An image without text gives ``[]``. See the module docstring for accepted input
    and for how lines are routed between the engines; ``route=False`` reads every
    line with RapidOCR alone (Latin, Chinese and Japanese only; for comparisons).
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
        reader = _get_reader()
        found = _read_lines(engine, reader if route else None, bgr)
    lines = []
    for text, score, box, script, source in found:
        clean = unicodedata.normalize("NFC", text).strip()
        if not clean or score < min_confidence:
            continue
        corners = np.asarray(box, dtype=np.float64).reshape(4, 2) / factor
        corners[:, 0] = np.clip(corners[:, 0], 0, w)
        corners[:, 1] = np.clip(corners[:, 1], 0, h)
        points = tuple((float(x), float(y)) for x, y in corners)
        lines.append(TextLine(clean, score, points, script, source))  # type: ignore[arg-type]
    return lines


#: RapidOCR's reading of a line counts as Latin when at least this share of its
#: letters are Latin and its confidence is at least LATIN_SURE; such a line is checked
#: only against the Latin, Cyrillic and Greek models (look-alike capitals).
LATIN_SHARE: Final = 0.8
LATIN_SURE: Final = 0.9
#: A Tesseract reading scoring less than this (confidence x own-script share) is not
#: trusted over RapidOCR's reading.
TESSERACT_MIN_SCORE: Final = 0.5
#: ... nor a Tesseract reading with fewer letters than this (digits are not letters).
TESSERACT_MIN_LETTERS: Final = 2
_LOOKALIKE_ORDER: Final = ("Latin", "Cyrillic", "Greek")
#: Heights tried for a line no model read convincingly, in the crop's script.
RESCUE_HEIGHTS: Final = (24, 36, 64)
#: A look-alike script's reading within this score of the best one leaves a line's
#: script open, to be settled by the crop's other lines (:func:`_settle_lookalikes`).
#: Greek capitals were read by the Cyrillic model at 0.88 and by the Greek ones at 0.59.
LOOKALIKE_MARGIN: Final = 0.35
#: Latin letters with a Cyrillic or Greek twin (А В Е К М Н О Р С Т Х а е о р с у х і,
#: Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ ι κ ν ο ρ τ υ χ). A confident Latin reading with at least
#: LATIN_PROOF letters outside this set (F, R, d, ü, ş, ...) is Latin: only the Latin model
#: reads it (to catch the letters RapidOCR lacks), not the Cyrillic and Greek ones.
_TWIN_LETTERS: Final = frozenset("ABCEHIKMNOPTXYZabceikmnoptuvxy")
LATIN_PROOF: Final = 2
_FULL_ORDER: Final = (
    "Cyrillic", "Greek", "Arabic", "Hebrew", "Thai", "Devanagari", "Hangul", "Latin",
)
#: Cyrillic and Greek letters with a Latin twin (capitals and the small letters drawn like
#: Latin ones: т and π for m, п for n ...). A Cyrillic or Greek reading of a line RapidOCR
#: read confidently as Latin replaces it only with at least LATIN_PROOF letters outside
#: this set (Д, Л, я, λ, Σ ...): "TAXI 500 ml" was read by the Cyrillic model as
#: "ТАХІ 500 ті" (0.93) and by the Latin one as "TAXI 500 ml" (0.86).
_FOREIGN_TWINS: Final = frozenset(
    "АВЕЅІЈКМНОРСТУХаеорсуіјѕхтпиьгк" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβικνορτυχπμ"
)
#: ... and only when it also scores this much more than the Latin model's reading.
FOREIGN_MARGIN: Final = 0.1
#: Tesseract line reads allowed per :func:`read_text` call: about 25 lines in other
#: scripts (a Cyrillic line costs 8-12 reads: every look-alike and other script model,
#: a second height when unsure, the language model). Past it, the remaining lines keep
#: RapidOCR's reading (a crop of 30 lines of random symbols took 8x RapidOCR's time).
#: The generated receipts and labels of ``bench/bench_country_eval.py`` take up to 143
#: (at 120, 14 of its 154 images with text lost lines, and 3 their country).
TESSERACT_READ_BUDGET: Final = 300
#: ... and at most this many seconds of Tesseract work per call, a backstop for reads that
#: are slow one by one (lines up to MAX_LINE_WIDTH wide); the generated labels take about
#: 0.15 s, so only hostile crops reach it. Counted in the calling thread's CPU time
#: (Tesseract reads in it, one OpenMP thread), not on the clock: a crop reads the same on a
#: busy machine as on a quiet one.
TESSERACT_SECONDS_BUDGET: Final = 5.0
#: RapidOCR's reading of a line with no letters, only these characters and at least one
#: digit ("12 345 678", "4,95 €"), at LATIN_SURE or more, is kept without Tesseract:
#: a number reads the same in every script model.
_NUMBER_CHARS: Final = frozenset("0123456789 .,:;-+/%()#'*x€$£¥°")

_Found = tuple[str, float, Any, str, str]


def _rapid_lacks(ch: str) -> bool:
    """A letter RapidOCR's recogniser cannot produce: the precomposed Vietnamese letters
    of Unicode's Latin Extended Additional block (ả ấ ệ ộ ...; it reads ơ ư đ à)."""
    return 0x1E00 <= ord(ch) <= 0x1EFF


def _distance(a: str, b: str) -> int:
    """Levenshtein distance of ``a`` and ``b`` with spaces removed."""
    a, b = "".join(a.split()), "".join(b.split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _near(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most one character in five (at least one)."""
    return _distance(a, b) <= max(1, len("".join(a.split())) // 5)


def _adds_missing_letters(tesseract: str, rapid: str) -> bool:
    """Whether Tesseract's Latin text is RapidOCR's plus letters RapidOCR cannot produce
    ("Sản xuất" against "Sn xut"), not a different reading or one made-up ``l``."""
    if not any(_rapid_lacks(ch) for ch in tesseract):
        return False
    return _near("".join(ch for ch in tesseract if not _rapid_lacks(ch)), rapid)


def _is_number(text: str, score: float) -> bool:
    return (score >= LATIN_SURE and any(ch.isdigit() for ch in text)
            and all(ch in _NUMBER_CHARS for ch in text))


def _dominant_script(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    if counts.get("Kana"):
        return "Japanese"
    return max(counts.items(), key=lambda kv: kv[1])[0]


def _read_lines(
    engine: RapidOCR, reader: ScriptReader | None, bgr: npt.NDArray[np.uint8]
) -> list[_Found]:
    """Every detected line as ``(text, confidence, box, script, engine)``; caller holds the lock."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    det = engine(bgr, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(det, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return []
    crops = [get_rotate_crop_image(bgr, np.array(box, dtype=np.float32)) for box in boxes]
    upright, _ = engine.cls_and_rotate(crops)
    rec = engine.recognize_txt(upright)
    texts = rec.txts or ("",) * len(crops)
    scores = rec.scores or (0.0,) * len(crops)
    can_route = reader is not None and bool(reader.available())
    budget_end = (reader.reads if reader is not None else 0) + TESSERACT_READ_BUDGET
    deadline = time.thread_time() + TESSERACT_SECONDS_BUDGET
    past_budget = 0
    found: list[_Found] = []
    doubts: dict[int, list[LineReading]] = {}  # line -> look-alike readings close to its best
    weak: dict[int, tuple[Any, Any, float]] = {}  # line -> (crops, score) read unconvincingly
    for box, raw, crop, text, score in zip(boxes, crops, upright, texts, scores, strict=True):
        rapid_text = unicodedata.normalize("NFC", str(text)).strip()
        rapid_score = float(score)
        counts = letters_by_script(rapid_text)
        letters = sum(counts.values())
        cjk = counts.get("Han", 0) + counts.get("Kana", 0)
        rapid = (rapid_text, rapid_score, box, _dominant_script(counts), "rapidocr")
        if reader is None or not can_route or (
            letters and cjk * 2 >= letters and (cjk >= 2 or rapid_score >= LATIN_SURE)
        ) or _is_number(rapid_text, rapid_score):
            # one unsure Han character ("40四") may be a misread line of another script;
            # an empty or unsure reading, or symbols, may be one too and is read below
            found.append(rapid)
            continue
        if reader.reads >= budget_end or time.thread_time() >= deadline:
            past_budget += 1
            found.append(rapid)
            continue
        latin_like = (
            letters > 0 and counts.get("Latin", 0) >= LATIN_SHARE * letters
            and rapid_score >= LATIN_SURE
        )
        proof = sum(1 for ch in rapid_text if ch.isalpha() and ch not in _TWIN_LETTERS)
        if latin_like and proof >= LATIN_PROOF:
            order: tuple[str, ...] = ("Latin",)
        elif latin_like:
            order = _LOOKALIKE_ORDER
        else:
            order = _FULL_ORDER
        readings = _tesseract_readings(reader, raw, crop, order)
        best = readings[0] if readings else None
        if (best is None or best.score < EARLY_ACCEPT) and len(order) > 1 and not latin_like:
            weak[len(found)] = (raw, crop, best.score if best else 0.0)
        if best is None or best.score < TESSERACT_MIN_SCORE or (
            rapid_text and best.letters < TESSERACT_MIN_LETTERS
        ):  # a number RapidOCR read ("4 995 87870") is not Cyrillic for one "н"
            found.append(rapid)
            continue
        latin = next((r for r in readings if r.script == "Latin"), None)
        if (latin_like and best.script != "Latin" and latin is not None
                and _near(latin.text, rapid_text) and not (
                    best.score >= latin.score + FOREIGN_MARGIN
                    and sum(1 for ch in best.text if ch.isalpha()
                            and ch not in _FOREIGN_TWINS) >= LATIN_PROOF)):
            # RapidOCR and Tesseract's Latin model agree, and the other script's reading
            # has only look-alike letters: Latin, unless the crop's other lines say not
            found.append(rapid)
            others = [r for r in readings if r.script in LOOKALIKES and r.script != "Latin"
                      and r.score >= TESSERACT_MIN_SCORE]
            if others:
                doubts[len(found) - 1] = others
            continue
        if best.script == "Latin" and rapid_text and not _adds_missing_letters(
            best.text, rapid_text
        ):
            found.append(rapid)  # RapidOCR reads Latin well ...
        else:  # ... but drops the letters its model lacks (ả ệ ộ ...)
            found.append((best.text, best.confidence, box, best.script, "tesseract"))
        close = [
            r for r in readings[1:]
            if best.script in LOOKALIKES and r.script in LOOKALIKES
            and r.score >= best.score - LOOKALIKE_MARGIN and r.score >= TESSERACT_MIN_SCORE
        ]
        if close and best.text.isupper():  # lower case tells the scripts apart
            doubts[len(found) - 1] = close
    found = _settle_lookalikes(found, doubts)
    if weak and reader is not None:
        found = _rescue_weak_lines(reader, found, weak, budget_end, deadline)
    if past_budget:
        log.debug("Tesseract budget (%d reads, %.0f s) spent: %d of %d lines keep "
                  "RapidOCR's reading", TESSERACT_READ_BUDGET, TESSERACT_SECONDS_BUDGET,
                  past_budget, len(found))
        if reader is not None:
            reader.past_budget += past_budget
    return found


def _rescue_weak_lines(
    reader: ScriptReader, found: list[_Found], weak: dict[int, tuple[Any, Any, float]],
    budget_end: int, deadline: float,
) -> list[_Found]:
    """Lines no model read convincingly, read again in the script of the crop's
    convincing Tesseract lines, at :data:`RESCUE_HEIGHTS`.

    Tesseract's Arabic models read some lines all or nothing depending on the scale
    (a "صنع في مصر" line: exact at 24, 28, 36 and 64 px, nothing at 32, 40 and 80), so
    the line is tried at a few more heights with the one model the crop suggests.
    Lines RapidOCR read confidently as Latin or as a number are not weak; past the read
    budget (``budget_end`` reads, ``deadline`` on ``time.thread_time``), the remaining weak
    lines stay as they are.
    """
    sure = [
        f[3] for i, f in enumerate(found)
        if i not in weak and f[4] == "tesseract" and f[3] not in LOOKALIKES
    ]
    if not sure:
        return found
    script = max(set(sure), key=sure.count)
    out = list(found)
    for i, (raw, upright, score) in weak.items():
        if reader.reads >= budget_end or time.thread_time() >= deadline:
            reader.past_budget += 1
            continue
        candidates = [np.ascontiguousarray(raw[:, :, ::-1])]
        if upright.shape == raw.shape and not np.array_equal(upright, raw):
            candidates.append(np.ascontiguousarray(upright[:, :, ::-1]))
        best: LineReading | None = None
        for height in RESCUE_HEIGHTS:
            for line in candidates:
                for reading in reader.best(line, (script,), height):
                    reading = reader.refine(line, reading, height)
                    if best is None or reading.score > best.score:
                        best = reading
            if best is not None and best.score >= EARLY_ACCEPT:
                break
        if (best is not None and best.score >= max(TESSERACT_MIN_SCORE, score)
                and best.letters >= TESSERACT_MIN_LETTERS):
            out[i] = (best.text, best.confidence, found[i][2], best.script, "tesseract")
    return out


def _settle_lookalikes(found: list[_Found], doubts: dict[int, list[LineReading]]) -> list[_Found]:
    """Capitals-only lines (ΕΛΛΗΝΙΚΟ read by the Cyrillic model as ЕЛЛНМІКО, 0.88 against
    0.59), and lines RapidOCR and Tesseract's Latin model read alike as Latin in look-alike
    letters ("TAXI" or "ТАХІ"), take the script of the crop's unambiguous lines when that
    script read them (convincingly, or close to the best): a label's lines usually share
    a script."""
    sure = {found[i][3] for i in range(len(found)) if i not in doubts and found[i][3]}
    settled = list(found)
    for i, close in doubts.items():
        if found[i][3] in sure:
            continue
        for reading in close:
            if reading.script in sure:
                box = found[i][2]
                settled[i] = (reading.text, reading.confidence, box, reading.script, "tesseract")
                break
    return settled


def _tesseract_readings(
    reader: ScriptReader,
    raw: npt.NDArray[np.uint8],
    upright: npt.NDArray[np.uint8],
    order: tuple[str, ...],
) -> list[LineReading]:
    """Tesseract's readings of one line (BGR crops), best first, the best refined by its
    language model.

    The line is read as detected first: RapidOCR's direction classifier, trained on
    Chinese and Latin, turned Arabic, Hebrew and Devanagari lines upside down in tests.
    The turned crop is read too when the classifier turned it and the first reading is
    not convincing; so is the line at :data:`RETRY_HEIGHT`.
    """
    candidates = [np.ascontiguousarray(raw[:, :, ::-1])]
    if upright.shape == raw.shape and not np.array_equal(upright, raw):
        candidates.append(np.ascontiguousarray(upright[:, :, ::-1]))
    best: list[LineReading] = []
    best_line, best_height = candidates[0], LINE_HEIGHT
    for height in (LINE_HEIGHT, RETRY_HEIGHT):
        for line in candidates:
            readings = reader.best(line, order, height)
            if readings and (not best or readings[0].score > best[0].score):
                best, best_line, best_height = readings, line, height
            if best and best[0].score >= EARLY_ACCEPT:
                break
        if best and best[0].score >= EARLY_ACCEPT:
            break
    if not best or best[0].score < TESSERACT_MIN_SCORE:
        return best
    return [reader.refine(best_line, best[0], best_height), *best[1:]]
