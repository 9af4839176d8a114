"""Tasks of the evidence app (same-object search): thin, they load by id and call a service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskContext, task

from traceobject.evidence import object_features
from traceobject.evidence.models import Crop

#: Feature rows one catch-up task reads at most (it queues the next one when more are left).
SYNC_LIMIT = 20_000


@task()
def image_features_task(ids: list[int]) -> int:
    """Read the local features of a batch of new evidence images; the object index then
    catches up (a task of its own, at most one per window)."""
    return object_features.features_extract_for_images(image_ids=ids)


@task()
def crop_features_task(crop_id: int) -> int:
    """Read the local features of a new crop; how many keypoints (0 if it is gone)."""
    crop = Crop.objects.filter(pk=crop_id).first()
    if crop is None:
        return 0
    return object_features.features_extract_for_crop(crop=crop).count


@task()
def features_sweep_task() -> int:
    """The periodic sweep (core/schedule.py, hourly): evidence images left without local
    features get them, a bounded batch a run; how many were read."""
    return object_features.features_sweep().read


@task()
def object_index_sync_task() -> int:
    """Add the evidence images whose features are new to the object index (by watermark);
    train its codebook first when there is none and there are enough features. With an
    embedding model configured, its index catches up too."""
    from traceobject.evidence.object_embeddings import embedding_index_sync
    from traceobject.evidence.object_index import object_index_sync

    added = object_index_sync(limit=SYNC_LIMIT).added
    embedding_index_sync(limit=SYNC_LIMIT)
    return added


@task(takes_context=True, queue_name="ingest")
def ingest_batch_task(context: TaskContext, batch_id: int) -> dict[str, Any]:
    """Ingest one batch of a queued ingest (evidence/ingest_queue.py). A store or database
    outage puts the batch back and queues this task again after a while; any other error
    fails the batch (with the reason) and the task."""
    from django.db import DatabaseError

    from traceobject.evidence import ingest_queue

    worker_ids = list(getattr(context.task_result, "worker_ids", None) or [])
    worker_id = str(worker_ids[-1]) if worker_ids else "worker"
    try:
        outcome = ingest_queue.ingest_batch_run(batch_id=batch_id, worker_id=worker_id)
    except DatabaseError as error:
        ingest_queue.ingest_batch_release(batch_id=batch_id, worker_id=worker_id,
                                          error=f"database: {error}")
        outcome = ingest_queue.BatchOutcome(batch_id, "queued", note="retry")
    except Exception as error:
        ingest_queue.ingest_batch_failed(batch_id=batch_id, worker_id=worker_id,
                                         error=f"{type(error).__name__}: {error}")
        raise
    if outcome.note == "retry":
        ingest_batch_task.using(run_after=timezone.now() + timedelta(
            seconds=ingest_queue.RETRY_SECONDS)).enqueue(batch_id)
    return {"batch": batch_id, "state": outcome.state, "done": outcome.done,
            "note": outcome.note}


@task()
def index_rebuild_task(kind: str) -> int:
    """Bring the saved PDQ index ``kind`` ("pdq" or "vpdq") of this worker's home up to the
    database's index log, reading it again when it is damaged or stale (searches meanwhile
    use the previous copy or the rows, evidence.index); how many hashes were added."""
    from traceobject.evidence.index import INDEXES

    index = INDEXES.get(kind)
    return 0 if index is None else index.sync()
