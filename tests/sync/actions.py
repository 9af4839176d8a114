"""Steps the multi-process sync tests run inside a node (an edge or a core process with its
own settings and database): `python -m tests.sync.actions STEP [ARG...]` prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    import django

    django.setup()


def migrate() -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return {"ok": True}


def _staff(name: str, role: str) -> Any:
    from django.contrib.auth.models import Group, User

    user, created = User.objects.get_or_create(username=name)
    if created:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def publish(title: str, language_text: str = "") -> dict[str, Any]:
    """Core: an object written by one investigator and approved by a reviewer."""
    from PIL import Image, ImageDraw

    from traceobject.catalog import services as catalog

    author = _staff("ivy.investigator", "investigator")
    reviewer = _staff("rita.reviewer", "reviewer")
    obj = catalog.object_create(
        user=author, category="packaging", campaign=None,
        texts={"en": {"title": title, "description": "Seen in several images.",
                      "questions": ["Where is this sold?"]}})
    image = Image.new("RGB", (400, 300), (30, 90, 160))
    ImageDraw.Draw(image).rectangle((40, 40, 360, 260), outline=(255, 255, 255), width=6)
    catalog.object_image_add(obj=obj, image=image)
    catalog.object_submit(obj=obj, user=author)
    catalog.object_approve(obj=obj, user=reviewer, checklist=catalog.REVIEW_CHECK_NAMES,
                           english_fallback=True)
    return {"ref": obj.ref}


def ingest_evidence(case: str, file_name: str) -> dict[str, Any]:
    """Core: one generated evidence picture, under `file_name`, into the case `case`."""
    import tempfile
    from pathlib import Path

    from PIL import Image, ImageDraw

    from traceobject.evidence.ingest import ingest

    folder = Path(tempfile.mkdtemp())
    image = Image.new("RGB", (640, 480), (200, 180, 40))
    ImageDraw.Draw(image).ellipse((100, 100, 500, 400), fill=(20, 60, 200))
    image.save(folder / file_name, "JPEG")
    summary = ingest([str(folder)], case_ref=case, workers=1)
    return {"ingested": summary.ingested}


def withdraw(ref: str) -> dict[str, Any]:
    from traceobject.catalog import services as catalog
    from traceobject.catalog.models import TracedObject

    obj = TracedObject.objects.get(ref=ref)
    catalog.object_withdraw(obj=obj, user=_staff("rita.reviewer", "reviewer"),
                            reason="Identified.")
    return {"ok": True}


def open_tips() -> dict[str, Any]:
    from traceobject.tips.services import mailbox_replies_open, sealed_tips_open

    return {"tips": sealed_tips_open(), "answers": mailbox_replies_open()}


def tips() -> dict[str, Any]:
    from traceobject.tips.models import SealedTip, Tip, TipMessage

    return {
        "texts": sorted(Tip.objects.values_list("text", flat=True)),
        "sealed": SealedTip.objects.count(),
        "origins": sorted({f"{o}:{i}" for o, i in SealedTip.objects.exclude(origin="")
                           .values_list("origin", "origin_id")}),
        "answers": sorted(TipMessage.objects.filter(direction="from_tipster")
                          .values_list("text", flat=True)),
        "unopened": SealedTip.objects.filter(opened_at__isnull=True).count(),
    }


def ask(text_contains: str, question: str, language: str = "") -> dict[str, Any]:
    """Core: an investigator asks the tipster of the tip whose text contains `text_contains`
    (in `language`, or the one recognised in the question)."""
    from traceobject.tips.models import Tip
    from traceobject.tips.services import tip_question_ask

    tip = Tip.objects.get(text__contains=text_contains)
    tip_question_ask(tip=tip, user=_staff("ivy.investigator", "investigator"), text=question,
                     language=language)
    return {"ok": True}


def triage(text_contains: str, state: str) -> dict[str, Any]:
    from traceobject.tips.models import Tip
    from traceobject.tips.services import tip_state_set

    tip = Tip.objects.get(text__contains=text_contains)
    tip_state_set(tips=[tip], state=state,
                  user=_staff("ivy.investigator", "investigator"))
    return {"ok": True}


def closed_ago(text_contains: str, state: str, days: str) -> dict[str, Any]:
    """Core: the tip whose text contains `text_contains` closed (`state`) `days` ago."""
    from datetime import timedelta

    from django.utils import timezone

    from traceobject.tips.models import Tip

    done = Tip.objects.filter(text__contains=text_contains).update(
        state=state, closed_at=timezone.now() - timedelta(days=float(days)))
    return {"closed": done}


def retention() -> dict[str, Any]:
    """Core: the daily retention purge, now."""
    from traceobject.tips.retention import retention_purge

    return retention_purge()


def sync(edge: str = "") -> dict[str, Any]:
    from traceobject.sync.core import sync_all

    reports = sync_all(only=edge or None)
    return {"reports": [{"edge": r.edge, "error": r.error, "tips": r.pulled_tips,
                         "answers": r.pulled_answers, "objects": r.pushed_objects,
                         "questions": r.pushed_questions, "backlog": r.backlog,
                         "purges": r.pushed_purges,
                         "problems": r.problems} for r in reports]}


def edge_counts() -> dict[str, Any]:
    from traceobject.tips.models import MailboxMessage, OnceKey, Receipt, SealedTip

    return {"sealed": SealedTip.objects.count(),
            "waiting": SealedTip.objects.filter(synced_at__isnull=True).count(),
            "questions": MailboxMessage.objects.filter(direction="to_tipster").count(),
            "tip_copies": MailboxMessage.objects.filter(direction="tip_copy").count(),
            "messages": MailboxMessage.objects.count(),
            "receipts": Receipt.objects.count(),
            "once_keys": OnceKey.objects.count()}


def once_keys_age(hours: str) -> dict[str, Any]:
    """Edge: make every one-time key `hours` old (as if a day had gone by)."""
    from datetime import timedelta

    from django.utils import timezone

    from traceobject.tips.models import OnceKey

    aged = OnceKey.objects.update(created_at=timezone.now() - timedelta(hours=float(hours)))
    return {"aged": aged}


def edge_fill(count: str, ref: str) -> dict[str, Any]:
    """Edge: `count` sealed tips on `ref` written straight to the database (a backlog as an
    edge would hold after a day without its core), sealed to the object's intake key (role
    all: to its own intake key; no opening task is queued)."""
    from django.utils import timezone
    from nacl.public import PublicKey

    from traceobject.catalog.models import TracedObject
    from traceobject.core import crypto
    from traceobject.tips.models import Receipt, SealedTip

    obj = TracedObject.objects.get(ref=ref)
    if obj.intake_key:
        key = PublicKey(bytes.fromhex(obj.intake_key))
    else:
        from traceobject.core.keys import intake_public_key

        key = intake_public_key()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    receipt = Receipt.objects.create(digest=os.urandom(32).hex(), created_at=now,
                                     mailbox_public_key=bytes(key))
    total = int(count)
    for start in range(0, total, 5000):
        SealedTip.objects.bulk_create([SealedTip(
            object=obj, receipt=receipt, received_at=now,
            sealed=crypto.seal(key, json.dumps({"v": 1, "ref": ref, "text": f"backlog {n}",
                                                "country": "", "place": "", "seen_when": "",
                                                "contact_email": "", "language": "en"}).encode()))
            for n in range(start, min(total, start + 5000))])
    return {"count": total}


def timed_sync(budget: str = "3600") -> dict[str, Any]:
    """Core: one sync round with every edge, timed inside the process."""
    import time

    from traceobject.sync.config import peers
    from traceobject.sync.core import edge_sync

    started = time.perf_counter()
    pulled = 0
    for name in peers():
        report = edge_sync(name=name, budget_seconds=float(budget))
        if report.error:
            raise RuntimeError(report.error)
        pulled += report.pulled_tips
    return {"tips": pulled, "seconds": time.perf_counter() - started}


def timed_sync_report() -> dict[str, Any]:
    """Core: one round with the only edge, whatever happens; the report as it is."""
    from traceobject.sync.config import peers
    from traceobject.sync.core import edge_sync

    report = edge_sync(name=next(iter(peers())))
    return {"error": report.error, "tips": report.pulled_tips, "backlog": report.backlog}


def enqueue_opening() -> dict[str, Any]:
    """Role all or core: queue one task that opens every waiting sealed tip."""
    from traceobject.tips.tasks import open_sealed_tips

    return {"id": str(open_sealed_tips.enqueue().id)}


def task_rows() -> dict[str, Any]:
    """The task rows: status, task name, the workers that claimed each."""
    from django_tasks_db.models import DBTaskResult

    return {"rows": [{"id": str(r.id), "status": r.status, "task": r.task_path.rsplit(".", 1)[-1],
                      "workers": r.worker_ids, "error": r.exception_class_path}
                     for r in DBTaskResult.objects.order_by("enqueued_at")]}


STEPS = {name: value for name, value in globals().items()
         if callable(value) and not name.startswith("_") and name not in {"main"}
         and getattr(value, "__module__", "") == __name__}


def _fresh() -> None:
    """Between two steps of the agent: what a new process would start without (database
    connections, the per-process cache)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connections

    connections.close_all()
    if settings.CACHES["default"]["BACKEND"].endswith(".LocMemCache"):  # this process's own
        cache.clear()


def serve() -> int:
    """The node's agent: one step per line on stdin (a JSON list: step, arguments), one line
    on stdout per step ("RESULT {json}" or "FAILED {json traceback}"). One process for all
    the steps of a test instead of one per step (each would load Django and the models
    again). Whatever a step prints goes to stderr."""
    import traceback

    _setup()
    answers = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        step, *args = json.loads(line)
        _fresh()
        try:
            answer = "RESULT " + json.dumps(STEPS[step](*args))
        except BaseException:  # noqa: BLE001  (reported to the test, which fails)
            answer = "FAILED " + json.dumps(traceback.format_exc())
        answers.write(answer + "\n")
        answers.flush()
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        return serve()
    _setup()
    result = STEPS[argv[0]](*argv[1:])
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
