#!/usr/bin/env python
"""Video ingest and analysis throughput against a bare decode of the same files, and vPDQ.

    python bench/bench_video.py [--sets 720p,1080p] [--videos 4] [--seconds 30] [--workers 2]
                                [--rounds 3] [--copies 2] [--cache DIR] [--smoke]

Two sets of videos, made here: 720p (1280x720 H.264 at 6 Mbit/s) and 1080p (1920x1080 H.264
at 16 Mbit/s), what phones record; each `--videos` clips of `--seconds` at 25 fps, scenes of
4-9 s (a seeded background, a square moving across, sensor grain on every frame so that the
encoder needs its bitrate) joined by hard cuts. On each set, with `--workers` processes on the
same cores, over the same files (seconds of video per wall second):

- decode: PyAV decoding every frame of the first video stream with the thread settings
  analyse_video uses, nothing else, in a pool of `--workers` processes (the baseline);
- analyse: `traceobject.vision.video.analyse_video` (SHA-256 + MD5, metadata, vPDQ, scene
  keyframes) in the same pool; ratio analyse / decode; also with
  `VideoLimits(vpdq_max_side=--max-side)` (512; 0 skips it), and how many bits those hashes
  are from the full-size ones;
- ingest: `traceobject ingest FOLDER --case X --workers N` as a user runs it (a fresh process;
  SQLite and the folder store in a fresh TRACEOBJECT_HOME, migrated beforehand): the videos
  stored, their rows, keyframes (PNG evidence images) and vPDQ rows written, both indexes
  caught up. End to end, and per video: end to end minus the run's fixed cost (the same
  command on an empty folder: interpreter, Django, database check, index; paid once per run,
  as bench_ingest.py sets it apart). Ratio to decode for both (goal >= 0.8);
- CPU: the CPU seconds of analyse and of ingest (its workers included, its fixed cost taken
  off) against those of decode: the ratios without the other load of a shared machine;
- keyframes per minute of video (and scenes per minute, what they should be);
- vPDQ copies: the first `--copies` videos re-encoded five ways (H.264 at a sixth of the
  bitrate; MPEG-4 part 2 at a third; H.264 at half size and an eighth; H.264 at half the
  bitrate trimmed by 2 s at the start and 1 s at the end, and by 1.5 s and 1 s) and matched
  against their originals by the reference rule (distance <= 31, quality >= 50, query match
  >= 80 %);
- stages: one process, no threads, the first video: CPU seconds of each step of analyse and of
  a keyframe's picture (what ingest adds per keyframe).

Rounds alternate decode, analyse, ingest; the best of `--rounds` counts for each. `--cache DIR`
keeps the made videos there and reuses them (they take minutes to make).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import multiprocessing.pool
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from traceobject.search.vpdq_match import VPDQ_QUERY_MATCH_PERCENT, vpdq_match  # noqa: E402
from traceobject.vision.hashing import hamming  # noqa: E402
from traceobject.vision.video import (  # noqa: E402
    VideoAnalysis,
    VideoLimits,
    analyse_video,
)

#: name -> (width, height, Mbit/s)
SETS = {"720p": (1280, 720, 6.0), "1080p": (1920, 1080, 16.0)}
SMOKE_SETS = {"720p": (320, 180, 0.5), "1080p": (480, 270, 1.0)}
FPS = 25


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


def make_video(path: str, seed: int, seconds: float, width: int, height: int,
               mbits: float) -> list[float]:
    """Encode scenes frame by frame (never all in memory) at `mbits` Mbit/s (a phone's
    bitrate: a synthetic clip left to the encoder's quality setting comes out 10x smaller and
    decodes faster); returns the cut times."""
    rng = np.random.default_rng(seed)
    total = round(seconds * FPS)
    cuts, frame_index = [], 0
    partial = path + ".part"
    with av.open(partial, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = int(mbits * 1e6)
        stream.options = {"preset": "veryfast"}
        while frame_index < total:
            length = min(total - frame_index, int(rng.integers(4 * FPS, 9 * FPS)))
            if frame_index:
                cuts.append(frame_index / FPS)
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
    os.replace(partial, path)
    return cuts


def reencode(source: str, target: str, codec: str, scale: float, bitrate: int,
             trim: tuple[float, float] = (0.0, 0.0)) -> str:
    """A copy of `source`: `codec` at `bitrate`, scaled, with `trim` seconds cut off the start
    and the end."""
    with av.open(source) as reader, av.open(target, "w", format="mp4") as writer:
        video = reader.streams.video[0]
        rate = video.average_rate
        total = video.frames or round(float(video.duration * video.time_base) * rate)
        first, last = round(trim[0] * rate), total - round(trim[1] * rate)
        width = int(video.codec_context.width * scale) // 2 * 2
        height = int(video.codec_context.height * scale) // 2 * 2
        stream = writer.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate
        if codec == "libx264":
            stream.options = {"preset": "veryfast"}
        written = 0
        for index, frame in enumerate(reader.decode(video)):
            if not first <= index < last:
                continue
            frame = frame.reformat(width=width, height=height, format="yuv420p")
            frame.pts, frame.time_base = written, 1 / rate
            written += 1
            for packet in stream.encode(frame):
                writer.mux(packet)
        for packet in stream.encode():
            writer.mux(packet)
    return target


def bare_decode(path: str) -> tuple[float, float]:
    """Decode every frame with analyse_video's thread settings; the seconds of video and
    the CPU seconds taken (all the process's threads)."""
    start = time.process_time()
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = sum(1 for _ in container.decode(stream))
        return count / float(stream.average_rate), time.process_time() - start


def analyse(path: str, max_side: int = 0) -> tuple[float, int, list[tuple[str, int]], float]:
    """analyse_video: seconds of video, keyframes, (PDQ, quality) of the vPDQ features, CPU
    seconds."""
    start = time.process_time()
    result = analyse_video(path, limits=VideoLimits(vpdq_max_side=max_side))
    if not isinstance(result, VideoAnalysis):  # (in a pool worker: an error, not an exit)
        raise RuntimeError(f"{path}: {result.reason}: {result.message}")
    return (result.duration, len(result.keyframes), [(f.pdq, f.quality) for f in result.features],
            time.process_time() - start)


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


# --------------------------------------------------------------------------- ingest


def _env(home: Path) -> dict[str, str]:
    """The environment of a user's run on a fresh home: SQLite, the folder store."""
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("TRACEOBJECT_")}
    env["TRACEOBJECT_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "traceobject.cli", *args], env=env,
                          capture_output=True, text=True, check=False)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest_once(folder: Path, template: Path, home: Path, workers: int
                ) -> tuple[float, float, float, float, str]:
    """`traceobject ingest` of the folder into a fresh copy of the migrated template home:
    its wall seconds, those of the same command on an empty folder just before it (the run's
    fixed cost), the CPU seconds of both (with their worker processes), and the summary."""
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(template, home)
    env = _env(home)
    empty = home / "empty"
    empty.mkdir()
    cpu = _children_cpu()
    fixed, done = _timed(lambda: _cli(env, "ingest", str(empty), "--case", "BENCH-EMPTY",
                                      "--workers", str(workers)))
    fixed_cpu, cpu = _children_cpu() - cpu, _children_cpu()
    if done.returncode:
        raise SystemExit(f"ingest of an empty folder failed:\n{done.stdout}{done.stderr}")
    took, done = _timed(lambda: _cli(env, "ingest", str(folder), "--case", "BENCH",
                                     "--workers", str(workers)))
    took_cpu = _children_cpu() - cpu
    if done.returncode or "rejected    0" not in done.stdout:
        raise SystemExit(f"ingest failed:\n{done.stdout}{done.stderr}")
    return took, fixed, took_cpu, fixed_cpu, done.stdout


