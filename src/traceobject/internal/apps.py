from django.apps import AppConfig


class InternalConfig(AppConfig):
    name = "traceobject.internal"
    label = "internal"
