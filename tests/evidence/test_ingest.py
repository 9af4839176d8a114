from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages

from traceobject.evidence.index import pdq_index
from traceobject.evidence.ingest import evidence_key, ingest
from traceobject.evidence.known import known_hashes_import
from traceobject.evidence.models import EvidenceFile, EvidenceImage
from traceobject.evidence.selectors import similar_images
from traceobject.vision.analyse import analyse_file

from .conftest import drawn_image, hostile_files, write_jpeg


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_ingest_records_hashes_metadata_and_duplicates(evidence_tree: Path, workers: int):
    summary = ingest([evidence_tree], case_ref="CASE-1", workers=workers)
    assert summary.seen == 13
    assert summary.ingested == 12
    assert summary.duplicates == 1
    assert summary.rejected == []
    image = EvidenceImage.objects.get(files__path__endswith="IMG_0003.jpg")
    assert image.files.count() == 2  # found twice
    analysis = analyse_file(str(evidence_tree / "phone" / "IMG_0003.jpg"))
    assert image.sha256 == analysis.sha256 and image.md5 == analysis.md5
    assert image.pdq == analysis.pdq and len(image.pdq) == 64
    assert (image.width, image.height, image.format) == (640, 480, "JPEG")
    stored = storages["evidence"].open(evidence_key(image.sha256)).read()
    assert stored == (evidence_tree / "phone" / "IMG_0003.jpg").read_bytes()
    assert len(pdq_index()) == EvidenceImage.objects.filter(pdq_quality__gte=50).count()


@pytest.mark.django_db(transaction=True)
def test_second_run_skips_what_is_recorded(evidence_tree: Path):
    ingest([evidence_tree], case_ref="CASE-1")
    write_jpeg(evidence_tree / "phone" / "new.jpg", seed=500)
    again = ingest([evidence_tree], case_ref="CASE-1")
    assert (again.skipped, again.ingested, again.duplicates) == (13, 1, 0)
    assert EvidenceFile.objects.count() == 14


@pytest.mark.django_db(transaction=True)
def test_hostile_files_are_rejected_with_reasons_and_ingest_continues(tmp_path: Path,
                                                                      evidence_tree: Path):
    expected = hostile_files(evidence_tree / "bad")
    summary = ingest([evidence_tree], case_ref="CASE-2", workers=2)
    reasons = {Path(path).name: reason for path, reason, _message in summary.rejected}
    assert reasons == expected
    assert summary.ingested == 12
    assert not EvidenceFile.objects.filter(path__contains="/bad/").exists()


@pytest.mark.django_db(transaction=True)
def test_similar_finds_a_recompressed_copy(evidence_tree: Path, tmp_path: Path):
    ingest([evidence_tree], case_ref="CASE-1")
    query = tmp_path / "query.jpg"
    drawn_image(5).resize((320, 240)).save(query, "JPEG", quality=60)
    analysis = analyse_file(str(query))
    matches = similar_images(pdq=analysis.pdq, quality=analysis.pdq_quality)
    assert matches, "a resized, recompressed copy must be found"
    assert matches[0].paths[0].endswith("IMG_0005.jpg")
    assert matches[0].distance <= 31 and matches[0].cases == ["CASE-1"]
    assert all(m.distance <= 31 for m in matches)


@pytest.mark.django_db(transaction=True)
def test_known_hash_list_flags_images_on_ingest(evidence_tree: Path):
    sha = analyse_file(str(evidence_tree / "phone" / "IMG_0001.jpg")).sha256
    pdq = analyse_file(str(evidence_tree / "phone" / "IMG_0002.jpg")).pdq
    result = known_hashes_import(
        text=f"sha256,md5,pdq,label\n{sha},,,series A\n,,{pdq},series B\n", list_name="test")
    assert result.errors == [] and result.imported == 2
    ingest([evidence_tree], case_ref="CASE-1")
    labels = dict(EvidenceImage.objects.values_list("files__path", "known_label"))
    assert labels[str(evidence_tree / "phone" / "IMG_0001.jpg")] == "series A"
    assert labels[str(evidence_tree / "phone" / "IMG_0002.jpg")] == "series B"
    assert labels[str(evidence_tree / "phone" / "IMG_0004.jpg")] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("text", [
    "", "label\nfoo\n", "sha256,label\nnothex,foo\n", "md5,label\n" + "a" * 31 + ",x\n",
    "sha256,label\n" + "a" * 64 + ",\n", "pdq,label\n" + "g" * 64 + ",x\n",
    "sha256,label\n" + "a" * 64 + ",ok\n" + "b" * 63 + ",bad\n",
])
def test_malformed_known_hash_lists_import_nothing(text: str):
    from traceobject.evidence.models import KnownHash

    result = known_hashes_import(text=text, list_name="bad")
    assert result.imported == 0 and result.errors
    assert KnownHash.objects.count() == 0


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRACEOBJECT_HOME"] = str(home)
    return env


