"""Personal API tokens: `tob_` followed by 43 URL-safe characters (256 random bits).

Only an HMAC-SHA256 of a token is stored (key: settings.TRACEOBJECT_API_TOKEN_KEY, by default
derived from SECRET_KEY), so a copy of the database holds no usable token.

API endpoints authenticate with `TokenAuth()` (django-ninja) and check roles with
`api_roles_required(...)` or `api_user(request, *roles)`; `request.auth` is the token's User
(a plain user: `has_role` reads its groups).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from traceobject.accounts.models import ApiToken
from traceobject.accounts.roles import has_role
from traceobject.core.errors import ServiceError

TOKEN_PREFIX = "tob_"  # noqa: S105 - a marker, not a secret
TOKEN_RE = re.compile(r"^tob_[A-Za-z0-9_-]{43}$")
TOKEN_MAX_LENGTH = 100
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _key() -> bytes:
    configured = getattr(settings, "TRACEOBJECT_API_TOKEN_KEY", "")
    if configured:
        return str(configured).encode()
    return hashlib.sha256(f"traceobject api token|{settings.SECRET_KEY}".encode()).digest()


def token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hmac.new(_key(), token.encode(), hashlib.sha256).hexdigest()


def token_display_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 8]


def token_is_well_formed(token: str) -> bool:
    return len(token) <= TOKEN_MAX_LENGTH and bool(TOKEN_RE.match(token))


def token_user(token: str) -> User | None:
    """The active user of a valid token (not revoked, not expired), else None. Notes the
    use at most once a minute."""
    if not isinstance(token, str) or not token_is_well_formed(token):
        return None
    now = timezone.now()
    found = (ApiToken.objects.select_related("user")
             .filter(digest=token_digest(token), revoked_at__isnull=True)
             .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
             .first())
    if found is None or not found.user.is_active:
        return None
    if found.last_used_at is None or found.last_used_at <= now - LAST_USED_RESOLUTION:
        (ApiToken.objects.filter(pk=found.pk)
         .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION))
         .update(last_used_at=now))
    return found.user


class TokenAuth(HttpBearer):
    """django-ninja auth: `Authorization: Bearer tob_...`; request.auth is the User."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_user(token)


def api_user(request: HttpRequest, *roles: str) -> User:
    """The token's user, who must hold one of `roles`. Raises ServiceError 403 otherwise
    (401 if the request carries no token user)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise ServiceError("unauthorized", _("Authentication required."), status=401)
    if not has_role(user, *roles):
        raise ServiceError("forbidden", _("You do not have the role for this."), status=403)
    return user


def api_roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for django-ninja endpoints (use under the router decorator, with
    auth=TokenAuth()): the token's user must hold one of `roles`, else 403."""

    def decorator(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(endpoint)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            api_user(request, *roles)
            return endpoint(request, *args, **kwargs)

        return wrapper

    return decorator
