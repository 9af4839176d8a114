"""Form fields for free text, cleaned by the one text cleaner (:mod:`traceobject.core.text`).

A form shows the cleaner's reason beside the field ("This contains control characters.")
before the service, which cleans the value again (cleaning is idempotent), is called.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line, clean_text


class LineField(forms.CharField):
    """One line of text (:func:`~traceobject.core.text.clean_line`); Django's ``required``
    and its message stay as they are."""

    multiline = False

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        clean = clean_text if self.multiline else clean_line
        try:
            return clean(text, field="value", max_length=self.max_length or 0, required=False)
        except ServiceError as error:
            raise ValidationError(error.fields["value"], code=error.code) from None


class TextField(LineField):
    """Text in lines (:func:`~traceobject.core.text.clean_text`), in a text area."""

    multiline = True
    widget = forms.Textarea
