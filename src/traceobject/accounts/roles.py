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


def is_fully_signed_in(user: Any) -> bool:
    """Password and second factor: every staff role needs both (django-otp marks the
    session verified once a TOTP code was accepted)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def user_roles(user: Any) -> set[str]:
    """The roles a user holds. A request's user (django-otp gives it `is_verified`) holds
    none until the second factor was given; a user loaded by a service or an API token holds
    those of its groups."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and not is_verified():
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
    """Anonymous or without the second factor: to the sign-in page. Without the role: 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_fully_signed_in(request.user):
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
