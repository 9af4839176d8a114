#!/usr/bin/env python
"""Video analysis throughput against a bare decode of the same files, and vPDQ robustness.

    python bench/bench_video.py [--videos 4] [--seconds 30] [--size 1280x720] [--workers 2]
                                [--smoke]

Figures (both with `--workers` processes over the same files, on the same cores):
- decode: PyAV decoding every frame of the first video stream (threaded, as analyse_video
  does), nothing else: seconds of video per wall second (the baseline);
- analyse: `traceobject.vision.video.analyse_video` (SHA-256 + MD5, metadata, vPDQ, scene
  keyframes): seconds of video per wall second; ratio analyse / decode (goal >= 0.8);
- keyframes per minute of video;
- vPDQ copies: each video re-encoded (H.264 at half size and a low bitrate; MPEG-4 part 2 at a
  low bitrate) and matched against its original by the reference rule (distance <= 31,
  quality >= 50, query match >= 80 %): the share of copies that match and the mean
  percentages.

The videos are made here: scenes of 4-9 s (a seeded background, a square moving across, sensor
grain on every frame) joined by hard cuts, H.264 in MP4 at a phone's bitrate (`--mbits`,
6 Mbit/s at 720p). The best of `--rounds` rounds of
each measurement counts, the rounds alternating between the two.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from traceobject.search.vpdq_match import VPDQ_QUERY_MATCH_PERCENT, vpdq_match  # noqa: E402
from traceobject.vision.hashing import hamming  # noqa: E402
from traceobject.vision.video import VideoAnalysis, VideoLimits, analyse_video  # noqa: E402


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    for channel in range(3):
        fx, fy, phase = rng.uniform(0.003, 0.03), rng.uniform(0.003, 0.03), rng.uniform(0, 6.3)
        image[..., channel] = 127 + 100 * np.sin(xx * fx + yy * fy + phase)
    for _ in range(8):
        y0, x0 = int(rng.integers(0, height - 16)), int(rng.integers(0, width - 16))
        h, w = int(rng.integers(16, height // 2)), int(rng.integers(16, width // 2))
        image[y0:y0 + h, x0:x0 + w] = rng.integers(0, 255, 3)
    return image


def make_video(path: Path, *, seed: int, seconds: float, width: int, height: int,
               fps: int = 25, mbits: float = 6.0) -> tuple[Path, list[float]]:
    """Encode scenes frame by frame (never all in memory); returns the path and cut times."""
    rng = np.random.default_rng(seed)
    total = round(seconds * fps)
    cuts, frame_index = [], 0
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        # A phone's bitrate (about 6 Mbit/s at 720p): decoding cost grows with the bitrate,
        # and a synthetic clip left to the encoder's quality setting comes out 10x smaller.
        stream.bit_rate = int(mbits * 1e6 * width * height / (1280 * 720))
        stream.options = {"preset": "veryfast"}
        while frame_index < total:
            length = min(total - frame_index, int(rng.integers(4 * fps, 9 * fps)))
            if frame_index:
                cuts.append(frame_index / fps)
            base = _background(rng, height, width)
            side = max(8, min(width, height) // 5)
            colour = rng.integers(0, 255, 3)
            for index in range(length):
                frame = base.copy()
                x = int((width - side) * index / max(1, length - 1))
                y = (height - side) // 2
                frame[y:y + side, x:x + side] = colour
                frame += rng.normal(0, 6, (height, width, 1)).astype(np.float32)
                array = np.clip(frame, 0, 255).astype(np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                    container.mux(packet)
            frame_index += length
        for packet in stream.encode():
            container.mux(packet)
    return path, cuts


def reencode(source: Path, target: Path, *, codec: str, scale: float, bitrate: int) -> Path:
    with av.open(str(source)) as reader, av.open(str(target), "w", format="mp4") as writer:
        video = reader.streams.video[0]
        width = int(video.codec_context.width * scale) // 2 * 2
        height = int(video.codec_context.height * scale) // 2 * 2
        stream = writer.add_stream(codec, rate=video.average_rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate
        if codec == "libx264":
            stream.options = {"preset": "veryfast"}
        for index, frame in enumerate(reader.decode(video)):
            frame = frame.reformat(width=width, height=height, format="yuv420p")
            frame.pts, frame.time_base = index, 1 / video.average_rate
            for packet in stream.encode(frame):
                writer.mux(packet)
        for packet in stream.encode():
            writer.mux(packet)
    return target


def bare_decode(path: str) -> float:
    """Decode every frame; returns the seconds of video (frames / fps)."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = sum(1 for _ in container.decode(stream))
        return count / float(stream.average_rate)


def analyse(path: str, max_side: int = 0) -> tuple[float, int, list[tuple[str, int]]]:
    result = analyse_video(path, limits=VideoLimits(vpdq_max_side=max_side))
    if not isinstance(result, VideoAnalysis):
        raise SystemExit(f"{path}: {result.reason}: {result.message}")
    return result.duration, len(result.keyframes), [(f.pdq, f.quality) for f in result.features]


