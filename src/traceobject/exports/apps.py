from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "traceobject.exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The task worker's recovery pass (core/task_leases.py) puts an export whose worker
        # died back in the queue with its task: core does not know exports, exports tells it.
        from traceobject.core.task_leases import task_lost_hook_register
        from traceobject.exports.housekeeping import export_task_lost
        from traceobject.exports.tasks import export_run_task

        task_lost_hook_register(task_path=export_run_task.module_path, hook=export_task_lost)
