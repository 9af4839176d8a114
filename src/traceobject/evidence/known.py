"""Known-hash lists (SHA-256, MD5, PDQ with a label), imported from CSV, matched on ingest."""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max

from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line, strip_controls
from traceobject.evidence.models import KnownHash
from traceobject.search.pdq_index import PdqIndex
from traceobject.vision.hashing import hex_to_array, hexes_to_array

_HEX = {"sha256": re.compile(r"^[0-9a-f]{64}$"), "md5": re.compile(r"^[0-9a-f]{32}$"),
        "pdq": re.compile(r"^[0-9a-f]{64}$")}
#: Hashes one import may hold (a list of 10 M images with SHA-256 and MD5 is 20 M).
MAX_ROWS = 25_000_000
MAX_LABEL = 200
#: Characters a line of the file may have (three hashes, a label, quotes: well under 1,000).
MAX_LINE = 4096
#: Errors reported (the import stops reading after as many).
MAX_ERRORS = 50
#: Rows written to the database at a time (COPY on PostgreSQL, executemany elsewhere).
CHUNK = 20_000


@dataclass
class ImportResult:
    imported: int
    errors: list[str]


class _ImportRefused(Exception):
    """Something in the file is wrong: the transaction is rolled back, nothing imported."""


class _LineTooLong(Exception):
    pass


def _bounded_lines(source: Any) -> Iterator[str]:
    """The file's lines, none longer than MAX_LINE characters (a file of one huge line
    is refused without being read into memory)."""
    readline = getattr(source, "readline", None)
    if readline is None:
        for line in source:
            if len(line) > MAX_LINE:
                raise _LineTooLong
            yield line
        return
    while line := readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise _LineTooLong
        yield line


