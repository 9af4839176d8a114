from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from traceobject.tips import intake
from traceobject.tips.models import SealedTip, Tip
from traceobject.tips.services import sealed_tips_open


@pytest.mark.django_db
def test_a_flood_of_tips_schedules_one_deferred_opening_task(
    published, django_capture_on_commit_callbacks
):
    tip = intake.tip_validate({"text": "I saw this bag in Kraków."})
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            intake.tip_submit(ref=published.ref, tip=tip)
    tasks = list(DBTaskResult.objects.all())
    assert len(tasks) == 1
    assert tasks[0].run_after is not None and tasks[0].run_after > tasks[0].enqueued_at
    assert SealedTip.objects.count() == 5 and Tip.objects.count() == 0
    assert sealed_tips_open() == 5
    assert Tip.objects.count() == 5
