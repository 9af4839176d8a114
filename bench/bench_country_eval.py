"""Country estimate on photograph-like images: accuracy, coverage and calibration per script.

    python bench/bench_country_eval.py [--per-script 12] [--split test] [--fit] [--cache DIR]
                                       [--no-cache] [--save DIR] [--smoke]

The images are bench/country_eval.py's (tags, receipts, shelf labels, shop bags and
packaging labels of 27 countries in 11 scripts, drawn small on cluttered grounds, in
perspective, blurred, JPEG re-compressed, cropped with some background; one in five with
only weak evidence, one in ten with no text). Each goes through the whole image pipeline
of ``traceobject clues IMAGE`` (OCR, barcodes, clues, :func:`traceobject.geo.estimate`).

What was read in an image (OCR lines and barcodes) is cached per image in ``--cache``
(default: a directory under the system's temporary directory), keyed by the generator's
version, the image's seed and a digest of the reading code (vision/ocr.py, barcodes.py,
the rapidocr version): clues and fusion are recomputed from it on every run, so changing
the clue or fusion code costs no OCR; ``--no-cache`` reads everything again.

Per script (and per evidence strength, and overall), tab-separated figures:

* ``top1_<script>``, ``top3_<script>``: share of the images whose true country is the best
  / among the best three, counting an estimate only where its best probability is above
  the no-information floor (``geo.fusion.listing_threshold()`` where it exists, else 1/N
  for N countries): a flat estimate is no answer, right or wrong;
* ``coverage_<script>``: share of the images with such an estimate;
* ``ece_<script>``: expected calibration error (10 equal bins) of the best country's stated
  probability over the estimates counted; a reliability table for all scripts follows;
* ``read_ms_per_image`` (OCR + barcodes, images read in this run) and ``clue_ms_per_image``
  (clues + fusion).

``--fit`` (when ``estimate`` takes a ``temperature``): the temperature minimising the
negative log-likelihood of the true country on the ``fit`` split (a grid, 0.25 .. 4), and
the ECE on the ``test`` split with the default temperature and with the fitted one.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.country_eval import (  # noqa: E402
    GENERATOR_VERSION,
    SCRIPTS,
    EvalSpec,
    Reading,
    eval_specs,
    read_image,
    reading_clues,
    render,
)

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "traceobject-bench" / "country_eval"
BINS = 10


@dataclass
class Result:
    spec: EvalSpec
    reading: Reading
    fresh: bool  # read in this run (its read_ms counts)
    clues: list[Any]
    clue_ms: float


def reader_digest() -> str:
    """Changes when the code that reads images changes (the cache is then not used)."""
    import rapidocr

    h = hashlib.sha256(getattr(rapidocr, "__version__", "?").encode())
    for part in ("vision/ocr.py", "vision/barcodes.py", "vision/decode.py"):
        path = ROOT / "src" / "traceobject" / part
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def save_images(specs: Sequence[EvalSpec], folder: Path) -> None:
    """Write the images as PNG files named after their spec (to look at them)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        Image.fromarray(render(spec).pixels).save(folder / f"{spec.name}.png")


def read_all(specs: Sequence[EvalSpec], cache: Path | None) -> list[Result]:
    digest = reader_digest()
    results = []
    for spec in specs:
        key = hashlib.sha256(f"{GENERATOR_VERSION}|{spec.seed}|{spec.kind}|{spec.country}|"
                             f"{spec.strength}|{digest}".encode()).hexdigest()[:24]
        path = cache / f"{key}.json" if cache else None
        reading = None
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                reading = Reading(tuple((str(t), float(c)) for t, c in data["lines"]),
                                  tuple((str(f), str(t)) for f, t in data["barcodes"]),
                                  float(data["read_ms"]))
            except (OSError, ValueError, TypeError, KeyError):  # damaged: read it again
                reading = None
        fresh = reading is None
        if reading is None:
            reading = read_image(render(spec).pixels)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"lines": reading.lines, "barcodes": reading.barcodes,
                                           "read_ms": reading.read_ms, "name": spec.name},
                                          ensure_ascii=False), encoding="utf-8")
                tmp.replace(path)
        t0 = time.perf_counter()
        clues = reading_clues(reading)
        results.append(Result(spec, reading, fresh, clues, 0.0))
        results[-1].clue_ms = (time.perf_counter() - t0) * 1000
    return results


