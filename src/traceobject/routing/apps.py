from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "traceobject.routing"
    label = "routing"
