"""Idle timeout for the back office: a staff session unused for settings.TRACEOBJECT_IDLE_SECONDS
is signed out (the absolute limit is SESSION_COOKIE_AGE, and the cookie ends with the browser)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest
from django.http.response import HttpResponseBase as HttpResponse
from django.utils import translation

from traceobject.accounts.selectors import staff_language

SEEN_SESSION_KEY = "traceobject_seen_at"
# The person's chosen language, read once per session (set again when they change it).
LANGUAGE_SESSION_KEY = "traceobject_language"
# The last-seen time is written at most this often (not one session write per request).
SEEN_RESOLUTION = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/internal/") and request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(SEEN_SESSION_KEY)
            if isinstance(seen, int | float) and now - seen > settings.TRACEOBJECT_IDLE_SECONDS:
                logout(request)
            elif not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION:
                request.session[SEEN_SESSION_KEY] = now
        return self.get_response(request)


class StaffLanguageMiddleware:
    """The back office speaks the language a signed-in person chose (their settings page);
    without a choice, the browser's (Django's LocaleMiddleware, which runs before)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/internal/") and request.user.is_authenticated:
            language = request.session.get(LANGUAGE_SESSION_KEY)
            if not isinstance(language, str):
                language = staff_language(user=request.user)
                request.session[LANGUAGE_SESSION_KEY] = language
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