def floor() -> float:
    """The least best-country probability that counts as an estimate."""
    from traceobject.geo import fusion
    from traceobject.geo.countries import country_codes

    threshold: Callable[[], float] | None = getattr(fusion, "listing_threshold", None)
    if callable(threshold):
        return float(threshold())
    return 1.0 / len(country_codes())


def takes_temperature() -> bool:
    from traceobject.geo.fusion import estimate

    return "temperature" in inspect.signature(estimate).parameters


def fuse(results: Sequence[Result], temperature: float | None = None
         ) -> list[list[tuple[str, float]]]:
    """Each image's countries, best first (all of them), and the time it took."""
    from traceobject.geo.fusion import estimate

    out = []
    for r in results:
        t0 = time.perf_counter()
        if temperature is None:
            result = estimate(r.clues)
        else:
            result = estimate(r.clues, temperature=temperature)  # type: ignore[call-arg]
        # every country (ranked() may list only the countries that stand out)
        out.append(sorted(result.probabilities.items(), key=lambda item: (-item[1], item[0])))
        r.clue_ms += (time.perf_counter() - t0) * 1000 if temperature is None else 0.0
    return out


def reliability(stated: Sequence[float], right: Sequence[bool]) -> tuple[float, list[tuple]]:
    """(ECE, [(lower, upper, count, mean stated, accuracy)]) over BINS equal bins; the
    project's geo.calibration where it exists."""
    try:
        from traceobject.geo.calibration import reliability as project_reliability
    except ImportError:
        project_reliability = None
    if project_reliability is not None:
        table = project_reliability(list(stated), list(right), bins=BINS)
        return table.ece, [(b.lower, b.upper, b.count, b.confidence, b.accuracy)
                           for b in table.bins]
    counts, sums, hits = [0] * BINS, [0.0] * BINS, [0] * BINS
    for p, ok in zip(stated, right, strict=True):
        k = min(int(p * BINS), BINS - 1)
        counts[k] += 1
        sums[k] += p
        hits[k] += ok
    rows = [(k / BINS, (k + 1) / BINS, counts[k], sums[k] / counts[k] if counts[k] else 0.0,
             hits[k] / counts[k] if counts[k] else 0.0) for k in range(BINS)]
    total = len(stated)
    ece = sum(c * abs(s - a) for _l, _u, c, s, a in rows) / total if total else 0.0
    return ece, rows


@dataclass
class Scores:
    n: int
    covered: int
    top1: int
    top3: int
    ece: float
    stated: list[float]
    right: list[bool]


def score(results: Sequence[Result], ranked: Sequence[list[tuple[str, float]]],
          least: float) -> Scores:
    covered = top1 = top3 = 0
    stated: list[float] = []
    right: list[bool] = []
    for r, countries in zip(results, ranked, strict=True):
        best, p = countries[0]
        if p <= least:
            continue
        covered += 1
        top1 += best == r.spec.country
        top3 += r.spec.country in {c for c, _p in countries[:3]}
        stated.append(p)
        right.append(best == r.spec.country)
    ece, _rows = reliability(stated, right)
    return Scores(len(results), covered, top1, top3, ece, stated, right)


def line(figure: str, value: float | str, baseline: str = "-", ratio: float | None = None
         ) -> None:
    shown = f"{value:.3f}" if isinstance(value, float) else value
    print(f"{figure}\t{shown}\t{baseline}\t{'-' if ratio is None else f'{ratio:.2f}'}",
          flush=True)


def nll(results: Sequence[Result], ranked: Sequence[list[tuple[str, float]]]) -> float:
    total = 0.0
    for r, countries in zip(results, ranked, strict=True):
        p = dict(countries).get(r.spec.country, 0.0)
        total -= math.log(max(p, 1e-12))
    return total / max(len(results), 1)


