from __future__ import annotations

from django_tasks import task

from traceobject.exports.services import export_run


@task()
def export_run_task(export_id: int) -> str:
    """Write one export (thin: the service does the work)."""
    export = export_run(export_id=export_id)
    return export.state if export is not None else "skipped"
