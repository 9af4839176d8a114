"""Identifying text in crops: how many crops with an address, name, phone, e-mail,
plate, school or ID number are flagged, and how many clean product labels are.

    python bench/bench_idtext.py [--verbose] [--write DIR]

Runs the real path (:func:`traceobject.vision.idtext.identifying_text`: the project's
OCR engine, then the rules) on the generated crops of ``bench/idtext_samples.py``:
``IDENTIFYING`` (40 crops, eight languages and three scripts: Latin with diacritics,
Greek, Cyrillic) and ``CLEAN`` (40 product labels: brands, weights, "Made in ...",
ingredients, barcode digits), and on ``--objects`` generated product crops of the
safety gate's benchmark (``bench/gate_samples.py``: cartons, labels, bags with words,
barcodes and patterns). Prints ``figure<TAB>value`` lines:

* ``idtext_flagged_identifying``: share of identifying crops with a finding;
* ``idtext_flagged_expected_kind``: share whose findings include the expected kind;
* ``idtext_flagged_clean``: share of clean labels with a finding (should be 0);
* ``idtext_flagged_gate_objects``: the same on the gate's generated products;

and ``#`` notes for every miss and every flagged label (what the OCR read). OCR takes
about a second a crop on one core.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PIL import Image  # noqa: E402

from gate_samples import object_image  # noqa: E402
from idtext_samples import clean_crops, identifying_crops  # noqa: E402
from traceobject.vision.idtext import identifying_text  # noqa: E402
from traceobject.vision.ocr import ocr_warm_up, read_text  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every crop")
    parser.add_argument("--write", type=Path, default=None, help="write the crops here")
    parser.add_argument("--objects", type=int, default=100,
                        help="generated product crops of the gate's benchmark")
    parser.add_argument("--smoke", action="store_true",
                        help="a few crops of each set (CI: the script runs, figures are rough)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.objects = min(args.objects, 3)
    ocr_warm_up()
    started = time.perf_counter()
    flagged = expected = 0
    ident = identifying_crops()[::10] if args.smoke else identifying_crops()
    for n, (kind, lines, crop) in enumerate(ident):
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            Image.fromarray(crop).save(args.write / f"identifying_{n:02d}.png")
        found = identifying_text(crop)
        whats = sorted({f["what"] for f in found})
        flagged += bool(found)
        expected += kind in whats
        if args.verbose or kind not in whats:
            read = [line.text for line in read_text(crop)]
            print(f"# {'ok' if kind in whats else 'MISSED'} {kind}: {lines} read {read} "
                  f"-> {whats}")
    clean = clean_crops()[::10] if args.smoke else clean_crops()
    false = 0
    for n, (lines, crop) in enumerate(clean):
        if args.write:
            Image.fromarray(crop).save(args.write / f"clean_{n:02d}.png")
        found = identifying_text(crop)
        false += bool(found)
        if args.verbose or found:
            read = [line.text for line in read_text(crop)]
            print(f"# {'FLAGGED' if found else 'clean'} {lines} read {read} -> "
                  f"{[(f['what'], f['matched']) for f in found]}")
    objects_flagged = 0
    for seed in range(args.objects):
        crop = object_image(seed)
        found = identifying_text(crop)
        objects_flagged += bool(found)
        if found:
            read = [line.text for line in read_text(crop)]
            print(f"# FLAGGED gate object {seed}: read {read} -> "
                  f"{[(f['what'], f['matched']) for f in found]}")
    elapsed = time.perf_counter() - started
    print(f"idtext_flagged_identifying\t{flagged / len(ident):.4f}\t(n={len(ident)})")
    print(f"idtext_flagged_expected_kind\t{expected / len(ident):.4f}\t(n={len(ident)})")
    print(f"idtext_flagged_clean\t{false / len(clean):.4f}\t(n={len(clean)})")
    if args.objects:
        print(f"idtext_flagged_gate_objects\t{objects_flagged / args.objects:.4f}\t"
              f"(n={args.objects})")
    total = len(ident) + len(clean) + args.objects
    print(f"idtext_ms_per_crop\t{1000 * elapsed / total:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
