from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "traceobject.sync"
    label = "sync"