_CHECK = """
from traceobject.evidence.index import pdq_index, video_hash_index
from traceobject.evidence.models import EvidenceImage, EvidenceVideo, VideoFrame, VideoHash
from traceobject.evidence.storage import evidence_storage
store = evidence_storage()
videos = list(EvidenceVideo.objects.all())
assert all(store.size(v.storage_key) == v.file_size for v in videos), "video files"
assert all(store.exists(v.vpdq_key) for v in videos), "vpdq files"
assert all(store.exists(i.storage_key) for i in EvidenceImage.objects.all()), "keyframes"
good = EvidenceImage.objects.filter(pdq_quality__gte=50).count()
hashes = VideoHash.objects.filter(quality__gte=50).count()
assert len(pdq_index()) == good, "image index behind"
assert len(video_hash_index()) == hashes, "vPDQ index behind"
print(len(videos), VideoFrame.objects.count(), VideoHash.objects.count())
"""


def check_ingested(home: Path) -> tuple[int, int, int]:
    """Videos, keyframe rows and vPDQ rows recorded, after checking that every file is in
    the store and both indexes hold every row."""
    done = _cli(_env(home), "manage", "shell", "-c", _CHECK)
    if done.returncode:
        raise SystemExit(f"the ingested case is incomplete:\n{done.stdout}{done.stderr}")
    videos, frames, hashes = (int(v) for v in done.stdout.split()[-3:])
    return videos, frames, hashes


