"""Names of the kinds of identifying text a crop's reading found, in the reader's language
(``{% load findings %}``, ``{{ f.what|text_finding_name }}``)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: vision.idtext's kinds of identifying text.
TEXT_FINDING_NAMES = {
    "address": _("Address"), "name": _("Person's name"), "phone": _("Phone number"),
    "email": _("E-mail address"), "plate": _("Number plate"), "id_number": _("ID number"),
    "institution": _("School or institution"), "unread": _("Text that could not be read"),
    "error": _("Text not checked (the reader failed)"),
}


@register.filter
def text_finding_name(what: object) -> str:
    """The kind's name; an unknown kind as it is (never silently dropped)."""
    return str(TEXT_FINDING_NAMES.get(str(what), what))
