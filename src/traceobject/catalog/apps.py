from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "traceobject.catalog"
    label = "catalog"
