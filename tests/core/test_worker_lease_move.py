"""WorkerLease moved from exports to core (core/migrations/0002, exports/migrations/0005):
the table and its rows stay; the recovery hook for exports is registered by exports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from traceobject.core.models import WorkerLease
from traceobject.core.task_leases import task_lost_hooks
from traceobject.exports.housekeeping import export_task_lost
from traceobject.exports.tasks import export_run_task

BEFORE = [("exports", "0004_worker_lease"), ("core", "0001_periodic_slot")]


@pytest.mark.django_db(transaction=True)
def test_leases_written_before_the_move_are_read_by_core_after_it() -> None:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        now = timezone.now().replace(microsecond=0)
        old.get_model("exports", "WorkerLease").objects.create(
            worker_id="host-1-abc", host="host", pid=42, started_at=now, renewed_at=now,
            expires_at=now + timedelta(minutes=1))
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
    lease = WorkerLease.objects.get()
    assert (lease.worker_id, lease.host, lease.pid) == ("host-1-abc", "host", 42)
    assert lease.expires_at == now + timedelta(minutes=1)
    assert WorkerLease._meta.db_table == "exports_workerlease"


def test_exports_registers_its_hook_for_a_lost_export_task() -> None:
    """core/task_leases.py does not import exports: exports' AppConfig.ready() hands it the
    hook that puts an export back in the queue with its task."""
    assert task_lost_hooks()[export_run_task.module_path] is export_task_lost
    assert export_run_task.module_path == "traceobject.exports.tasks.export_run_task"
