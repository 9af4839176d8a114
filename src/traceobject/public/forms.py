"""Forms render the fields; the rules live in traceobject.tips.intake (shared with the API)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from traceobject.core.errors import ServiceError
from traceobject.core.forms import LineField, TextField
from traceobject.core.reference import country_choices
from traceobject.tips import intake


class TipForm(forms.Form):
    text = TextField(
        label=_("What do you know about this object?"), max_length=intake.TEXT_MAX,
        help_text=_("For example: where it is sold, the brand, the country, or where you saw it."),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": intake.TEXT_MAX}),
    )
    country = forms.ChoiceField(label=_("Country where you saw it"), required=False)
    place = LineField(
        label=_("Place or shop"), required=False, max_length=intake.PLACE_MAX,
        widget=forms.TextInput(attrs={"maxlength": intake.PLACE_MAX}),
    )
    seen_when = LineField(
        label=_("When (a year or a period)"), required=False, max_length=intake.WHEN_MAX,
        widget=forms.TextInput(attrs={"maxlength": intake.WHEN_MAX}),
    )
    contact_email = LineField(
        label=_("Your e-mail address (optional)"), required=False, max_length=intake.EMAIL_MAX,
        help_text=_(
            "Only if you want investigators to be able to write to you. You can also stay "
            "anonymous and read their questions in your mailbox with your receipt."
        ),
        widget=forms.EmailInput(attrs={"maxlength": intake.EMAIL_MAX, "autocomplete": "email"}),
    )
    receipt = forms.CharField(
        label=_("Receipt from an earlier tip (optional)"), required=False,
        help_text=_("Keeps all your tips in one mailbox."),
        widget=forms.TextInput(attrs={"maxlength": 40, "autocomplete": "off",
                                      "spellcheck": "false"}),
        max_length=64,
    )
    # Honeypot: hidden from people by CSS and from assistive technology; bots fill it in.
    website = forms.CharField(
        required=False, label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        country_field = self.fields["country"]
        assert isinstance(country_field, forms.ChoiceField)
        country_field.choices = [("", _("I don't know / prefer not to say"))] + list(
            country_choices(language)
        )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        data = {name: cleaned.get(name, self.data.get(name, "")) for name in
                ("text", "country", "place", "seen_when", "contact_email")}
        try:
            cleaned["tip"] = intake.tip_validate({**data, "language": get_language() or ""})
        except ServiceError as error:
            for name, message in error.fields.items():
                if name not in self.errors:  # one message per field, all in one round
                    self.add_error(name if name in self.fields else None, message)
        return cleaned


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "maxlength": 40, "placeholder": "XXXX-XXXX-XXXX-XXXX-XXXX"}),
        max_length=64,
    )


class ReplyForm(forms.Form):
    """An answer to the investigators, or more information about one of the tipster's tips."""

    receipt = forms.CharField(widget=forms.HiddenInput, max_length=64)
    tip = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1,
                             max_value=10_000)  # the tip's number in the mailbox
    text = TextField(
        label=_("Your answer, or more about your tip"), max_length=intake.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": intake.MESSAGE_MAX}),
    )


class ReceiptNotedForm(forms.Form):
    """The check before leaving the receipt page."""

    written = forms.BooleanField(
        label=_("I have written my receipt down"),
        error_messages={"required": _("Tick the box once you have written your receipt "
                                      "down.")},
    )
