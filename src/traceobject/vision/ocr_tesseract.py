"""Lines of text in the scripts RapidOCR cannot read, read with Tesseract (Django-free).

:mod:`traceobject.vision.ocr` finds the lines of text with RapidOCR's detector and reads
Chinese, Japanese and most Latin-script text with RapidOCR's recogniser. Its recogniser
has no Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari or Hangul characters (and no
precomposed Vietnamese letters such as ả ấ ệ), so such lines come out empty or as
look-alike Latin letters. This module reads one upright line image with Tesseract's
*script* models (Debian packages ``tesseract-ocr-script-*``: ``Latin``, ``Cyrillic``,
``Greek``, ``Arabic``, ``Hebrew``, ``Thai``, ``Devanagari``, ``Hangul``) and decides the
line's script by which model reads it best.

Deciding the script. Every script model also knows Latin letters and digits, and
Tesseract's confidence is high for a model that turns Latin text into Latin text, so
confidence alone picks the wrong model. A model's score is its mean word confidence
times the share of the letters it returned that belong to *its own* script
(:func:`script_of`): the Arabic model reading a Latin line scores near 0, the Cyrillic
model reading a Cyrillic line near its confidence. Models are tried in an order
suggested by RapidOCR's reading of the line; a non-Latin model scoring at least
:data:`EARLY_ACCEPT` ends the search (measured in ``bench/bench_ocr_scripts.py``).

Binding. ``tesserocr`` keeps one ``PyTessBaseAPI`` per model loaded in memory; no
process is started per call. It is built from source against Debian's libtesseract
5.3 (``make install`` passes ``--no-binary tesserocr``): the PyPI wheel bundles its own
libtesseract 5.5.4, which read some Arabic lines as nothing that 5.3 reads exactly.
The traineddata files come from Debian's packages, looked up in
``$TRACEOBJECT_TESSDATA`` if set, else in Debian's ``/usr/share/tesseract-ocr/5/tessdata``
(and the other usual places). Nothing is downloaded.

Missing pieces. If tesserocr cannot be imported or no traineddata directory has a
script model, :func:`tesseract_status` says which and why, a warning is logged once, and
:class:`ScriptReader` reads nothing (the caller keeps RapidOCR's reading of each line,
so Latin and Chinese text is read as before).

Not thread-safe: the caller serialises calls (``vision.ocr`` holds its engine lock).
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARLY_ACCEPT",
    "LANGUAGE_MODELS",
    "SCRIPT_MODELS",
    "TESSDATA_ENV",
    "LineReading",
    "ScriptReader",
    "TesseractStatus",
    "letters_by_script",
    "script_of",
    "tessdata_dir",
    "tesseract_status",
]

log = logging.getLogger(__name__)

# Debian's libtesseract runs OpenMP (libgomp) threads inside one line's recognition. A
# process that forks after they ran hangs in the child's first recognition (libgomp is
# not fork-safe; seen in tests, also with OMP_THREAD_LIMIT=2), and on lines a few dozen
# pixels high they cost more than they bring. libgomp reads this once, when it loads
# (with tesserocr, after this), so any other value is overridden, not kept.
#
# The limit holds for every OpenMP runtime loaded after this, not only Tesseract's, so the
# number of threads OpenMP offers is set to 1 as well. Without it an OpenMP build of
# OpenBLAS loaded later (faiss's, for the same-object index) still asks OpenMP how many
# threads it may use (2 on two cores), splits a matrix product in two, gets a team of one
# and waits for ever for the missing half: a process that had read text hung in its next
# k-means training (seen, and tested in tests/vision/test_ocr_scripts.py).
for _name in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS"):
    _value = os.environ.get(_name)
    if _value != "1":
        os.environ[_name] = "1"
        if _value is not None:
            log.warning("%s=%r overridden with 1: a process that reads text runs OpenMP at "
                        "one thread (Tesseract's threads hang a process forked after reading)",
                        _name, _value)

#: Environment variable: the directory holding ``*.traineddata`` (overrides Debian's).
TESSDATA_ENV: Final = "TRACEOBJECT_TESSDATA"
_TESSDATA_DIRS: Final = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
#: Tesseract script models, in Debian's ``tesseract-ocr-script-*`` packages.
SCRIPT_MODELS: Final = (
    "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Thai", "Devanagari", "Hangul",
)
#: Language models that read a script better than its script model (measured: Greek
#: accents, Thai clusters, Vietnamese letters); tried once the script is decided, and
#: kept when more confident. Cyrillic keeps its script model (which language is unknown,
#: and it read Russian, Ukrainian and Bulgarian alike).
LANGUAGE_MODELS: Final = {
    "Latin": "vie", "Greek": "ell", "Arabic": "ara", "Hebrew": "heb", "Thai": "tha",
    "Devanagari": "hin", "Hangul": "kor",
}
#: A non-Latin model scoring at least this (confidence x own-script share, 0-1) is taken
#: without trying the remaining models.
EARLY_ACCEPT: Final = 0.80
#: Line images are scaled to this height (pixels) before Tesseract reads them: its
#: models are trained on text about 30-40 px high. 48 read the test labels best (64
#: and 96 were worse); a line no model reads convincingly at 48 is read again at
#: :data:`RETRY_HEIGHT` (an Arabic line read as nothing at every height from 40 to 160
#: was read exactly at 32; retrying at 32 or 40 raised Arabic from 0.75 to 0.87 on the
#: test labels, 112 did not).
LINE_HEIGHT: Final = 48
RETRY_HEIGHT: Final = 32
#: A line image is never scaled wider than this (pixels): a 3 x 2000 px sliver scaled to
#: 48 px high would be 32,000 px wide and cost seconds per model for no text. A wider
#: line is scaled to this width, lower than asked (140 characters at 48 px still fit).
MAX_LINE_WIDTH: Final = 4000
#: Scripts whose capitals look alike (A B E H K M O P T X ...): a high score in one of
#: them does not end the search; all three are read and compared.
LOOKALIKES: Final = frozenset({"Latin", "Cyrillic", "Greek"})

# Unicode blocks -> script (the scripts this project reads; others give "").
_RANGES: Final = (
    (0x0041, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"), (0x0370, 0x03FF, "Greek"),
    (0x1F00, 0x1FFF, "Greek"), (0x0400, 0x052F, "Cyrillic"), (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x0900, 0x097F, "Devanagari"),
    (0x0E00, 0x0E7F, "Thai"), (0x1100, 0x11FF, "Hangul"), (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"), (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"),
    (0xAC00, 0xD7AF, "Hangul"), (0xF900, 0xFAFF, "Han"), (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"), (0xFF21, 0xFF5A, "Latin"),
    (0xFF66, 0xFF9F, "Kana"),
)


def script_of(ch: str) -> str:
    """The script of one character (``Latin``, ``Cyrillic``, ``Han``, ``Kana`` ...) or
    ``""`` for digits, punctuation, marks and scripts not listed."""
    if not ch.isalpha():
        return ""
    code = ord(ch)
    for lo, hi, name in _RANGES:
        if lo <= code <= hi:
            return name
    return ""


def letters_by_script(text: str) -> dict[str, int]:
    """How many letters of each script ``text`` holds (combining marks not counted)."""
    counts: dict[str, int] = {}
    for ch in text:
        name = script_of(ch)
        if name:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _own_share(text: str, script: str) -> tuple[float, int]:
    counts = letters_by_script(text)
    total = sum(counts.values())
    return (counts.get(script, 0) / total if total else 0.0), total


# --------------------------------------------------------------------------- status


@dataclass(frozen=True, slots=True)
class TesseractStatus:
    """What Tesseract can read here: ``models`` found, or ``problem`` saying why not."""

    directory: Path | None
    models: tuple[str, ...]
    missing: tuple[str, ...]
    problem: str
    languages: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return bool(self.models) and not self.problem


def tessdata_dir() -> Path | None:
    """The traineddata directory: ``$TRACEOBJECT_TESSDATA`` if set, else the first of
    Debian's usual directories holding ``Latin.traineddata``; ``None`` if there is none."""
    override = os.environ.get(TESSDATA_ENV, "").strip()
    if override:
        return Path(override)
    for raw in _TESSDATA_DIRS:
        path = Path(raw)
        if (path / "Latin.traineddata").is_file():
            return path
    return None


