"""A demo case of generated 'evidence' pictures (objects only, no people), so a newcomer can
try the evidence pages, near-duplicate search and the crop tool."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageEnhance

from traceobject.demo.images import KINDS, draw_object
from traceobject.evidence.ingest import IngestSummary, ingest
from traceobject.evidence.models import Case

DEMO_CASE = "DEMO-2026-001"


def _scene(seed: int) -> Image.Image:
    """Two or three objects on one picture, as if photographed in a room."""
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    scene = draw_object(rng.choice(KINDS), seed, (1600, 1200))
    for slot in range(rng.randint(1, 2)):
        item = draw_object(rng.choice(KINDS), seed * 7 + slot, (560, 420))
        scene.paste(item, (rng.randint(0, 1000), rng.randint(0, 740)))
    return scene


def demo_evidence_load(*, folder: Path, count: int = 24) -> IngestSummary | None:
    """Generate `count` scenes plus altered copies (resized, recompressed, brightened),
    write them under `folder`, and ingest them into the demo case. Idempotent."""
    if Case.objects.filter(ref=DEMO_CASE).exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        scene = _scene(1000 + i)
        exif = Image.Exif()
        exif[0x010F] = "Demo"  # camera make
        exif[0x0110] = f"Camera {i % 3 + 1}"  # model
        scene.save(folder / f"IMG_{i:04d}.jpg", "JPEG", quality=90, exif=exif)
        if i % 4 == 0:  # the same picture found again, altered: near-duplicates
            copy = ImageEnhance.Brightness(scene.resize((800, 600))).enhance(1.1)
            copy.save(folder / f"shared_{i:04d}.jpg", "JPEG", quality=70)
    return ingest([folder], case_ref=DEMO_CASE, workers=1)
