#!/usr/bin/env python
"""Queued ingest: 1, 2 and 4 workers on one queue, and the database queue's claim rate.

    python bench/bench_ingest_queue.py [--files 240] [--smoke]

Needs PostgreSQL (DATABASE_URL=postgres://..., default postgres://postgres@127.0.0.1:5432/):
each measurement gets a fresh database of its own, dropped afterwards.

Scaling: N `traceobject worker --queues ingest` processes (N = 1, 2, 4) are started and wait
(their start-up is not measured); `traceobject ingest FOLDER --case X --queue` walks and
queues (timed apart); the figure is images/s from the first batch's claim to the run's end
(the last batch done), by the rows' own times, the baseline the same with 1 worker. The
evidence store is one folder on this machine (what a shared store costs is not in it). On a
machine with C cores, N > C workers can only share the cores.

Claims: 2,000 tasks that do nothing, queued at once, taken by K idle `traceobject worker`
processes (the worker ingest uses: django-tasks-db's db_worker, SELECT ... FOR UPDATE SKIP
LOCKED, plus its lease thread); the figure is tasks/s from the first claim to the last
task's end (the rows' times), for K = 1 and 8. What 8 ingest workers need is printed beside
it: one claim a batch, a batch of 200 files taking 200 / (images/s of one worker) seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_ingest import make_corpus  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/"


def _pg_base() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_PG
    return url.rsplit("/", 1)[0] + "/"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_base() + "postgres", autocommit=True) as conn:
        conn.execute(sql)  # names made here


def _query(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql).fetchall())


class Database:
    """A fresh PostgreSQL database, migrated, and the environment to reach it."""

    def __init__(self, tmp: Path, label: str) -> None:
        self.name = f"bench_queue_{label}_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{self.name}"')
        self.url = _pg_base() + self.name
        self.home = tmp / self.name
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TRACEOBJECT_", "DJANGO_"))}
        self.env.update(DATABASE_URL=self.url, TRACEOBJECT_HOME=str(self.home),
                        TRACEOBJECT_ROLE="all", TRACEOBJECT_WORKER_LEASE_SECONDS="30",
                        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(HERE)]))
        self.cli("manage", "migrate", "-v0")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "traceobject.cli", *args], env=self.env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            raise SystemExit(f"traceobject {' '.join(args)} failed")
        return done

    def workers(self, count: int, queues: str) -> list[subprocess.Popen[bytes]]:
        return [subprocess.Popen(
            [sys.executable, "-m", "traceobject.cli", "worker", "--no-schedule", "--queues",
             queues, "--interval", "0.05"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True) for _ in range(count)]

    def drop(self) -> None:
        _admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait(db: Database, sql: str, want: object, limit: float = 900) -> float:
    started = time.perf_counter()
    while _query(db.url, sql)[0][0] != want:
        if time.perf_counter() - started > limit:
            raise SystemExit(f"timed out waiting for {sql}")
        time.sleep(0.05)
    return time.perf_counter()


def _workers_up(db: Database, count: int, queues: str) -> list[subprocess.Popen[bytes]]:
    """Start `count` workers and wait until each holds its lease (Django loaded, polling)."""
    procs = db.workers(count, queues)
    _wait(db, "SELECT COUNT(*) FROM exports_workerlease", count, limit=300)
    time.sleep(1.5)  # db_worker's random start-up delay (up to 1 s) is over
    return procs


def _seconds(db: Database, sql: str) -> float:
    return float(_query(db.url, sql)[0][0])


def scaling(tmp: Path, corpus: Path, files: int, workers: int, batch: int
            ) -> tuple[float, float]:
    """Seconds of the walk; seconds from the first batch's claim to the run's end (the
    workers were started and idle before: their start-up is not in it)."""
    db = Database(tmp, f"w{workers}")
    try:
        procs = _workers_up(db, workers, "ingest")
        try:
            started = time.perf_counter()
            db.cli("ingest", str(corpus), "--case", "BENCH", "--queue", "--batch-size",
                   str(batch))
            walk = time.perf_counter() - started
            _wait(db, "SELECT state FROM evidence_ingestrun", "done")
        finally:
            _stop(procs)
        done = _query(db.url, "SELECT COUNT(*) FROM evidence_evidencefile")[0][0]
        if done != files:
            raise SystemExit(f"{done} of {files} files recorded")
        took = _seconds(db, "SELECT EXTRACT(EPOCH FROM (SELECT finished_at FROM "
                        "evidence_ingestrun) - (SELECT MIN(started_at) FROM "
                        "evidence_ingestbatch))")
        return walk, took
    finally:
        db.drop()


def claims(tmp: Path, workers: int, tasks: int) -> float:
    """Trivial tasks per second taken and run by `workers` worker processes (started and idle
    before the tasks are queued, all at once): first claim to last end, by the rows' times."""
    db = Database(tmp, f"c{workers}")
    try:
        procs = _workers_up(db, workers, "default")
        try:
            enqueue = ("import django; django.setup(); from django.db import transaction; "
                       "from queue_tasks import nothing\n"
                       "with transaction.atomic():\n"
                       f"    [nothing.enqueue() for _ in range({tasks})]")
            subprocess.run([sys.executable, "-c", enqueue], check=True,
                           env={**db.env, "DJANGO_SETTINGS_MODULE": "traceobject.settings"})
            _wait(db, "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE "
                  "status <> 'SUCCESSFUL'", 0)
        finally:
            _stop(procs)
        took = _seconds(db, "SELECT EXTRACT(EPOCH FROM MAX(finished_at) - MIN(started_at)) "
                        "FROM django_tasks_database_dbtaskresult")
        return tasks / took
    finally:
        db.drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=240)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1200)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.files, args.width, args.height, args.batch_size, args.tasks = 12, 640, 480, 4, 50
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-queue-"))
    try:
        corpus = tmp / "corpus"
        make_corpus(corpus, args.files, (args.width, args.height))
        cores = os.cpu_count() or 1
        print(f"# queued ingest: {args.files} photo-like JPEGs of {args.width}x{args.height}, "
              f"batches of {args.batch_size}, evidence store a local folder, PostgreSQL; "
              f"{cores} cores")
        rates = {}
        for n in (1, 2, 4):
            walk, took = scaling(tmp, corpus, args.files, n, args.batch_size)
            rates[n] = args.files / took
            print(f"# {n} worker(s): {took:.1f} s from the first claim to the run's end "
                  f"(the walk: {walk:.1f} s, a process of its own), {rates[n]:.1f} images/s")
        print("figure\tvalue\tbaseline\tratio")
        for n in (2, 4):
            print(f"queue_ingest_{n}_workers_images_per_s\t{rates[n]:.1f}\t"
                  f"1_worker={rates[1]:.1f}\t{rates[n] / rates[1]:.2f}")
        one = claims(tmp, 1, args.tasks)
        eight = claims(tmp, 8, args.tasks)
        needed = 8 * rates[1] / 200  # 8 workers, one claim a batch of 200 files
        print(f"queue_claims_per_s_8_workers\t{eight:.0f}\t1_worker={one:.0f}\t"
              f"{eight / one:.2f}")
        print(f"queue_claims_per_s_needed_by_8_ingest_workers\t{needed:.2f}\t"
              f"8_workers_claim_rate={eight:.0f}\t{needed / eight:.4f}")
        print(f"# 8 ingest workers at {rates[1]:.1f} images/s each, batches of 200 files: "
              f"{needed:.2f} claims/s, {100 * needed / eight:.2f} % of what the database "
              "queue claims with 8 workers")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
