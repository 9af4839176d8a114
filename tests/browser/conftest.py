"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's
live server.

Nothing is ever downloaded: the browser is /usr/bin/chromium, and the tests are skipped with a
reason when it is missing. Every test here needs the live server, hence a transactional
database (data committed by the test is visible to the server thread and the other way round).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from asyncio import events as asyncio_events
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    EXPECT_TIMEOUT_MS,
    REPO_ROOT,
    TIMEOUT_MS,
    RequestLog,
)
from traceobject.catalog.models import TracedObject
from traceobject.tips import intake
from traceobject.tips.models import SealedTip


class _PlaywrightLoop:
    """Playwright's sync API runs an asyncio loop in a greenlet of the main thread and marks
    that loop as running between its calls. While it shows:

    - Django refuses ORM calls ("You cannot call this from an async context"), although the
      tests' calls are synchronous: DJANGO_ALLOW_ASYNC_UNSAFE allows them;
    - django.db.connections (an asgiref Local, thread-critical) switches from thread-local to
      context-local storage, i.e. to *other* connection objects than the ones pytest-django
      set up (with SQLite's shared in-memory test database the two then lock each other out):
      the thread's connection objects are put into the context storage too;
    - asyncio.run() and async_to_sync() would fail in any later test of the same process.

    So the loop is shown only while a browser test (or browser fixture) runs, and the rest of
    the session sees neither the loop nor the environment variable.
    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.env: str | None = None
        self.depth = 0

    def capture(self) -> None:
        self.loop = asyncio_events._get_running_loop()
        asyncio_events._set_running_loop(None)

    @contextmanager
    def shown(self) -> Iterator[None]:
        """Re-entrant: the session's browser is launched from within the first test."""
        from django.db import connections

        if self.depth == 0:
            thread_connections = {alias: connections[alias] for alias in connections}
            self.env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            asyncio_events._set_running_loop(self.loop)
            for alias, connection in thread_connections.items():
                connections[alias] = connection
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if self.depth == 0:
                asyncio_events._set_running_loop(None)
                if self.env is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self.env


@pytest.fixture(scope="session")
def _playwright_loop() -> Iterator[tuple[Any, _PlaywrightLoop]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(the browser tests never download a browser)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        pytest.skip("the playwright Python package is not installed (make install)")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    loop = _PlaywrightLoop()
    manager = sync_playwright()
    playwright = manager.__enter__()
    loop.capture()
    yield playwright, loop
    with loop.shown():
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser(_playwright_loop: tuple[Any, _PlaywrightLoop]) -> Iterator[Any]:
    """One chromium per test session (per xdist worker)."""
    playwright, loop = _playwright_loop
    with loop.shown():
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield instance
    with loop.shown():
        instance.close()


@pytest.fixture(autouse=True)
def _browser_test(_playwright_loop: tuple[Any, _PlaywrightLoop]) -> Iterator[None]:
    """Every test here drives the browser: show Playwright's loop for the test's duration.
    Being autouse, this wraps the test's own fixtures (contexts, pages, ORM data)."""
    with _playwright_loop[1].shown():
        yield


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Factory for browser contexts that are closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        # Let the pages finish what they still load (lazy pictures the server draws) before
        # the test's database is emptied: a request the live server is still answering
        # then would write into tables being flushed.
        for open_page in context.pages:
            with contextlib.suppress(Exception):  # a page that never settles is closed anyway
                open_page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        context.close()


@pytest.fixture(params=[False, True], ids=["nojs", "js"])
def js_enabled(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def page(js_enabled: bool, new_context: Callable[..., Any], live_server: Any) -> Any:
    """A page in a fresh context, with JavaScript disabled and enabled: every page must work
    without JavaScript (progressive enhancement)."""
    return new_context(java_script_enabled=js_enabled, base_url=live_server.url).new_page()


@pytest.fixture
def js_page(new_context: Callable[..., Any], live_server: Any) -> Any:
    """A page with JavaScript enabled, for tests that need not run twice."""
    return new_context(java_script_enabled=True, base_url=live_server.url).new_page()


@pytest.fixture
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.skip(f"{AXE_JS.relative_to(REPO_ROOT)} is missing: run `npm install` in the "
                    "repository root to get axe-core")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def request_log(live_server: Any) -> RequestLog:
    return RequestLog(live_server.url)


@pytest.fixture
def screenshot_dir() -> Path:
    """Where test_screenshots.py writes (that module runs only with SCREENSHOTS=1)."""
    folder = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def tip_with_receipt(published: TracedObject) -> tuple[SealedTip, str]:
    """A tip sent through the service (not the browser), and its receipt."""
    tip = intake.tip_validate({"text": "Sold in a supermarket chain in Gdańsk.",
                               "country": "PL", "language": "en"})
    receipt = intake.tip_submit(ref=published.ref, tip=tip)
    return SealedTip.objects.get(), receipt
