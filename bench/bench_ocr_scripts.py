"""OCR per script: RapidOCR alone (the reading before routing) against the routed reading
(RapidOCR for Latin and CJK, Tesseract's script models for the rest), and Tesseract alone.

    python bench/bench_ocr_scripts.py [--smoke] [--verbose]

Crops: every label of ``tests/vision/script_labels.py`` (15 languages, 11 scripts: Latin
with Vietnamese, Turkish and Romanian diacritics; Russian, Bulgarian, Ukrainian; Greek;
Arabic; Hebrew; Thai; Hindi; Korean; Japanese; Simplified and Traditional Chinese), drawn
with Debian's Noto fonts and photographed five ways (``VARIANTS``): mild perspective and
rotation; the same on clutter; small text (the photo scaled to 55 %); heavy blur and
JPEG quality 35; strong perspective. ``--smoke`` uses the first variant only.

Engines, each timed per crop (wall clock, this process, after warm-up):

* ``rapidocr``: ``read_text(route=False)``, RapidOCR's detector and recogniser only;
* ``routed``: ``read_text()``, what the project runs;
* ``tesseract``: Tesseract alone on the whole crop, *told* the label's language model
  (``rus``, ``ell``, ``tha`` ...; automatic page layout): an oracle no caller has, to show
  what Tesseract reads without RapidOCR's detector.

Hostile crops (``hostile_crops``), timed the same way, best of two runs: 30 lines of random
symbols on a 1400 x 1240 crop (``junk``) and 10 lines of numbers (``numbers``); they print
``ocr_ms_<crop>_routed`` (baseline: RapidOCR alone) and ``ocr_reads_<crop>`` (Tesseract
line reads, against the per-crop budget).

Accuracy is 1 - character error rate (Levenshtein over non-space characters, NFC),
floored at 0, averaged per script. Prints ``figure<TAB>value<TAB>baseline<TAB>ratio`` lines:
``ocr_acc_<script>_<engine>`` (baseline: RapidOCR alone), ``ocr_ms_per_crop_<engine>``
(baseline: RapidOCR alone, ratio = time / baseline time), and a Markdown table as notes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.vision.script_labels import (  # noqa: E402
    SAMPLES,
    ScriptSample,
    char_accuracy,
    distort,
    label_image,
)

from traceobject.vision import ocr  # noqa: E402
from traceobject.vision.ocr import ocr_status, ocr_warm_up, read_text  # noqa: E402

#: name -> keyword arguments of :func:`distort`.
VARIANTS: dict[str, dict[str, Any]] = {
    "mild": {},
    "clutter": {"clutter": True},
    "small": {"scale": 0.55},
    "blur_jpeg": {"blur": 1.2, "jpeg": 35, "noise": 9.0},
    "perspective": {"skew": 0.12, "angle": 8.0},
}
#: Tesseract's language model for each sample (the oracle engine).
TESS_LANG = {
    "vi": "vie", "tr": "tur", "ro": "ron", "ru": "rus", "bg": "bul", "uk": "ukr", "el": "ell",
    "ar": "ara", "he": "heb", "th": "tha", "hi": "hin", "ko": "kor", "ja": "jpn",
    "zh-Hans": "chi_sim", "zh-Hant": "chi_tra",
}
ENGINES = ("rapidocr", "routed", "tesseract")


class TesseractAlone:
    """One tesserocr handle per language, whole crop, automatic layout."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.apis: dict[str, Any] = {}

    def model(self, sample: ScriptSample) -> str | None:
        """The label's language model; else its script's model (the ones ``make install``
        installs); None when neither is installed (that label has no Tesseract reading)."""
        for name in (TESS_LANG[sample.language], sample.script):
            if (self.directory / f"{name}.traineddata").is_file():
                return name
        return None

    def __call__(self, rgb: Any, lang: str) -> str:
        import tesserocr
        from PIL import Image

        api = self.apis.get(lang)
        if api is None:
            api = tesserocr.PyTessBaseAPI(path=str(self.directory) + "/", lang=lang,
                                          psm=tesserocr.PSM.AUTO)
            self.apis[lang] = api
        api.SetImage(Image.fromarray(rgb))
        return str(api.GetUTF8Text())

    def close(self) -> None:
        for api in self.apis.values():
            api.End()


def hostile_crops() -> dict[str, Any]:
    """Crops that cost routed OCR the most: many lines with no script to decide."""
    import numpy as np
    from PIL import Image, ImageDraw
    from tests.vision.script_labels import _font

    rng = np.random.default_rng(3)
    symbols = list("#$%&*+=<>?@^~|{}[]§¶©®°±/\\()!;:")
    junk = ["".join(rng.choice(symbols, int(rng.integers(20, 50)))) for _ in range(30)]
    numbers = [" ".join(str(int(n)) for n in rng.integers(10, 999, 5)) for _ in range(10)]
    crops = {}
    for name, lines, size in (("junk", junk, (1400, 1240)), ("numbers", numbers, (600, 500))):
        image = Image.new("RGB", size, (250, 248, 240))
        draw = ImageDraw.Draw(image)
        step = size[1] // (len(lines) + 1)
        for i, line in enumerate(lines):
            draw.text((20, 10 + i * step), line, font=_font("Latin", 26), fill=(20, 20, 20))
        crops[name] = np.asarray(image)
    return crops


