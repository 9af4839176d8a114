from django.apps import AppConfig


class CluesConfig(AppConfig):
    """Stored clues and country estimates (the Django side of geo/)."""

    name = "traceobject.clues"
    default_auto_field = "django.db.models.BigAutoField"