def tesseract_status() -> TesseractStatus:
    """Whether tesserocr imports and which script models are present (cheap: no loading)."""
    directory = tessdata_dir()
    try:
        import tesserocr  # noqa: F401
    except ImportError as exc:
        return TesseractStatus(directory, (), SCRIPT_MODELS,
                               f"tesserocr cannot be imported ({exc}); pip install tesserocr")
    if directory is None or not directory.is_dir():
        where = directory or ", ".join(_TESSDATA_DIRS)
        return TesseractStatus(
            directory, (), SCRIPT_MODELS,
            f"no Tesseract traineddata directory ({where}); apt-get install "
            "tesseract-ocr-script-latn tesseract-ocr-script-cyrl ... (see the Makefile)",
        )
    found = tuple(m for m in SCRIPT_MODELS if (directory / f"{m}.traineddata").is_file())
    missing = tuple(m for m in SCRIPT_MODELS if m not in found)
    problem = "" if found else (
        f"{directory} holds none of the script models {', '.join(SCRIPT_MODELS)} "
        "(Debian packages tesseract-ocr-script-*)"
    )
    languages = tuple(
        lang for lang in LANGUAGE_MODELS.values() if (directory / f"{lang}.traineddata").is_file()
    )
    return TesseractStatus(directory, found, missing, problem, languages)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class LineReading:
    """Tesseract's reading of one line with one script model."""

    script: str
    text: str
    confidence: float  # 0-1, Tesseract's mean word confidence
    score: float  # confidence x share of the letters in ``script``
    letters: int


