"""OCR of labels in the world's scripts: RapidOCR for Latin and CJK, Tesseract for the rest.

Labels are drawn with Debian's Noto fonts (tests/vision/script_labels.py, shaped by
libraqm) and photographed badly: perspective, rotation, clutter, blur, noise, JPEG.
Each label's text must come back as the real characters (NFC), with a character
accuracy of at least MIN_ACCURACY and every key word present.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.vision import labels
from tests.vision.script_labels import (
    SAMPLES,
    ScriptSample,
    char_accuracy,
    distort,
    label_image,
    raqm_available,
)
from traceobject.vision import ocr, ocr_tesseract
from traceobject.vision.ocr import TextLine, ocr_status, ocr_warm_up, read_text
from traceobject.vision.ocr_tesseract import TESSDATA_ENV, letters_by_script, tesseract_status

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MIN_ACCURACY = 0.85
#: The script each sample's lines must be reported in.
EXPECTED_SCRIPT = {
    "Latin": "Latin", "Cyrillic": "Cyrillic", "Greek": "Greek", "Arabic": "Arabic",
    "Hebrew": "Hebrew", "Thai": "Thai", "Devanagari": "Devanagari", "Hangul": "Hangul",
    "Japanese": "Japanese", "Han-Hans": "Han", "Han-Hant": "Han",
}
ROOT = Path(__file__).resolve().parents[2]


def joined(lines: list[TextLine]) -> str:
    return " ".join(line.text for line in lines)


def photo(sample: ScriptSample, seed: int) -> np.ndarray:
    return distort(label_image(sample.script, sample.lines), seed=seed, clutter=seed % 2 == 1)


def test_fonts_are_shaped() -> None:
    # Arabic, Thai and Devanagari drawn unshaped would test nothing real
    assert raqm_available(), "Pillow without libraqm: apt-get install libraqm0"


def test_tesseract_models_are_installed() -> None:
    status = ocr_status()
    assert status.usable, status.problem
    assert set(status.models) == set(ocr_tesseract.SCRIPT_MODELS)
    assert not status.missing
    assert set(status.languages) == set(ocr_tesseract.LANGUAGE_MODELS.values())
    ocr_warm_up()  # every model loads (a broken traineddata file raises here)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.language for s in SAMPLES])
def test_label_is_read_in_its_script(sample: ScriptSample) -> None:
    seed = SAMPLES.index(sample)
    lines = read_text(photo(sample, seed))
    text = joined(lines)
    accuracy = char_accuracy(" ".join(sample.lines), text)
    assert accuracy >= MIN_ACCURACY, (sample.language, accuracy, text)
    squeezed = "".join(text.split())  # Thai is written without spaces between words
    for word in sample.keywords:
        assert word in text or word in squeezed, (sample.language, word, text)
    assert text == unicodedata.normalize("NFC", text)
    want = EXPECTED_SCRIPT[sample.script]
    assert [line.script for line in lines] == [want] * len(sample.lines), lines
    engines = {line.engine for line in lines}
    if want in ("Latin", "Han", "Japanese"):
        assert engines <= {"rapidocr", "tesseract"}
    else:  # RapidOCR's recogniser has none of these characters
        assert engines == {"tesseract"}


def test_routing_beats_rapidocr_alone_on_cyrillic_and_greek() -> None:
    # what read_text did before routing: digits and look-alike Latin letters
    for language in ("ru", "el", "th"):
        sample = next(s for s in SAMPLES if s.language == language)
        image = photo(sample, 0)
        alone = char_accuracy(" ".join(sample.lines), joined(read_text(image, route=False)))
        routed = char_accuracy(" ".join(sample.lines), joined(read_text(image)))
        assert alone < 0.6 and routed >= MIN_ACCURACY, (language, alone, routed)


def test_mixed_script_crop() -> None:
    # one label, four scripts: each line is routed on its own
    lines = {
        "Latin": "Made in Bulgaria",
        "Cyrillic": "Произведено в България",
        "Greek": "Παράγεται στην Ελλάδα",
        "Han-Hans": "中国制造",
    }
    parts = [label_image(script, (text,)) for script, text in lines.items()]
    width = max(p.width for p in parts)
    canvas = np.full((sum(p.height for p in parts), width, 3), 250, np.uint8)
    y = 0
    for part in parts:
        canvas[y : y + part.height, : part.width] = np.asarray(part)
        y += part.height
    read = read_text(canvas)
    by_script = {line.script: line.text for line in read}
    assert set(by_script) == {"Latin", "Cyrillic", "Greek", "Han"}, read
    for script, text in lines.items():
        got = by_script["Han" if script == "Han-Hans" else script]
        assert char_accuracy(text, got) >= 0.9, (script, got)
    assert [line.script for line in read] == ["Latin", "Cyrillic", "Greek", "Han"]


def test_latin_labels_read_as_before() -> None:
    # the eight-language labels of test_ocr.py: RapidOCR's text is kept for Latin lines
    for language in ("pl", "cs"):
        sample = labels.SAMPLES[language]
        lines = read_text(labels.sample_array(language))
        for word in sample.keywords:
            assert word in joined(lines), (language, word, lines)
        assert {line.script for line in lines} == {"Latin"}
        assert {line.engine for line in lines} == {"rapidocr"}


def test_vietnamese_letters_rapidocr_lacks_are_read() -> None:
    sample = next(s for s in SAMPLES if s.language == "vi")
    image = photo(sample, 0)
    alone = joined(read_text(image, route=False))
    routed = read_text(image)
    assert "Việt" not in alone  # RapidOCR drops ệ
    assert "Việt" in joined(routed) and "đường" in joined(routed)
    assert all(line.script == "Latin" for line in routed)


def test_to_dict_has_script_and_engine() -> None:
    sample = next(s for s in SAMPLES if s.language == "ru")
    line = read_text(photo(sample, 3))[0]
    data = line.to_dict()
    assert data["script"] == "Cyrillic" and data["engine"] == "tesseract"
    assert data["text"] == line.text and len(data["box"]) == 4


def test_boxes_map_back_on_a_huge_image() -> None:
    sample = next(s for s in SAMPLES if s.language == "uk")
    label = np.asarray(label_image(sample.script, sample.lines, size=80))
    big = np.full((2600, 3400, 3), 235, np.uint8)
    y0, x0 = 1500, 1700
    big[y0 : y0 + label.shape[0], x0 : x0 + label.shape[1]] = label
    lines = read_text(big)
    assert "Україні" in joined(lines)
    for line in lines:
        x, y, w, h = line.rect
        assert x >= x0 - 20 and y >= y0 - 20
        assert x + w <= x0 + label.shape[1] + 20 and y + h <= y0 + label.shape[0] + 20


@pytest.mark.parametrize("shape", [(0, 0, 3), (5, 400, 3), (400, 5, 3)])
def test_empty_and_tiny_images(shape: tuple[int, int, int]) -> None:
    image = np.zeros(shape, np.uint8)
    if 0 in shape:
        with pytest.raises(ValueError):
            read_text(image)
    else:
        assert read_text(image) == []


def test_blank_and_noise_give_nothing_or_text_lines() -> None:
    assert read_text(np.full((300, 500, 3), 255, np.uint8)) == []
    noise = np.random.default_rng(7).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    lines = read_text(noise)
    assert all(isinstance(line, TextLine) for line in lines)


def test_threads_share_the_engines() -> None:
    images = {s.language: photo(s, 5) for s in SAMPLES if s.language in ("bg", "ko")}
    expected = {lang: joined(read_text(img)) for lang, img in images.items()}
    results: dict[str, list[str]] = {lang: [] for lang in images}
    errors: list[BaseException] = []

    def work(lang: str) -> None:
        try:
            results[lang].append(joined(read_text(images[lang])))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lang,)) for lang in images for _ in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == {lang: [text, text] for lang, text in expected.items()}


# --------------------------------------------------------------------------- scripts


def test_script_of_letters() -> None:
    assert letters_by_script("Вкусно ΕΛΛΗΝΙΚΟ ราคา 한국 मूल्य 中国 しょうゆ ok 42!") == {
        "Cyrillic": 6, "Greek": 8, "Thai": 4, "Hangul": 2, "Devanagari": 3,
        "Han": 2, "Kana": 4, "Latin": 2,
    }


# --------------------------------------------------------------------------- missing


def test_status_without_traineddata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TESSDATA_ENV, str(tmp_path))
    status = tesseract_status()
    assert not status.usable and status.models == ()
    assert "tesseract-ocr-script" in status.problem
    monkeypatch.setenv(TESSDATA_ENV, str(tmp_path / "absent"))
    assert "no Tesseract traineddata directory" in tesseract_status().problem


def test_status_without_tesserocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tesserocr", None)  # import fails as if not installed
    status = tesseract_status()
    assert not status.usable and "tesserocr cannot be imported" in status.problem


_MISSING_SCRIPT = """
import json, sys
sys.path.insert(0, {root!r})
from tests.vision import labels
from tests.vision.script_labels import SAMPLES, distort, label_image
from traceobject.vision.ocr import ocr_status, read_text
ru = next(s for s in SAMPLES if s.language == "ru")
latin = read_text(labels.sample_array("fr"))
cyrillic = read_text(distort(label_image(ru.script, ru.lines), seed=0))
status = ocr_status()
print(json.dumps({{"usable": status.usable, "problem": status.problem,
                  "latin": [l.text for l in latin], "latin_engines": [l.engine for l in latin],
                  "cyrillic_scripts": [l.script for l in cyrillic]}}))
