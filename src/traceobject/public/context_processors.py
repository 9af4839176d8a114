from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_info

from traceobject.core.emergency import COOKIE as EMERGENCY_COOKIE
from traceobject.core.emergency import emergency_choices, emergency_for
from traceobject.core.pagecache import QUERY_KEYS


@lru_cache(maxsize=1)
def _language_names() -> tuple[tuple[str, str], ...]:
    return tuple((code, get_language_info(code)["name_local"]) for code, _n in settings.LANGUAGES)


def site(request: HttpRequest) -> dict[str, Any]:
    """Language switcher links: the same page in every UI language (the prefix swapped); the
    site's operator (footer); the emergency number for the visitor's country."""
    current = get_language() or settings.LANGUAGE_CODE
    prefix = f"/{current}/"
    rest = request.path[len(prefix):] if request.path.startswith(prefix) else ""
    # Only the parameters public pages read (the same ones the page cache keys on).
    try:
        query = urlencode([(k, request.GET[k][:80]) for k in QUERY_KEYS if k in request.GET])
    except TooManyFieldsSent:  # the 400 page for that very request is being drawn
        query = ""
    if query:
        rest = f"{rest}?{query}"
    languages = [
        {"code": code, "name": name, "url": f"/{code}/{rest}", "current": code == current}
        for code, name in _language_names()
    ]
    return {"ui_languages": languages, "current_language_name": dict(_language_names()).get(
        current, current), "operator": settings.OPERATOR,
        "operator_is_example": settings.OPERATOR_IS_EXAMPLE,
        "emergency": emergency_for(language=current,
                                   chosen=request.COOKIES.get(EMERGENCY_COOKIE)),
        "emergency_choices": lambda: emergency_choices(current)}
