"""Forms of the catalogue's back-office pages (input only; the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from traceobject.catalog import services as catalog
from traceobject.catalog.models import Campaign, Category, ObjectStatus
from traceobject.core.forms import LineField, TextField
from traceobject.core.reference import country_choices


class _Form(forms.Form):
    """Several forms share the object page: each has its own id prefix (no duplicate ids)."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def language_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in settings.LANGUAGES]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class StatusFilterForm(_Form):
    id_prefix = "filter"

    status = forms.ChoiceField(label=_("State"), required=False,
                               choices=[("", _("All"))] + list(ObjectStatus.choices))


class TextsForm(_Form):
    """One language's texts."""

    id_prefix = "texts"

    language = forms.ChoiceField(widget=forms.HiddenInput, choices=language_choices)
    title = LineField(label=_("Title"), max_length=catalog.MAX_TITLE, required=False)
    description = TextField(label=_("Description"), required=False,
                            max_length=catalog.MAX_DESCRIPTION,
                            widget=forms.Textarea(attrs={"rows": 4}))
    questions = TextField(
        label=_("Questions to the public, one per line"), required=False,
        max_length=catalog.MAX_QUESTIONS * (catalog.MAX_QUESTION + 2),
        help_text=_("At most %(n)s questions.") % {"n": catalog.MAX_QUESTIONS},
        widget=forms.Textarea(attrs={"rows": 4}))
    thank_you = TextField(
        label=_("Thank-you note (shown once the object is identified)"), required=False,
        max_length=catalog.MAX_THANK_YOU, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_questions(self) -> list[str]:
        questions = _lines(self.cleaned_data.get("questions") or "")
        if len(questions) > catalog.MAX_QUESTIONS:
            raise forms.ValidationError(_("At most %(n)s questions.")
                                        % {"n": catalog.MAX_QUESTIONS})
        return questions

    def texts(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {data["language"]: {k: data[k] for k in
                                   ("title", "description", "questions", "thank_you")}}


class NewObjectForm(_Form):
    id_prefix = "new"

    title = LineField(label=_("Title (English)"), max_length=catalog.MAX_TITLE)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    campaign = forms.ModelChoiceField(label=_("Campaign"), required=False,
                                      queryset=Campaign.objects.all())
    description = TextField(label=_("Description (English)"), required=False,
                            max_length=catalog.MAX_DESCRIPTION,
                            widget=forms.Textarea(attrs={"rows": 4}))
    questions = TextField(label=_("Questions to the public, one per line"),
                          required=False, widget=forms.Textarea(attrs={"rows": 3}),
                          max_length=catalog.MAX_QUESTIONS * (catalog.MAX_QUESTION + 2))

    def clean_questions(self) -> list[str]:
        return _lines(self.cleaned_data.get("questions") or "")


class SettingsForm(_Form):
    id_prefix = "settings"

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    campaign = forms.ModelChoiceField(label=_("Campaign"), required=False,
                                      queryset=Campaign.objects.all())
    position = forms.IntegerField(label=_("Position in the gallery (lower comes first)"),
                                  min_value=0, max_value=catalog.MAX_POSITION)


class UploadForm(_Form):
    id_prefix = "upload"

    image = forms.FileField(
        label=_("Add a picture (JPEG, PNG, WebP, GIF, TIFF or BMP)"),
        help_text=_("It is re-encoded without metadata and checked by the safety gate; a "
                    "picture showing anything of a person is refused."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class MoveForm(_Form):
    id_prefix = "move"

    offset = forms.TypedChoiceField(choices=[("-1", "-1"), ("1", "1")], coerce=int)


class ApproveForm(_Form):
    """The comment, the review checklist and the choice about missing translations. The
    checklist is not required here: the service refuses an approval with a line unticked,
    and says which."""

    id_prefix = "approve"

    comment = TextField(label=_("Comment (optional)"), required=False,
                        max_length=catalog.MAX_COMMENT,
                        widget=forms.Textarea(attrs={"rows": 2}))
    checklist = forms.MultipleChoiceField(
        label=_("Review checklist"), required=False,
        choices=[(name, label) for name, (label, _full) in catalog.REVIEW_CHECKS.items()])
    english_fallback = forms.BooleanField(
        label=_("Publish, show English where the translation is missing"), required=False)


class RejectForm(_Form):
    """The comment is required (the service says how long it must be)."""

    id_prefix = "reject"

    comment = TextField(label=_("What must change (required to send it back)"),
                        required=False, max_length=catalog.MAX_COMMENT,
                        widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(_Form):
    id_prefix = "withdraw"

    reason = TextField(label=_("Reason"), max_length=catalog.MAX_COMMENT,
                       widget=forms.Textarea(attrs={"rows": 2}))


class IdentifiedForm(_Form):
    id_prefix = "identified"

    country = forms.ChoiceField(label=_("Country where it was found"), required=False)
    thank_you = TextField(label=_("Thank-you note (English)"), required=False,
                          max_length=catalog.MAX_THANK_YOU,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_choices("en")]  # type: ignore[attr-defined]


class CampaignForm(_Form):
    """A campaign's name and description in one language."""

    id_prefix = "campaign"

    language = forms.ChoiceField(widget=forms.HiddenInput, choices=language_choices)
    name = LineField(label=_("Name"), max_length=catalog.MAX_CAMPAIGN_NAME,
                     required=False)
    description = TextField(label=_("Description"), required=False,
                            max_length=catalog.MAX_CAMPAIGN_DESCRIPTION,
                            widget=forms.Textarea(attrs={"rows": 3}))


class NewCampaignForm(_Form):
    id_prefix = "newcampaign"

    slug = forms.SlugField(label=_("Short name (in links; cannot be changed)"), max_length=64)
    name = LineField(label=_("Name (English)"), max_length=catalog.MAX_CAMPAIGN_NAME)
    description = TextField(label=_("Description (English)"), required=False,
                            max_length=catalog.MAX_CAMPAIGN_DESCRIPTION,
                            widget=forms.Textarea(attrs={"rows": 3}))


class EndForm(_Form):
    id_prefix = "end"

    ends_on = forms.DateField(
        label=_("End on"), required=False,
        help_text=_("Empty: today. From this day the campaign is no longer offered in the "
                    "gallery's filter; its objects stay visible."),
        widget=forms.DateInput(attrs={"type": "date"}))
