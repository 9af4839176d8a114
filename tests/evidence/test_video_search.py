"""Search across videos: copies of a video (re-encoded and resized, trimmed) found by its
vPDQ features, a still taken from a video found inside it with the time, and the same
through `traceobject similar`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.videogen import Scene, make_video, scene_frames
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceVideoFile
from traceobject.evidence.selectors import (
    images_like_video_frames,
    similar_images,
    videos_containing_image,
    videos_like_video,
)
from traceobject.vision.analyse import analyse_file, analyse_path

from .conftest import write_jpeg

FPS = 25
SCENES = [Scene(11, 2.0), Scene(12, 2.0), Scene(13, 2.0)]
#: The still is this frame of the original (3.04 s, in the second scene). vPDQ samples one
#: frame a second and the square of these scenes moves fast: a frame 0.2 s from the sample
#: is already 30 bits away from it, so the still is taken close to the sample at 3 s.
STILL_FRAME = 76


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The original (kept out of evidence, the query), its copies and an unrelated video in
    an evidence folder, a still decoded from the original and saved as JPEG."""
    root = tmp_path_factory.mktemp("clips")
    evidence = root / "evidence"
    evidence.mkdir()
    frames = [f for s in SCENES for f in scene_frames(s, width=320, height=240, fps=FPS)]
    original = make_video(root / "original.mp4", fmt="mp4-h264", frames=frames, fps=FPS)
    small = [np.asarray(Image.fromarray(f).resize((240, 180), Image.Resampling.BILINEAR))
             for f in frames]
    make_video(evidence / "copy_small.webm", fmt="webm-vp9", frames=small, width=240,
               height=180, fps=FPS)
    make_video(evidence / "trimmed.mkv", fmt="mkv-h264", frames=frames[2 * FPS:], fps=FPS)
    make_video(evidence / "unrelated.mp4", fmt="mp4-h264", width=320, height=240,
               scenes=[Scene(71, 2.0), Scene(72, 2.0), Scene(73, 2.0)])
    write_jpeg(evidence / "photo.jpg", seed=5, size=(320, 240))
    with av.open(str(original)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number == STILL_FRAME:
                still = frame.to_ndarray(format="rgb24")
                break
    Image.fromarray(still).save(root / "still.jpg", "JPEG", quality=85)
    shutil.copy(root / "still.jpg", evidence / "still_copy.jpg")
    hostile = root / "hostile.mkv"
    hostile.write_bytes(b"\x1a\x45\xdf\xa3" + os.urandom(3000))
    return {"root": root, "evidence": evidence, "original": original,
            "still": root / "still.jpg", "hostile": hostile}


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


def _names(found: list) -> set[str]:
    return {Path(p).name for item in found for p in item.paths}


@pytest.mark.django_db(transaction=True)
def test_copies_of_a_video_are_found_and_an_unrelated_video_is_not(clips):
    ingest([clips["evidence"]], case_ref="VS-1")
    query = analyse_path(str(clips["original"]))
    found = {Path(v.paths[0]).name: v for v in videos_like_video(features=query.features)}
    assert set(found) == {"copy_small.webm", "trimmed.mkv"}
    copy, trimmed = found["copy_small.webm"], found["trimmed.mkv"]
    assert copy.query_percent >= 80 and copy.target_percent >= 80
    # The trimmed copy lacks the first scene: all of it is in the original, not the reverse.
    assert trimmed.target_percent == 100 and trimmed.query_percent < 80
    assert copy.cases == ["VS-1"]
    # Asked the other way round, the trimmed clip finds the copy it was cut from.
    clip = analyse_path(str(clips["evidence"] / "trimmed.mkv"))
    back = {Path(v.paths[0]).name: v for v in videos_like_video(features=clip.features)}
    assert back["copy_small.webm"].query_percent == 100
    assert "unrelated.mp4" not in back


@pytest.mark.django_db(transaction=True)
def test_a_still_from_a_video_is_found_inside_it_with_the_time(clips):
    ingest([clips["evidence"]], case_ref="VS-1")
    still = analyse_file(str(clips["still"]))
    found = {Path(v.paths[0]).name: v for v in videos_containing_image(
        pdq=still.pdq, quality=still.pdq_quality)}
    assert set(found) == {"copy_small.webm", "trimmed.mkv"}
    # The nearest sampled frames: at 3 s in the copy, at 1 s in the clip that starts at 2 s.
    assert found["copy_small.webm"].times == [pytest.approx(3.0, abs=0.05)]
    assert found["trimmed.mkv"].times == [pytest.approx(1.0, abs=0.05)]
    assert all(v.distance <= 31 for v in found.values())
    # The same still as an image in evidence, and keyframes: ordinary PDQ search.
    assert "still_copy.jpg" in _names(similar_images(pdq=still.pdq, quality=still.pdq_quality))


@pytest.mark.django_db(transaction=True)
def test_images_like_the_frames_of_a_video(clips):
    ingest([clips["evidence"]], case_ref="VS-1")
    query = analyse_path(str(clips["original"]))
    found = images_like_video_frames(features=query.features)
    files = {Path(p).name: item for item in found for p in item.paths}
    assert set(files) == {"still_copy.jpg"}  # not the unrelated photo
    assert files["still_copy.jpg"].times == [pytest.approx(3.0, abs=0.05)]
    # The copies' keyframes are evidence images too, each telling which video it is from.
    copies = {v.video_id for v in EvidenceVideoFile.objects.exclude(
        path__endswith="unrelated.mp4")}
    from_videos = {video_id for item in found for video_id, _t in item.video_frames}
    assert from_videos == copies


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRACEOBJECT_HOME"] = str(home)
    return env


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "traceobject.cli", *args], env=_env(home),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_similar_command_on_a_still_and_on_a_video_and_its_errors(clips, tmp_path: Path):
    home = tmp_path / "home"
    done = _cli(home, "ingest", str(clips["evidence"]), "--case", "VS-CLI", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert re.search(r"videos\s+3 ingested", done.stdout), done.stdout
    assert re.search(r"[\d,]+ keyframes, [\d,]+ vPDQ features", done.stdout)
    assert re.search(r"\d+/\d+ files, 3 videos, [\d,]+ frames", done.stderr)

    still = _cli(home, "similar", str(clips["still"]))
    assert still.returncode == 0, still.stderr
    lines = still.stdout.splitlines()
    assert lines[0].split("\t")[3].endswith("still_copy.jpg")  # images first, as before
    copy = [x for x in lines if x.startswith("video ") and "copy_small.webm" in x]
    assert len(copy) == 1 and re.search(r"case VS-CLI .* at 0:03 \(distance \d+\)$", copy[0])
    assert any("trimmed.mkv at 0:01" in x for x in lines)
    assert not any("unrelated" in x for x in lines)

    video = _cli(home, "similar", str(clips["original"]))
    assert video.returncode == 0, video.stderr
    videos = [x for x in video.stdout.splitlines() if x.startswith("video ")]
    assert len(videos) == 2 and not any("unrelated" in x for x in videos)
    assert any("copy_small.webm (100% of this video found in it" in x for x in videos)
    assert any("trimmed.mkv" in x and "100% of it found in this video" in x for x in videos)
    assert any(x.startswith("image ") and "still_copy.jpg like the frame at 0:03" in x
               for x in video.stdout.splitlines())

    for bad in (clips["hostile"], tmp_path / "missing.mp4", tmp_path):
        refused = _cli(home, "similar", str(bad))
        assert refused.returncode == 2, (bad, refused.stdout)
        assert str(bad) in refused.stderr and "Traceback" not in refused.stderr
        assert refused.stdout == ""
