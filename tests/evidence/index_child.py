"""A process of its own for the index tests (another machine: its own $TRACEOBJECT_HOME).

    python index_child.py insert FIRST COUNT [--hold FILE]   rows with hashes near(FIRST..)
    python index_child.py serve                              search commands on stdin

``insert`` adds COUNT evidence images whose hashes are ``near(i)`` for i = FIRST.., in one
transaction; with ``--hold`` it commits only once FILE exists (a run committing late).
``serve`` answers lines ``search I`` (ids within 31 of ``near(I)``, then the index state),
``sync``, ``wait`` (for a rebuild in this process) and ``quit``; each answer is one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import django
import numpy as np


def near(i: int) -> str:
    """A hash of its own for each i (random bits)."""
    return np.random.default_rng(10_000 + i).integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def insert(first: int, count: int, hold: Path | None) -> None:
    from django.db import transaction

    from traceobject.evidence.models import EvidenceImage

    with transaction.atomic():
        EvidenceImage.objects.bulk_create([
            EvidenceImage(sha256=f"{i:064x}", md5=f"{i:032x}", pdq=near(i), pdq_quality=90,
                          width=10, height=10, format="JPEG", file_size=1,
                          storage_key=f"k{i}")
            for i in range(first, first + count)])
        print("inserted", flush=True)
        while hold is not None and not hold.exists():
            time.sleep(0.02)
    print("committed", flush=True)


def serve() -> None:
    from traceobject.evidence.index import _IMAGES, pdq_index, pdq_index_sync
    from traceobject.evidence.models import EvidenceImage

    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            return
        if words[0] == "sync":
            answer: object = pdq_index_sync()
        elif words[0] == "wait":  # for the rebuild in this process (PDQ_INDEX_REBUILD_HERE)
            if _IMAGES.rebuilding is not None:
                _IMAGES.rebuilding.join(timeout=60)
            answer = _IMAGES.state()
        else:
            i = int(words[1])
            hits = pdq_index().search(near(i), 31)
            wanted = set(EvidenceImage.objects.filter(pdq=near(i)).values_list("id", flat=True))
            copy = _IMAGES.copy
            answer = {"found": sorted(h[0] for h in hits), "wanted": sorted(wanted),
                      "state": _IMAGES.state(), "mark": copy.mark if copy else None}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    django.setup()
    if sys.argv[1] == "insert":
        hold = Path(sys.argv[5]) if len(sys.argv) > 5 else None
        insert(int(sys.argv[2]), int(sys.argv[3]), hold)
    elif sys.argv[1] == "migrate":
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    else:
        serve()
