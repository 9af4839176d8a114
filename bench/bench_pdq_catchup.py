"""PDQ index catch-up by watermark against a full reload (evidence.index).

    python bench/bench_pdq_catchup.py [--base 1000000] [--new 100000] [--smoke]

In a temporary ``TRACEOBJECT_HOME`` (SQLite there, or the database of ``DATABASE_URL``,
which must be an empty scratch database: it is migrated and filled), inserts ``base``
evidence images with random PDQ hashes (quality 90, through the insert triggers, as ingest
does), brings the saved index up to date, then inserts ``new`` more rows and measures:

* ``catch_up_sync_s``: ``pdq_index_sync()`` as ingest ends with it (publishes the new
  pending rows to the index log, reads the log past the watermark, adds, saves the file);
* ``catch_up_search_s``: a search process's refresh (reads the log past its watermark and
  adds in memory; publishing done);
* baselines, the full reloads: ``full_reload_log_s`` (a fresh copy from the whole log, what a
  rebuild does) and ``full_reload_table_s`` (read every indexable row of the table and build,
  what each ingest run did before the log).

Prints ``figure  value  baseline  ratio`` lines (bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _insert(first: int, count: int, batch: int = 20_000) -> None:
    """``count`` evidence images (plain INSERTs: the triggers note them as ingest's would)."""
    from django.db import connection, transaction
    from django.utils import timezone

    rng = np.random.default_rng(first)
    now = timezone.now()
    sql = ("INSERT INTO evidence_evidenceimage (sha256, md5, pdq, pdq_quality, width, height,"
           " format, mode, frame_count, file_size, camera_make, camera_model, software,"
           " captured_at, storage_key, thumb_key, known_label, warnings, ingested_at)"
           " VALUES (%s, %s, %s, 90, 1, 1, 'JPEG', '', 1, 1, '', '', '', '', %s, '', '', '[]',"
           " %s)")
    for lo in range(first, first + count, batch):
        hi = min(lo + batch, first + count)
        codes = rng.integers(0, 256, size=(hi - lo, 32), dtype=np.uint8)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, [(f"{i:064x}", f"{i:032x}", codes[i - lo].tobytes().hex(),
                                      f"k{i}", now) for i in range(lo, hi)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=1_000_000, help="rows before")
    parser.add_argument("--new", type=int, default=100_000, help="rows added")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.base, args.new = 20_000, 2_000
    home = Path(tempfile.mkdtemp(prefix="bench-pdq-catchup-"))
    try:
        os.environ["TRACEOBJECT_HOME"] = str(home)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", interactive=False, verbosity=0)
        from traceobject.evidence.index import _IMAGES, _Copy, _epoch, pdq_index_sync
        from traceobject.evidence.models import EvidenceImage
        from traceobject.search.pdq_index import PdqIndex
        from traceobject.vision.hashing import hexes_to_array

        start = time.perf_counter()
        _insert(0, args.base)
        insert_s = time.perf_counter() - start
        start = time.perf_counter()
        assert pdq_index_sync() == args.base
        first_sync_s = time.perf_counter() - start
        searcher = _Copy(PdqIndex(), epoch=_epoch())  # a search process, caught up
        searcher.catch_up(_IMAGES.source)

        _insert(args.base, args.new)
        start = time.perf_counter()
        assert pdq_index_sync() == args.new
        sync_s = time.perf_counter() - start
        start = time.perf_counter()
        assert searcher.catch_up(_IMAGES.source) == args.new
        search_s = time.perf_counter() - start

        start = time.perf_counter()
        fresh = _Copy(PdqIndex(), epoch=_epoch())
        fresh.catch_up(_IMAGES.source)
        log_s = time.perf_counter() - start
        assert len(fresh.index) == args.base + args.new
        start = time.perf_counter()
        rows = list(EvidenceImage.objects.filter(pdq_quality__gte=50).exclude(pdq="")
                    .values_list("id", "pdq"))
        table = PdqIndex()
        table.add(np.array([r[0] for r in rows], dtype=np.int64),
                  hexes_to_array([r[1] for r in rows]))
        table_s = time.perf_counter() - start
        assert len(table) == args.base + args.new

        print(f"# {connection.vendor}: {args.base} rows, then {args.new} new;"
              f" inserting the base took {insert_s:.1f} s, the first sync {first_sync_s:.1f} s")
        print("figure\tvalue\tbaseline\tratio")
        for figure, value, name, base in (
            ("catch_up_sync_s", sync_s, "full_reload_table_s", table_s),
            ("catch_up_search_s", search_s, "full_reload_table_s", table_s),
            ("catch_up_search_s", search_s, "full_reload_log_s", log_s),
        ):
            print(f"{figure}\t{value:.3f}\t{name}={base:.3f}\t{value / base:.3f}")
        return 0
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
