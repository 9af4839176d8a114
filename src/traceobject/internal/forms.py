from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traceobject.catalog.models import Category
from traceobject.core.forms import LineField, TextField


class CropForm(forms.Form):
    x = forms.IntegerField(min_value=0)
    y = forms.IntegerField(min_value=0)
    w = forms.IntegerField(min_value=1)
    h = forms.IntegerField(min_value=1)
    redactions = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)

    def clean_redactions(self) -> list[dict[str, Any]]:
        raw = self.cleaned_data.get("redactions") or "[]"
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Redactions are not valid."))
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise forms.ValidationError(_("Redactions are not valid."))
        return value


class OverrideForm(forms.Form):
    reason = TextField(label=_("Why may this crop be published?"),
                       widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TextRedactForm(forms.Form):
    """Which identifying-text finding of a crop to black out (1, 2, ...)."""

    finding = forms.CharField(max_length=4)

    def clean_finding(self) -> int:
        value = self.cleaned_data["finding"]
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1000:
            raise forms.ValidationError(_("Choose a finding of this crop."))
        return int(value)


class ObjectFromCropForm(forms.Form):
    title = LineField(label=_("Title (English)"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = TextField(label=_("Description"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    questions = TextField(label=_("Questions to the public, one per line"),
                          required=False, widget=forms.Textarea(attrs={"rows": 3}),
                          max_length=5000)
