"""The evidence database at scale on PostgreSQL: grid, image page, look-ups, known-hash import.

    python bench/bench_evidence_db.py [--images 1000000] [--server postgres://...] [--smoke]
                                      [--keep] [--explain]

Creates a database of its own on the server (``bench_evidence_db``; dropped at the end unless
``--keep``), migrates it, and fills it straight in SQL (generate_series, indexes built after
the rows): N evidence images with their files in cases of 100,000 images, one big case of
max(100,000, N/10) images (its images spread over the whole id range), a copy of every 20th
image in another case, a second path in the big case for every 50th, crops and views.

Figures, each a median over rounds, as a ratio to a primary-key fetch of one EvidenceImage
(``EvidenceImage.objects.get(pk=...)``, random ids) measured in the same run:

* ``grid_<sort>_first`` / ``grid_<sort>_deep``: ``evidence.selectors.case_grid`` on the big
  case, page 1 and the last page (60 a page), for every sort;
* ``grid_<filter>_first``: page 1 by name with each filter;
* ``case_page`` / ``image_page``: the back-office pages (Django test client, signed in);
* ``image_page_queries``: the image page's own reads without rendering (files with their
  cases, crops, video provenance, the view record);
* ``lookup_sha256`` / ``lookup_md5``: an exact look-up of an image by hash;
* ``known_import``: ``known_hashes_import`` of N rows streamed from a CSV file, against
  COPY of the same file into an unindexed table (PostgreSQL's floor);
* ``known_matcher_load``: building ``KnownMatcher`` from the N rows, and its bytes a hash.

The PDQ index is left empty (its cost is bench_pdq.py's): the grid's near-duplicate counts
find nothing, the "near" filter still reads the case's hashes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DB_NAME = "bench_evidence_db"
CASE_SIZE = 100_000


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def figure(name: str, value: float, baseline: str, ratio: float | str) -> None:
    shown = f"{ratio:.1f}" if isinstance(ratio, float) else ratio
    print(f"{name}\t{value:.3f}\t{baseline}\t{shown}", flush=True)


def admin_sql(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(home: Path, url: str) -> None:
    os.environ["TRACEOBJECT_HOME"] = str(home)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


_TABLES = ("evidence_evidenceimage", "evidence_evidencefile", "evidence_evidenceview",
           "evidence_crop")


def _drop_secondary(cursor: Any) -> list[str]:
    """Drop the evidence tables' foreign keys, unique constraints and indexes (not the
    primary keys); return the statements that make them again."""
    again: list[str] = []
    cursor.execute("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
        FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u')
        ORDER BY contype DESC""", [list(_TABLES)])
    constraints = cursor.fetchall()
    for table, name, _definition, _kind in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute("""
        SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)
        AND indexname NOT LIKE '%%_pkey'""", [list(_TABLES)])
    for name, definition in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
        again.append(definition)
    # unique constraints first (their indexes), then foreign keys
    again += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints
              if k == "u"]
    again += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints
              if k == "f"]
    return again


