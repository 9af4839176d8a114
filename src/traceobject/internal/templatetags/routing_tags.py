"""Routing on pages that other areas draw: the liaison officers' questions on a tip's page and
the mark on the inbox's rows (the tip pages load these tags; routing.selectors does the rest)."""

from __future__ import annotations

from typing import Any

from django import template

from traceobject.internal.forms_routing import InvestigatorAnswerForm
from traceobject.routing import selectors
from traceobject.routing.services import MESSAGE_MAX

register = template.Library()


@register.inclusion_tag("internal/routing/_tip_liaison.html", takes_context=True)
def tip_liaison(context: template.Context, tip: Any) -> dict[str, Any]:
    """The liaison officers' questions about the forwardings of `tip`, with an answer form
    under each open one (it comes back to this page)."""
    request = context.get("request")
    return {"threads": selectors.tip_liaison_threads(tip=tip), "form": InvestigatorAnswerForm(),
            "max_length": MESSAGE_MAX,
            "next": request.get_full_path() if request is not None else "",
            "csrf_token": context.get("csrf_token")}


@register.simple_tag
def liaison_open_tips(rows: Any) -> set[int]:
    """Of the tips in `rows` (inbox rows with a .tip), those in a forwarding with a liaison
    officer's question not answered yet."""
    ids = [row.tip.pk for row in rows or []]
    return selectors.open_question_tip_ids(tip_ids=ids) if ids else set()
