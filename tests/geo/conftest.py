from __future__ import annotations

import pytest

from traceobject.geo import gazetteer, textscan
from traceobject.geo.language import detect_languages


@pytest.fixture(scope="session", autouse=True)
def _warm_geo() -> None:
    """Load the language models and the gazetteer once per session (a few seconds)."""
    gazetteer.warm_up()
    textscan.warm_up()
    detect_languages("Ein kurzer deutscher Satz zum Aufwärmen.")
