"""Why a file was refused: one shape for images and videos (Django-free)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileRejection:
    """A refused file. ``reason`` is a short snake_case code, ``message`` a sentence."""

    path: str
    size: int
    mtime_ns: int
    reason: str
    message: str
    sha256: str = ""