_THAI_GAP = re.compile(r"(?<=[\u0E00-\u0E7F]) +(?=[\u0E00-\u0E7F])")


def _clean(text: str, script: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if script == "Thai":
        # Tesseract puts a space between Thai letter clusters; Thai writes words unspaced.
        text = _THAI_GAP.sub("", text)
    return text


def _prepare(line: npt.NDArray[np.uint8], height: int) -> tuple[bytes, int, int]:
    """A grayscale line image ``height`` px high, padded, as raw bytes."""
    import cv2

    gray = cv2.cvtColor(line, cv2.COLOR_RGB2GRAY) if line.ndim == 3 else line
    h, w = gray.shape[:2]
    factor = min(height / max(1, h), MAX_LINE_WIDTH / max(1, w))
    if abs(factor - 1.0) > 0.1:
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC if factor > 1
                          else cv2.INTER_AREA)
    pad = height // 4
    gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    gray = np.ascontiguousarray(gray)
    return gray.tobytes(), gray.shape[1], gray.shape[0]


class ScriptReader:
    """Tesseract script models, loaded on first use; reads single upright lines."""

    def __init__(self) -> None:
        self.status = tesseract_status()
        self._apis: dict[str, Any] = {}
        self._warned = False
        #: models whose file Tesseract refused (corrupt, wrong version): model -> error
        self.broken: dict[str, str] = {}
        #: Tesseract line reads done so far (every model, height and retry counts one);
        #: callers budget their reads with it.
        self.reads = 0
        #: lines a caller left unread (RapidOCR's reading kept) because its budget was spent
        self.past_budget = 0

    def available(self) -> tuple[str, ...]:
        if not self.status.usable:
            return ()
        return tuple(m for m in self.status.models if m not in self.broken)

    def _usable(self, model: str) -> bool:
        """Whether ``model`` loads; a file Tesseract refuses is logged once and skipped."""
        if model in self.broken:
            return False
        try:
            self._api(model)
        except RuntimeError as exc:  # tesserocr: "Failed to init API ..."
            self.broken[model] = str(exc)
            log.warning("Tesseract model %s in %s cannot be loaded (%s); lines it would "
                        "read are not read", model, self.status.directory, exc)
            return False
        return True

    def warn_once(self) -> None:
        if not self._warned and (not self.status.usable or self.status.missing):
            self._warned = True
            if self.status.usable:
                log.warning("Tesseract script models missing in %s: %s; lines in those "
                            "scripts are not read", self.status.directory,
                            ", ".join(self.status.missing))
            else:
                log.warning("Tesseract unavailable: %s; only Latin, Chinese and Japanese "
                            "text is read", self.status.problem)

    def _api(self, script: str) -> Any:
        api = self._apis.get(script)
        if api is None:
            import tesserocr

            api = tesserocr.PyTessBaseAPI(
                path=str(self.status.directory) + os.sep, lang=script,
                psm=tesserocr.PSM.SINGLE_LINE, oem=tesserocr.OEM.LSTM_ONLY,
            )
            self._apis[script] = api
        return api

    def load_all(self) -> None:
        """Load every available script and language model now."""
        for model in (*self.available(), *(self.status.languages if self.available() else ())):
            self._usable(model)

    def read(
        self, line: npt.NDArray[np.uint8], script: str, model: str = "",
        height: int = LINE_HEIGHT,
    ) -> LineReading:
        """``line`` (an upright RGB line image) read with ``script``'s model (or with
        the language ``model`` given, e.g. ``ell`` for Greek), scaled to ``height``."""
        data, w, h = _prepare(line, height)
        api = self._api(model or script)
        self.reads += 1
        api.SetImageBytes(data, w, h, 1, w)
        try:
            raw = api.GetUTF8Text() or ""
        except RuntimeError:  # "Failed to recognize": nothing Tesseract can lay out
            raw = ""
        text = _clean(raw, script)
        confidence = max(0.0, float(api.MeanTextConf())) / 100.0 if text else 0.0
        share, letters = _own_share(text, script)
        return LineReading(script, text, confidence, confidence * share, letters)

    def refine(
        self, line: npt.NDArray[np.uint8], reading: LineReading, height: int = LINE_HEIGHT
    ) -> LineReading:
        """``reading`` or the script's language model's reading of ``line``, whichever
        scores higher (see :data:`LANGUAGE_MODELS`)."""
        lang = LANGUAGE_MODELS.get(reading.script)
        if lang is None or lang not in self.status.languages or not self._usable(lang):
            return reading
        other = self.read(line, reading.script, lang, height)
        return other if other.score > reading.score else reading

    def best(
        self, line: npt.NDArray[np.uint8], order: Iterable[str], height: int = LINE_HEIGHT
    ) -> list[LineReading]:
        """Readings of ``line`` by the models in ``order`` (those available), best first.

        Stops early at a reading scoring :data:`EARLY_ACCEPT` or more in a script
        outside :data:`LOOKALIKES`. The look-alike scripts read are refined with their
        language model before comparing (Greek capitals read by the Cyrillic model
        scored 0.85, by the Greek script model 0.79, by ``ell`` 0.92).
        """
        readings: list[LineReading] = []
        have = set(self.available())
        for script in order:
            if script not in have or not self._usable(script):
                continue
            reading = self.read(line, script, height=height)
            readings.append(reading)
            if (script not in LOOKALIKES and reading.score >= EARLY_ACCEPT
                    and reading.letters >= 2):
                break
        readings = [
            self.refine(line, r, height) if r.script == "Greek" and r.score > 0.3 else r
            for r in readings
        ]
        readings.sort(key=lambda r: r.score, reverse=True)
        return readings

    def release(self) -> Sequence[Any]:
        """Forget the loaded models (returns them: after ``fork`` they are kept, not freed)."""
        apis = list(self._apis.values())
        self._apis = {}
        return apis
