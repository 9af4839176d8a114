"""Checks shared by the clues app's services: who may work on clues, the subject of a tag or
a note, and one line of text from an investigator."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: object, *, field: str, maximum: int, required: bool = True,
          code: str = "invalid_clue") -> str:
    """NFC, one line, trimmed; refused when not text, empty (if required) or too long."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(code, f"{field} must be text.", fields={field: "not text"})
    if _CONTROL.search(value):
        raise ServiceError(code, f"{field} contains control characters.",
                           fields={field: "control characters"})
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if required and not text:
        raise ServiceError(code, f"{field} is required.", fields={field: "required"})
    if len(text) > maximum:
        raise ServiceError(code, f"{field} is longer than {maximum} characters.",
                           fields={field: f"at most {maximum} characters"})
    return text
