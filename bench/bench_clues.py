"""Image clues: OCR and barcode reading per crop, and throughput on 2 cores.

    python bench/bench_clues.py [--crops 24] [--rounds 3] [--smoke]

Crops are generated (tests/vision/labels.py): product-photo-like labels in eight
languages (text on a textured ground, rotated, noisy, JPEG-compressed), each with an
EAN-13 barcode beside the text (about 1370 x 460 pixels), one crop in four without a
barcode (about 900 x 460). Figures, one tab-separated line each
(``figure value baseline ratio``, see bench/README.md):

* ``ocr_ms_per_crop``: :func:`read_text`, one process, onnxruntime's default threads;
* ``barcode_ms_per_crop``: :func:`read_barcodes`, one process;
* ``ocr_crops_per_s_2proc``: two worker processes with one onnxruntime thread each,
  against the single process (``ocr_crops_per_s_1proc``): the ratio says what a second
  worker process adds on 2 cores;
* ``barcode_crops_per_s_2proc``: the same for barcodes;
* ``ocr_char_accuracy``: mean difflib ratio of the text read to the text drawn, and
  ``barcode_read_rate``: share of crops whose barcode was decoded (quality checks for
  the speed figures; the exit status is 1 if either drops below 0.9).

Rounds alternate the single-process and two-process runs so that machine noise hits
both alike; each figure is the median over rounds.
"""

from __future__ import annotations

import argparse
import difflib
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.vision.labels import SAMPLES, ean13_array, label_image, photo_of  # noqa: E402

from traceobject.demo.barcode import ean13_check_digit  # noqa: E402

PREFIXES = {"de": "400", "fr": "300", "pl": "590", "es": "840", "it": "800", "nl": "870",
            "sv": "730", "cs": "859"}


def make_crops(n: int) -> list[tuple[np.ndarray, str, str]]:
    """``n`` crops: (RGB array, text drawn, EAN-13 drawn or '')."""
    crops = []
    languages = sorted(SAMPLES)
    for i in range(n):
        language = languages[i % len(languages)]
        sample = SAMPLES[language]
        label = np.asarray(label_image(sample.lines, size=30), dtype=np.uint8)
        code = ""
        if i % 4 != 3:  # one crop in four has no barcode
            twelve = (PREFIXES[language] + f"{i:09d}")[:12]
            code = twelve + str(ean13_check_digit(twelve))
            bars = ean13_array(code, module_px=3, margin=10)
            h = max(label.shape[0], bars.shape[0])
            row = np.full((h, label.shape[1] + bars.shape[1] + 20, 3), 250, np.uint8)
            row[: label.shape[0], : label.shape[1]] = label
            row[: bars.shape[0], label.shape[1] + 20:] = bars
            label = row
        crop = photo_of(label, angle=(-4.0, 3.0, 6.0)[i % 3], seed=i, scale=0.8)
        crops.append((crop, " ".join(sample.lines), code))
    return crops


def _configure_threads(threads: int | None) -> None:
    if threads is not None:
        os.environ["TRACEOBJECT_OCR_THREADS"] = str(threads)


def _worker(task: str, crops: list[np.ndarray], threads: int | None,
            start: Any, out: Any) -> None:
    _configure_threads(threads)
    from traceobject.vision.barcodes import read_barcodes
    from traceobject.vision.ocr import ocr_warm_up, read_text

    reader = read_text if task == "ocr" else read_barcodes
    if task == "ocr":
        ocr_warm_up()
    reader(crops[0])
    start.wait()
    t0 = time.perf_counter()
    for crop in crops:
        reader(crop)
    out.put((t0, time.perf_counter()))


