from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language, get_language_info


@lru_cache(maxsize=1)
def _language_names() -> tuple[tuple[str, str], ...]:
    return tuple((code, get_language_info(code)["name_local"]) for code, _n in settings.LANGUAGES)


def site(request: HttpRequest) -> dict[str, Any]:
    """Language switcher links: the same page in every UI language (the prefix swapped)."""
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    prefix = f"/{current}/"
    rest = path[len(prefix):] if path.startswith(prefix) else ""
    languages = [
        {"code": code, "name": name, "url": f"/{code}/{rest}", "current": code == current}
        for code, name in _language_names()
    ]
    return {"ui_languages": languages, "current_language_name": dict(_language_names()).get(
        current, current)}
