from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "traceobject.routing"
    label = "routing"

    def ready(self) -> None:
        # a tipster's answer to a forwarded tip (tips.signals)
        from traceobject.routing import receivers  # noqa: F401
