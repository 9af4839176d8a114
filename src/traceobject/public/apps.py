from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "traceobject.public"
    label = "public"
