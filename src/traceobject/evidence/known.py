"""Known-hash lists (SHA-256, MD5, PDQ with a label), imported from CSV, matched on ingest."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction

from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line, strip_controls
from traceobject.evidence.models import KnownHash
from traceobject.search.pdq_index import PdqIndex
from traceobject.vision.hashing import hex_to_array, hexes_to_array

_HEX = {"sha256": re.compile(r"^[0-9a-f]{64}$"), "md5": re.compile(r"^[0-9a-f]{32}$"),
        "pdq": re.compile(r"^[0-9a-f]{64}$")}
MAX_ROWS = 5_000_000
MAX_LABEL = 200


@dataclass
class ImportResult:
    imported: int
    errors: list[str]


def known_hashes_import(*, text: str, list_name: str) -> ImportResult:
    """Import a CSV with a header naming any of sha256, md5, pdq and a label column.

    Every row is checked first; if any row is malformed nothing is imported. The list name
    (typed by whoever imports) goes through the text cleaner; the labels, read from the file,
    lose any control or invisible character the cleaner would refuse (core.text.strip_controls).
    """
    reader = csv.DictReader(io.StringIO(text))
    columns = {(c or "").strip().lower() for c in (reader.fieldnames or [])}
    kinds = [k for k in ("sha256", "md5", "pdq") if k in columns]
    if not kinds or "label" not in columns:
        return ImportResult(0, ["the header must name a label column and at least one of "
                                "sha256, md5, pdq"])
    try:
        list_name = clean_line(list_name, field="list", max_length=100, label="the list name")
    except ServiceError as error:
        return ImportResult(0, [error.message])
    rows: list[KnownHash] = []
    errors: list[str] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        label = " ".join(strip_controls(row.get("label", "")).split())
        if not label or len(label) > MAX_LABEL:
            errors.append(f"line {number}: a label of 1 to {MAX_LABEL} characters is needed")
            continue
        found = False
        for kind in kinds:
            value = row.get(kind, "").lower()
            if not value:
                continue
            if not _HEX[kind].match(value):
                errors.append(f"line {number}: malformed {kind}")
                continue
            found = True
            rows.append(KnownHash(kind=kind, value=value, label=label, list_name=list_name))
        if not found and not any(e.startswith(f"line {number}:") for e in errors):
            errors.append(f"line {number}: no hash")
        if len(rows) > MAX_ROWS:
            return ImportResult(0, [f"more than {MAX_ROWS} hashes"])
    if errors:
        return ImportResult(0, errors[:50])
    with transaction.atomic():
        KnownHash.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return ImportResult(len(rows), [])


class KnownMatcher:
    """All known hashes, loaded once per ingest run: exact look-ups and a PDQ index."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], str] = {}
        pdq_ids: list[int] = []
        pdq_hex: list[str] = []
        self.pdq_labels: dict[int, str] = {}
        for pk, kind, value, label in KnownHash.objects.values_list("id", "kind", "value",
                                                                     "label"):
            if kind == "pdq":
                pdq_ids.append(pk)
                pdq_hex.append(value)
                self.pdq_labels[pk] = label
            else:
                self.exact.setdefault((kind, value), label)
        self.index = PdqIndex()
        if pdq_ids:
            self.index.add(np.array(pdq_ids, dtype=np.int64), hexes_to_array(pdq_hex))

    def match(self, *, sha256: str, md5: str, pdq: str, quality: int) -> str:
        """The label of a known-hash entry this image matches, or ''."""
        label = self.exact.get(("sha256", sha256)) or self.exact.get(("md5", md5))
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
        label = self.exact.get(("sha256", sha256)) or self.exact.get(("md5", md5))
        if label or not len(self.index):
            return label or ""
        usable = [f.pdq for f in features if f.quality >= settings.PDQ_MIN_QUALITY]
        if not usable:
            return ""
        for hits in self.index.search_many(usable, settings.PDQ_THRESHOLD):
            if hits:
                return self.pdq_labels[hits[0][0]]
        return ""