def throughput(task: str, crops: list[np.ndarray], processes: int, threads: int | None) -> float:
    """Crops per second with ``processes`` workers, each reading every ``processes``-th crop."""
    ctx = multiprocessing.get_context("spawn")  # no engine or thread pool inherited
    start = ctx.Barrier(processes)
    out: Any = ctx.Queue()
    shares = [crops[i::processes] for i in range(processes)]
    workers = [ctx.Process(target=_worker, args=(task, share, threads, start, out))
               for share in shares]
    for w in workers:
        w.start()
    spans = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
        if w.exitcode:
            raise RuntimeError(f"{task} worker failed with exit code {w.exitcode}")
    elapsed = max(end for _, end in spans) - min(begin for begin, _ in spans)
    return len(crops) / elapsed


def line(figure: str, value: float | str, baseline: str = "-", ratio: float | None = None) -> None:
    shown = f"{value:.1f}" if isinstance(value, float) else value
    print(f"{figure}\t{shown}\t{baseline}\t{'-' if ratio is None else f'{ratio:.2f}'}",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crops", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="few crops, one round (CI)")
    args = parser.parse_args(argv)
    n_crops, rounds = (6, 1) if args.smoke else (args.crops, args.rounds)

    from traceobject.vision.barcodes import read_barcodes
    from traceobject.vision.ocr import ocr_warm_up, read_text

    crops = make_crops(n_crops)
    images = [c[0] for c in crops]
    h, w = images[0].shape[:2]
    print(f"# {n_crops} crops of about {w}x{h} px (8 languages, 3 in 4 with an EAN-13), "
          f"{rounds} round(s), {os.cpu_count()} CPUs", flush=True)

    ocr_warm_up()
    read_barcodes(images[0])
    ocr_ms, bar_ms, accuracy, decoded = [], [], [], 0
    for crop, text, code in crops:
        t0 = time.perf_counter()
        lines = read_text(crop)
        t1 = time.perf_counter()
        barcodes = read_barcodes(crop)
        t2 = time.perf_counter()
        ocr_ms.append((t1 - t0) * 1000)
        bar_ms.append((t2 - t1) * 1000)
        # the digits under the barcode are read as text too: compare the label's lines only
        got = " ".join(x.text for x in lines if sum(map(str.isdigit, x.text)) < len(x.text) / 2)
        accuracy.append(difflib.SequenceMatcher(None, got.casefold(), text.casefold()).ratio())
        decoded += bool(code) and code in {b.text for b in barcodes}
    with_code = sum(bool(c[2]) for c in crops)

    line("ocr_ms_per_crop", statistics.median(ocr_ms))
    line("barcode_ms_per_crop", statistics.median(bar_ms), "ocr_ms_per_crop",
         statistics.median(bar_ms) / statistics.median(ocr_ms))

    single: dict[str, list[float]] = {"ocr": [], "barcode": []}
    double: dict[str, list[float]] = {"ocr": [], "barcode": []}
    for r in range(rounds):
        for task in ("ocr", "barcode"):
            order = (1, 2) if r % 2 == 0 else (2, 1)
            for processes in order:
                threads = None if processes == 1 else 1
                rate = throughput(task, images, processes, threads)
                (single if processes == 1 else double)[task].append(rate)
                print(f"# round {r + 1} {task} {processes} process(es): {rate:.2f} crops/s",
                      flush=True)
    for task in ("ocr", "barcode"):
        one, two = statistics.median(single[task]), statistics.median(double[task])
        line(f"{task}_crops_per_s_1proc", one)
        line(f"{task}_crops_per_s_2proc", two, f"{task}_crops_per_s_1proc={one:.1f}", two / one)

    mean_accuracy = statistics.fmean(accuracy)
    read_rate = decoded / with_code if with_code else 1.0
    line("ocr_char_accuracy", f"{mean_accuracy:.3f}", "1.0", mean_accuracy)
    line("barcode_read_rate", f"{read_rate:.3f}", "1.0", read_rate)
    ok = mean_accuracy >= 0.9 and read_rate >= 0.9
    print(f"# quality {'ok' if ok else 'BELOW 0.9'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