@pytest.mark.slow
def test_killed_run_resumes_and_ingests_every_file_exactly_once(tmp_path: Path):
    tree = tmp_path / "tree"
    for i in range(160):
        write_jpeg(tree / f"d{i % 4}" / f"{i:04d}.jpg", seed=1000 + i, size=(800, 600))
    home = tmp_path / "home"
    command = [sys.executable, "-m", "traceobject.cli", "ingest", str(tree), "--case", "K-1",
               "--workers", "2"]
    first = subprocess.Popen(command, env=_env(home), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    db = home / "traceobject.sqlite3"
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    count = conn.execute("SELECT COUNT(*) FROM evidence_evidencefile").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if count >= 100:
                break
    os.killpg(first.pid, signal.SIGKILL)  # the run and its worker processes, as a crash would
    first.wait()
    assert 0 < count < 160, "the first run must be stopped part-way"
    done = subprocess.run(command, env=_env(home), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stdout
    with sqlite3.connect(db) as conn:
        files = conn.execute("SELECT path, COUNT(*) FROM evidence_evidencefile GROUP BY path")
        per_path = dict(files.fetchall())
        images = conn.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM evidence_evidenceimage"
                              ).fetchone()
    assert len(per_path) == 160 and set(per_path.values()) == {1}
    assert images == (160, 160)
    similar = subprocess.run(
        [sys.executable, "-m", "traceobject.cli", "similar", str(tree / "d1" / "0005.jpg")],
        env=_env(home), capture_output=True, text=True, timeout=120)
    assert similar.returncode == 0, similar.stderr
    first_line = similar.stdout.splitlines()[0].split("\t")
    assert first_line[0] == "0" and first_line[2] == "K-1" and first_line[3].endswith("0005.jpg")


def test_hash_command_prints_tab_separated_lines_and_fails_on_bad_files(tmp_path: Path):
    good = write_jpeg(tmp_path / "good.jpg", seed=7)
    bad = tmp_path / "bad.jpg"
    bad.write_text("nope")
    done = subprocess.run([sys.executable, "-m", "traceobject.cli", "hash", str(good), str(bad)],
                          capture_output=True, text=True, timeout=60,
                          env=_env(tmp_path / "home"))
    assert done.returncode == 1
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    analysis = analyse_file(str(good))
    assert lines[0] == [str(good), analysis.sha256, analysis.md5, analysis.pdq,
                        str(analysis.pdq_quality)]
    assert lines[1][0] == str(bad) and lines[1][5].startswith("not_an_image")


@pytest.mark.django_db(transaction=True)
def test_a_partial_file_left_by_a_killed_run_is_replaced(evidence_tree: Path):
    path = evidence_tree / "phone" / "IMG_0000.jpg"
    sha = analyse_file(str(path)).sha256
    storages["evidence"].save(evidence_key(sha), io.BytesIO(path.read_bytes()[:100]))
    ingest([evidence_tree], case_ref="CASE-1")
    assert storages["evidence"].open(evidence_key(sha)).read() == path.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_file_changed_at_the_same_path_points_at_its_new_image(evidence_tree: Path):
    ingest([evidence_tree], case_ref="CASE-1")
    path = evidence_tree / "phone" / "IMG_0000.jpg"
    write_jpeg(path, seed=4242)
    again = ingest([evidence_tree], case_ref="CASE-1")
    assert again.ingested == 1
    record = EvidenceFile.objects.get(path=str(path))
    assert record.image.sha256 == analyse_file(str(path)).sha256
    assert ingest([evidence_tree], case_ref="CASE-1").skipped == 13


@pytest.mark.django_db
@pytest.mark.parametrize("ref", ["", "   ", "CASE\n2", "CASE\x00", "CASE\u202e7", "C" * 65])
def test_a_bad_case_reference_is_refused_before_anything_is_read(evidence_tree: Path, ref):
    from traceobject.core.errors import ServiceError
    from traceobject.evidence.models import Case

    with pytest.raises(ServiceError) as info:
        ingest([evidence_tree], case_ref=ref)
    assert info.value.code == "invalid_case" and set(info.value.fields) == {"case"}
    assert not Case.objects.exists() and not EvidenceImage.objects.exists()


@pytest.mark.django_db
def test_known_hash_labels_from_the_file_lose_controls_the_list_name_is_cleaned():
    from traceobject.evidence.models import KnownHash

    sha = "a" * 64
    text = f"sha256,label\n{sha},\"series\x00 A\u202e\tnight\"\n"
    for bad in ("bad\x07list", "two\nlines", "\u2066list\u2069", ""):
        result = known_hashes_import(text=text, list_name=bad)
        assert result.imported == 0 and len(result.errors) == 1, result
    assert KnownHash.objects.count() == 0
    result = known_hashes_import(text=text, list_name="  Interpol\u00a0 list ")
    assert result.errors == [] and result.imported == 1
    assert KnownHash.objects.values_list("label", "list_name").get() == (
        "series A night", "Interpol list")
