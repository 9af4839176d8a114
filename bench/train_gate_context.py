"""Choose the crop workflow's context rule: which findings around a crop count?

    python bench/train_gate_context.py [--workers N] [--faces 50] [--objects 600]

The crop workflow (:mod:`traceobject.vision.gate_context`) runs the safety gate on the
crop alone and on the crop with a margin of the evidence picture around it; a face,
hand or body found around the crop counts if it reaches into the crop, unless
:data:`~traceobject.vision.gate_context.CONTEXT_INSIDE_MAX` or more of its box lies
inside the crop (the gate on the crop alone judged that part). This script measures,
for several values of that share, the crop workflow's recall of crops with a face and
its false-block rate on object-only crops.

Training data, disjoint from what ``bench/bench_gate.py`` and the tests measure on:
faces 0-49 of ``skimage.data.lfw_subset()`` at 40, 80 and 160 px in every position on
generated backgrounds from seeds 50000+, in surroundings from seeds 500000+ (the
benchmark: backgrounds 1000+, surroundings 900000+), and generated object crops from
seeds 10000+ in surroundings from seeds 610000+ (the benchmark: 0-299 and 800000+). The
surroundings are built as the benchmark builds them (``bench_gate.evidence_picture``): another
generated scene twice the crop's size, the crop in the middle, a cut face whole.

Prints one line per share: ``share<TAB>face recall<TAB>object false blocks`` and, as
``#`` notes, the face crops only the wider view catches and the object crops it blocks,
with each finding's kind, score and share inside the crop. About 25 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gate import SCALES, evidence_picture  # noqa: E402
from gate_samples import (  # noqa: E402
    POSITIONS,
    face_crops,
    lfw_faces,
    object_image,
)
from traceobject.vision.gate import gate_check, gate_warm_up  # noqa: E402
from traceobject.vision.gate_context import CONTEXT_INSIDE_MAX, findings_around  # noqa: E402

SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01)  # 1.01: no finding left out
Row = dict[str, Any]


def _around(picture: Any, box: tuple[int, int, int, int]) -> list[Row]:
    """What the gate finds around the crop and in it, each with the share of its box
    inside the crop; an error counts at every share, as the crop workflow counts it."""
    return [
        {
            "kind": finding["kind"],
            "score": finding["score"],
            "inside": -1.0 if part is None else share,
        }
        for finding, part, share in findings_around(picture, box)
    ]


def _run(task: tuple[str, int, int]) -> list[Row]:
    kind, start, stop = task
    rows: list[Row] = []
    if kind == "faces":
        faces = lfw_faces()[start:stop]
        crops = face_crops(faces, scales=SCALES, positions=POSITIONS, seed=50000 + start * 21)
        for n, (i, crop, placement) in enumerate(crops):
            row: Row = {
                "kind": "face",
                "label": f"{start + i}/{placement.scale}/{placement.position}",
                "alone": not gate_check(crop).passed,
            }
            if not row["alone"]:
                row["around"] = _around(
                    *evidence_picture(crop, 500_000 + start * 21 + n, faces[i], placement)
                )
            rows.append(row)
    else:
        for seed in range(start, stop):
            crop = object_image(seed)
            row = {"kind": "object", "label": str(seed), "alone": not gate_check(crop).passed}
            if not row["alone"]:
                row["around"] = _around(*evidence_picture(crop, 600_000 + seed))
            rows.append(row)
    return rows


def _blocked(row: Row, share: float) -> bool:
    return row["alone"] or any(f["inside"] < share for f in row.get("around", []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--faces", type=int, default=50, help="training faces (0-49)")
    parser.add_argument("--objects", type=int, default=600, help="object seeds from 10000")
    args = parser.parse_args(argv)
    if not 1 <= args.faces <= 50:
        parser.error("--faces: 1 to 50 (faces 50-99 are the benchmark's held-out faces)")
    if not 1 <= args.objects <= 1200:
        parser.error("--objects: 1 to 1200 (object seeds 10000-11199)")
    gate_warm_up()
    tasks = [("faces", a, min(args.faces, a + 5)) for a in range(0, args.faces, 5)] + [
        ("objects", a, min(10000 + args.objects, a + 25))
        for a in range(10000, 10000 + args.objects, 25)
    ]
    context = multiprocessing.get_context("spawn")  # MediaPipe cannot run after a fork
    with ProcessPoolExecutor(args.workers, mp_context=context, initializer=gate_warm_up) as pool:
        rows = [row for result in pool.map(_run, tasks) for row in result]
    faces = [r for r in rows if r["kind"] == "face"]
    objects = [r for r in rows if r["kind"] == "object"]
    print(
        f"# {len(faces)} face crops, {len(objects)} object crops; alone: faces blocked "
        f"{sum(r['alone'] for r in faces) / len(faces):.4f}, objects blocked "
        f"{sum(r['alone'] for r in objects) / len(objects):.4f}; shipped share "
        f"{CONTEXT_INSIDE_MAX}"
    )
    print("share\tface_recall\tobject_false_blocks")
    for share in SHARES:
        recall = sum(_blocked(r, share) for r in faces) / len(faces)
        false = sum(_blocked(r, share) for r in objects) / len(objects)
        print(f"{share}\t{recall:.4f}\t{false:.4f}")
    for title, group in (
        ("face crops only the wider view catches", faces),
        ("object crops the wider view blocks", objects),
    ):
        print(f"# {title}:")
        for r in group:
            if not r["alone"] and r.get("around"):
                seen = ", ".join(
                    f"{f['kind']} {f['score']:.2f} ({f['inside']:.0%} inside)" for f in r["around"]
                )
                print(f"#   {r['label']}: {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
