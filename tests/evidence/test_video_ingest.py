"""Videos in ingest: found by their content among pictures, stored (file, vPDQ file,
keyframes), recorded once per SHA-256, resumable, on a folder and on an S3 store."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import av
import pytest
from django.core.files.storage import storages

from tests.videogen import Scene, make_video
from traceobject.evidence.index import video_hash_index
from traceobject.evidence.ingest import evidence_key, ingest
from traceobject.evidence.known import known_hashes_import
from traceobject.evidence.models import (
    EvidenceFile,
    EvidenceImage,
    EvidenceVideo,
    EvidenceVideoFile,
    VideoFrame,
    VideoHash,
)
from traceobject.evidence.storage import EvidenceFileChanged, evidence_put_file, evidence_read
from traceobject.evidence.video_ingest import video_key, vpdq_key
from traceobject.vision.hashing import pdq_hash
from traceobject.vision.video import vpdq_parse

from .conftest import write_jpeg
from .test_s3 import BUCKET, PREFIX, _objects, bucket, s3_endpoint  # noqa: F401

#: name -> format of the videos of the tree (each its own pictures: seeds differ).
VIDEOS = {"a.mp4": "mp4-h264", "b.mkv": "mkv-h264", "c.webm": "webm-vp9",
          "d.avi": "avi-mpeg4", "e.ts": "ts-mpeg2"}
SCENE_SECONDS = 2.5


def _video(path: Path, fmt: str, seed: int, **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_video(path, fmt=fmt, width=160, height=120,
                      scenes=[Scene(seed, SCENE_SECONDS), Scene(seed + 1, SCENE_SECONDS)],
                      **kwargs)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The videos, made once: five formats, a video named .jpg and a hostile one."""
    root = tmp_path_factory.mktemp("videos")
    for number, (name, fmt) in enumerate(VIDEOS.items()):
        _video(root / name, fmt, seed=10 * (number + 1))
    _video(root / "holiday.jpg", "mp4-h264", seed=90)  # a video under a picture's name
    good = (root / "a.mp4").read_bytes()
    # An MP4's header with its payload torn out and garbage after it.
    (root / "broken.mp4").write_bytes(good[:32] + os.urandom(4000))
    return root


@pytest.fixture
def tree(made: Path, tmp_path: Path) -> Path:
    root = tmp_path / "seized"
    shutil.copytree(made, root / "videos")
    for i in range(3):
        write_jpeg(root / "photos" / f"IMG_{i}.jpg", seed=300 + i, size=(320, 240))
    return root


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


def _video_of(path: Path) -> EvidenceVideo:
    return EvidenceVideoFile.objects.get(path=str(path)).video


