"""The edge's database holds only what is published and what is sealed: the triage store,
the publication history and the core's sync bookkeeping get no table there at all."""

from __future__ import annotations

from typing import Any

from django.conf import settings

EDGE_EXCLUDED = {
    ("tips", "tip"), ("tips", "tipcluster"), ("tips", "tipband"), ("tips", "tipnote"),
    ("tips", "tipmessage"), ("catalog", "objectreview"), ("sync", "pushedobject"),
    ("core", "periodicslot"), ("core", "workerlease"),  # the edge runs no worker
}


class RoleRouter:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool | None:
        if settings.EDGE and (app_label, model_name) in EDGE_EXCLUDED:
            return False
        return None
