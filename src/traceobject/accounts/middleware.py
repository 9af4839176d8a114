"""Idle timeout for the back office: a staff session unused for settings.TRACEOBJECT_IDLE_SECONDS
is signed out (the absolute limit is SESSION_COOKIE_AGE, and the cookie ends with the browser)."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest
from django.http.response import HttpResponseBase as HttpResponse
from django.utils import timezone, translation

from traceobject.accounts.selectors import staff_language, staff_time_zone
from traceobject.accounts.zones import time_zone_choices

SEEN_SESSION_KEY = "traceobject_seen_at"
# The person's chosen language, read once per session (set again when they change it).
LANGUAGE_SESSION_KEY = "traceobject_language"
# The person's chosen time zone, read once per session the same way.
TIME_ZONE_SESSION_KEY = "traceobject_time_zone"
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


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name or name not in time_zone_choices():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class StaffTimeZoneMiddleware:
    """The back office shows times in the time zone a signed-in person chose (their settings
    page); without a choice, in settings.TIME_ZONE. The zone is activated for this request
    only: the next request on the same thread starts from the default again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        if request.path.startswith("/internal/") and request.user.is_authenticated:
            name = request.session.get(TIME_ZONE_SESSION_KEY)
            if not isinstance(name, str):
                name = staff_time_zone(user=request.user)
                request.session[TIME_ZONE_SESSION_KEY] = name
            zone = _zone(name)
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