@pytest.mark.django_db(transaction=True)
def test_images_and_videos_of_several_formats_are_ingested_and_a_rerun_skips_them(tree: Path):
    summary = ingest([tree], case_ref="V-1")
    assert summary.seen == 3 + len(VIDEOS) + 2
    assert summary.ingested == 3 and summary.duplicates == 0
    assert summary.videos == len(VIDEOS) + 1 and summary.video_duplicates == 0
    rejected = {Path(p).name for p, _reason, _message in summary.rejected}
    assert rejected == {"broken.mp4"}
    assert not EvidenceVideoFile.objects.filter(path__endswith="broken.mp4").exists()
    assert not EvidenceFile.objects.filter(path__endswith="broken.mp4").exists()

    # Every video: its rows, its stored file and vPDQ file, its hashes and keyframes.
    containers = set()
    for name in [*VIDEOS, "holiday.jpg"]:
        path = tree / "videos" / name
        video = _video_of(path)
        data = path.read_bytes()
        assert video.sha256 == hashlib.sha256(data).hexdigest()
        assert video.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert (video.width, video.height, video.file_size) == (160, 120, len(data))
        assert 4.5 <= video.duration <= 5.5 and video.frame_count >= 120
        containers.add((video.container, video.video_codec))
        assert evidence_read(key=video_key(video.sha256)) == data
        assert video.storage_key == video_key(video.sha256)
        stored_features = vpdq_parse(evidence_read(key=vpdq_key(video.sha256)).decode())
        hashes = list(video.hashes.order_by("frame_number"))
        assert [(h.frame_number, h.pdq, h.quality) for h in hashes] == [
            (f.frame_number, f.pdq, f.quality) for f in stored_features]
        assert len(hashes) >= 4  # about one a second
        keyframes = list(VideoFrame.objects.filter(video=video).select_related("image"))
        assert keyframes and all(k.kind == "keyframe" for k in keyframes)
        assert keyframes[0].frame_number == 0
        for keyframe in keyframes:
            image = keyframe.image
            assert (image.width, image.height, image.format) == (160, 120, "PNG")
            assert len(image.pdq) == 64 and not image.files.exists()
            assert storages["evidence"].exists(evidence_key(image.sha256))
    assert _video_of(tree / "videos" / "holiday.jpg").video_codec == "h264"
    assert len({codec for _c, codec in containers}) == 4  # h264, vp9, mpeg4, mpeg2video
    assert VideoHash.objects.count() == summary.video_hashes
    assert VideoFrame.objects.count() == summary.keyframes
    assert EvidenceImage.objects.count() == 3 + summary.keyframes
    assert len(video_hash_index()) == summary.video_indexed == VideoHash.objects.filter(
        quality__gte=50).count()

    before = (EvidenceVideo.objects.count(), VideoHash.objects.count(),
              VideoFrame.objects.count(), EvidenceImage.objects.count())
    again = ingest([tree], case_ref="V-1")
    assert again.skipped == summary.seen - 1  # all but the rejected file
    assert (again.videos, again.video_duplicates, again.ingested) == (0, 0, 0)
    assert again.video_indexed == 0
    assert (EvidenceVideo.objects.count(), VideoHash.objects.count(),
            VideoFrame.objects.count(), EvidenceImage.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_a_video_found_again_in_another_case_is_a_duplicate(made: Path, tmp_path: Path):
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(made / "a.mp4", folder / "a.mp4")
    first = ingest([folder], case_ref="V-1", workers=2)
    hashes = VideoHash.objects.count()
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(made / "a.mp4", other / "renamed.mov")
    shutil.copy(made / "b.mkv", other / "b.mkv")
    second = ingest([other], case_ref="V-2", workers=2)
    assert (first.videos, second.videos, second.video_duplicates) == (1, 1, 1)
    video = _video_of(folder / "a.mp4")
    assert sorted(video.files.values_list("case__ref", "path")) == [
        ("V-1", str(folder / "a.mp4")), ("V-2", str(other / "renamed.mov"))]
    assert VideoHash.objects.filter(video=video).count() == hashes
    assert EvidenceVideo.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_path_that_turns_from_video_to_picture_and_back_is_recorded_once(made: Path,
                                                                           tmp_path: Path):
    folder = tmp_path / "swap"
    path = folder / "clip.mp4"
    folder.mkdir()
    shutil.copy(made / "a.mp4", path)
    ingest([folder], case_ref="SWAP", workers=1)
    assert EvidenceVideoFile.objects.filter(path=str(path)).count() == 1
    write_jpeg(path, seed=5)  # the same name, now a picture (another size and time)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    ingest([folder], case_ref="SWAP", workers=1)
    assert not EvidenceVideoFile.objects.filter(path=str(path)).exists()
    assert EvidenceFile.objects.filter(path=str(path)).count() == 1
    shutil.copy(made / "b.mkv", path)  # and a video again
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    ingest([folder], case_ref="SWAP", workers=1)
    assert not EvidenceFile.objects.filter(path=str(path)).exists()
    assert EvidenceVideoFile.objects.get(path=str(path)).video.sha256 == hashlib.sha256(
        (made / "b.mkv").read_bytes()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_known_hash_lists_label_videos_by_sha256_md5_and_a_frames_pdq(made: Path, tmp_path: Path):
    folder = tmp_path / "tree"
    folder.mkdir()
    for name in ("a.mp4", "b.mkv", "c.webm"):
        shutil.copy(made / name, folder / name)
    sha = hashlib.sha256((made / "a.mp4").read_bytes()).hexdigest()
    md5 = hashlib.md5((made / "b.mkv").read_bytes(), usedforsecurity=False).hexdigest()
    # A known picture (its PDQ) that is one of c.webm's frames: re-encoded, as it would be.
    with av.open(str(made / "c.webm")) as container:
        frame = next(f for i, f in enumerate(container.decode(video=0)) if i == 25)
    pdq, _quality = pdq_hash(frame.to_ndarray(format="rgb24"))
    result = known_hashes_import(
        text=f"sha256,md5,pdq,label\n{sha},,,series V\n,{md5},,series W\n,,{pdq},series X\n",
        list_name="test")
    assert result.errors == []
    summary = ingest([folder], case_ref="V-1")
    assert summary.known_videos == 3
    labels = {Path(p).name: label for p, label in
              EvidenceVideoFile.objects.values_list("path", "video__known_label")}
    assert labels == {"a.mp4": "series V", "b.mkv": "series W", "c.webm": "series X"}


@pytest.mark.django_db(transaction=True)
def test_a_video_is_streamed_into_an_s3_store(made: Path, tmp_path: Path, bucket):  # noqa: F811
    folder = tmp_path / "tree"
    folder.mkdir()
    shutil.copy(made / "c.webm", folder / "c.webm")
    summary = ingest([folder], case_ref="S3-V")
    assert summary.videos == 1
    video = EvidenceVideo.objects.get()
    objects = _objects(bucket)
    assert objects[f"{PREFIX}/{video_key(video.sha256)}"] == (folder / "c.webm").read_bytes()
    assert f"{PREFIX}/{vpdq_key(video.sha256)}" in objects
    frames = VideoFrame.objects.filter(video=video).select_related("image")
    assert frames and all(f"{PREFIX}/{f.image.storage_key}" in objects for f in frames)
    assert not (tmp_path / "evidence").exists()


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_put_from_file_skips_same_size_replaces_partial_and_refuses_a_changed_file(
        request: pytest.FixtureRequest, where: str, made: Path, tmp_path: Path):
    if where == "s3":
        request.getfixturevalue("bucket")
    source = tmp_path / "clip.webm"
    shutil.copy(made / "c.webm", source)
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    key = video_key(sha)
    storages["evidence"].save(key, io.BytesIO(data[:100]))  # left by a killed run
    assert evidence_put_file(key=key, path=str(source), sha256=sha) is True
    assert evidence_read(key=key) == data
    assert evidence_put_file(key=key, path=str(source), sha256=sha) is False
    other = video_key("f" * 64)
    with pytest.raises(EvidenceFileChanged):
        evidence_put_file(key=other, path=str(source), sha256="f" * 64)
    assert not storages["evidence"].exists(other)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRACEOBJECT_HOME"] = str(home)
    return env


def _counts(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        per_path = dict(conn.execute(
            "SELECT path, COUNT(*) FROM evidence_evidencevideofile GROUP BY path").fetchall())
        hashes = dict(conn.execute(
            "SELECT v.sha256, COUNT(h.id) FROM evidence_evidencevideo v "
            "LEFT JOIN evidence_videohash h ON h.video_id = v.id GROUP BY v.sha256").fetchall())
        frames = dict(conn.execute(
            "SELECT v.sha256, COUNT(f.id) FROM evidence_evidencevideo v "
            "LEFT JOIN evidence_videoframe f ON f.video_id = v.id GROUP BY v.sha256").fetchall())
        orphans = conn.execute(
            "SELECT (SELECT COUNT(*) FROM evidence_evidencevideo v WHERE NOT EXISTS "
            "(SELECT 1 FROM evidence_evidencevideofile f WHERE f.video_id = v.id)) + "
            "(SELECT COUNT(*) FROM evidence_evidenceimage i WHERE NOT EXISTS "
            "(SELECT 1 FROM evidence_evidencefile f WHERE f.image_id = i.id) AND NOT EXISTS "
            "(SELECT 1 FROM evidence_videoframe f WHERE f.image_id = i.id))").fetchone()[0]
    return {"paths": per_path, "hashes": hashes, "frames": frames, "orphans": orphans}


@pytest.mark.slow
def test_killed_mid_video_the_rerun_records_every_video_once(tmp_path: Path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(10):
        make_video(tree / f"clip{i:02d}.mp4", fmt="mp4-h264", width=320, height=240,
                   scenes=[Scene(500 + 3 * i, 2.0), Scene(501 + 3 * i, 2.0),
                           Scene(502 + 3 * i, 2.0)])
    write_jpeg(tree / "photo.jpg", seed=77)
    command = [sys.executable, "-m", "traceobject.cli", "ingest", str(tree), "--case", "K-V",
               "--workers", "2"]
    home = tmp_path / "home"
    first = subprocess.Popen(command, env=_env(home), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    db = home / "traceobject.sqlite3"
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.02)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    count = conn.execute(
                        "SELECT COUNT(*) FROM evidence_evidencevideo").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if count >= 2:
                break
    os.killpg(first.pid, signal.SIGKILL)  # the run and its workers, as a crash would
    first.wait()
    assert 0 < count < 10, "the first run must be stopped part-way"
    done = subprocess.run(command, env=_env(home), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stdout and "videos" in done.stdout
    clean_home = tmp_path / "clean"
    clean = subprocess.run(command, env=_env(clean_home), capture_output=True, text=True,
                           timeout=300)
    assert clean.returncode == 0, clean.stderr
    resumed, expected = _counts(db), _counts(clean_home / "traceobject.sqlite3")
    assert len(resumed["paths"]) == 10 and set(resumed["paths"].values()) == {1}
    assert resumed["hashes"] == expected["hashes"] and len(expected["hashes"]) == 10
    assert resumed["frames"] == expected["frames"]
    assert resumed["orphans"] == 0 and expected["orphans"] == 0
    assert "10 ingested" in clean.stdout
