from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "traceobject.audit"
    label = "audit"
