from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject

from ..evidence.conftest import drawn_image


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Public pictures written by a test go to a temporary folder (the default storage)."""
    root = tmp_path / "media"
    default = dict(settings.STORAGES["default"])
    default["OPTIONS"] = {**default.get("OPTIONS", {}), "location": str(root)}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    settings.MEDIA_ROOT = root
    return root


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def object_png() -> bytes:
    """A harmless picture of an 'object' (coloured rectangles) that passes the gate."""
    return encoded(drawn_image(7, (480, 360)))


@pytest.fixture
def draft(make_object: Callable[..., TracedObject]) -> TracedObject:
    """A draft with a picture and English and German texts, written by users["investigator"]."""
    return make_object(publish=False, texts={
        "en": {"title": "Red carton", "description": "A carton with a printed logo.",
               "questions": ["Which shop sells this carton?"]},
        "de": {"title": "Roter Karton", "description": "Ein Karton mit Logo."},
    })


@pytest.fixture
def in_review(draft: TracedObject, users: dict[str, Any]) -> TracedObject:
    return catalog.object_submit(obj=draft, user=users["investigator"])
