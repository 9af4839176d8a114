"""The evidence store's settings (TRACEOBJECT_EVIDENCE_STORAGE, TRACEOBJECT_EVIDENCE_S3_*; see
core/storage_settings.py and README.md). No Django imports: settings.py calls this while it is
being loaded."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from traceobject.core.storage_settings import FILESYSTEM_BACKEND, S3_BACKEND, storage_entry

__all__ = ["FILESYSTEM_BACKEND", "P", "S3_BACKEND", "evidence_storage"]

P = "TRACEOBJECT_EVIDENCE_S3_"


def evidence_storage(*, home: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The STORAGES["evidence"] entry described by the environment."""
    return storage_entry(store="EVIDENCE", folder=home / "evidence", env=env)
