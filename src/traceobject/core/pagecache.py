"""Whole-page cache for public pages that are the same for every visitor.

A page is cached per full path (the language is in the path) under the catalogue's version:
every catalogue write bumps the version, so a changed object never shows stale; the timeout
bounds staleness of anything else on the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

_VERSION_KEY = "catalog:version"
PAGE_TIMEOUT = 300


def catalog_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, timeout=None)
        version = cache.get(_VERSION_KEY, 1)
    return int(version)


def catalog_changed() -> None:
    """Call after any write that changes what the public sees of the catalogue."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.add(_VERSION_KEY, 2, timeout=None)


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]
        key = f"page:{catalog_version()}:{path}"
        cached = cache.get(key)
        if cached is not None:
            status, content, content_type = cached
            return HttpResponse(content, status=status, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            cache.set(key, (response.status_code, response.content, response["Content-Type"]),
                      PAGE_TIMEOUT)
        return response

    return wrapper
