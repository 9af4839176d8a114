from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "traceobject.evidence"
    label = "evidence"

    def ready(self) -> None:
        from traceobject.evidence import checks  # noqa: F401  (registers system checks)
