"""The PDQ index kept from the database by watermark (evidence.index): catch-up from the index
log, rows committed out of id order, search processes with homes of their own, damaged and
stale copies rebuilt in the background while searches answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from traceobject.evidence import index as index_module
from traceobject.evidence.index import _IMAGES, pdq_index, pdq_index_sync
from traceobject.evidence.models import EvidenceImage, IndexLog, IndexPending, IndexPublisher
from traceobject.search.pdq_index import INDEX_FILE, PREVIOUS_FILE, PdqIndex

from .index_child import near

CHILD = Path(__file__).with_name("index_child.py")
REBUILD = "traceobject.evidence.tasks.index_rebuild_task"


@pytest.fixture(autouse=True)
def _private_index(evidence_store: Path, settings: Any) -> Iterator[None]:
    settings.PDQ_INDEX_REFRESH_SECONDS = 0
    _IMAGES.forget()
    yield
    _IMAGES.forget()


def _images(first: int, count: int, quality: int = 90) -> list[int]:
    made = EvidenceImage.objects.bulk_create([
        EvidenceImage(sha256=f"{i:064x}", md5=f"{i:032x}", pdq=near(i), pdq_quality=quality,
                      width=10, height=10, format="JPEG", file_size=1, storage_key=f"k{i}")
        for i in range(first, first + count)])
    return sorted(EvidenceImage.objects.filter(sha256__in=[m.sha256 for m in made])
                  .values_list("id", flat=True))


def _found(i: int) -> list[int]:
    return sorted(h[0] for h in pdq_index().search(near(i), 31))


def _wanted(i: int) -> list[int]:
    return sorted(EvidenceImage.objects.filter(pdq=near(i)).values_list("id", flat=True))


def _run_rebuilds() -> int:
    ran = 0
    while row := DBTaskResult.objects.filter(task_path=REBUILD).order_by("enqueued_at").first():
        row.delete()
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        ran += 1
    return ran


def _folder() -> Path:
    return _IMAGES.folder


@pytest.mark.django_db(transaction=True)
def test_sync_catches_up_from_the_log_without_reading_the_table(monkeypatch):
    monkeypatch.setattr(index_module, "_PUBLISH_BATCH", 7)  # several publisher transactions
    _images(0, 30)
    _images(30, 5, quality=20)  # below the minimum quality: logged, not indexed
    assert pdq_index_sync() == 30
    assert IndexPending.objects.count() == 0 and IndexLog.objects.count() == 35
    logged = list(IndexLog.objects.order_by("seq").values_list("row_id", flat=True))
    assert logged == sorted(EvidenceImage.objects.values_list("id", flat=True))
    new = _images(100, 7)
    with CaptureQueriesContext(connection) as queries:
        assert pdq_index_sync() == 7
    table_reads = [q["sql"] for q in queries.captured_queries
                   if "evidence_evidenceimage" in q["sql"]]
    assert table_reads and all("l.seq >" in sql and "LEFT JOIN" in sql for sql in table_reads)
    saved = PdqIndex.load(_folder())
    assert saved.extra["mark"] == IndexLog.objects.order_by("-seq").first().seq
    assert sorted(saved.arrays()[1].tolist())[-7:] == new
    assert pdq_index_sync() == 0  # nothing new: nothing added
    assert _found(103) == _wanted(103) == [new[3]]


@pytest.mark.django_db(transaction=True)
def test_a_search_process_catches_up_with_rows_it_did_not_write():
    _images(0, 10)
    pdq_index_sync()
    first_mark = _IMAGES.copy.mark
    # rows written as another process would (no sync): the searching process catches up
    _images(10, 4)
    assert _found(12) == _wanted(12) and len(_wanted(12)) == 1
    assert _IMAGES.copy.mark > first_mark and _IMAGES.state() == "memory"


def _child_env(tmp_path: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRACEOBJECT_HOME"] = str(tmp_path / name)
    env["TRACEOBJECT_PDQ_INDEX_REFRESH_SECONDS"] = "0"
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (f"postgres://{settings['USER']}@{settings['HOST']}:"
                               f"{settings['PORT']}/{settings['NAME']}")
    else:  # the test database is in memory: the processes share a file of their own
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return env


def _child(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, str(CHILD), *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


class _Searcher:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, str(CHILD), "serve"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def ask(self, line: str) -> Any:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.ask("sync")
        assert self.process.stdin
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


@pytest.mark.django_db(transaction=True)
def test_search_machine_with_its_own_home_catches_up_by_watermark(tmp_path: Path):
    """Two homes standing for two machines that share the database, not the disk."""
    writer, reader = _child_env(tmp_path, "ingest-machine"), _child_env(tmp_path, "web")
    if connection.vendor == "sqlite":
        _child(writer, "migrate")
    _child(writer, "insert", "0", "20")
    reader["TRACEOBJECT_PDQ_INDEX_REBUILD_HERE"] = "1"  # no worker shares its home
    searcher = _Searcher(reader)
    try:
        first = searcher.ask("search 3")  # no copy yet: answered from the rows, rebuilt
        assert first["found"] == first["wanted"] and len(first["wanted"]) == 1
        assert searcher.ask("wait") == "memory"  # its own thread built and saved its copy
        assert len(PdqIndex.load(tmp_path / "web" / "index" / "pdq")) == 20
        assert searcher.ask("search 3")["state"] == "memory"
        mark = searcher.ask("search 3")["mark"]
        _child(writer, "insert", "20", "15")  # another process, another home
        later = searcher.ask("search 30")
        assert later["found"] == later["wanted"] and len(later["wanted"]) == 1
        assert later["state"] == "memory" and later["mark"] > mark
    finally:
        searcher.close()
    assert not (tmp_path / "ingest-machine" / "index" / "pdq").exists()  # nobody synced there
    saved = PdqIndex.load(tmp_path / "web" / "index" / "pdq")
    assert len(saved) == 35


@pytest.mark.django_db(transaction=True)
def test_rows_committed_out_of_id_order_are_not_missed(tmp_path: Path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: rows commit in id order")
    env = _child_env(tmp_path, "home")
    release = tmp_path / "commit-now"
    late = subprocess.Popen([sys.executable, str(CHILD), "insert", "0", "5", "--hold",
                             str(release)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert late.stdout and late.stdout.readline().strip() == "inserted"  # ids taken
        _child(env, "insert", "5", "5")  # larger ids, committed first
        assert pdq_index_sync() == 5
        assert max(_IMAGES.copy.index.arrays()[1]) == EvidenceImage.objects.order_by(
            "-id").first().id
    finally:
        release.touch()
        assert late.wait(timeout=60) == 0
    assert min(EvidenceImage.objects.values_list("id", flat=True)) < min(
        _IMAGES.copy.index.arrays()[1])  # the late rows have the smaller ids ...
    assert pdq_index_sync() == 5  # ... and are caught up all the same
    assert all(_found(i) == _wanted(i) for i in range(10))


def _damage(file: Path, how: str) -> None:
    data = bytearray(file.read_bytes())
    if how == "flipped":
        data[len(data) // 2] ^= 0xFF
        file.write_bytes(bytes(data))
    elif how == "truncated":
        file.write_bytes(bytes(data[: len(data) // 3]))
    else:
        file.write_bytes(b"not an index at all" * 100)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["flipped", "truncated", "garbage"])
def test_a_damaged_index_answers_from_the_previous_copy_while_it_is_rebuilt(how: str):
    _images(0, 20)
    pdq_index_sync()
    _images(20, 10)
    pdq_index_sync()  # the first file stays as the previous generation
    assert (_folder() / PREVIOUS_FILE).exists()
    _images(30, 5)  # not synced yet
    _damage(_folder() / INDEX_FILE, how)
    _IMAGES.forget()  # a process starting now
    assert [_found(i) for i in (5, 25, 32)] == [_wanted(i) for i in (5, 25, 32)]
    assert _IMAGES.state() == "memory"  # the previous copy, caught up from the log
    assert DBTaskResult.objects.filter(task_path=REBUILD).count() == 1
    assert _run_rebuilds() == 1
    assert len(PdqIndex.load(_folder())) == 35


@pytest.mark.django_db(transaction=True)
def test_with_no_usable_copy_searches_read_the_rows_until_the_rebuild():
    _images(0, 25)
    pdq_index_sync()
    pdq_index_sync()
    for name in (INDEX_FILE, PREVIOUS_FILE):
        if (_folder() / name).exists():
            _damage(_folder() / name, "flipped")
    _IMAGES.forget()
    assert _found(7) == _wanted(7) and len(_wanted(7)) == 1
    assert _IMAGES.state() == "database"
    assert _found(8) == _wanted(8)  # still answering; the rebuild is queued once
    assert DBTaskResult.objects.filter(task_path=REBUILD).count() == 1
    _run_rebuilds()
    _images(25, 3)
    assert _found(26) == _wanted(26) and _IMAGES.state() == "memory"  # the rebuilt file
    assert len(PdqIndex.load(_folder())) == 25


@pytest.mark.django_db(transaction=True)
def test_a_copy_made_from_another_database_is_stale_and_rebuilt():
    _images(0, 12)
    pdq_index_sync()
    assert _found(4) == _wanted(4)
    # the database is restored from elsewhere: another log, the same file on disk
    IndexPublisher.objects.filter(pk=1).update(epoch="another-database")
    assert _found(4) == _wanted(4)  # the copy in memory is dropped; rows answer
    assert _IMAGES.state() == "database"
    assert DBTaskResult.objects.filter(task_path=REBUILD).count() == 1
    _run_rebuilds()
    saved = PdqIndex.load(_folder())
    assert saved.extra["epoch"] == "another-database" and len(saved) == 12


@pytest.mark.django_db(transaction=True)
def test_hostile_index_meta_is_treated_as_damaged():
    _images(0, 12)
    pdq_index_sync()
    index = PdqIndex.load(_folder())
    index.save(_folder(), extra={"kind": "pdq", "epoch": 5, "mark": "x", "check": None})
    _IMAGES.forget()
    assert _found(3) == _wanted(3)
    assert _IMAGES.state() in {"memory", "database"}
    _run_rebuilds()
    assert PdqIndex.load(_folder()).extra["mark"] == IndexLog.objects.order_by("-seq")[0].seq
    codes, ids = PdqIndex.load(_folder()).arrays()
    assert np.array_equal(np.sort(ids), np.array(sorted(EvidenceImage.objects.values_list(
        "id", flat=True))))


@pytest.mark.django_db
def test_every_indexed_table_keeps_its_trigger_after_all_migrations():
    """A later migration that makes Django copy a table (SQLite does so to change a column's
    uniqueness) loses the table's trigger: each must still be there, and must still note an
    insert."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE '%%_index_pending'")
        else:
            cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c "
                           "ON c.oid = t.tgrelid WHERE t.tgname LIKE '%%_index_pending'")
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == {"evidence_evidenceimage", "evidence_videohash"}
    before = IndexPending.objects.count()
    image_ids = _images(1, 2)
    assert IndexPending.objects.count() == before + 2
    assert set(IndexPending.objects.filter(kind="pdq").values_list("row_id", flat=True)) >= \
        set(image_ids)


@pytest.mark.django_db(transaction=True)
def test_a_copy_that_cannot_be_saved_still_answers_with_the_new_rows(settings: Any):
    """Keeping the copy is upkeep: when its save fails (here the previous generation's name
    is taken by a folder, as a full or read-only disk would fail it), a search still answers,
    with the rows caught up in memory, and is not an error."""
    _images(0, 5)
    pdq_index_sync()
    assert _found(2) == _wanted(2)  # the search process holds the saved copy
    settings.PDQ_INDEX_SAVE_ROWS = 1
    blocker = _folder() / PREVIOUS_FILE
    blocker.unlink(missing_ok=True)
    blocker.mkdir()
    (blocker / "x").write_text("taken")
    new = _images(50, 3)
    assert _found(51) == _wanted(51) == [new[1]]
    assert PdqIndex.load(_folder()).arrays()[1].size == 5  # the save did not happen
