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


class GridForm(forms.Form):
    """The evidence grid's order, filters and page size (query parameters)."""

    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("name", _("Name (A to Z)")), ("-name", _("Name (Z to A)")),
        ("taken", _("Date taken (oldest first)")), ("-taken", _("Date taken (newest first)")),
        ("ingested", _("Date ingested (oldest first)")),
        ("-ingested", _("Date ingested (newest first)")),
        ("size", _("Size (smallest first)")), ("-size", _("Size (largest first)")),
    ])
    show = forms.MultipleChoiceField(label=_("Show only"), required=False,
                                     widget=forms.CheckboxSelectMultiple, choices=[
        ("duplicate", _("Duplicates (found more than once)")),
        ("near", _("Near-duplicates")), ("known", _("Known-hash matches")),
        ("cropped", _("Already cropped")), ("unviewed", _("Not yet viewed by me")),
    ])
    per = forms.ChoiceField(label=_("Per page"), required=False,
                            choices=[("30", "30"), ("60", "60"), ("120", "120")])

    def settings(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"sort": data.get("sort") or "name", "filters": list(data.get("show") or []),
                "per_page": int(data.get("per") or 60)}


MAX_SELECTED = 150  # a page holds at most 120; a request at most 200 fields


class SelectionForm(forms.Form):
    """Images selected in the grid for a bulk action (their ids)."""

    image = forms.CharField(required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.raw = data.getlist("image") if data is not None else []

    def clean_image(self) -> list[int]:
        if not self.raw:
            raise forms.ValidationError(_("Select at least one image."))
        if len(self.raw) > MAX_SELECTED or not all(
                isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 12
                for v in self.raw):
            raise forms.ValidationError(_("The selection is not valid."))
        return [int(v) for v in self.raw]


def sequence_parse(raw: str | None) -> list[int] | None:
    """The ids of "open in sequence" (``?seq=3.8.12``): None when absent, [] when
    malformed (not digits and dots, repeated ids, more than :data:`MAX_SELECTED`)."""
    if raw is None:
        return None
    parts = raw.split(".")
    if len(raw) > 2000 or len(parts) > MAX_SELECTED or not all(
            p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        return []
    ids = [int(p) for p in parts]
    return ids if len(set(ids)) == len(ids) else []


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
