"""The edge's database holds only what is published and what is sealed: the triage store,
the publication history and the core's sync bookkeeping get no table there at all.

The public side's one-time keys (tips.OnceKey) are the edge's own (its forms and API posts):
their table is made everywhere, used on an edge and in role all, empty on a core."""

from __future__ import annotations

from typing import Any

from django.conf import settings

EDGE_EXCLUDED = {
    ("tips", "tip"), ("tips", "tipcluster"), ("tips", "tipband"), ("tips", "tipnote"),
    ("tips", "tipmessage"), ("tips", "edgepurge"), ("tips", "tipreadmark"),
    ("tips", "tiptranslation"),
    ("catalog", "objectreview"),
    ("sync", "pushedobject"),
    ("core", "periodicslot"), ("core", "workerlease"),  # the edge runs no worker
}


class RoleRouter:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool | None:
        if settings.EDGE and (app_label, model_name) in EDGE_EXCLUDED:
            return False
        return None
