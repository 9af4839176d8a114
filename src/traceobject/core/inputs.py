"""Checks of raw input text that no database can store (no Django imports here).

PostgreSQL refuses NUL in text (a DataError, then a 500), and no database can store a lone
surrogate (it has no UTF-8 form). Input holding either is refused before it reaches a query.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    """False if `text` holds a NUL character or a lone surrogate."""
    return _UNSTORABLE.search(text) is None