"""


def test_missing_models_still_read_latin_and_say_so(tmp_path: Path) -> None:
    env = dict(os.environ, **{TESSDATA_ENV: str(tmp_path)})
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    proc = subprocess.run(
        [sys.executable, "-c", _MISSING_SCRIPT.format(root=str(ROOT))],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not out["usable"] and "tesseract-ocr-script" in out["problem"]
    assert "Tesseract unavailable" in proc.stderr  # the warning, logged once
    assert proc.stderr.count("Tesseract unavailable") == 1
    assert "Fabriqué en France" in out["latin"]
    assert set(out["latin_engines"]) == {"rapidocr"}
    assert "Cyrillic" not in out["cyrillic_scripts"]  # unread, as before, but no crash


def test_a_corrupt_model_is_skipped_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = ocr_status().directory
    assert real is not None
    (tmp_path / "Cyrillic.traineddata").write_bytes(os.urandom(4096))
    (tmp_path / "Latin.traineddata").symlink_to(real / "Latin.traineddata")
    monkeypatch.setenv(TESSDATA_ENV, str(tmp_path))
    reader = ocr_tesseract.ScriptReader()
    assert reader.status.usable and set(reader.status.models) == {"Latin", "Cyrillic"}
    sample = labels.SAMPLES["fr"]
    line = np.asarray(labels.label_image(sample.lines[:1]))
    readings = reader.best(line, ("Cyrillic", "Latin"))
    assert [r.script for r in readings] == ["Latin"]
    assert char_accuracy(sample.lines[0], readings[0].text) >= 0.9
    assert "Cyrillic" in reader.broken and reader.available() == ("Latin",)
    assert "cannot be loaded" in caplog.text


def test_arabic_line_unread_at_first_scale_is_rescued() -> None:
    # "صنع في مصر" at this size: Tesseract's Arabic models read nothing at 48 and 32 px;
    # the crop's other (convincing) Arabic line sends it back at more scales
    sample = next(s for s in SAMPLES if s.language == "ar")
    image = distort(label_image(sample.script, sample.lines), seed=207, scale=0.55)
    lines = read_text(image)
    assert [line.script for line in lines] == ["Arabic", "Arabic"], lines
    assert char_accuracy(" ".join(sample.lines), joined(lines)) >= 0.9, lines


# --------------------------------------------------------------------------- hostile crops


def _lines_image(lines: list[str], size: int = 26, step: int = 40) -> np.ndarray:
    from PIL import Image, ImageDraw

    from tests.vision.script_labels import _font

    font = _font("Latin", size)
    width = max(int(font.getlength(line)) for line in lines) + 40
    image = Image.new("RGB", (width, step * len(lines) + 40), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + i * step), line, font=font, fill=(20, 20, 20))
    return np.asarray(image)


def _tesseract_reads() -> int:
    reader = ocr._reader
    return reader.reads if reader is not None else 0


def test_junk_symbols_crop_stays_within_the_read_budget(monkeypatch) -> None:
    # a budget the 22 junk lines exceed (the default is sized for long receipts)
    monkeypatch.setattr(ocr, "TESSERACT_READ_BUDGET", 120)
    rng = np.random.default_rng(3)
    symbols = list("#$%&*+=<>?@^~|{}[]§¶©®°±/\\()!;:")
    junk = ["".join(rng.choice(symbols, int(rng.integers(20, 40)))) for _ in range(22)]
    image = _lines_image(junk)
    ocr_warm_up()
    reads, past = _tesseract_reads(), ocr._reader.past_budget if ocr._reader else 0
    lines = read_text(image)
    assert ocr._reader is not None
    used = ocr._reader.reads - reads
    # one line's reads may run past the budget (a line is read whole or not at all)
    assert 0 < used <= ocr.TESSERACT_READ_BUDGET + 40, used
    assert ocr._reader.past_budget > past  # the lines past the budget were not read ...
    assert len(lines) >= 15  # ... but kept RapidOCR's reading
    assert sum(line.engine == "rapidocr" for line in lines) >= ocr._reader.past_budget - past


def test_number_lines_are_not_read_by_tesseract() -> None:
    rng = np.random.default_rng(5)
    numbers = [" ".join(str(int(n)) for n in rng.integers(10, 999, 5)) for _ in range(8)]
    ocr_warm_up()
    reads = _tesseract_reads()
    lines = read_text(_lines_image(numbers, size=28, step=46))
    assert [line.text for line in lines] == numbers
    assert _tesseract_reads() == reads  # a number reads the same in every script


def test_a_thin_long_line_is_not_scaled_without_limit() -> None:
    reader = ocr_tesseract.ScriptReader()
    sliver = np.full((3, 2000, 3), 250, np.uint8)
    sliver[1, ::9] = 20
    data, w, h = ocr_tesseract._prepare(sliver, ocr_tesseract.LINE_HEIGHT)
    assert w <= ocr_tesseract.MAX_LINE_WIDTH + ocr_tesseract.LINE_HEIGHT  # with padding
    assert len(data) == w * h
    reading = reader.read(sliver, "Cyrillic")
    assert reading.script == "Cyrillic" and reader.reads == 1


@pytest.mark.parametrize("shape", [(1, 300, 3), (2, 40, 3), (1, 1, 3)])
def test_one_pixel_tall_lines_read_as_little_or_nothing(shape: tuple[int, int, int]) -> None:
    reader = ocr_tesseract.ScriptReader()
    line = np.full(shape, 250, np.uint8)
    line[:, ::5] = 10
    for script in ("Latin", "Arabic"):
        reading = reader.read(line, script)
        assert isinstance(reading, ocr_tesseract.LineReading)
        assert 0.0 <= reading.score <= reading.confidence <= 1.0
    assert reader.reads == 2


_FORK_WITH_OMP = """
import multiprocessing, sys
sys.path.insert(0, {root!r})
from tests.vision.script_labels import SAMPLES, distort, label_image
from traceobject.vision.ocr import read_text
import os
ru = next(s for s in SAMPLES if s.language == "ru")
image = distort(label_image(ru.script, ru.lines), seed=0)