# --------------------------------------------------------------------------- stages


def stages(path: str) -> list[tuple[str, float]]:
    """CPU seconds of each step, one process, one decoder thread: digests, decode, the vPDQ
    frames' RGB conversion and PDQ, the scene signal, the keyframes' RGB conversion, and the
    keyframes' pictures as ingest makes them (vision.frames.frame_analysis: PNG, digests,
    PDQ, thumbnail), its PNG encode also on its own."""
    import cv2

    from traceobject.vision.frames import PNG_PARAMS, frame_analysis
    from traceobject.vision.hashing import pdq_hash
    from traceobject.vision.video import _grey_sample, _vpdq_rgb

    clock = time.process_time
    out: list[tuple[str, float]] = []
    start = clock()
    with open(path, "rb") as fh:
        sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
        while block := fh.read(1 << 20):
            sha.update(block)
            md5.update(block)
    out.append(("file SHA-256 + MD5", clock() - start))
    result = analyse_video(path)
    assert isinstance(result, VideoAnalysis)
    wanted = {k.frame_number for k in result.keyframes}
    decode = rgb = pdq = scene = key_rgb = 0.0
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        width, height = stream.codec_context.width, stream.codec_context.height
        iterator = iter(container.decode(stream))
        count, previous = 0, None
        while True:
            start = clock()
            frame = next(iterator, None)
            decode += clock() - start
            if frame is None:
                break
            if count % FPS == 0:
                start = clock()
                array = _vpdq_rgb(frame, width, height)
                rgb += clock() - start
                start = clock()
                pdq_hash(array)
                pdq += clock() - start
            start = clock()
            sample = _grey_sample(frame)
            if previous is not None:
                float(np.abs(sample - previous).mean())
            previous = sample
            scene += clock() - start
            if count in wanted and count % FPS:
                start = clock()
                frame.to_ndarray(format="rgb24")
                key_rgb += clock() - start
            count += 1
    n = len(result.keyframes)
    out += [("decode (1 thread)", decode), ("vPDQ frames: RGB conversion", rgb),
            ("vPDQ frames: PDQ", pdq), ("scene signal", scene),
            (f"{n} keyframes: RGB conversion", key_rgb)]
    start = clock()
    for keyframe in result.keyframes:
        cv2.imencode(".png", np.ascontiguousarray(keyframe.rgb[..., ::-1]), PNG_PARAMS)
    png = clock() - start
    start = clock()
    for keyframe in result.keyframes:
        frame_analysis(keyframe.rgb, name="bench")
    pictures = clock() - start
    out += [(f"{n} keyframes: PNG encode", png),
            (f"{n} keyframes: digests, PDQ, thumbnail", pictures - png)]
    return out


