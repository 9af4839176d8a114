"""What every back-office page needs to draw its navigation: the signed-in user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from traceobject.accounts.roles import user_roles
from traceobject.accounts.selectors import EvidenceViewSetting, staff_evidence_view


def staff(request: HttpRequest) -> dict[str, Any]:
    # An error page drawn before the authentication middleware ran (a disallowed Host header,
    # a refused path) has no user: it shows no staff navigation.
    user = getattr(request, "user", None)
    if user is None or not request.path.startswith("/internal/"):
        return {}
    roles = user_roles(user)
    return {"staff_roles": roles, **{f"is_{role}": role in roles for role in (
        "administrator", "investigator", "reviewer", "liaison", "auditor")},
        # Read only by the pages that show evidence (the body's classes): no query elsewhere.
        "evidence_view": SimpleLazyObject(
            lambda: staff_evidence_view(user=user) if roles else EvidenceViewSetting())}
