"""Whole-page cache for public pages that are the same for every visitor.

Views opt in with :func:`cached_public_page`. :class:`PublicPageCacheMiddleware` sits right
after the static-file server, in front of sessions, CSRF, locale and CSP: a hit is answered
from the cache with the headers the full stack produced the first time. Pages are keyed by
host, full path (the language is in the path) and the catalogue's version: every catalogue write
bumps the version, so a changed object never shows stale. Several server processes need a
shared cache (REDIS_URL) for the version to reach all of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from traceobject.core.emergency import COOKIE as EMERGENCY_COOKIE
from traceobject.core.emergency import emergency_country

_VERSION_KEY = "catalog:version"
PAGE_TIMEOUT = 300
_KEPT_HEADERS = ("Cache-Control", "Content-Type", "Content-Language", "Content-Security-Policy",
                 "Permissions-Policy", "Referrer-Policy", "X-Content-Type-Options",
                 "X-Frame-Options", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
                 "Strict-Transport-Security", "Vary")


def catalog_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, timeout=None)
        version = cache.get(_VERSION_KEY, 1)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.add(_VERSION_KEY, 2, timeout=None)


def catalog_changed() -> None:
    """Call after any write that changes what the public sees of the catalogue. The version
    moves when the transaction commits (and now as well), so no reader can cache the old
    page under the new version."""
    _bump()
    transaction.on_commit(_bump)


# Public pages read only these parameters; others do not make a new cache entry.
QUERY_KEYS = ("category", "campaign", "page")


def _key(request: HttpRequest, host: str) -> str:
    query = "&".join(f"{k}={request.GET.get(k, '')[:80]}" for k in QUERY_KEYS if k in request.GET)
    # The visitor's emergency-number country (a known code or nothing) is the one cookie a
    # public page reads (core/emergency.py); such pages say "Vary: Cookie".
    country = emergency_country(request.COOKIES.get(EMERGENCY_COOKIE)) or ""
    digest = hashlib.sha256(f"{host} {request.path}?{query} {country}".encode()).hexdigest()[:40]
    return f"page:{catalog_version()}:{digest}"


# What a CDN in front of the edge may keep: a public page or listing for 5 minutes (a withdrawn
# object leaves it within that), a browser for one.
SHARED_MAX_AGE = 300
BROWSER_MAX_AGE = 60


def shared_cache_headers(response: HttpResponse) -> None:
    patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE, s_maxage=SHARED_MAX_AGE)


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a GET view's 200 responses as the same for everyone (no cookies, no CSRF)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response._public_page = True  # type: ignore[attr-defined]
            shared_cache_headers(response)
        return response

    return wrapper


class PublicPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.path.startswith(
                ("/api/", "/internal/", "/static/", "/media/")):
            return self.get_response(request)
        # The cache answers only a valid Host header, and keeps a page per host. A disallowed
        # host goes on to CommonMiddleware, which refuses it with the 400 page.
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)
        key = _key(request, host)
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if getattr(response, "_public_page", False) and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            headers = [(h, response[h]) for h in _KEPT_HEADERS if h in response]
            cache.set(key, (response.content, headers), PAGE_TIMEOUT)
        return response
