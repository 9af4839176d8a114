"""The country estimate of an object or a case: every stored clue fused with
:func:`traceobject.geo.estimate` and stored as an EstimateRecord, now
(:func:`object_estimate_refresh`, :func:`case_estimate_refresh`) or by a task queued once the
current transaction commits (:func:`object_estimate_schedule`,
:func:`case_estimate_schedule`: call them on every change of a tip or a crop)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from traceobject import geo
from traceobject.catalog.models import TracedObject
from traceobject.clues.models import EstimateRecord
from traceobject.clues.selectors import case_clues, object_clues
from traceobject.clues.tip_clues import tips_scan
from traceobject.core.scheduling import schedule_once_on_commit
from traceobject.evidence.models import Case
from traceobject.tips.models import Tip

SCHEDULE_WINDOW = 2  # seconds: changes within it are folded into one recompute


def _store_estimate(result: geo.CountryEstimate, **subject: Any) -> EstimateRecord:
    # only the listed countries (those the clues lifted clearly above the no-information
    # level: geo.fusion); the others share what is left alike and say nothing
    probabilities = [{"code": c, "p": round(p, 6)} for c, p in result.ranked()]
    estimate, _created = EstimateRecord.objects.update_or_create(**subject, defaults={
        "probabilities": probabilities,
        "reasons": list(result.reasons),
        "best": result.best or "",
        "clue_count": result.clue_count,
        "evidence_count": result.evidence_count,
        "ignored_count": result.ignored_count,
        "computed_at": timezone.now(),
    })
    return estimate


def object_estimate_refresh(*, obj: TracedObject) -> EstimateRecord:
    """Read the object's new tips, fuse every clue and store the EstimateRecord (its crop
    and evidence image are read by tasks: :mod:`traceobject.clues.reading`)."""
    tips_scan(tips=Tip.objects.filter(object=obj))
    clues, cluster_of = object_clues(obj)
    result = geo.estimate(clues, cluster_of=cluster_of)
    with transaction.atomic():
        return _store_estimate(result, object=obj)


def case_estimate_refresh(*, case: Case) -> EstimateRecord:
    """Fuse the clues of the case's evidence images (and tags and notes on the case)."""
    result = geo.estimate(case_clues(case))
    with transaction.atomic():
        return _store_estimate(result, case=case)


# --------------------------------------------------------------------------- scheduling


def object_estimate_schedule(*, object_id: int) -> None:
    """Queue a recompute of the object's estimate once the current transaction commits
    (at most one pending per object and window). Cheap: call it on every change of a tip
    (opened, state, cluster) or crop."""
    from traceobject.clues.tasks import object_estimate_task

    oid = int(object_id)
    schedule_once_on_commit(key=f"clues:object-estimate:{oid}", window=SCHEDULE_WINDOW,
                            task=object_estimate_task, args=(oid,))


def case_estimate_schedule(*, case_id: int) -> None:
    """Queue a recompute of the case's estimate (as :func:`object_estimate_schedule`)."""
    from traceobject.clues.tasks import case_estimate_task

    cid = int(case_id)
    schedule_once_on_commit(key=f"clues:case-estimate:{cid}", window=SCHEDULE_WINDOW,
                            task=case_estimate_task, args=(cid,))
