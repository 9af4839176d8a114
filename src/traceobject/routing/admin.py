"""Django admin (administrators, /internal/admin/): authorities are edited here, through
routing.services (validated and audited like every other writer); forwardings and outcomes can
be looked at but not changed (their packages are what was sent, and their changes belong to
the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from traceobject.accounts.roles import ADMINISTRATOR, has_role
from traceobject.core.errors import ServiceError
from traceobject.routing.models import Authority, Forwarding, Outcome
from traceobject.routing.services import AUTHORITY_FIELDS, authority_save, authority_validate


def _formfield(field: Any, **kwargs: Any) -> Any:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class AuthorityForm(forms.ModelForm):
    """The service's checks (routing.services.authority_validate) are the form's: what it
    refuses is shown as the form's error, with its message."""

    class Meta:
        model = Authority
        fields = list(AUTHORITY_FIELDS)
        formfield_callback = _formfield

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if self.errors:
            return data
        try:
            authority_validate(
                country=data["country"], name=data["name"], email=data["email"],
                referral_email=data.get("referral_email") or "",
                referral_url=data.get("referral_url") or "", authority_id=self.instance.pk)
        except ServiceError as exc:
            field = next((f for f in exc.fields or {} if f in self.fields), None)
            self.add_error(field, exc.message)
        return data

    def validate_unique(self) -> None:
        """authority_validate checks the country is free (in clean())."""


def _is_administrator(request: HttpRequest) -> bool:
    return has_role(request.user, ADMINISTRATOR)


class RoleAdmin(admin.ModelAdmin):
    """Roles are the one source of who may do what (not Django's model permissions)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: forwardings keep pointing at it


@admin.register(Authority)
class AuthorityAdmin(RoleAdmin):
    form = AuthorityForm
    list_display = ["country", "name", "email", "active"]
    list_filter = ["active"]
    search_fields = ["country", "name"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Through the service (it writes and audits); the form checked the same already."""
        data = form.cleaned_data
        saved = authority_save(
            user=request.user, country=data["country"], name=data["name"],
            email=data["email"], referral_email=data.get("referral_email") or "",
            referral_url=data.get("referral_url") or "", active=bool(data.get("active")),
            authority_id=obj.pk if change else None)
        for field in ("pk", *AUTHORITY_FIELDS):
            setattr(obj, field, getattr(saved, field))


class ReadOnlyAdmin(RoleAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0
    can_delete = False
    fields = ("reported_at", "reported_by", "lead_useful", "location_found",
              "country_confirmed", "children_safeguarded", "offenders_arrested", "text")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_administrator(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Forwarding)
class ForwardingAdmin(ReadOnlyAdmin):
    list_display = ["ref", "authority", "object", "state", "created_at"]
    list_filter = ["state", "authority"]
    search_fields = ["ref"]
    inlines = [OutcomeInline]
