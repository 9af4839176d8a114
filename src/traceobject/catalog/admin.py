"""The catalogue in the Django admin: read-only. Every change goes through the back office's
services (four-eyes publication, safety gate, audit log); the admin must not bypass them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from traceobject.catalog.models import Campaign, ObjectReview, TracedObject


class CatalogReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TracedObject)
class TracedObjectAdmin(CatalogReadOnlyAdmin):
    list_display = ("ref", "status", "category", "campaign", "created_by", "approved_by")
    list_filter = ("status", "category")
    search_fields = ("ref",)


@admin.register(Campaign)
class CampaignAdmin(CatalogReadOnlyAdmin):
    list_display = ("slug", "is_public", "launched_on", "ends_on", "position")


@admin.register(ObjectReview)
class ObjectReviewAdmin(CatalogReadOnlyAdmin):
    list_display = ("object", "action", "user", "at")
    list_filter = ("action",)
