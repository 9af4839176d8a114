"""Staff roles are Django groups of these names; a superuser holds every role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase as HttpResponse

ADMINISTRATOR = "administrator"
INVESTIGATOR = "investigator"
REVIEWER = "reviewer"
LIAISON = "liaison"
AUDITOR = "auditor"
ROLES = (ADMINISTRATOR, INVESTIGATOR, REVIEWER, LIAISON, AUDITOR)


def user_roles(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return set(ROLES)
    cached = getattr(user, "_traceobject_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._traceobject_roles = cached
    return set(cached)


def has_role(user: Any, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]],
                                           Callable[..., HttpResponse]]:
    """Anonymous: to the sign-in page. Signed in without the role: 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
