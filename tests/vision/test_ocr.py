"""OCR of product labels in eight languages, offline (rapidocr's bundled models).

Labels are drawn here (tests/vision/labels.py) with DejaVu Sans, clean and as a
rotated, blurred, noisy JPEG. Text is compared case-insensitively with difflib's
ratio; the diacritics-bearing key words ("Skład", "Größe", "Fabriqué", "España",
"Innehåll", "před", ...) must be read exactly.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import multiprocessing
import re
import socket
import threading
import unicodedata
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.vision.labels import SAMPLES, label_image, photo_of, sample_array
from traceobject.vision import ocr
from traceobject.vision.ocr import OCR_MAX_SIDE, TextLine, coerce_rgb, read_text

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

VARIANTS = ("clean", "photo")
MIN_RATIO = 0.90


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).casefold()).strip()


def similarity(got: str, want: str) -> float:
    return difflib.SequenceMatcher(None, normalize(got), normalize(want)).ratio()


def joined(lines: list[TextLine]) -> str:
    return " ".join(line.text for line in lines)


@pytest.fixture(scope="module")
def readings() -> dict[tuple[str, str], list[TextLine]]:
    """Each language's label, clean and degraded, read once for the module."""
    out = {}
    for i, language in enumerate(SAMPLES):
        out[language, "clean"] = read_text(sample_array(language))
        out[language, "photo"] = read_text(sample_array(language, degraded=True, seed=i))
    return out


Row = tuple[str, str, float, int, int]


def _report(readings: dict[tuple[str, str], list[TextLine]]) -> list[Row]:
    rows = []
    for (language, variant), lines in sorted(readings.items()):
        sample = SAMPLES[language]
        got = joined(lines)
        words = set(re.findall(r"\w+", unicodedata.normalize("NFC", got)))
        exact = sum(k in words for k in sample.keywords)
        rows.append((language, variant, similarity(got, " ".join(sample.lines)), exact,
                     len(sample.keywords)))
    return rows


# --------------------------------------------------------------------------- languages


def test_languages_cover_the_brief() -> None:
    assert {"de", "fr", "pl", "es", "it", "nl", "sv"} <= set(SAMPLES)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_label_is_read(readings: dict[tuple[str, str], list[TextLine]], language: str,
                       variant: str) -> None:
    lines = readings[language, variant]
    sample = SAMPLES[language]
    got = joined(lines)
    ratio = similarity(got, " ".join(sample.lines))
    assert ratio >= MIN_RATIO, f"{language}/{variant}: {ratio:.3f} for {got!r}"
    assert all(0.5 <= line.confidence <= 1.0 for line in lines)
    # One TextLine per drawn line, top to bottom.
    assert len(lines) == len(sample.lines)
    tops = [line.rect[1] for line in lines]
    assert tops == sorted(tops)


def test_diacritics_key_words_exact(readings: dict[tuple[str, str], list[TextLine]]) -> None:
    rows = _report(readings)
    print("\nlanguage variant ratio key-words")
    for language, variant, ratio, exact, total in rows:
        print(f"{language:8} {variant:7} {ratio:.3f} {exact}/{total}")
    for variant in VARIANTS:
        perfect = [r[0] for r in rows if r[1] == variant and r[3] == r[4]]
        # "most languages": all but at most one, clean and degraded alike
        assert len(perfect) >= len(SAMPLES) - 1, (variant, rows)
    total_exact = sum(r[3] for r in rows)
    total_words = sum(r[4] for r in rows)
    assert total_exact / total_words >= 0.95, rows


def test_label_in_a_product_photo() -> None:
    """A label pasted on a textured ground, rotated 6 degrees, recompressed."""
    sample = SAMPLES["pl"]
    photo = photo_of(np.asarray(label_image(sample.lines, size=28)), angle=6.0, seed=5)
    got = joined(read_text(photo))
    assert similarity(got, " ".join(sample.lines)) >= MIN_RATIO, got
    assert "Skład" in got


# --------------------------------------------------------------------------- boxes


def test_boxes_are_in_input_coordinates() -> None:
    label = np.asarray(label_image(["Hecho en España"], size=40))
    canvas = np.full((600, 900, 3), 255, np.uint8)
    top, left = 350, 300
    canvas[top:top + label.shape[0], left:left + label.shape[1]] = label
    (line,) = read_text(canvas)
    assert line.text == "Hecho en España"
    x, y, w, h = line.rect
    assert left <= x + 5 and x + w <= left + label.shape[1] + 5
    assert top <= y + 5 and y + h <= top + label.shape[0] + 5
    assert len(line.box) == 4 and all(len(p) == 2 for p in line.box)
    assert line.to_dict()["text"] == "Hecho en España"


def test_huge_image_is_downscaled_and_boxes_map_back() -> None:
    image = Image.new("RGB", (8000, 8000), "white")
    text = label_image(["Tillverkad i Sverige"], size=300, padding=0, bg=(255, 255, 255))
    image.paste(text, (4500, 6000))
    pixels = np.asarray(image)
    assert max(pixels.shape) > OCR_MAX_SIDE
    lines = read_text(pixels)
    assert [line.text for line in lines] == ["Tillverkad i Sverige"]
    x, y, w, h = lines[0].rect
    assert 4300 < x < 4700 and 5800 < y < 6300 and w > 2500


# --------------------------------------------------------------------------- input


