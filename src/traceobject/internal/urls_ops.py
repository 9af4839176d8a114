"""Back-office URLs of one area; internal/urls.py adds them to the "internal" namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_ops

urlpatterns: list[URLPattern] = [
    path("audit/", views_ops.audit_list, name="audit"),
    path("audit/verify/", views_ops.audit_verify_page, name="audit-verify"),
    path("audit/export.<str:fmt>", views_ops.audit_export, name="audit-export"),
    path("audit/<int:seq>/", views_ops.audit_detail, name="audit-entry"),
    path("exports/", views_ops.export_list, name="exports"),
    path("edges/", views_ops.edges, name="edges"),
    path("exports/<int:pk>/", views_ops.export_detail, name="export"),
    path("exports/<int:pk>/status.json", views_ops.export_status_json, name="export-status"),
    path("exports/<int:pk>/download", views_ops.export_file, name="export-download"),
]
