"""The Django admin under /internal/admin/ needs the same sign-in as the back office (password
and TOTP, with lock-out) and the administrator role; it has no password-only login form."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from traceobject.accounts.roles import ADMINISTRATOR, has_role, is_fully_signed_in


class StaffAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        """Both factors and the administrator role (not Django's is_staff flag: roles are
        the one source of who may do what)."""
        return is_fully_signed_in(request.user) and has_role(request.user, ADMINISTRATOR)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None,
              ) -> HttpResponse:
        """No login form of its own: the back-office sign-in, then back here."""
        if is_fully_signed_in(request.user):
            if self.has_permission(request):
                return super().login(request, extra_context)
            raise PermissionDenied
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index", current_app=self.name)
        return redirect_to_login(target)
