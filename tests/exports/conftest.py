from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from traceobject.tips import intake
from traceobject.tips.models import Tip
from traceobject.tips.services import sealed_tips_open

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _private_store(evidence_store: Path) -> None:
    """Every test here gets its own private store (exports are written there)."""


@pytest.fixture
def run_tasks_now(settings: Any) -> None:
    """Tasks run synchronously when enqueued (the worker is not running in tests)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def submit(published):
    """submit(obj=None, text=..., **fields) -> Tip: a tip through the sealed intake, opened."""

    def make(*, obj: Any = None, text: str = "Sold at a market in Brno.",
             contact: str = "tipster@example.org", **fields: str) -> Tip:
        data = intake.tip_validate({"text": text, "contact_email": contact, **fields})
        intake.tip_submit(ref=(obj or published).ref, tip=data)
        sealed_tips_open()
        tip = Tip.objects.order_by("-id").first()
        assert tip is not None
        return tip

    return make
