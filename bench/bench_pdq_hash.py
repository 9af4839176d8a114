#!/usr/bin/env python
"""PDQ hashing speed: vision.hashing.pdq_hash against the reference's C++ through pdqhash.

    python bench/bench_pdq_hash.py [--images 24] [--rounds 5] [--smoke]

Photographs (scikit-image's astronaut, coffee, chelsea, rocket and immunohistochemistry,
with sensor grain added so that no two are alike) at the sizes PDQ meets: 512 x 512 (image
ingest hashes pictures reduced to 512 a side, as the reference's hasher), 1280 x 720 and
1920 x 1080 (vPDQ hashes every second of video at full size) and 3840 x 2160. For each size,
in interleaved rounds (best of `--rounds`), one process, one thread:

- CPU milliseconds a hash of ``pdq_hash`` and of ``pdqhash.compute``; ratio baseline / ours;
- how many hashes ``pdq_hash`` took from pdqhash itself (a bit or the quality within the
  reference's rounding of its threshold), and whether every hash and quality is pdqhash's.

Prints ``size<TAB>figure<TAB>value<TAB>baseline<TAB>ratio`` lines and `#` notes. Exit status 1
if any hash or quality differs from pdqhash's.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdqhash
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from traceobject.vision import hashing  # noqa: E402

SIZES = {"512x512": (512, 512), "720p": (1280, 720), "1080p": (1920, 1080),
         "2160p": (3840, 2160)}
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")


def images(size: tuple[int, int], count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for index in range(count):
        photo = np.ascontiguousarray(getattr(data, PHOTOS[index % len(PHOTOS)])())
        frame = cv2.resize(photo, size, interpolation=cv2.INTER_AREA).astype(np.int16)
        frame += rng.normal(0, 4, frame.shape).astype(np.int16)
        out.append(np.ascontiguousarray(np.clip(frame, 0, 255).astype(np.uint8)))
    return out


def reference(image: np.ndarray) -> tuple[str, int]:
    bits, quality = pdqhash.compute(image)
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


def cpu_ms(function: Callable[[np.ndarray], Any], batch: list[np.ndarray]) -> float:
    start = time.process_time()
    for image in batch:
        function(image)
    return (time.process_time() - start) / len(batch) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="few images, two sizes, 1 round")
    args = parser.parse_args()
    sizes = dict(SIZES)
    if args.smoke:
        args.images, args.rounds = 5, 1
        sizes = {name: sizes[name] for name in ("512x512", "720p")}
    same = True
    print("size\tfigure\tvalue\tbaseline\tratio")
    for seed, (name, size) in enumerate(sizes.items()):
        batch = images(size, args.images, seed)
        hashing.pdq_hash(batch[0])  # the size's operator, made once and kept
        ours_ms, theirs_ms = [], []
        for _ in range(args.rounds):
            ours_ms.append(cpu_ms(hashing.pdq_hash, batch))
            theirs_ms.append(cpu_ms(pdqhash.compute, batch))
        deferred = sum(hashing._fast_pdq(image, False) is None for image in batch)
        differing = sum(hashing.pdq_hash(image) != reference(image) for image in batch)
        same = same and differing == 0
        ours, theirs = min(ours_ms), min(theirs_ms)
        print(f"{name}\tms_per_hash\t{ours:.2f}\tpdqhash={theirs:.2f}\t{theirs / ours:.1f}")
        print(f"{name}\ttaken_from_pdqhash\t{deferred}/{len(batch)}\t-\t-")
        print(f"{name}\tdiffering_from_pdqhash\t{differing}/{len(batch)}\t-\t-")
    print(f"# every hash and quality equals pdqhash's: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
