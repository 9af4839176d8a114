"""The shared browser fixtures (tests/browser/conftest.py), for the routing pages only."""

from tests.browser.conftest import (  # noqa: F401
    _browser_test,
    _playwright_loop,
    axe_source,
    browser,
    new_context,
    screenshot_dir,
)
