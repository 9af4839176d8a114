from typing import Any

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "traceobject.evidence"
    label = "evidence"

    def ready(self) -> None:
        # system checks; same-object search: the features of new images and crops (tasks)
        # A queued ingest's batch whose worker died goes back to the queue with its task
        # (core/task_leases.py's recovery pass calls the hook).
        from traceobject.core.task_leases import task_lost_hook_register
        from traceobject.evidence import checks, receivers  # noqa: F401

        task_lost_hook_register(task_path=INGEST_BATCH_TASK, hook=_ingest_batch_lost)


#: The task path of evidence.tasks.ingest_batch_task (named here: importing the tasks at
#: start-up would load the image libraries into every process).
INGEST_BATCH_TASK = "traceobject.evidence.tasks.ingest_batch_task"


def _ingest_batch_lost(args_kwargs: dict[str, Any], *, failed: bool) -> None:
    from traceobject.evidence.ingest_queue import ingest_batch_lost

    ingest_batch_lost(args_kwargs, failed=failed)
