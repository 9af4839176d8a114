#!/usr/bin/env python
"""The safety gate with BlazeFace run by LiteRT against the same gate with OpenCV DNN.

    python bench/bench_gate_engines.py [--faces 42] [--objects 30] [--smoke]

The gate runs the short-range BlazeFace model on about 200 windows a crop (vision/gate_face.py).
Both engines read the same TFLite file from the mediapipe wheel; this script checks that the
choice changes nothing the gate decides and measures what it costs:

- lfw face crops (every (scale, position) pair in turn) and generated object-only crops
  (bench/gate_samples.py), each checked once with each engine, in two child processes
  (``TRACEOBJECT_GATE_ENGINE=opencv-dnn`` forces OpenCV; the default takes LiteRT);
- verdicts compared crop by crop (they must all agree), and the largest difference of any
  finding's score;
- CPU seconds a check, one process, one thread each (OMP, OpenCV and LiteRT limited to one).

Prints ``figure<TAB>value<TAB>baseline<TAB>ratio`` lines. Exit status 1 if any verdict differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(faces: int, objects: int) -> None:
    """Check the sample in this process; print one JSON line per crop, then the CPU time."""
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import cv2
    from bench.gate_samples import face_crops, lfw_faces, object_image

    from traceobject.vision.gate import gate_check
    from traceobject.vision.gate_models import gate_models

    cv2.setNumThreads(1)
    engine = gate_models().face_net.obj.engine
    crops = [crop for _i, crop, _p in face_crops(lfw_faces()[:faces], every=False, seed=424242)]
    crops += [object_image(seed) for seed in range(objects)]
    gate_check(crops[0])  # the models' first run (allocation) is not counted
    started = time.process_time()
    for n, crop in enumerate(crops):
        verdict = gate_check(crop)
        scores = [round(float(f.score), 6) for f in verdict.findings]
        print(json.dumps({"n": n, "verdict": verdict.verdict, "scores": scores}))
    print(json.dumps({"engine": engine, "cpu": (time.process_time() - started) / len(crops)}))


def _run(engine: str, faces: int, objects: int) -> tuple[str, float, list[dict[str, object]]]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_THREAD_LIMIT="1",
               TRACEOBJECT_GATE_ENGINE=engine)
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--faces", str(faces), "--objects", str(objects)],
        env=env, check=True, capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    last = lines.pop()
    return str(last["engine"]), float(last["cpu"]), lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=int, default=42, help="lfw faces (of 100)")
    parser.add_argument("--objects", type=int, default=30, help="generated object crops")
    parser.add_argument("--smoke", action="store_true", help="4 faces, 4 objects")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.faces, args.objects = 4, 4
    if args.child:
        _child(args.faces, args.objects)
        return 0
    fast_engine, fast_cpu, fast = _run("", args.faces, args.objects)
    base_engine, base_cpu, base = _run("opencv-dnn", args.faces, args.objects)
    differ = [a["n"] for a, b in zip(fast, base, strict=True) if a["verdict"] != b["verdict"]]
    gap = max((abs(x - y) for a, b in zip(fast, base, strict=True)
               if len(a["scores"]) == len(b["scores"])  # type: ignore[arg-type]
               for x, y in zip(a["scores"], b["scores"], strict=True)),  # type: ignore[call-overload]
              default=0.0)
    print(f"# {len(fast)} crops ({args.faces} with a face); engines {fast_engine} and "
          f"{base_engine}")
    print(f"gate CPU s a check, {fast_engine}\t{fast_cpu:.3f}\t{base_cpu:.3f}\t"
          f"{base_cpu / fast_cpu:.2f}")
    print(f"verdicts that differ\t{len(differ)}\t0\t-")
    print(f"largest score difference\t{gap:.2e}\t-\t-")
    if differ:
        print(f"# crops whose verdict differs: {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
