import sys
from typing import Any

from tests.core.locales import compiled_locales, use_compiled_locales  # noqa: F401
from tests.routing.conftest import (  # noqa: F401 - fixtures of the internal API tests
    authorities,
    forward,
    forwarding_de,
    forwarding_fr,
    submit_tips,
)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The schema fuzzing's figures (tests/api/test_schema_fuzz.py), when it ran in this
    process (not under xdist's controller)."""
    fuzz = sys.modules.get("tests.api.test_schema_fuzz")
    if fuzz is not None and fuzz.FIGURES.requests:
        terminalreporter.write_sep("=", "schema fuzzing")
        terminalreporter.write_line(fuzz.figures_report())
