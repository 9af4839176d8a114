"""Writes of the evidence workspace: who has looked at which image."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.audit.services import audit_record
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import Case, EvidenceImage, EvidenceView

#: At most this many images are marked in one action (a grid page holds at most 120).
MAX_MARK = 150


def evidence_viewed_record(*, user: Any, image: EvidenceImage) -> None:
    """``user`` opened ``image``: remember it for the grid's "not yet viewed" (the first
    and the last time)."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators open evidence."), status=403)
    updated = EvidenceView.objects.filter(user=user, image=image).update(
        last_viewed_at=timezone.now())
    if not updated:
        EvidenceView.objects.bulk_create([EvidenceView(user=user, image=image)],
                                         ignore_conflicts=True)


def evidence_viewed_mark(*, user: Any, case: Case, image_ids: Sequence[int]) -> int:
    """Mark images of ``case`` as viewed by ``user`` without opening them (a bulk action of
    the grid); audited. Returns how many were newly marked. Ids outside the case, repeated
    or too many are refused and nothing changes."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators open evidence."), status=403)
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        raise ServiceError("nothing_selected", _("Select at least one image."))
    if len(ids) > MAX_MARK or not all(isinstance(i, int) and i > 0 for i in ids):
        raise ServiceError("invalid_selection",
                           _("Select at most %(n)d images of this case.") % {"n": MAX_MARK})
    in_case = set(EvidenceImage.objects.filter(files__case=case, pk__in=ids)
                  .values_list("pk", flat=True).distinct())
    if in_case != set(ids):
        raise ServiceError("invalid_selection", _("Some selected images are not in this case."))
    with transaction.atomic():
        seen = set(EvidenceView.objects.filter(user=user, image_id__in=ids)
                   .values_list("image_id", flat=True))
        new = [i for i in ids if i not in seen]
        EvidenceView.objects.bulk_create([EvidenceView(user=user, image_id=i) for i in new],
                                         ignore_conflicts=True)
        audit_record(actor=user, action="evidence.mark_viewed", target=f"case {case.ref}",
                     data={"images": ids, "newly_marked": len(new)})
    return len(new)
