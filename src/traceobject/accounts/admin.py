"""Accounts in the Django admin: read-only. Roles, liaison authorities, passwords and second
factors change only through the back office's user pages (re-authentication, audit log, the
last-administrator rule); the admin must not bypass them, not even for a superuser."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest

from traceobject.accounts.models import StaffProfile


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyUserAdmin(_ReadOnly, UserAdmin):
    pass


class ReadOnlyGroupAdmin(_ReadOnly, GroupAdmin):
    pass


@admin.register(StaffProfile)
class StaffProfileAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("user", "authority")


for _model, _model_admin in ((User, ReadOnlyUserAdmin), (Group, ReadOnlyGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
