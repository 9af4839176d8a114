"""Request bodies sent with `Transfer-Encoding: chunked` (no Content-Length).

gunicorn de-chunks such a body and hands it over as `wsgi.input` with no CONTENT_LENGTH (and
`wsgi.input_terminated`: reading to the end is safe). Django reads a body only as far as
CONTENT_LENGTH says, so it saw an empty body. :func:`dechunked_bodies` wraps the WSGI
application: it reads such a body up to one byte over DATA_UPLOAD_MAX_MEMORY_SIZE, never more,
and hands it on with its length. A body over the limit keeps that length, so Django refuses it
as it refuses a long Content-Length (RequestDataTooBig: 413 in the API, 400 on pages).

Multipart bodies (file uploads, whose size DATA_UPLOAD_MAX_MEMORY_SIZE does not bound) are left
as they come.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_READ_SIZE = 64 * 1024


def _read_at_most(stream: Any, limit: int) -> bytes:
    parts: list[bytes] = []
    remaining = limit
    while remaining > 0:
        part = stream.read(min(_READ_SIZE, remaining))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _is_terminated_chunked_body(environ: dict[str, Any]) -> bool:
    return (not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            and bool(environ.get("wsgi.input_terminated"))
            and not environ.get("CONTENT_TYPE", "").lower().startswith("multipart/"))


def dechunked_bodies(application: WSGIApp) -> WSGIApp:
    def wrapper(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _is_terminated_chunked_body(environ):
            body = _read_at_most(environ["wsgi.input"], settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return application(environ, start_response)

    return wrapper
