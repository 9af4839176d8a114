from django.apps import AppConfig


class CluesConfig(AppConfig):
    """Stored clues and country estimates (the Django side of geo/)."""

    name = "traceobject.clues"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # what evidence and tips announce (evidence.signals, tips.signals)
        from traceobject.clues import receivers  # noqa: F401
