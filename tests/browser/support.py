"""What the browser tests share besides fixtures: the browser's place and options, viewports,
and a log of the requests a page makes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
RECEIPT_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){4}$")  # Crockford
# Actions wait at most this long: a local server answers in milliseconds, so a hang fails fast.
TIMEOUT_MS = 10_000
EXPECT_TIMEOUT_MS = 3_000


class RequestLog:
    """Every URL a page asked for, to prove the site makes no third-party request."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.urls: list[str] = []

    def record(self, request: Any) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        own = urlsplit(self.origin)
        hosts = {(own.scheme, own.hostname, own.port)}
        return [
            url for url in self.urls
            if urlsplit(url).scheme not in {"data", "blob", "about"}
            and (urlsplit(url).scheme, urlsplit(url).hostname, urlsplit(url).port) not in hosts
        ]
