"""Forms of the country pages: investigators' tags and notes, and brand links (the
services validate again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from traceobject.clues.brands import BRAND_NAME_MAX, BRAND_NOTE_MAX
from traceobject.clues.investigators import NOTE_MAX, TAG_VALUE_MAX
from traceobject.clues.selectors import country_choices, tag_choices
from traceobject.core.forms import LineField


class TagForm(forms.Form):
    tag = forms.ChoiceField(label=_("Tag"), choices=tag_choices)
    value = LineField(label=_("Value"), max_length=TAG_VALUE_MAX,
                      help_text=_("e.g. plug: G; voltage: 230; currency: PLN or zł; "
                                        "date_format: 31/12/2024; language: pl"))


class ClueNoteForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"),
                                                                     *country_choices()])
    stance = forms.ChoiceField(label=_("Stance"), widget=forms.RadioSelect,
                               choices=[("for", _("for")), ("against", _("against"))],
                               initial="for")
    because = LineField(label=_("Because"), max_length=NOTE_MAX)  # one line (the service's)


class BrandForm(forms.Form):
    name = LineField(label=_("Shop or brand name"), max_length=BRAND_NAME_MAX,
                     help_text=_("As tipsters write it, e.g. Biedronka; case and "
                                       "accents do not matter."))
    country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"),
                                                                     *country_choices()])
    note = LineField(label=_("Why (optional)"), max_length=BRAND_NOTE_MAX,
                     required=False)  # one line (the service's)
