"""Forms of the routing pages: forwarding tips, filtering forwardings, reporting outcomes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traceobject.core import names
from traceobject.core.forms import TextField
from traceobject.routing.models import Authority, ForwardingState
from traceobject.routing.services import (
    MESSAGE_MAX,
    OUTCOME_COUNT_MAX,
    OUTCOME_TEXT_MAX,
    SUMMARY_MAX,
)


def authority_label(authority: Authority) -> str:
    """"Poland (PL) · Policja": the country in the reader's language and its code, so typing
    either finds it in the filtered list."""
    country = names.country_name(authority.country)
    if country.casefold() in authority.name.casefold():  # the country once
        return f"{authority.name} · {authority.country}"
    return f"{country} ({authority.country}) · {authority.name}"


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return authority_label(obj)


class ForwardingForm(forms.Form):
    """The authority is one plain list (a filter box is added by routing.js): the suggested
    authorities first, each with its reason, then all other active ones."""

    authority = AuthorityChoiceField(
        label=_("Authority"), queryset=Authority.objects.filter(active=True),
        empty_label=_("Choose an authority"),
        widget=forms.Select(attrs={"data-filter": "authority"}))
    summary = TextField(
        label=_("Summary for the authority"), max_length=SUMMARY_MAX,
        help_text=_("What the tips say and why they are passed on. The authority receives this "
                    "summary, the public object data and the tips' texts; never case data or "
                    "tipster contact details."),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": SUMMARY_MAX}))

    def __init__(self, *args: Any, suggestions: list[tuple[Authority, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, AuthorityChoiceField)
        suggested = [authority for authority, _reason in suggestions or []]
        if not suggested:
            return
        reasons = {authority.pk: reason for authority, reason in suggestions or []}
        others = [a for a in field.queryset if a.pk not in reasons]  # type: ignore[union-attr]
        field.widget.choices = [
            ("", field.empty_label),
            (_("Suggested"), [(a.pk, f"{authority_label(a)} — {reasons[a.pk]}")
                              for a in suggested]),
            (_("All other authorities"), [(a.pk, authority_label(a)) for a in others]),
        ]


class ForwardingFilterForm(forms.Form):
    authority = forms.ChoiceField(label=_("Authority"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Any state")), *ForwardingState.choices])
    question = forms.ChoiceField(label=_("Questions"), required=False, choices=[
        ("", _("Any")), ("open", _("A liaison officer's question waits"))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any authority"))] + [
            (a.country, f"{a.country} · {a.name}") for a in Authority.objects.all()]


LEAD_CHOICES = [("", _("Not known yet")), ("yes", _("Yes")), ("no", _("No"))]


class OutcomeForm(forms.Form):
    lead_useful = forms.TypedChoiceField(
        label=_("Was the lead useful?"), choices=LEAD_CHOICES, required=False,
        coerce=lambda value: {"yes": True, "no": False}.get(value), empty_value=None)
    location_found = forms.BooleanField(label=_("The location was found"), required=False)
    country_confirmed = forms.BooleanField(label=_("The country was confirmed"), required=False)
    children_safeguarded = forms.IntegerField(
        label=_("Children safeguarded"), min_value=0, max_value=OUTCOME_COUNT_MAX, initial=0)
    offenders_arrested = forms.IntegerField(
        label=_("Offenders arrested"), min_value=0, max_value=OUTCOME_COUNT_MAX, initial=0)
    text = TextField(
        label=_("Notes"), required=False, max_length=OUTCOME_TEXT_MAX,
        help_text=_("Shared with the investigators only. Only the numbers above, summed over "
                    "all forwardings, appear on the public statistics page."),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": OUTCOME_TEXT_MAX}))


class LiaisonQuestionForm(forms.Form):
    text = TextField(
        label=_("Your question to the investigators"), max_length=MESSAGE_MAX,
        help_text=_("The investigators who forwarded this package see it on the tip's page."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX}))


class InvestigatorAnswerForm(forms.Form):
    text = TextField(
        label=_("Answer to the liaison officer"), max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX}))
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
