"""PDQ conformance: the shared ThreatExchange reference vectors.

Each image must hash within Hamming distance 16 of the reference value (the
reference suite's own tolerance), decoded as RGB with orientation not applied.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from traceobject.vision.decode import decode_for_hashing, decode_image
from traceobject.vision.hashing import hamming, pdq_hash

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "pdq"
TOLERANCE = 16


def _vectors() -> list[tuple[str, str]]:
    if not (CONFORMANCE / "expected.tsv").is_file():
        return []
    with (CONFORMANCE / "expected.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [(row["file"], row["pdq_hex"]) for row in rows]


VECTORS = _vectors()
pytestmark = pytest.mark.skipif(
    not VECTORS, reason=f"PDQ conformance vectors not found at {CONFORMANCE}"
)


def test_every_listed_image_is_present() -> None:
    images = {p.name for p in (CONFORMANCE / "images").iterdir()}
    assert {name for name, _ in VECTORS} == images
    assert len(VECTORS) >= 10


@pytest.mark.parametrize(("name", "expected"), VECTORS, ids=[name for name, _ in VECTORS])
def test_pdq_matches_reference(name: str, expected: str) -> None:
    path = CONFORMANCE / "images" / name
    # the ingest path: reduced decode, like the reference hasher's thumbnail(512, 512)
    reduced = decode_for_hashing(path, apply_orientation=False)
    got, quality = pdq_hash(reduced.pixels)
    assert len(got) == 64 and got == got.lower()
    assert 0 <= quality <= 100
    assert hamming(got, expected) <= TOLERANCE, (got, expected)
    # and a full-resolution decode is within tolerance too
    full = decode_image(path, apply_orientation=False)
    full_hash, _ = pdq_hash(full.pixels)
    assert hamming(full_hash, expected) <= TOLERANCE, (full_hash, expected)
