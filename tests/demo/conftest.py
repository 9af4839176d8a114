from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Public pictures written by a test go to a temporary folder (the default storage)."""
    root = tmp_path / "media"
    default = dict(settings.STORAGES["default"])
    default["OPTIONS"] = {**default.get("OPTIONS", {}), "location": str(root)}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    settings.MEDIA_ROOT = root
    return root
