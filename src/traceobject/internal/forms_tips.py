"""Forms of the tip inbox and tip pages: they only check and translate input."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from traceobject.core.forms import LineField, TextField
from traceobject.core.reference import country_codes
from traceobject.tips import selectors
from traceobject.tips.models import TipState
from traceobject.tips.services import NOTE_MAX, QUESTION_MAX, settable_state_choices

MAX_SELECTED = 150  # tips one bulk action may name (a page has 50; the request
# may carry at most settings.DATA_UPLOAD_MAX_NUMBER_FIELDS fields)


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _state_choices(*, blank: str | None) -> list[tuple[str, Any]]:
    """The states a person may set by hand ("forwarded" is set by forwarding only)."""
    choices: list[tuple[str, Any]] = [] if blank is None else [("", blank)]
    return choices + settable_state_choices()


FORWARD_TO_SET = _("A tip becomes “Forwarded” only by forwarding it to an authority: use "
                   "Forward.")


class SettableStateField(forms.ChoiceField):
    """A state set by hand: "forwarded" is refused with its own reason (forwarding sets it)."""

    def validate(self, value: Any) -> None:
        if value == TipState.FORWARDED:
            raise forms.ValidationError(FORWARD_TO_SET, code="forward_to_set")
        super().validate(value)


class InboxFilterForm(forms.Form):
    """The inbox filters (GET). Invalid values make the form invalid: the page says so."""

    q = LineField(label=_("Search"), required=False, max_length=selectors.QUERY_MAX)
    state = forms.ChoiceField(label=_("State"), required=False)
    country = LineField(label=_("Country"), required=False, max_length=2)
    language = LineField(label=_("Language"), required=False, max_length=8)
    since = forms.DateField(label=_("Received from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Received until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    cluster = forms.IntegerField(label=_("Cluster"), required=False, min_value=1,
                                 max_value=2**63 - 1, widget=forms.HiddenInput)
    answers = forms.ChoiceField(label=_("Answers"), required=False, choices=[
        ("", _("Any")), ("new", _("New answers for me"))])
    order = forms.ChoiceField(label=_("Order"), required=False, choices=[
        ("score", _("Triage score")), ("newest", _("Newest first")),
        ("oldest", _("Oldest first"))])

    # The fields that make up the inbox's current view (carried to a tip's page and back).
    NAV_FIELDS = ("q", "state", "country", "language", "since", "until", "assignee",
                  "cluster", "answers", "order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "state").choices = [("", _("Any state")), (selectors.OPEN, _("Open")),
                                        (selectors.CLOSED, _("Closed (any)"))] + list(
            TipState.choices)
        _choices(self, "assignee").choices = [("", _("Anyone")), ("none", _("Nobody"))] + [
            (str(u.pk), u.get_username()) for u in selectors.investigators()]

    def clean_country(self) -> str:
        value = str(self.cleaned_data.get("country") or "").strip().upper()
        if value and value not in country_codes():
            raise forms.ValidationError(_("Unknown country code."))
        return value

    def clean_language(self) -> str:
        value = str(self.cleaned_data.get("language") or "").strip().lower()
        if value and not (value.replace("-", "").isalpha() and value.isascii()):
            raise forms.ValidationError(_("Unknown language code."))
        return value

    def nav_query(self) -> list[tuple[str, str]]:
        """The valid filters as (name, value) pairs, rebuilt from the cleaned values (never
        the raw input), for links that keep the inbox's view (call after is_valid())."""
        data = self.cleaned_data
        pairs = []
        for name in self.NAV_FIELDS:
            value = data.get(name)
            if value is None or value == "" or (name == "order" and value == "score"):
                continue
            pairs.append((name, value.isoformat() if isinstance(value, date) else str(value)))
        return pairs

    def filters(self, *, reader: Any = None) -> dict[str, Any]:
        """The selector's keyword arguments (call after is_valid()); ``reader``: the person
        whose unseen answers "answers=new" means."""
        data = self.cleaned_data
        assignee: Any = data.get("assignee") or None
        if assignee and assignee != "none":
            assignee = int(assignee)
        return {
            "state": data.get("state") or None, "country": data.get("country") or None,
            "language": data.get("language") or None, "since": data.get("since"),
            "until": data.get("until"), "query": data.get("q") or None,
            "assignee": assignee, "cluster": data.get("cluster"),
            "new_answers_for": reader if data.get("answers") == "new" else None,
            "order": data.get("order") or "score",
        }


class IdListField(forms.Field):
    """Repeated ids (tip=3&tip=9): positive integers, at most MAX_SELECTED, deduplicated."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one tip."),
        "invalid": _("Not a tip id."),
        "too_many": _("Too many tips selected."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > MAX_SELECTED:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        ids = set()
        for item in values:
            text = str(item)
            if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) <= 0:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.add(int(text))
        return sorted(ids)


class BulkForm(forms.Form):
    """A bulk action on the tips ticked in the inbox."""

    ACTIONS = (("state", _("Set state")), ("assign", _("Assign")),
               ("forward", _("Forward selected")))

    tip = IdListField()
    action = forms.ChoiceField(choices=ACTIONS)
    state = SettableStateField(required=False)
    assignee = forms.ChoiceField(required=False)
    whole_cluster = forms.BooleanField(required=False, label=_("Apply to whole cluster"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "state").choices = _state_choices(blank="")
        _choices(self, "assignee").choices = [("", "—"), ("none", _("Nobody"))] + [
            (str(u.pk), u.get_username()) for u in selectors.investigators()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "state" and not data.get("state"):
            self.add_error("state", _("Choose a state."))
        if action == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose an investigator, or nobody."))
        return data


class StateForm(forms.Form):
    state = SettableStateField(choices=_state_choices(blank=None))
    whole_cluster = forms.BooleanField(required=False, label=_("Apply to whole cluster"))


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "assignee").choices = [("none", _("Nobody"))] + [
            (str(u.pk), u.get_username()) for u in selectors.investigators()]


class NoteForm(forms.Form):
    text = TextField(label=_("Note"), max_length=NOTE_MAX,
                     widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX}))


class QuestionForm(forms.Form):
    text = TextField(label=_("Question to the tipster"), max_length=QUESTION_MAX,
                     widget=forms.Textarea(attrs={"rows": 3, "maxlength": QUESTION_MAX}))
    # The tipster's mailbox says which language a question is in when it is not the page's.
    language = forms.ChoiceField(label=_("Language of the question"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "language").choices = [("", _("Recognise it from the text"))] + [
            (code, str(name)) for code, name in settings.LANGUAGES]


class ReferForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from traceobject.tips.services import referral_authorities

        super().__init__(*args, **kwargs)
        _choices(self, "country").choices = [("", _("The tip's country"))] + [
            (a.country, f"{a.country} · {a.name}") for a in referral_authorities()]
