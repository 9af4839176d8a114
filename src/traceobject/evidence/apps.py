from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "traceobject.evidence"
    label = "evidence"
