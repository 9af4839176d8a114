"""Forms of the operations pages: audit log filters, exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traceobject.audit.selectors import KINDS, MAX_SEQ, AuditFilter, audit_person_choices
from traceobject.core.forms import LineField
from traceobject.exports.models import ExportFormat


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label=_("Person"), required=False, choices=[], error_messages={
        "invalid_choice": _("There is no such person."),
    })
    kind = forms.ChoiceField(label=_("Kind of action"), required=False, choices=[
        ("", _("Every kind")), *((key, label) for key, (label, _actions) in KINDS.items())],
        error_messages={"invalid_choice": _("There is no such kind of action.")})
    action = LineField(label=_("Action"), required=False, max_length=64,
                       help_text=_('Exact, or a prefix ending in a dot: "tip."'))
    target = LineField(label=_("Target"), required=False, max_length=200,
                       help_text=_('Exact ("tip 12"), or a prefix ending in *'))
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_SEQ,
                                widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["actor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Anyone")), *audit_person_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(actor=data.get("actor") or "", action=data.get("action") or "",
                           target=data.get("target") or "", since=data.get("since"),
                           until=data.get("until"), kind=data.get("kind") or "")


class ExportStartForm(forms.Form):
    target = forms.ChoiceField(label=_("Tips of"), choices=[], error_messages={
        "invalid_choice": _("There is no such object or campaign (any more)."),
        "required": _("Choose an object or a campaign."),
    })
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices,
                               initial=ExportFormat.CSV, widget=forms.RadioSelect)

    def __init__(self, *args: Any, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose an object or a campaign")), *targets]
