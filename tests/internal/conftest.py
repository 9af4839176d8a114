from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.locales import compiled_locales, use_compiled_locales  # noqa: F401
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage

from ..evidence.conftest import write_jpeg


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


@pytest.fixture
def evidence_image(db, tmp_path: Path) -> EvidenceImage:
    write_jpeg(tmp_path / "seized" / "IMG_0001.jpg", seed=11, size=(900, 600))
    ingest([tmp_path / "seized"], case_ref="CASE-9")
    return EvidenceImage.objects.get()
