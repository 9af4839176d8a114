"""``{% load names %}``: ``{{ tip.country|country_display }}``,
``{{ tip.language|language_display }}``: names in the page's language (traceobject.core.names).
(Not ``language_name``: Django's i18n library has a filter of that name, in English.)"""

from __future__ import annotations

from django import template

from traceobject.core import names

register = template.Library()


@register.filter
def country_display(code: object) -> str:
    return names.country_name(code)


@register.filter
def language_display(code: object) -> str:
    return names.language_name(code)
