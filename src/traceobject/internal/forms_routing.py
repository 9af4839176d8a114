"""Forms of the routing pages: forwarding tips, filtering forwardings, reporting outcomes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traceobject.core.forms import TextField
from traceobject.routing.models import Authority, ForwardingState
from traceobject.routing.services import OUTCOME_COUNT_MAX, OUTCOME_TEXT_MAX, SUMMARY_MAX


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.country} · {obj.name}"


class ForwardingForm(forms.Form):
    authority = AuthorityChoiceField(
        label=_("Authority"), queryset=Authority.objects.filter(active=True),
        empty_label=None, widget=forms.RadioSelect)
    summary = TextField(
        label=_("Summary for the authority"), max_length=SUMMARY_MAX,
        help_text=_("What the tips say and why they are passed on. The authority receives this "
                    "summary, the public object data and the tips' texts; never case data or "
                    "tipster contact details."),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": SUMMARY_MAX}))


class ForwardingFilterForm(forms.Form):
    authority = forms.ChoiceField(label=_("Authority"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Any state")), *ForwardingState.choices])

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