# --------------------------------------------------------------------------- main


class _F:
    def __init__(self, pdq: str, quality: int) -> None:
        self.pdq, self.quality = pdq, quality


def _copies(folder: Path, paths: list[str], count: int, mbits: float
            ) -> list[tuple[int, str, tuple[Any, ...]]]:
    bitrate = int(mbits * 1e6)
    step = VideoLimits().seconds_per_hash
    jobs = []
    for index, path in enumerate(paths[:count]):
        for name, codec, scale, rate, cut in (
                ("H.264 1/6 bitrate", "libx264", 1.0, bitrate // 6, (0.0, 0.0)),
                ("MPEG-4 part 2", "mpeg4", 1.0, bitrate // 3, (0.0, 0.0)),
                ("H.264 half size", "libx264", 0.5, bitrate // 8, (0.0, 0.0)),
                # Trimmed by whole hash intervals: the copy's hashed frames are the original's.
                ("H.264 trimmed 2 s + 1 s", "libx264", 1.0, bitrate // 2, (2 * step, step)),
                # Trimmed by one and a half: they fall half an interval between the original's.
                ("H.264 trimmed 1.5 s + 1 s", "libx264", 1.0, bitrate // 2, (1.5 * step, step))):
            target = str(folder / f"copy{index}-{len(jobs)}.mp4")
            jobs.append((index, name, (path, target, codec, scale, rate, cut)))
    return jobs


def run_set(name: str, size: tuple[int, int, float], args: argparse.Namespace,
            pool: multiprocessing.pool.Pool, tmp: Path) -> dict[str, Any]:
    width, height, mbits = size
    cache = Path(args.cache) if args.cache else tmp / "made"
    corpus = cache / f"{name}-{width}x{height}-{mbits:g}M-{args.seconds:g}s" / "videos"
    corpus.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    jobs = [(str(corpus / f"v{i}.mp4"), i, args.seconds, width, height, mbits)
            for i in range(args.videos)]
    cuts = pool.starmap(_make_cached, jobs, chunksize=1)
    paths = [job[0] for job in jobs]
    total_bytes = sum(Path(p).stat().st_size for p in paths)
    print(f"## {name}: {args.videos} videos of {args.seconds:g} s at {width}x{height} {FPS} "
          f"fps H.264 ({total_bytes / 1e6:.1f} MB, "
          f"{total_bytes * 8 / 1e6 / (args.videos * args.seconds):.1f} Mbit/s), ready in "
          f"{time.perf_counter() - started:.0f} s; {args.workers} processes; load "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    template = tmp / "template"
    if not template.exists():
        template.mkdir()
        done = _cli(_env(template), "manage", "migrate", "-v0")
        if done.returncode:
            raise SystemExit(f"migrate failed:\n{done.stdout}{done.stderr}")
    pool.map(bare_decode, paths[:1])  # the workers' imports, the page cache
    pool.map(analyse, paths[:1])
    decode_walls, analyse_walls, ingest_walls, per_video_walls, fixed_costs = [], [], [], [], []
    decode_cpus, analyse_cpus, ingest_cpus, fixed_cpus = [], [], [], []
    small_walls: list[float] = []
    small: list[Any] = []
    analysed: list[Any] = []
    seconds: list[float] = []
    summary = ""
    for round_ in range(args.rounds):
        wall, decoded = _timed(lambda: pool.map(bare_decode, paths, chunksize=1))
        seconds = [d for d, _ in decoded]
        decode_walls.append(wall)
        decode_cpus.append(sum(c for _, c in decoded))
        wall, analysed = _timed(lambda: pool.map(analyse, paths, chunksize=1))
        analyse_walls.append(wall)
        analyse_cpus.append(sum(a[3] for a in analysed))
        if args.max_side:
            wall, small = _timed(lambda: pool.map(
                functools.partial(analyse, max_side=args.max_side), paths, chunksize=1))
            small_walls.append(wall)
        took, fixed, took_cpu, fixed_cpu, summary = ingest_once(corpus, template, tmp / "home",
                                                                args.workers)
        ingest_walls.append(took)
        fixed_costs.append(fixed)
        per_video_walls.append(max(took - fixed, 1e-9))
        ingest_cpus.append(took_cpu - fixed_cpu)
        fixed_cpus.append(fixed_cpu)
        print(f"# round {round_ + 1}: decode {decode_walls[-1]:.2f} s (CPU "
              f"{decode_cpus[-1]:.1f} s), analyse {analyse_walls[-1]:.2f} s (CPU "
              f"{analyse_cpus[-1]:.1f} s), ingest {took:.2f} s (CPU {took_cpu:.1f} s; of which "
              f"the run's fixed {fixed:.2f} s, CPU {fixed_cpu:.1f} s); load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    videos, frame_rows, hash_rows = check_ingested(tmp / "home")
    keyframes = sum(a[1] for a in analysed)
    features = sum(len(a[2]) for a in analysed)
    if (videos, frame_rows, hash_rows) != (len(paths), keyframes, features):
        raise SystemExit(f"ingest recorded {videos} videos, {frame_rows} keyframes, "
                         f"{hash_rows} vPDQ rows; analyse found {len(paths)}, {keyframes}, "
                         f"{features}\n{summary}")
    video_seconds = sum(seconds)
    jobs = _copies(tmp, paths, args.copies, mbits)
    copy_paths = pool.starmap(reencode, [job for _, _, job in jobs], chunksize=1)
    copy_results = pool.map(analyse, copy_paths, chunksize=1)
    matches = []
    for (index, kind, _job), (_d, _k, features_, _c) in zip(jobs, copy_results, strict=True):
        original = [_F(*f) for f in analysed[index][2]]
        query, target = vpdq_match([_F(*f) for f in features_], original)
        matches.append((kind, query, target))
    for path in copy_paths:
        os.unlink(path)
    breakdown = stages(paths[0]) if args.stages else []
    return {
        "name": name, "width": width, "height": height, "mbits": mbits,
        "video_seconds": video_seconds, "decode": video_seconds / min(decode_walls),
        "analyse": video_seconds / min(analyse_walls),
        "ingest": video_seconds / min(ingest_walls),
        "per_video": video_seconds / min(per_video_walls), "fixed": min(fixed_costs),
        "small": video_seconds / min(small_walls) if small_walls else 0.0,
        "small_bits": [hamming(a, b) for one, other in zip(analysed, small, strict=True)
                       for (a, _), (b, _) in zip(one[2], other[2], strict=True)],
        "decode_cpu": min(decode_cpus), "analyse_cpu": min(analyse_cpus),
        "ingest_cpu": min(ingest_cpus), "fixed_cpu": min(fixed_cpus),
        "keyframes": keyframes, "scenes": sum(len(c) + 1 for c in cuts),
        "matches": matches, "stages": breakdown, "analysed": analysed,
    }


def _make_cached(path: str, seed: int, seconds: float, width: int, height: int,
                 mbits: float) -> list[float]:
    """make_video, unless the video was made there before (its cut times are kept in the
    folder above, out of the folder ingested)."""
    cuts_file = Path(path).parent.parent / (Path(path).name + ".cuts.json")
    if Path(path).exists() and cuts_file.exists():
        return [float(t) for t in json.loads(cuts_file.read_text())]
    cuts = make_video(path, seed, seconds, width, height, mbits)
    cuts_file.write_text(json.dumps(cuts))
    return cuts


def report(results: list[dict[str, Any]], workers: int, max_side: int) -> None:
    print("set\tfigure\tvalue\tbaseline\tratio")
    for r in results:
        name, decode = r["name"], r["decode"]
        print(f"{name}\tdecode_video_s_per_wall_s\t{decode:.1f}\t-\t-")
        for figure, key in (("analyse_video_s_per_wall_s", "analyse"),
                            ("ingest_video_s_per_wall_s", "ingest"),
                            ("ingest_per_video_rate", "per_video")):
            print(f"{name}\t{figure}\t{r[key]:.1f}\tdecode={decode:.1f}\t{r[key] / decode:.2f}")
        print(f"{name}\tingest_fixed_cost_s\t{r['fixed']:.2f}\tone run on an empty folder\t-")
        if r["small"]:
            print(f"{name}\tanalyse_max_side_video_s_per_wall_s\t{r['small']:.1f}\t"
                  f"decode={decode:.1f}\t{r['small'] / decode:.2f}")
        for figure, key in (("analyse_video_s_per_cpu_s", "analyse_cpu"),
                            ("ingest_video_s_per_cpu_s", "ingest_cpu")):
            rate, base = r["video_seconds"] / r[key], r["video_seconds"] / r["decode_cpu"]
            print(f"{name}\t{figure}\t{rate:.2f}\tdecode={base:.2f}\t{rate / base:.2f}")
        print(f"{name}\tingest_fixed_cost_cpu_s\t{r['fixed_cpu']:.2f}\tone run on an empty "
              "folder\t-")
        minutes = r["video_seconds"] / 60
        print(f"{name}\tkeyframes_per_min\t{r['keyframes'] / minutes:.1f}\t"
              f"scenes_per_min={r['scenes'] / minutes:.1f}\t-")
        matched = sum(q >= VPDQ_QUERY_MATCH_PERCENT for _, q, _ in r["matches"])
        print(f"{name}\tvpdq_copies_matched\t{matched}/{len(r['matches'])}\t-\t-")
    for r in results:
        kinds: dict[str, list[tuple[float, float]]] = {}
        for kind, query, target in r["matches"]:
            kinds.setdefault(kind, []).append((query, target))
        print(f"# {r['name']} vPDQ copies (lowest query / target match %): " + "; ".join(
            f"{kind} {min(q for q, _ in v):.0f}/{min(t for _, t in v):.0f}"
            for kind, v in kinds.items()))
        if r["small_bits"]:
            print(f"# {r['name']} vpdq_max_side={max_side} hashes against the full-size ones: "
                  f"mean {np.mean(r['small_bits']):.1f} bits, max {max(r['small_bits'])}")
        if r["stages"]:
            total = sum(s for _, s in r["stages"])
            print(f"# {r['name']} stages of one video (CPU s, one process, one thread; "
                  f"{r['video_seconds'] / len(r['analysed']):.0f} s of video): " + "; ".join(
                      f"{label} {s:.2f} ({100 * s / total:.0f} %)" for label, s in r["stages"]))
    met = all(r["per_video"] / r["decode"] >= 0.8 for r in results)
    print(f"# ingest per-video rate / decode >= 0.8 on every set ({workers} processes): "
          f"{'met' if met else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="720p,1080p", help="comma-separated: 720p, 1080p")
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2, help="videos whose copies are matched")
    parser.add_argument("--cache", help="keep the made videos in this folder and reuse them")
    parser.add_argument("--max-side", type=int, default=512,
                        help="also time analyse_video with VideoLimits(vpdq_max_side=N); 0: no")
    parser.add_argument("--no-stages", dest="stages", action="store_false",
                        help="skip the one-process breakdown by stage")
    parser.add_argument("--smoke", action="store_true", help="tiny videos, one round")
    args = parser.parse_args()
    sets = SETS
    if args.smoke:
        # 5 s: the copies trimmed by 2.5 s keep frames to hash.
        args.videos, args.seconds, args.rounds, args.copies = 2, 5.0, 1, 1
        sets = SMOKE_SETS
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    if not names or any(n not in sets for n in names):
        parser.error(f"--sets takes {', '.join(sets)}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-video-"))
    try:
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            results = [run_set(n, sets[n], args, pool, tmp) for n in names]
        report(results, args.workers, args.max_side)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
