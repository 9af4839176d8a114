"""Helpers of the catalogue tests."""

from __future__ import annotations

from typing import Any

from traceobject.audit.models import AuditEvent
from traceobject.catalog.models import ObjectImage, ObjectReview, ObjectText, TracedObject


def snapshot(obj: TracedObject) -> dict[str, Any]:
    """Everything a refused call must leave as it was."""
    return {
        "object": TracedObject.objects.filter(pk=obj.pk).values().get(),
        "texts": sorted(ObjectText.objects.filter(object_id=obj.pk).values_list(
            "language", "title", "description", "questions", "thank_you")),
        "images": sorted(ObjectImage.objects.filter(object_id=obj.pk).values_list(
            "id", "position", "folder")),
        "reviews": ObjectReview.objects.filter(object_id=obj.pk).count(),
        "audit": AuditEvent.objects.count(),
    }


def make_reviewer_too(user: Any) -> Any:
    """Give `user` the reviewer role as well (and forget cached roles)."""
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name="reviewer")[0])
    user.__dict__.pop("_traceobject_roles", None)
    return user