def child(queue):
    queue.put(" ".join(l.text for l in read_text(image)))

if __name__ == "__main__":
    parent = " ".join(l.text for l in read_text(image))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=child, args=(queue,), daemon=True)
    proc.start()
    try:
        got = queue.get(timeout=90)
    except Exception:
        print("HUNG")
        proc.kill()
        sys.exit(3)
    proc.join(timeout=30)
    print(os.environ["OMP_THREAD_LIMIT"], parent == got, "России" in got)
"""


def test_fork_after_reading_cyrillic_with_omp_limit_set(tmp_path: Path) -> None:
    script = tmp_path / "fork_omp.py"
    script.write_text(_FORK_WITH_OMP.format(root=str(ROOT)))
    env = dict(os.environ, OMP_THREAD_LIMIT="2")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=240, check=False)
    assert proc.returncode == 0, (proc.stdout, proc.stderr[-2000:])
    assert proc.stdout.split()[-3:] == ["1", "True", "True"], proc.stdout
    assert "OMP_THREAD_LIMIT='2' overridden" in proc.stderr


_KMEANS_AFTER_OCR = """
import os, sys
import numpy as np
import traceobject.vision.ocr_tesseract  # limits OpenMP to one thread
import faiss  # its OpenMP runtime and OpenBLAS load after that limit
x = np.random.default_rng(0).random((20000, 128), dtype=np.float32)
kmeans = faiss.Kmeans(128, 64, niter=3, seed=1)
kmeans.train(x)
print(os.environ["OMP_THREAD_LIMIT"], os.environ["OMP_NUM_THREADS"], kmeans.centroids.shape)
"""


def test_a_process_that_read_text_can_still_train_the_object_index() -> None:
    """The OpenMP limit Tesseract needs once hung the next k-means of the process: an
    OpenMP-built OpenBLAS split a product for two threads and got a team of one. The
    timeout only guards against that hang; it measures nothing."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_THREAD_LIMIT",
                                                            "OMP_NUM_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    try:
        proc = subprocess.run([sys.executable, "-c", _KMEANS_AFTER_OCR], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("k-means after importing the Tesseract reader hung")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["1", "1", "(64,", "128)"], proc.stdout


def test_clear_latin_line_is_not_turned_cyrillic() -> None:
    # each line its own label, stacked: the Cyrillic model read TAXI 500 ml as "ТАХІ 500 ті"
    # (0.93) above the Latin model's exact reading (0.86)
    texts = {"Arabic": ("صنع في مصر", "السعر عشرة جنيه"),
             "Latin": ("TAXI 500 ml", "12 345 678", "www.example.com")}
    parts = [label_image(script, (line,)) for script, lines in texts.items() for line in lines]
    canvas = np.full((sum(p.height for p in parts), max(p.width for p in parts), 3), 250,
                     np.uint8)
    y = 0
    for part in parts:
        canvas[y : y + part.height, : part.width] = np.asarray(part)
        y += part.height
    alone = [line.text for line in read_text(canvas, route=False)]
    assert "TAXI 500 ml" in alone
    lines = read_text(canvas)
    assert [line.text for line in lines][2:] == ["TAXI 500 ml", "12 345 678", "www.example.com"]
    assert [line.script for line in lines] == ["Arabic", "Arabic", "Latin", "", "Latin"]
    assert char_accuracy(" ".join(texts["Arabic"]), joined(lines[:2])) >= 0.9, lines


@pytest.mark.parametrize("seed", [207, 1])
def test_confident_latin_line_stays_latin_in_small_arabic_crop(seed: int) -> None:
    # small text: the Arabic lines need the rescue pass (other scales); the Latin line
    # RapidOCR read confidently is neither rescued as Arabic nor turned Cyrillic or Greek
    # (before: "ТАХІ 500 ті" at seed 207, "ΤΑΧΙ 500 πι!" at seed 1)
    sample = next(s for s in SAMPLES if s.language == "ar")
    parts = [label_image("Arabic", sample.lines), label_image("Latin", ("TAXI 500 ml",))]
    canvas = np.full((sum(p.height for p in parts), max(p.width for p in parts), 3), 250,
                     np.uint8)
    canvas[: parts[0].height, : parts[0].width] = np.asarray(parts[0])
    canvas[parts[0].height :, : parts[1].width] = np.asarray(parts[1])
    image = distort(Image.fromarray(canvas), seed=seed, scale=0.55)
    assert [line.text for line in read_text(image, route=False)] == ["TAXI 500 ml"]
    lines = read_text(image)
    assert [(line.text, line.script, line.engine) for line in lines][2:] == [
        ("TAXI 500 ml", "Latin", "rapidocr")], lines
    assert [line.script for line in lines[:2]] == ["Arabic", "Arabic"], lines


def test_latin_takes_tesseract_only_for_letters_rapidocr_lacks() -> None:
    assert ocr._adds_missing_letters("Sản xuất tại Việt Nam", "Sn xut ti Vit Nam")
    assert not ocr._adds_missing_letters("TAXI 500 mll", "TAXI 500 ml")  # made-up letter
    assert not ocr._adds_missing_letters("Bán hàng", "Ban hang")  # à á: RapidOCR has them
    assert not ocr._adds_missing_letters("Việt Nam xyzzy", "Vit Nam")  # a different reading


def test_look_alike_cyrillic_word_is_settled_by_the_crop() -> None:
    # RapidOCR reads "Сахар" confidently as Latin "Caxap", and so does Tesseract's Latin
    # model: every letter has a Latin twin. The crop's other lines are Cyrillic, so it is.
    image = distort(label_image("Cyrillic", ("Сделано в России", "Сахар", "Вкусно и полезно")),
                    seed=0)
    assert "Caxap" in [line.text for line in read_text(image, route=False)]
    lines = read_text(image)
    assert [line.script for line in lines] == ["Cyrillic"] * 3, lines
    assert lines[1].text == "Сахар"


def test_past_the_time_budget_lines_keep_rapidocr_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = next(s for s in SAMPLES if s.language == "ru")
    image = photo(sample, 0)
    ocr_warm_up()
    monkeypatch.setattr(ocr, "TESSERACT_SECONDS_BUDGET", 0.0)
    reads = _tesseract_reads()
    lines = read_text(image)
    assert _tesseract_reads() == reads  # no Tesseract read at all: RapidOCR's reading
    assert lines == read_text(image, route=False)
    monkeypatch.undo()
    assert {line.script for line in read_text(image)} == {"Cyrillic"}
