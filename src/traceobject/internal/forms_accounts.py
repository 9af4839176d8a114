"""Forms of the account pages: they only check shape; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from traceobject.accounts.roles import ROLES
from traceobject.accounts.services import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH
from traceobject.accounts.zones import time_zone_choices
from traceobject.core.forms import LineField
from traceobject.core.names import language_autonym, language_name
from traceobject.routing.models import Authority

_CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric",
               "pattern": "[0-9 ]*", "maxlength": "10"}


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=MAX_USERNAME_LENGTH,
                               widget=forms.TextInput(attrs={"autocomplete": "username",
                                                             "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=MAX_PASSWORD_LENGTH,
                               strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=10,
                           widget=forms.TextInput(attrs={**_CODE_ATTRS, "autofocus": True}))


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Password"), max_length=MAX_PASSWORD_LENGTH,
                               strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password",
                                          "autofocus": True}))
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=10,
                           widget=forms.TextInput(attrs=_CODE_ATTRS))


class TokenForm(forms.Form):
    name = LineField(label=_("What is the token for?"), max_length=100)
    expires_days = forms.IntegerField(label=_("Expires after (days, empty: never)"),
                                      required=False, min_value=1, max_value=3650)


def _role_choices() -> list[tuple[str, str]]:
    return [(role, role.capitalize()) for role in ROLES]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False,
                                      choices=_role_choices,
                                      widget=forms.CheckboxSelectMultiple)
    authority = forms.ModelChoiceField(label=_("Authority (liaison officers)"),
                                       required=False,
                                       queryset=Authority.objects.order_by("country"))


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("New password"), max_length=MAX_PASSWORD_LENGTH,
                               strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class UserCreateForm(RolesForm):
    username = forms.CharField(label=_("User name"), max_length=MAX_USERNAME_LENGTH)
    password = forms.CharField(label=_("First password"), max_length=MAX_PASSWORD_LENGTH,
                               strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    field_order = ["username", "password", "roles", "authority"]


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")],
                                    coerce=lambda v: v == "1")


def form_errors(form: forms.Form, fields: dict[str, Any]) -> None:
    """Copy a ServiceError's field messages onto the form."""
    for name, message in fields.items():
        form.add_error(name if name in form.fields else None, str(message))


class LanguageForm(forms.Form):
    """A person's back-office language; the service checks the choice again."""

    language = forms.ChoiceField(label=_("Language of the back office"), required=False)

    def __init__(self, *args: Any, browser_language: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        browser = (_("As my browser asks (now: %(name)s)") % {
            "name": language_name(browser_language)} if browser_language
            else _("As my browser asks"))
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", browser)] + [
            (code, _both(language_autonym(code), language_name(code)))
            for code, _name in settings.LANGUAGES
        ]


class TimeZoneForm(forms.Form):
    """A person's time zone for the times the back office shows; the service checks it
    again."""

    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("The system's (%(zone)s)") % {"zone": settings.TIME_ZONE})] + [
            (name, name.replace("_", " ")) for name in time_zone_choices()]


class EvidenceViewForm(forms.Form):
    """How evidence images are shown to the person; the service checks the choices again."""

    blur = forms.BooleanField(label=_("Blur evidence images until I point at one or reveal it"),
                              required=False)
    greyscale = forms.BooleanField(label=_("Show evidence images in greyscale"), required=False)
    thumb_size = forms.ChoiceField(label=_("Thumbnail size"), widget=forms.RadioSelect,
                                   choices=[("small", _("Small")), ("medium", _("Medium")),
                                            ("large", _("Large"))])


def _both(own: str, reader: str) -> str:
    """"polski · Polnisch": a language's own name first (how people find theirs), then the
    reader's, once where they are the same."""
    return own if own.casefold() == reader.casefold() else f"{own} · {reader}"