def _timed(pool: multiprocessing.pool.Pool, function, paths: list[str]) -> tuple[float, list]:
    start = time.perf_counter()
    results = pool.map(function, paths, chunksize=1)
    return time.perf_counter() - start, results


class _F:
    def __init__(self, pdq: str, quality: int) -> None:
        self.pdq, self.quality = pdq, quality


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mbits", type=float, default=6.0,
                        help="bitrate of the made videos at 1280x720, Mbit/s (scaled by area)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny videos, one round")
    args = parser.parse_args()
    if args.smoke:
        args.videos, args.seconds, args.size, args.rounds = 2, 3.0, "320x180", 1
    width, height = (int(v) for v in args.size.split("x"))
    random.seed(0)
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        made = [make_video(folder / f"v{i}.mp4", seed=i, seconds=args.seconds, width=width,
                           height=height, mbits=args.mbits) for i in range(args.videos)]
        paths = [str(p) for p, _ in made]
        total_bytes = sum(Path(p).stat().st_size for p in paths)
        print(f"# {args.videos} videos of {args.seconds:g} s at {width}x{height} 25 fps H.264 "
              f"({total_bytes / 1e6:.1f} MB, "
              f"{total_bytes * 8 / 1e6 / (args.videos * args.seconds):.1f} Mbit/s), made in "
              f"{time.perf_counter() - started:.0f} s; "
              f"{args.workers} processes", flush=True)
        decode_walls, analyse_walls, fast_walls = [], [], []
        fast = functools.partial(analyse, max_side=512)
        analysed: list = []
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            pool.map(bare_decode, paths[:1])  # start the workers' interpreters and imports
            pool.map(analyse, paths[:1])
            for round_ in range(args.rounds):
                wall, seconds = _timed(pool, bare_decode, paths)
                decode_walls.append(wall)
                wall, analysed = _timed(pool, analyse, paths)
                analyse_walls.append(wall)
                wall, fast_results = _timed(pool, fast, paths)
                fast_walls.append(wall)
                print(f"# round {round_ + 1}: decode {decode_walls[-1]:.2f} s, analyse "
                      f"{analyse_walls[-1]:.2f} s, analyse with vpdq_max_side=512 "
                      f"{fast_walls[-1]:.2f} s", flush=True)
            video_seconds = sum(seconds)
            copies = []
            for index, path in enumerate(paths):
                copies.append(reencode(Path(path), folder / f"h264half{index}.mp4",
                                       codec="libx264", scale=0.5,
                                       bitrate=150_000 * width // 1280))
                copies.append(reencode(Path(path), folder / f"mpeg4low{index}.mp4",
                                       codec="mpeg4", scale=1.0,
                                       bitrate=600_000 * width // 1280))
            copy_results = pool.map(analyse, [str(c) for c in copies], chunksize=1)
        decode_rate = video_seconds / min(decode_walls)
        analyse_rate = video_seconds / min(analyse_walls)
        fast_rate = video_seconds / min(fast_walls)
        deviation = [hamming(a, b) for one, other in zip(analysed, fast_results, strict=True)
                     for (a, _), (b, _) in zip(one[2], other[2], strict=True)]
        keyframes = sum(k for _, k, _ in analysed)
        cut_count = sum(len(c) + 1 for _, c in made)
        queries, targets, matched = [], [], 0
        for index, (_d, _k, features) in enumerate(copy_results):
            original = [_F(*f) for f in analysed[index // 2][2]]
            query, target = vpdq_match([_F(*f) for f in features], original)
            queries.append(query)
            targets.append(target)
            matched += query >= VPDQ_QUERY_MATCH_PERCENT
        print("figure\tvalue\tbaseline\tratio")
        print(f"video_s_per_wall_s\t{analyse_rate:.1f}\tdecode={decode_rate:.1f}\t"
              f"{analyse_rate / decode_rate:.2f}")
        print(f"video_s_per_wall_s_max_side_512\t{fast_rate:.1f}\tdecode={decode_rate:.1f}\t"
              f"{fast_rate / decode_rate:.2f}")
        print(f"keyframes_per_min\t{keyframes / (video_seconds / 60):.1f}\t"
              f"scenes_per_min={cut_count / (video_seconds / 60):.1f}\t-")
        print(f"vpdq_copies_matched\t{matched}/{len(copies)}\t-\t-")
        print(f"# vPDQ copies (H.264 half size, MPEG-4 low bitrate): mean query match "
              f"{np.mean(queries):.1f} %, mean target match {np.mean(targets):.1f} %, lowest "
              f"query match {min(queries):.1f} %")
        print(f"# vpdq_max_side=512 against full-size hashes: mean {np.mean(deviation):.1f} "
              f"bits, max {max(deviation)} bits")
        print(f"# ratio target >= 0.8: {'met' if analyse_rate / decode_rate >= 0.8 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
