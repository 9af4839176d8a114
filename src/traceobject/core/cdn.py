"""The purge hook for a CDN in front of the public site.

A withdrawn object's pictures stop being served at once (``/media/`` answers 404), but a CDN
may still hold a copy for up to ``TRACEOBJECT_MEDIA_SHARED_MAX_AGE`` seconds, and the object's
pages for five minutes. With ``TRACEOBJECT_CDN_PURGE_URL`` set, the process that stops serving
them (an edge applying the sync, or role ``all``) POSTs what to forget to that address:

    {"paths": ["/media/objects/TAO-2026-0001/1a2b3c/640.jpg", ..., "/en/objects/TAO-2026-0001/",
               ...],
     "urls": ["https://tips.example.org/media/...", ...]}   ("urls" needs PUBLIC_BASE_URL)

with ``Authorization: Bearer <TRACEOBJECT_CDN_PURGE_TOKEN>`` when a token is set. A small
adapter at that address turns it into the CDN's own purge call. The request is made in the
background after the change is committed; a failure is logged and changes nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger("traceobject.cdn")

TIMEOUT = 10  # seconds


def purge_paths(*, ref: str, pictures: Iterable[str]) -> list[str]:
    """The addresses a CDN may hold for an object: its pictures (paths under the public media
    store), its pages in every language, the listings that show it and its API entry."""
    paths = [f"/media/{picture}" for picture in pictures]
    for code, _name in settings.LANGUAGES:
        paths += [f"/{code}/objects/{ref}/", f"/{code}/", f"/{code}/identified/",
                  f"/{code}/feed.atom", f"/{code}/embed/"]
    paths += [f"/api/v1/objects/{ref}", "/api/v1/objects"]
    return paths


def cdn_purge(*, paths: list[str]) -> threading.Thread | None:
    """Ask the CDN to forget `paths` (see the module's docstring); returns the background
    thread making the request, or None when no purge address is set or nothing is to go."""
    url = getattr(settings, "CDN_PURGE_URL", "")
    if not url or not paths or settings.ROLE == "core":  # a core serves no public page
        return None
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    body = json.dumps({"paths": paths, "urls": [base + p for p in paths] if base else []})
    headers = {"Content-Type": "application/json"}
    if settings.CDN_PURGE_TOKEN:
        headers["Authorization"] = f"Bearer {settings.CDN_PURGE_TOKEN}"
    # An http(s) address: settings.py checks it (env_url).
    request = urllib.request.Request(url, data=body.encode(), headers=headers,  # noqa: S310
                                     method="POST")
    thread = threading.Thread(target=_send, args=(request, len(paths)), daemon=True,
                              name="cdn-purge")
    thread.start()
    return thread


def _send(request: urllib.request.Request, count: int) -> None:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            status = answer.status
    except Exception as error:  # noqa: BLE001 - a failed purge must never break a withdrawal
        logger.warning("cdn purge: %s: %s", request.full_url, error)
        return
    logger.info("cdn purge: %d addresses, answer %s", count, status)