def bench_hostile() -> None:
    for name, image in hostile_crops().items():
        ms: dict[bool, float] = {}
        reads = 0
        for route in (False, True):
            runs = []
            for _ in range(2):
                before = ocr._reader.reads if ocr._reader else 0
                t0 = time.perf_counter()
                read_text(image, route=route)
                runs.append(1000 * (time.perf_counter() - t0))
                if route and ocr._reader is not None:
                    reads = ocr._reader.reads - before
            ms[route] = min(runs)
        print(f"ocr_ms_{name}_routed\t{ms[True]:.0f}\trapidocr={ms[False]:.0f}\t"
              f"{ms[True] / ms[False]:.2f}")
        print(f"ocr_reads_{name}\t{reads}\tbudget={ocr.TESSERACT_READ_BUDGET}\t"
              f"{reads / ocr.TESSERACT_READ_BUDGET:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one variant per label (CI)")
    parser.add_argument("--verbose", action="store_true", help="print every reading")
    args = parser.parse_args(argv)
    status = ocr_status()
    if not status.usable or status.directory is None:
        print(f"# Tesseract unavailable: {status.problem}")
        return 1
    variants = ["mild"] if args.smoke else list(VARIANTS)
    ocr_warm_up()
    tess = TesseractAlone(status.directory)
    crops: list[tuple[ScriptSample, str, Any]] = []
    for i, sample in enumerate(SAMPLES):
        for j, name in enumerate(variants):
            image = distort(label_image(sample.script, sample.lines), seed=100 * j + i,
                            **VARIANTS[name])
            crops.append((sample, name, image))
    # warm every model the runs will use (Tesseract loads each language on first use)
    models = {s.language: tess.model(s) for s in SAMPLES}
    for sample, _, image in crops[:: len(variants)]:
        read_text(image)
        if (model := models[sample.language]) is not None:
            tess(image, model)

    acc: dict[tuple[str, str], list[float]] = {}
    secs: dict[str, list[float]] = {e: [] for e in ENGINES}
    engine_of: dict[str, dict[str, int]] = {}
    for sample, name, image in crops:
        want = " ".join(sample.lines)
        got: dict[str, str] = {}
        t0 = time.perf_counter()
        got["rapidocr"] = " ".join(line.text for line in read_text(image, route=False))
        t1 = time.perf_counter()
        routed = read_text(image)
        t2 = time.perf_counter()
        model = models[sample.language]
        got["tesseract"] = tess(image, model) if model else ""
        t3 = time.perf_counter()
        got["routed"] = " ".join(line.text for line in routed)
        for engine, dt in zip(ENGINES, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            if engine == "tesseract" and not model:
                continue
            secs[engine].append(dt)
            acc.setdefault((sample.script, engine), []).append(char_accuracy(want, got[engine]))
        counts = engine_of.setdefault(sample.script, {})
        for line in routed:
            counts[line.engine] = counts.get(line.engine, 0) + 1
        if args.verbose:
            print(f"# {sample.language:7} {name:11} routed={got['routed']!r} "
                  f"rapidocr={got['rapidocr']!r}", flush=True)
    tess.close()

    print("figure\tvalue\tbaseline\tratio")
    scripts = list(dict.fromkeys(s.script for s in SAMPLES))
    for script in scripts:
        base = statistics.fmean(acc[script, "rapidocr"])
        for engine in ("routed", "tesseract"):
            if (script, engine) not in acc:
                continue  # no Tesseract model installed for this script's labels
            value = statistics.fmean(acc[script, engine])
            ratio = f"{value / base:.2f}" if base > 0 else "-"
            print(f"ocr_acc_{script}_{engine}\t{value:.3f}\trapidocr={base:.3f}\t{ratio}")
    base_ms = 1000 * statistics.fmean(secs["rapidocr"])
    engines = [e for e in ENGINES if secs[e]]
    for engine in engines:
        ms = 1000 * statistics.fmean(secs[engine])
        print(f"ocr_ms_per_crop_{engine}\t{ms:.0f}\trapidocr={base_ms:.0f}\t{ms / base_ms:.2f}")
    overall = {e: statistics.fmean(v for (s, en), vals in acc.items() if en == e for v in vals)
               for e in engines}
    fallback = sorted(f"{k}: {v}" for k, v in models.items() if v != TESS_LANG[k])
    if fallback:
        print("# Tesseract alone, where the language model is not installed (script model or "
              "none): " + ", ".join(fallback))
    print(f"# {len(crops)} crops ({len(SAMPLES)} labels x {len(variants)} variants: "
          f"{', '.join(variants)}); accuracy = 1 - CER, mean per script")
    print("# | script | read by (routed lines) | RapidOCR alone | routed | Tesseract alone "
          "(told the language) |")
    print("# | --- | --- | --- | --- | --- |")
    for script in scripts:
        used = ", ".join(f"{k} {v}" for k, v in sorted(engine_of[script].items()))
        cells = " | ".join(f"{statistics.fmean(acc[script, e]):.2f}" if (script, e) in acc
                           else "no model" for e in ENGINES)
        print(f"# | {script} | {used} | {cells} |")
    print("# | all | | " + " | ".join(f"{overall[e]:.2f}" if e in overall else "-"
                                     for e in ENGINES) + " |")
    print("# time per crop: " + ", ".join(
        f"{e} {1000 * statistics.fmean(secs[e]):.0f} ms "
        f"({statistics.fmean(secs[e]) / statistics.fmean(secs['rapidocr']):.2f}x)"
        for e in engines))
    bench_hostile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
