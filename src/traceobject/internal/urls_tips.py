"""Back-office URLs of the tip inbox; internal/urls.py adds them to the "internal" namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_tips as views

urlpatterns: list[URLPattern] = [
    path("tips/", views.inbox, name="tips"),
    path("tips/bulk/", views.bulk, name="tips-bulk"),
    path("tips/<int:pk>/", views.tip_detail, name="tip"),
    path("tips/<int:pk>/state/", views.tip_state, name="tip-state"),
    path("tips/<int:pk>/assign/", views.tip_assign, name="tip-assign"),
    path("tips/<int:pk>/note/", views.tip_note, name="tip-note"),
    path("tips/<int:pk>/ask/", views.tip_ask, name="tip-ask"),
    path("tips/<int:pk>/refer/", views.tip_refer, name="tip-refer"),
    path("tips/<int:pk>/reveal/", views.tip_reveal, name="tip-reveal"),
    path("tips/<int:pk>/translate/", views.tip_translate, name="tip-translate"),
    path("tips/clusters/<int:pk>/", views.cluster_detail, name="tip-cluster"),
    path("tips/clusters/<int:pk>/state/", views.cluster_state, name="tip-cluster-state"),
    path("objects/<str:ref>/tips/", views.object_inbox, name="object-tips"),
]
