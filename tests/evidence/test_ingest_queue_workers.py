"""Queued ingest with real processes: two `traceobject worker` processes, each with a home of
its own (two machines), one PostgreSQL database and one S3-compatible bucket (moto's server
on a loopback port), ingest one queue; one worker is killed with SIGKILL in the middle of a
batch, and the other takes the batch over once the lease has run out. Every file is recorded
once, every image stored once, and the progress adds up."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.evidence.conftest import write_jpeg
from tests.evidence.test_s3 import BUCKET, KEY_ID, SECRET, _env, s3_endpoint  # noqa: F401
from tests.sync.nodes import Node

pytestmark = [pytest.mark.slow, pytest.mark.database]

IMAGES, COPIES, BATCH = 200, 10, 50


@pytest.fixture
def machines(tmp_path: Path, s3_endpoint: str) -> Iterator[tuple[Node, Node]]:  # noqa: F811
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("two machines share one PostgreSQL database: run with DATABASE_URL=postgres"
                    "://... (make test-slow on PostgreSQL)")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=BUCKET)
    shared = {**_env(s3_endpoint), "TRACEOBJECT_WORKER_LEASE_SECONDS": "2"}
    a = Node(role="all", name="machine-a", home=tmp_path / "machine-a", extra_env=shared)
    b = Node(role="all", name="machine-b", home=tmp_path / "machine-b",
             extra_env={**shared, "DATABASE_URL": a.env()["DATABASE_URL"]})
    yield a, b
    b.drop()
    a.drop()
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _one(node: Node, sql: str) -> Any:
    return node.query(sql)[0][0]


def test_two_workers_on_two_homes_ingest_one_queue_and_take_over_a_killed_workers_batch(
        machines: tuple[Node, Node], tmp_path: Path, s3_endpoint: str):  # noqa: F811
    a, b = machines
    tree = tmp_path / "mount" / "seized"  # the shared mount: the same path on both machines
    for i in range(IMAGES):
        write_jpeg(tree / f"d{i % 4}" / f"{i:04d}.jpg", seed=2000 + i)
    for i in range(COPIES):
        (tree / "copies").mkdir(parents=True, exist_ok=True)
        (tree / "copies" / f"copy_{i}.jpg").write_bytes((tree / "d1" / f"{4 * i + 1:04d}.jpg")
                                                        .read_bytes())
    queued = a.cli("ingest", str(tree), "--case", "DIST-1", "--queue", "--batch-size",
                   str(BATCH))
    assert queued.returncode == 0, queued.stderr
    run = _one(a, "SELECT id FROM evidence_ingestrun")
    assert f"ingest run {run} queued: {IMAGES + COPIES} files seen" in queued.stdout

    a.start_worker()
    b.start_worker()
    assert a.worker is not None and b.worker is not None
    pid_a = a.worker.pid
    deadline = time.monotonic() + 180
    held: tuple[int, int, int] | None = None
    while held is None:  # a batch of worker A, part-way: some chunks committed, not all
        assert time.monotonic() < deadline, "worker A never committed part of a batch"
        assert a.worker.poll() is None and b.worker.poll() is None, "a worker died"
        held_by_a = f"SELECT id, number, position, jsonb_array_length(files::jsonb) FROM evidence_ingestbatch WHERE state = 'running' AND worker_id LIKE '%-{pid_a}-%'"  # noqa: E501, S608
        rows = a.query(held_by_a)
        held = next(((i, n, p) for i, n, p, size in rows if 0 < p < size), None)
        time.sleep(0.01)
    os.killpg(pid_a, signal.SIGKILL)  # mid-batch, as a lost machine
    a.worker.wait(timeout=30)
    a.worker = None
    batch_id, number, position = held
    position_at_kill = _one(a, f"SELECT position FROM evidence_ingestbatch WHERE id = {batch_id}")  # noqa: S608
    worker_a = _one(a, f"SELECT worker_id FROM evidence_ingestbatch WHERE id = {batch_id}")  # noqa: S608

    deadline = time.monotonic() + 300
    while _one(a, f"SELECT state FROM evidence_ingestrun WHERE id = {run}") != "done":  # noqa: S608
        assert time.monotonic() < deadline, "the run did not finish"
        assert b.worker.poll() is None, "worker B died"
        time.sleep(0.5)
    status = json.loads(b.cli("ingest", "--status", str(run), "--json").stdout)
    b.stop()

    # every file once, every image once, in the bucket once with its thumbnail
    per_path = dict(a.query("SELECT path, COUNT(*) FROM evidence_evidencefile GROUP BY path"))
    assert len(per_path) == IMAGES + COPIES and set(per_path.values()) == {1}
    assert a.query("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM evidence_evidenceimage"
                   ) == [(IMAGES, IMAGES)]
    keys = [o["Key"] for page in boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET).get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for o in page.get("Contents", [])]
    assert sum(k.startswith("images/") for k in keys) == IMAGES
    assert sum(k.startswith("thumbs/") for k in keys) == IMAGES

    # the killed worker's batch: taken over by B from where A's last commit left it
    state, attempts, last = a.query(
        f"SELECT state, attempts, worker_id FROM evidence_ingestbatch WHERE id = {batch_id}")[0]  # noqa: S608
    assert (state, attempts) == ("done", 2) and last != worker_a and f"-{pid_a}-" not in last
    assert not a.query("SELECT id FROM evidence_ingestbatch WHERE state <> 'done'")
    task_rows = a.query("SELECT status, worker_ids::text FROM django_tasks_database_dbtaskresult "
                        "WHERE task_path LIKE '%.ingest_batch_task'")
    assert {s for s, _w in task_rows} == {"SUCCESSFUL"} and len(task_rows) == 5
    assert any(worker_a in w and last in w for _s, w in task_rows)

    # progress: right in total and per worker (A's partial batch counted once, by A)
    assert (status["state"], status["seen"], status["queued"], status["done"]) == (
        "done", IMAGES + COPIES, IMAGES + COPIES, IMAGES + COPIES)
    assert (status["ingested"], status["duplicates"], status["refused"]) == (IMAGES, COPIES, 0)
    workers = {w["worker"]: w for w in status["workers"]}
    assert len(workers) == 2 and worker_a in workers
    assert sum(w["done"] for w in workers.values()) == IMAGES + COPIES
    assert workers[worker_a]["done"] >= position_at_kill >= position > 0
    assert not workers[worker_a]["alive"]
    print(f"\nworker A killed in batch {number} at file {position_at_kill} of {BATCH}; "
          f"A did {workers[worker_a]['done']} files, B {workers[last]['done']}")
