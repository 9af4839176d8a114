"""A real `traceobject worker` killed with SIGKILL in the middle of a task (opening sealed tips):
the task row it leaves RUNNING is put back in the queue by the next worker once the killed
worker's lease has run out, and every tip ends up opened exactly once (core/task_leases.py)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.slow

TIPS = 1500
OPENING = "task_path LIKE '%.open_sealed_tips'"


def _opened(node) -> int:
    return int(node.query("SELECT COUNT(*) FROM tips_sealedtip WHERE opened_at IS NOT NULL")[0][0])


def _opening_rows(node) -> list[tuple[str, str]]:
    return [(str(status), str(workers)) for status, workers in node.query(
        f"SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE {OPENING}")]  # noqa: S608


def test_a_task_of_a_killed_worker_is_run_again_and_its_work_done_once(make_node):
    node = make_node("all", "solo", TRACEOBJECT_WORKER_LEASE_SECONDS=2)
    node.run("migrate")
    ref = node.run("publish", "Lost bag")["ref"]
    node.run("edge_fill", str(TIPS), ref)  # sealed tips waiting, no opening task yet
    node.run("enqueue_opening")
    node.start_worker()

    deadline = time.monotonic() + 120
    while _opened(node) == 0:  # the worker has claimed the task and begun opening
        assert node.worker is not None and node.worker.poll() is None, "the worker died"
        assert time.monotonic() < deadline, "the worker opened nothing"
        time.sleep(0.02)
    node.kill("worker")  # SIGKILL, mid-task
    opened_at_kill = _opened(node)
    rows = _opening_rows(node)
    assert 0 < opened_at_kill < TIPS, opened_at_kill
    assert [status for status, _ in rows] == ["RUNNING"], rows

    started = time.monotonic()
    node.start_worker()
    deadline = time.monotonic() + 180
    while _opening_rows(node)[0][0] != "SUCCESSFUL":
        assert time.monotonic() < deadline, _opening_rows(node)
        time.sleep(0.5)
    waited = time.monotonic() - started
    node.stop()

    state = node.run("tips")
    texts = state["texts"]
    assert len(texts) == TIPS and len(set(texts)) == TIPS, "a tip was lost or opened twice"
    assert state["unopened"] == 0
    tasks = node.run("task_rows")["rows"]
    opening = [r for r in tasks if r["task"] == "open_sealed_tips"]
    assert len(opening) == 1 and len(opening[0]["workers"]) == 2, opening
    assert opening[0]["workers"][0] != opening[0]["workers"][1]
    assert not [r for r in tasks if r["status"] == "RUNNING"], tasks
    print(f"\nworker killed after opening {opened_at_kill} of {TIPS} tips; the task ran again "
          f"and finished {waited:.1f} s after a new worker started")