def fill(n: int, user_id: int, big: int) -> tuple[int, int]:
    """Fill the database; return (the big case's id, its image count)."""
    from django.db import connection

    big = min(n, big)
    step = max(1, n // big)  # the big case holds every step-th image
    others = max(1, (n - big) // CASE_SIZE)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        again = _drop_secondary(cursor)
        started = time.perf_counter()
        cursor.execute("""
            INSERT INTO evidence_case (id, ref, title, created_at)
            SELECT c, CASE WHEN c = 1 THEN 'BIG' ELSE 'C' || lpad(c::text, 4, '0') END,
                   'bench', now() FROM generate_series(1, %s) c""", [others + 1])
        cursor.execute("""
            INSERT INTO evidence_evidenceimage (id, sha256, md5, pdq, pdq_quality, width,
                height, format, mode, frame_count, file_size, camera_make, camera_model,
                software, captured_at, gps_lat, gps_lon, orientation, storage_key, thumb_key,
                known_label, warnings, ingested_at)
            SELECT i, encode(sha256(int8send(i)), 'hex'), md5(i::text),
                   encode(sha256(int8send(-i)), 'hex'), 80 + i %% 21, 3000, 2000, 'JPEG',
                   'RGB', 1, 10000 + (i * 2654435761) %% 8000000, 'Canon', 'EOS 80D', '',
                   CASE WHEN i %% 5 = 0 THEN '' ELSE to_char(timestamp '2012-01-01'
                        + ((i * 7919) %% 400000000) * interval '1 second',
                        'YYYY-MM-DD"T"HH24:MI:SS') END,
                   NULL, NULL, 1, 'images/' || i, 'thumbs/' || i, '', '[]'::jsonb,
                   now() - (%s - i) * interval '10 milliseconds'
            FROM generate_series(1, %s::bigint) i""", [n, n])
        # every image once, in the big case or in one of the others; every 20th again in
        # another case; every 50th of the big case under a second path there
        cursor.execute("""
            INSERT INTO evidence_evidencefile (image_id, case_id, path, size, mtime_ns)
            SELECT i, CASE WHEN i %% %s = 0 AND i / %s <= %s THEN 1 ELSE 2 + i %% %s END,
                   '/mnt/disk' || i %% 3 || '/' || substr(md5('d' || i), 1, 2) || '/IMG_'
                   || lpad(i::text, 9, '0') || '.jpg', 10000, i
            FROM generate_series(1, %s::bigint) i
            UNION ALL
            SELECT i, 2 + (i + 1) %% %s, '/copies/' || i || '.jpg', 10000, i
            FROM generate_series(20, %s::bigint, 20) i
            UNION ALL
            SELECT i, 1, '/backup/' || substr(md5('b' || i), 1, 6) || '/' || i || '.jpg',
                   10000, i
            FROM generate_series(%s::bigint, %s, %s) i WHERE i / %s <= %s""",
                       [step, step, big, others, n, others, n, step * 50, n, step * 50,
                        step, big])
        cursor.execute("""
            INSERT INTO evidence_evidenceview (user_id, image_id, first_viewed_at,
                                               last_viewed_at)
            SELECT %s, image_id, now(), now() FROM evidence_evidencefile
            WHERE case_id = 1 AND image_id %% 3 = 0 GROUP BY image_id""", [user_id])
        cursor.execute("""
            INSERT INTO evidence_crop (image_id, x, y, w, h, redactions, storage_key, width,
                height, created_by_id, created_at, gate_verdict, gate_findings,
                text_findings, override_reason)
            SELECT DISTINCT image_id, 0, 0, 100, 100, '[]'::jsonb, 'crops/' || image_id, 100,
                   100, %s, now(), 'pass', '[]'::jsonb, '[]'::jsonb, ''
            FROM evidence_evidencefile WHERE case_id = 1 AND image_id %% 100 = 0""",
                       [user_id])
        rows_s = time.perf_counter() - started
        started = time.perf_counter()
        for statement in again:
            cursor.execute(statement)
        for table in ("evidence_case", "evidence_evidenceimage", "evidence_evidencefile",
                      "evidence_evidenceview", "evidence_crop"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                           f"(SELECT max(id) FROM {table}))")
            cursor.execute(f"VACUUM ANALYZE {table}")
        index_s = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM evidence_evidencefile WHERE case_id = 1")
        files_big = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    note(f"filled {n:,} images in {others + 1} cases: rows {rows_s:.0f} s, indexes and "
         f"analyse {index_s:.0f} s; big case {files_big:,} files; database "
         f"{size / 2**30:.2f} GiB")
    return 1, files_big


def median_s(fn: Callable[[], Any], rounds: int) -> float:
    fn()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def explain(sql: str, params: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        for (line,) in cursor.fetchall():
            print(f"#   {line}", file=sys.stderr)


def write_known_csv(path: Path, n: int, images: int) -> None:
    """N rows: a sha256 (every 7th one of an image's) and every 3rd with an md5 too."""
    from django.db import connection

    with connection.cursor() as cursor, open(path, "wb") as out:
        out.write(b"sha256,md5,label\n")
        with cursor.connection.cursor().copy(
                "COPY (SELECT CASE WHEN i %% 7 = 0 THEN encode(sha256(int8send(i %% %s + 1)), "
                "'hex') ELSE encode(sha256(('k' || i)::bytea), 'hex') END, "
                "CASE WHEN i %% 3 = 0 THEN md5('m' || i) ELSE '' END, "
                "'series ' || i %% 1000 FROM generate_series(1, %s::bigint) i) "
                "TO STDOUT WITH (FORMAT csv)", [images, n]) as copy:
            for chunk in copy:
                out.write(chunk)


def bench_known(n: int, images: int, folder: Path) -> None:
    from django.db import connection

    from traceobject.evidence.known import KnownMatcher, known_hashes_import
    from traceobject.evidence.models import KnownHash

    csv_path = folder / "known.csv"
    write_known_csv(csv_path, n, images)
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE bench_copy (sha256 text, md5 text, label text)")
        started = time.perf_counter()
        with open(csv_path, "rb") as source, cursor.connection.cursor().copy(
                "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        floor = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE evidence_knownhash")  # (a run with --reuse: empty again)
    started = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as source:
        result = known_hashes_import(source=source, list_name="bench")
    took = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"known-hash import failed: {result.errors[:3]}")
    stored = KnownHash.objects.count()
    figure("known_import_s", took, f"copy_floor_s={floor:.1f}", took / floor)
    note(f"known-hash import: {n:,} rows, {result.imported:,} hashes, {stored:,} stored, "
         f"{result.imported / took:,.0f} hashes/s")
    started = time.perf_counter()
    matcher = KnownMatcher()
    load = time.perf_counter() - started
    figure("known_matcher_load_s", load, "-", "-")
    note(f"KnownMatcher: {matcher.nbytes / max(1, matcher.exact_count):.1f} bytes an exact "
         f"hash ({matcher.exact_count:,} hashes, {matcher.nbytes / 2**20:.0f} MiB)")
    from traceobject.evidence.models import EvidenceImage

    probe = list(EvidenceImage.objects.filter(pk__lte=7000).values_list("sha256", "md5"))
    started = time.perf_counter()
    hits = sum(1 for s, m in probe if matcher.match(sha256=s, md5=m, pdq="", quality=0))
    each = (time.perf_counter() - started) / len(probe)
    figure("known_match_us", each * 1e6, "-", "-")
    note(f"KnownMatcher.match: {hits} of {len(probe)} probed images known")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--known", type=int, default=None,
                        help="rows of the known-hash list (default: --images)")
    parser.add_argument("--server", default=os.environ.get(
        "BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big", type=int, default=None,
                        help="images of the big case (default max(100,000, N/10))")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a run with --keep left (no filling)")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the grid's queries (to standard error)")
    args = parser.parse_args()
    if args.smoke:
        args.images, args.rounds = 20_000, 2
    known_rows = args.known if args.known is not None else args.images
    try:
        import psycopg  # noqa: F401

        if not args.reuse:
            admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME}")
            admin_sql(args.server, f"CREATE DATABASE {DB_NAME}")
    except Exception as error:  # no server: the benchmark needs PostgreSQL
        note(f"no PostgreSQL at {args.server} ({error}); skipped")
        return 0 if args.smoke else 1
    try:
        with tempfile.TemporaryDirectory() as tmp:
            setup_django(Path(tmp) / "home", f"{args.server.rstrip('/')}/{DB_NAME}")
            return run(args, known_rows, Path(tmp))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run(args: argparse.Namespace, known_rows: int, folder: Path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_inbox import make_investigator, signed_in_client
    from traceobject.evidence import services as evidence_services
    from traceobject.evidence.models import Case, EvidenceImage
    from traceobject.evidence.selectors import (
        GRID_FILTERS,
        GRID_SORTS,
        case_grid,
        image_video_provenance,
    )

    if args.reuse:
        from django.contrib.auth.models import User

        from traceobject.evidence.models import EvidenceFile

        user = User.objects.get(username="bench-ivy")
        n = EvidenceImage.objects.order_by("-pk").values_list("pk", flat=True)[0]
        case_id = Case.objects.get(ref="BIG").pk
        big = EvidenceFile.objects.filter(case_id=case_id).count()
    else:
        user = make_investigator()
        n = args.images
        case_id, big = fill(n, user.pk, args.big or max(CASE_SIZE, n // 10))
    case = Case.objects.get(pk=case_id)
    rng = random.Random(5)
    rounds = args.rounds

    def pk_fetch() -> None:
        EvidenceImage.objects.get(pk=rng.randint(1, n))

    pk_fetch_ms = statistics.median(median_s(pk_fetch, 50) for _ in range(rounds)) * 1000
    figure("pk_fetch_ms", pk_fetch_ms, "-", "-")
    note(f"N = {n:,} images; big case {big:,} files; ratios are to pk_fetch_ms")

    def measure(name: str, fn: Callable[[], Any]) -> float:
        ms = median_s(fn, rounds) * 1000
        figure(f"{name}_ms", ms, f"pk_fetch_ms={pk_fetch_ms:.3f}", ms / pk_fetch_ms)
        return ms

    last_page: dict[str, int] = {}
    for sort in GRID_SORTS:
        page, _rows = case_grid(case=case, user=user, sort=sort, page=1)
        last_page[sort] = page.paginator.num_pages
        measure(f"grid_{sort}_first", lambda s=sort: case_grid(case=case, user=user, sort=s,
                                                                page=1))
        measure(f"grid_{sort}_deep", lambda s=sort: case_grid(
            case=case, user=user, sort=s, page=last_page[s]))
    for name in GRID_FILTERS:
        measure(f"grid_{name}_first", lambda f=name: case_grid(case=case, user=user,
                                                                filters=[f], page=1))
    if args.explain:
        for sort, page_number in (("name", 1), ("name", last_page["name"]), ("-size", 1),
                                  ("taken", last_page["taken"])):
            with CaptureQueriesContext(connection) as captured:
                case_grid(case=case, user=user, sort=sort, page=page_number)
            for query in captured.captured_queries:
                print(f"# query of grid {sort} page {page_number}: {query['sql'][:3000]}",
                      file=sys.stderr)
                explain(query["sql"], None)
    with CaptureQueriesContext(connection) as captured:
        case_grid(case=case, user=user, sort="name", page=1)
    note(f"case_grid: {len(captured.captured_queries)} queries")

    client = signed_in_client(user)
    measure("case_page", lambda: client.get(reverse("internal:case", args=[case.ref])))
    measure("case_page_deep", lambda: client.get(
        reverse("internal:case", args=[case.ref]) + f"?page={last_page['name']}"))
    image_id = case_grid(case=case, user=user, page=1)[1][0].image.pk

    def image_page() -> None:
        response = client.get(reverse("internal:evidence", args=[image_id]))
        assert response.status_code == 200, response.status_code

    measure("image_page", image_page)

    def image_queries() -> None:
        image = EvidenceImage.objects.get(pk=image_id)
        list(image.files.select_related("case"))
        list(image.crops.all())
        image_video_provenance(image=image)
        evidence_services.evidence_viewed_record(user=user, image=image)

    measure("image_page_queries", image_queries)
    shas = list(EvidenceImage.objects.filter(pk__in=[rng.randint(1, n) for _ in range(200)])
                .values_list("sha256", "md5"))
    measure("lookup_sha256", lambda: EvidenceImage.objects.get(sha256=rng.choice(shas)[0]))
    measure("lookup_md5", lambda: EvidenceImage.objects.filter(
        md5=rng.choice(shas)[1]).first())
    if known_rows:
        bench_known(known_rows, n, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
