from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

from traceobject.core.errors import error_response
from traceobject.core.inputs import is_storable


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/internal/"):
            # Staff pages post forms: "no-referrer" would make browsers send "Origin: null",
            # which CSRF protection refuses. Other sites still learn nothing.
            response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def static_file_headers(headers: Any, path: str, url: str) -> None:
    """WhiteNoise answers static files before the CSP and frame middleware run: give them
    the same policy (WHITENOISE_ADD_HEADERS_FUNCTION)."""
    headers["Content-Security-Policy"] = _static_policy()
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS


_POLICY: list[str] = []


def _static_policy() -> str:
    if not _POLICY:
        _POLICY.append(build_policy(config=settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]))
    return _POLICY[0]


class ApiErrorShapeMiddleware:
    """Responses Django or django-ninja produce themselves under /api/ (wrong method) get the
    one error shape too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code == 405 and request.path.startswith("/api/")
                and not response.get("Content-Type", "").startswith("application/json")):
            shaped = error_response("method_not_allowed",
                                    f"{request.method} is not allowed here.", 405)
            if "Allow" in response:
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


class RequestInputMiddleware:
    """A path or query string holding a NUL character or a lone surrogate is refused with 400
    (the error page, or the one error shape under /api/) before any view runs: no database can
    look such text up, and PostgreSQL answers NUL with an error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        if not (is_storable(request.path) and is_storable(query)):
            raise BadRequest("NUL character or lone surrogate in the path or query string")
        return self.get_response(request)
