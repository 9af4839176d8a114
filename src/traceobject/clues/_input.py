"""Checks shared by the clues app's services: who may work on clues, the subject of a tag or
a note, and one line of text from an investigator."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line
from traceobject.evidence.models import Case


def _require_investigator(user: Any) -> None:
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators work on clues."), status=403)


def _one_subject(obj: TracedObject | None, case: Case | None) -> tuple[dict[str, Any], str]:
    """The anchor fields and audit target of an object or a case (exactly one)."""
    if (obj is None) == (case is None):
        raise ServiceError("invalid_subject", _("Give an object or a case."))
    if obj is not None:
        return {"object": obj}, obj.ref
    assert case is not None
    return {"case": case}, f"case {case.ref}"


def _text(value: object, *, field: str, maximum: int, required: bool = True,
          code: str = "invalid_clue") -> str:
    """One line through the one text cleaner (core.text.clean_line)."""
    return clean_line(value, field=field, max_length=maximum, required=required, code=code)
