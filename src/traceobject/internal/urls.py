from django.urls import path

from traceobject.internal import (
    urls_accounts,
    urls_catalog,
    urls_clues,
    urls_objects,
    urls_ops,
    urls_routing,
    urls_tips,
    urls_video,
    views,
)

app_name = "internal"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<str:ref>/", views.case_detail, name="case"),
    path("cases/<str:ref>/viewed/", views.case_mark_viewed, name="case-mark-viewed"),
    path("cases/<str:ref>/sequence/", views.case_sequence, name="case-sequence"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence"),
    path("evidence/<int:pk>/thumb.jpg", views.evidence_thumb, name="evidence-thumb"),
    path("evidence/<int:pk>/display.jpg", views.evidence_display, name="evidence-display"),
    path("evidence/<int:pk>/crop/", views.crop_create, name="crop-create"),
    path("crops/<int:pk>/", views.crop_detail, name="crop"),
    path("crops/<int:pk>/<str:kind>.png", views.crop_image, name="crop-image"),
    path("crops/<int:pk>/override/", views.crop_override, name="crop-override"),
    path("crops/<int:pk>/redact-text/", views.crop_text_redact, name="crop-text-redact"),
    path("crops/<int:pk>/object/", views.crop_to_object, name="crop-object"),
]

# Each area keeps its own list (one file per area keeps changes apart).
for _area in (urls_accounts, urls_catalog, urls_tips, urls_routing, urls_ops, urls_clues,
              urls_video, urls_objects):
    urlpatterns += _area.urlpatterns
