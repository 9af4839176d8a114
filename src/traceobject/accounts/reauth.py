"""Re-authentication before sensitive actions (reveal contact details, forwarding, role
changes): the password and a current TOTP code must have been given within the last
settings.TRACEOBJECT_REAUTH_SECONDS. A sign-in counts as such a confirmation."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase as HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from traceobject.accounts.roles import is_fully_signed_in

REAUTH_SESSION_KEY = "traceobject_reauth_at"


def reauth_seconds() -> int:
    return int(getattr(settings, "TRACEOBJECT_REAUTH_SECONDS", 300))


def reauth_mark(request: HttpRequest) -> None:
    """Note that the user has just given password and code (sign-in or the reauth page)."""
    request.session[REAUTH_SESSION_KEY] = time.time()


def reauth_is_fresh(request: HttpRequest) -> bool:
    """True when password and code were confirmed within the allowed time."""
    if not is_fully_signed_in(request.user):
        return False
    at = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    age = time.time() - at
    return 0 <= age <= reauth_seconds()


def safe_next(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """`candidate` if it is a path on this site, else `default`."""
    if candidate and len(candidate) <= 2000 and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()},
            require_https=request.is_secure()):
        parts = urlsplit(candidate)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        # The path alone must still be a local path: "http://host//evil.example/" has the
        # path "//evil.example/", which a browser reads as another host.
        if path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None):
            return path
    return default


def _back_to(request: HttpRequest) -> str:
    """Where to return after confirming: the page itself for a GET; for a POST the page the
    form was on (same-origin Referer), else the action's own path."""
    here = request.get_full_path()
    if request.method in ("GET", "HEAD"):
        return here
    return safe_next(request, request.headers.get("Referer"), default=here)


def reauth_url(next_path: str) -> str:
    return f"{reverse('internal:reauth')}?{urlencode({'next': next_path})}"


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator for sensitive actions. Not signed in with both factors: to the sign-in
    page. Confirmation too old: to /internal/reauth/?next=... (a POST is not carried out; the
    user repeats it after confirming)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_fully_signed_in(request.user):
            return redirect_to_login(request.get_full_path())
        if not reauth_is_fresh(request):
            return HttpResponseRedirect(reauth_url(_back_to(request)))
        return view(request, *args, **kwargs)

    return wrapper