def report(results: list[Result], least: float) -> None:
    ranked = fuse(results)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(results):
        groups[r.spec.script].append(i)
        groups[f"strength={r.spec.strength}"].append(i)
        groups["all"].append(i)
    print("# group\timages\tcovered\ttop1\ttop3\tECE\t(top-1/top-3 of all images, an "
          "estimate counted only above the floor)", flush=True)
    for name in [*SCRIPTS, "strength=strong", "strength=weak", "strength=none", "all"]:
        idx = groups.get(name)
        if not idx:
            continue
        s = score([results[i] for i in idx], [ranked[i] for i in idx], least)
        print(f"# {name}\t{s.n}\t{s.covered}\t{s.top1}\t{s.top3}\t{s.ece:.3f}", flush=True)
        key = name.replace("strength=", "")
        line(f"top1_{key}", s.top1 / s.n)
        line(f"top3_{key}", s.top3 / s.n)
        line(f"coverage_{key}", s.covered / s.n)
        line(f"ece_{key}", s.ece)
    whole = score(results, ranked, least)
    _ece, rows = reliability(whole.stated, whole.right)
    print("# reliability (estimates counted): bin\tcount\tmean stated\taccuracy", flush=True)
    for lower, upper, count, conf, acc in rows:
        if count:
            print(f"#   {lower:.1f}-{upper:.1f}\t{count}\t{conf:.3f}\t{acc:.3f}", flush=True)
    fresh = [r.reading.read_ms for r in results if r.fresh]
    if fresh:
        line("read_ms_per_image", statistics.median(fresh))
    else:
        print("# read_ms_per_image: every reading came from the cache (--no-cache to time)",
              flush=True)
    line("clue_ms_per_image", statistics.median(r.clue_ms for r in results))


def fit(cache: Path | None, per_script: int, least: float) -> None:
    if not takes_temperature():
        print("# --fit: geo.fusion.estimate takes no temperature here; nothing to fit",
              flush=True)
        return
    from traceobject.geo import fusion

    default = float(getattr(fusion, "CALIBRATION_TEMPERATURE", 1.0))
    fitting = read_all(eval_specs("fit", per_script), cache)
    testing = read_all(eval_specs("test", per_script), cache)
    grid = [round(0.25 * 1.1 ** k, 4) for k in range(int(math.log(16) / math.log(1.1)) + 1)]
    losses = {t: nll(fitting, fuse(fitting, t)) for t in grid}
    best = min(losses, key=lambda t: (losses[t], abs(math.log(t))))
    line("fit_temperature", best, f"default={default:g}")
    line("fit_nll", losses[best], f"default={nll(fitting, fuse(fitting, default)):.3f}")
    before = score(testing, fuse(testing, default), least)
    after = score(testing, fuse(testing, best), least)
    line("test_ece_default_temperature", before.ece)
    line("test_ece_fitted_temperature", after.ece, f"default={before.ece:.3f}",
         after.ece / before.ece if before.ece else None)
    line("test_nll_fitted_temperature", nll(testing, fuse(testing, best)),
         f"default={nll(testing, fuse(testing, default)):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-script", type=int, default=12, help="images per script")
    parser.add_argument("--split", choices=("fit", "test"), default="test")
    parser.add_argument("--fit", action="store_true",
                        help="fit the fusion temperature on the fit split, ECE on the test split")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--save", type=Path, metavar="DIR",
                        help="also write the split's images to DIR as PNG files")
    parser.add_argument("--smoke", action="store_true", help="one image per script (CI)")
    args = parser.parse_args(argv)
    if args.per_script < 1:
        parser.error("--per-script must be at least 1")
    per_script = 1 if args.smoke else args.per_script
    cache = None if args.no_cache else args.cache
    from bench.country_eval import check_fonts

    missing = check_fonts()
    if missing:
        print("# cannot draw every script: " + "; ".join(missing), file=sys.stderr)
        return 1
    from traceobject.vision.ocr import ocr_warm_up

    ocr_warm_up()
    least = floor()
    specs = eval_specs(args.split, per_script)
    print(f"# {len(specs)} images ({per_script} per script, split {args.split}), generator "
          f"v{GENERATOR_VERSION}, floor {least:.4f}, cache {cache or 'off'}, "
          f"{os.cpu_count()} CPUs", flush=True)
    if args.save:
        save_images(specs, args.save)
    results = read_all(specs, cache)
    report(results, least)
    if args.fit:
        fit(cache, per_script, least)
    return 0


if __name__ == "__main__":
    sys.exit(main())
