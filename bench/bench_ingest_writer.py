#!/usr/bin/env python
"""The ingest writer's CPU per image: what the main process spends recording analysed files.

    python bench/bench_ingest_writer.py [--files 100] [--rounds 2] [--smoke]

The files are analysed first (not measured), then recorded the way `traceobject ingest` does
(`ingest.batch_commit`: objects into the evidence store, then the rows in one transaction per
batch of 100 and the `images_recorded` signal), each round in a case of its own:

- "new": images new to the store (the files read again and hashed, the objects written,
  the rows inserted), on the first round;
- "new-rows": images new to the database whose objects are in the store already (the
  image rows deleted before the round): the writer without the object writes, the part that
  the database decides;
- "duplicates": images recorded already, found again in a new case.

Figures: the writer's CPU (process time) per image, on PostgreSQL also the CPU of its server
process (when the server runs on this machine), and the queries per batch. SQLite in a
temporary TRACEOBJECT_HOME unless --database-url names a database (migrated, and the bench's
own images removed from it before the rounds that need them new: use one of your own).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import make_corpus  # noqa: E402


def setup_django(home: Path, database_url: str) -> None:
    os.environ["TRACEOBJECT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def server_cpu(connection: Any) -> float:
    """CPU seconds of this connection's PostgreSQL backend when the server runs on this
    machine (its /proc entry readable); 0 for SQLite (in this process) or a remote server."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL database of your own (default: SQLite, temporary)")
    args = parser.parse_args(argv)
    size = (1200, 900) if args.smoke else (3000, 2000)
    if args.smoke:
        args.files, args.rounds = 12, 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-writer-"))
    try:
        setup_django(tmp / "home", args.database_url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from traceobject.evidence.ingest import (
            BATCH,
            IngestSummary,
            batch_commit,
            case_get_or_create,
            walk,
        )
        from traceobject.evidence.known import KnownMatcher
        from traceobject.evidence.models import EvidenceImage
        from traceobject.vision.analyse import FileAnalysis, analyse_path

        corpus = tmp / "corpus"
        make_corpus(corpus, args.files, size)
        results = [analyse_path(path) for path in walk([corpus])]
        analysed = [r for r in results if isinstance(r, FileAnalysis)]
        known = KnownMatcher()
        print(f"# ingest writer: {len(analysed)} JPEGs of {size[0]}x{size[1]}, "
              f"batches of {BATCH}, {connection.vendor}")
        print("round\tcpu_ms_per_image\tserver_cpu_ms_per_image\twall_ms_per_image\tqueries_per_batch\tingested\t"
              "duplicates")
        kinds = ["new"] + ["new-rows", "duplicates"] * args.rounds
        for round_, kind in enumerate(kinds):
            if kind != "duplicates":  # (a database given by --database-url may hold them)
                EvidenceImage.objects.filter(sha256__in=[r.sha256 for r in analysed]).delete()
            case = case_get_or_create(ref=f"BENCH-WRITER-{round_}-{time.time_ns()}")
            summary = IngestSummary()
            batches = [analysed[i:i + BATCH] for i in range(0, len(analysed), BATCH)]
            server = server_cpu(connection)
            with CaptureQueriesContext(connection) as queries:
                cpu, wall = time.process_time(), time.perf_counter()
                for batch in batches:
                    batch_commit(case, list(batch), summary, known)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            server = server_cpu(connection) - server
            print(f"{kind}\t{1000 * cpu / len(analysed):.2f}\t{1000 * server / len(analysed):.2f}\t"
                  f"{1000 * wall / len(analysed):.2f}\t{len(queries) / len(batches):.1f}\t"
                  f"{summary.ingested}\t{summary.duplicates}")
            if summary.rejected:
                raise SystemExit(f"refused: {summary.rejected[:3]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
