"""Fixtures for the triage store: tips made directly (fast) or through the sealed intake."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from traceobject.tips import analysis, clustering
from traceobject.tips.models import Tip

_intake_ids = itertools.count(10**12)


def tip_make(obj: Any, text: str, *, country: str = "", place: str = "", state: str = "new",
             received_at: datetime | None = None, language: str = "",
             cluster: bool = True) -> Tip:
    """A tip as opening would store it (without language detection, which is slow to load);
    intake ids far above any SealedTip id."""
    found = analysis.analyse(analysis.TipText(text=text, country=country, place=place),
                             language=False)
    now = timezone.now()
    tip = Tip.objects.create(
        intake_id=next(_intake_ids), object=obj, text=text, country=country, place=place,
        language=language, state=state, received_at=received_at or now, opened_at=now,
        entities=[e.as_dict() for e in found.entities], fingerprint=found.fingerprint,
        score=found.score)
    if cluster:
        clustering.tip_cluster_assign(tip=tip)
    return tip


@pytest.fixture
def make_tip(db: Any) -> Callable[..., Tip]:
    return tip_make
