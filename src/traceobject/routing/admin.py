"""Django admin (administrators, /internal/admin/): authorities are edited here (each change is
audited); forwardings and outcomes can be looked at but not changed (their packages are what
was sent, and their changes belong to the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from traceobject.accounts.roles import ADMINISTRATOR, has_role
from traceobject.audit.services import audit_record
from traceobject.core.reference import country_codes
from traceobject.routing.models import Authority, Forwarding, Outcome


def _formfield(field: Any, **kwargs: Any) -> Any:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class AuthorityForm(forms.ModelForm):
    class Meta:
        model = Authority
        fields = ["country", "name", "email", "referral_email", "referral_url", "active"]
        formfield_callback = _formfield

    def clean_country(self) -> str:
        code = str(self.cleaned_data["country"]).strip().upper()
        if code not in country_codes():
            raise forms.ValidationError("Unknown country code.")
        return code


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
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="routing.authority_save",
                         target=f"authority {obj.country}",
                         data={"created": not change, "fields": list(form.changed_data)})


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