def test_grayscale_and_rgba_are_converted() -> None:
    rgb = sample_array("de")
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    assert "Größe" in joined(read_text(gray))
    assert "Größe" in joined(read_text(gray[:, :, None]))
    # Transparent background over *black* colour values: composited on white, the
    # text stays dark on light (dropping alpha would give black on black).
    rgba = np.zeros((*rgb.shape[:2], 4), np.uint8)
    ink = rgb.min(axis=2) < 128
    rgba[ink, 3] = 255
    assert "Größe" in joined(read_text(rgba))


def test_coerce_rgb_rules() -> None:
    assert coerce_rgb(np.zeros((4, 5), np.uint8)).shape == (4, 5, 3)
    half = coerce_rgb(np.dstack([np.zeros((2, 2, 3), np.uint8), np.full((2, 2), 128, np.uint8)]))
    assert half.dtype == np.uint8 and 126 <= int(half[0, 0, 0]) <= 128  # black at 50 % on white
    strided = np.zeros((10, 10, 3), np.uint8)[::2, ::3]
    assert coerce_rgb(strided).flags.c_contiguous


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ([[0, 0], [0, 0]], TypeError),
        (np.zeros((10, 10, 3), np.float32), TypeError),
        (np.zeros((10, 10, 3), np.uint16), TypeError),
        (np.zeros((10, 10, 2), np.uint8), ValueError),
        (np.zeros((10, 10, 3, 1), np.uint8), ValueError),
        (np.zeros((0, 10, 3), np.uint8), ValueError),
        (np.zeros(10, np.uint8), ValueError),
    ],
)
def test_bad_input_is_rejected(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_text(value)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1, 3), np.uint8),
        np.full((5, 400, 3), 255, np.uint8),
        np.full((12, 30000, 3), 0, np.uint8),  # shrinks below the minimum side
        np.full((300, 300, 3), 255, np.uint8),
        np.zeros((300, 300, 3), np.uint8),
        np.tile(np.linspace(0, 255, 400, dtype=np.uint8)[None, :, None], (300, 1, 3)),
    ],
    ids=["1x1", "5x400", "strip", "white", "black", "gradient"],
)
def test_no_text_gives_empty_list(image: np.ndarray) -> None:
    assert read_text(image) == []


def test_noise_never_errors() -> None:
    noise = np.random.default_rng(7).integers(0, 256, (400, 500, 3), dtype=np.uint8)
    lines = read_text(noise)
    assert isinstance(lines, list) and all(isinstance(line, TextLine) for line in lines)


# --------------------------------------------------------------------------- engine


def test_engine_is_created_once_and_threads_share_it() -> None:
    images = {lang: sample_array(lang) for lang in ("fr", "cs")}
    expected = {lang: joined(read_text(img)) for lang, img in images.items()}
    engine = ocr._engine
    assert engine is not None
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def work(lang: str) -> None:
        try:
            results[lang] = joined(read_text(images[lang]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lang,)) for lang in images for _ in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == expected
    assert ocr._engine is engine


def _read_in_child(queue: Any) -> None:
    queue.put((ocr._engine is None, joined(read_text(sample_array("es")))))


def test_forked_child_builds_its_own_engine() -> None:
    read_text(sample_array("es"))  # the parent has an engine (and onnxruntime threads)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_read_in_child, args=(queue,), daemon=True)
    child.start()
    try:
        fresh, text = queue.get(timeout=120)
        child.join(timeout=30)
    finally:
        if child.is_alive():  # never leave a hung child behind
            child.kill()
            child.join()
    assert child.exitcode == 0
    assert fresh, "the child inherited the parent's engine"
    assert "Hecho en España" in text


def test_models_ship_in_the_wheel_and_load_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import rapidocr

    files = ocr.ocr_model_files()
    assert set(files) == {"det", "cls", "rec"}
    package = rapidocr.__file__.rsplit("/", 1)[0]
    assert all(str(path).startswith(package) and path.stat().st_size > 100_000
               for path in files.values())

    def no_network(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("OCR tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    engine = ocr._create_engine()  # a fresh engine: every model loads under the guard
    bgr = np.ascontiguousarray(sample_array("pl")[:, :, ::-1])
    result = engine(bgr, use_det=True, use_cls=True, use_rec=True)
    assert "Skład: bawełna 100%, prać w 40°C" in (getattr(result, "txts", None) or ())


def test_threads_setting_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ocr.OCR_THREADS_ENV, "two")
    with pytest.raises(ValueError, match=ocr.OCR_THREADS_ENV):
        ocr._threads()
    monkeypatch.setenv(ocr.OCR_THREADS_ENV, "0")
    with pytest.raises(ValueError):
        ocr._threads()
    monkeypatch.setenv(ocr.OCR_THREADS_ENV, "1")
    assert ocr._threads() == 1
    monkeypatch.delenv(ocr.OCR_THREADS_ENV)
    assert ocr._threads() == -1


def test_cv2_mediapipe_rapidocr_import_together() -> None:
    """mediapipe pulls opencv-contrib-python, rapidocr opencv-python-headless: one `cv2`."""
    import cv2
    import pdqhash  # noqa: F401
    import rapidocr  # noqa: F401

    pytest.importorskip("mediapipe")
    try:
        contrib = importlib.metadata.version("opencv-contrib-python")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        pytest.skip("opencv-contrib-python is not installed")
    # Both wheels write the same cv2/ folder; the contrib build must be the one that
    # is loaded (the safety gate's cv2.dnn models fail on the older headless build).
    assert contrib.startswith(cv2.__version__ + "."), (
        f"cv2 {cv2.__version__} is not opencv-contrib-python {contrib}: reinstall it "
        f"with `pip install --force-reinstall --no-deps opencv-contrib-python=={contrib}`"
    )