class _KnownWriter:
    """Writes validated (kind, value, label) rows of one import inside its transaction:
    on PostgreSQL COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING
    of each hash's first row in the file (its label wins, as before); elsewhere executemany
    of INSERT ... ON CONFLICT DO NOTHING in the file's order."""

    def __init__(self, list_name: str) -> None:
        self.list_name = list_name
        self.table = connection.ops.quote_name(KnownHash._meta.db_table)
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS pg_temp.known_import")
                cursor.execute("CREATE TEMPORARY TABLE known_import (n bigserial, kind text, "
                               "value text, label text)")

    def write(self, rows: Sequence[tuple[str, str, str]]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(
                        "COPY known_import (kind, value, label) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                # the table's name comes from the model; values are parameters
                cursor.executemany(
                    f"INSERT INTO {self.table} (kind, value, label, list_name) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(*row, self.list_name) for row in rows])

    def finish(self) -> None:
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            # Each hash's first row in the file, in the unique index's order: the index is
            # filled nearly in order instead of at 13 M random places (measured at 10 M rows:
            # more than 5 minutes in file order with PostgreSQL's default 128 MB of buffers).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                f"INSERT INTO {self.table} (kind, value, label, list_name) "  # noqa: S608
                "SELECT DISTINCT ON (kind, value) kind, value, label, %s FROM known_import "
                "ORDER BY kind, value, n ON CONFLICT DO NOTHING", [self.list_name])
            cursor.execute("DROP TABLE pg_temp.known_import")


def known_hashes_import(*, list_name: str, source: Iterable[str] | None = None,
                        text: str | None = None) -> ImportResult:
    """Import a CSV with a header naming any of sha256, md5, pdq and a label column, read
    from ``source`` (a text file or lines, streamed) or ``text``.

    Every row is checked; if any row is malformed (or a line is longer than MAX_LINE, or
    there are more than MAX_ROWS hashes) nothing is imported: the rows are written as they
    are read, in one transaction that is rolled back. The list name (typed by whoever
    imports) goes through the text cleaner; the labels, read from the file, lose any control
    or invisible character the cleaner would refuse (core.text.strip_controls). Returns the
    hashes read (a hash already in the list is kept as it was).
    """
    if source is None:
        source = io.StringIO(text or "")
    reader = csv.DictReader(_bounded_lines(source))
    try:
        fieldnames = reader.fieldnames
    except _LineTooLong:
        return ImportResult(0, [f"line 1: longer than {MAX_LINE} characters"])
    except csv.Error as error:
        return ImportResult(0, [f"line 1: {error}"])
    columns = {(c or "").strip().lower() for c in (fieldnames or [])}
    kinds = [k for k in ("sha256", "md5", "pdq") if k in columns]
    if not kinds or "label" not in columns:
        return ImportResult(0, ["the header must name a label column and at least one of "
                                "sha256, md5, pdq"])
    try:
        list_name = clean_line(list_name, field="list", max_length=100, label="the list name")
    except ServiceError as error:
        return ImportResult(0, [error.message])
    errors: list[str] = []
    count = 0
    try:
        with transaction.atomic():
            writer = _KnownWriter(list_name)
            count = _read_rows(reader, kinds, writer, errors)
            if errors:
                raise _ImportRefused
            writer.finish()
    except _ImportRefused:
        return ImportResult(0, errors[:MAX_ERRORS])
    return ImportResult(count, [])


def _read_rows(reader: csv.DictReader[str], kinds: list[str], writer: _KnownWriter,
               errors: list[str]) -> int:
    """Check every row, write the good ones in chunks while none is bad; return the hashes
    read. Problems go to ``errors``."""
    batch: list[tuple[str, str, str]] = []
    count = 0
    number = 1
    try:
        for number, raw in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
                   if k and isinstance(v, str | None)}
            label = " ".join(strip_controls(row.get("label", "")).split())
            if not label or len(label) > MAX_LABEL:
                errors.append(f"line {number}: a label of 1 to {MAX_LABEL} characters is "
                              "needed")
            else:
                found = bad = False
                for kind in kinds:
                    value = row.get(kind, "").lower()
                    if not value:
                        continue
                    if not _HEX[kind].match(value):
                        errors.append(f"line {number}: malformed {kind}")
                        bad = True
                        continue
                    found = True
                    count += 1
                    if not errors:
                        batch.append((kind, value, label))
                if not found and not bad:
                    errors.append(f"line {number}: no hash")
            if count > MAX_ROWS:
                errors[:] = [f"more than {MAX_ROWS} hashes"]
                break
            if len(errors) >= MAX_ERRORS:
                break
            if len(batch) >= CHUNK and not errors:
                writer.write(batch)
                batch = []
    except _LineTooLong:
        errors.append(f"line {number + 1}: longer than {MAX_LINE} characters")
    except csv.Error as error:
        errors.append(f"line {number + 1}: {error}")
    if not errors:
        writer.write(batch)
    return count


class _ExactHashes:
    """Known SHA-256 or MD5 values as a sorted array of fixed-width bytes (32 or 16 a
    hash) with a label number each (4 bytes): searched by bisection."""

    def __init__(self, width: int, digests: bytearray, labels: list[int]) -> None:
        values = np.frombuffer(bytes(digests), dtype=f"S{width}")
        numbers = np.array(labels, dtype=np.int32)
        order = np.argsort(values, kind="stable")  # the first row of a repeated hash wins
        values, numbers = values[order], numbers[order]
        keep = np.ones(len(values), dtype=bool)
        keep[1:] = values[1:] != values[:-1]
        self.values, self.labels, self.width = values[keep], numbers[keep], width

    def __len__(self) -> int:
        return len(self.values)

    def find(self, digest: bytes) -> int:
        """The label number of ``digest``, or -1."""
        if not len(self.values):
            return -1
        key = np.array([digest], dtype=f"S{self.width}")
        at = int(np.searchsorted(self.values, key)[0])
        if at < len(self.values) and self.values[at] == key[0]:
            return int(self.labels[at])
        return -1

    @property
    def nbytes(self) -> int:
        return int(self.values.nbytes + self.labels.nbytes)


class KnownMatcher:
    """All known hashes, loaded once per ingest run: exact look-ups and a PDQ index.

    The SHA-256 and MD5 values are read from the database in chunks (a server-side cursor
    on PostgreSQL) into sorted arrays of raw digests, 36 and 20 bytes a hash with the label's
    number; each distinct label is kept once. The PDQ entries go to a PdqIndex."""

    def __init__(self) -> None:
        label_numbers: dict[str, int] = {}
        digests = {"sha256": bytearray(), "md5": bytearray()}
        numbers: dict[str, list[int]] = {"sha256": [], "md5": []}
        pdq_ids: list[int] = []
        pdq_hex: list[str] = []
        self.pdq_labels: dict[int, str] = {}
        rows = (KnownHash.objects.order_by("id").values_list("id", "kind", "value", "label")
                .iterator(chunk_size=20_000))
        for pk, kind, value, label in rows:
            if kind == "pdq":
                pdq_ids.append(pk)
                pdq_hex.append(value)
                self.pdq_labels[pk] = label
                continue
            if kind not in digests or not _HEX[kind].match(value):
                continue
            digests[kind] += bytes.fromhex(value)
            numbers[kind].append(label_numbers.setdefault(label, len(label_numbers)))
        self.label_list = list(label_numbers)
        self.sha256 = _ExactHashes(32, digests["sha256"], numbers["sha256"])
        self.md5 = _ExactHashes(16, digests["md5"], numbers["md5"])
        del digests, numbers
        self.index = PdqIndex()
        if pdq_ids:
            self.index.add(np.array(pdq_ids, dtype=np.int64), hexes_to_array(pdq_hex))

    @property
    def exact_count(self) -> int:
        return len(self.sha256) + len(self.md5)

    @property
    def nbytes(self) -> int:
        """Memory of the exact look-ups (arrays and labels)."""
        return (self.sha256.nbytes + self.md5.nbytes
                + sum(len(label.encode()) + 49 for label in self.label_list))

    def exact(self, *, sha256: str, md5: str) -> str:
        """The label of a known SHA-256 (first) or MD5 entry, or ''."""
        for table, kind, value in ((self.sha256, "sha256", sha256), (self.md5, "md5", md5)):
            if value and _HEX[kind].match(value):
                number = table.find(bytes.fromhex(value))
                if number >= 0:
                    return self.label_list[number]
        return ""

    def match(self, *, sha256: str, md5: str, pdq: str, quality: int) -> str:
        """The label of a known-hash entry this image matches, or ''."""
        label = self.exact(sha256=sha256, md5=md5)
        if label:
            return label
        if not pdq or quality < settings.PDQ_MIN_QUALITY or not len(self.index):
            return ""
        hits = self.index.search(hex_to_array(pdq), threshold=settings.PDQ_THRESHOLD)
        return self.pdq_labels[hits[0][0]] if hits else ""

    def match_video(self, *, sha256: str, md5: str, features: Sequence[Any]) -> str:
        """The label of a known-hash entry a video matches: by its file's SHA-256 or MD5,
        else by a PDQ entry near one of its vPDQ frame hashes (objects with pdq and quality;
        a known picture seen in a video), or ''."""
        label = self.exact(sha256=sha256, md5=md5)
        if label or not len(self.index):
            return label or ""
        usable = [f.pdq for f in features if f.quality >= settings.PDQ_MIN_QUALITY]
        if not usable:
            return ""
        for hits in self.index.search_many(usable, settings.PDQ_THRESHOLD):
            if hits:
                return self.pdq_labels[hits[0][0]]
        return ""


_matcher_lock = threading.Lock()
_matcher: tuple[tuple[int, int], KnownMatcher] | None = None


def known_matcher() -> KnownMatcher:
    """The known hashes for a queued ingest's batches: loaded once per worker process and again
    when the lists changed (their count or highest id: an import adds rows; ids freed by a
    rolled-back import can come back, the count then tells). Loading 13 M hashes takes about
    40 s; the check is one aggregate query a batch. The direct ingest loads its own per run."""
    global _matcher
    stamp = KnownHash.objects.aggregate(n=Count("id"), top=Max("id"))
    key = (int(stamp["n"] or 0), int(stamp["top"] or 0))
    with _matcher_lock:
        if _matcher is None or _matcher[0] != key:
            _matcher = (key, KnownMatcher())
        return _matcher[1]
