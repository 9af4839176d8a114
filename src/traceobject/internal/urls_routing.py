"""Back-office URLs of one area; internal/urls.py adds them to the "internal" namespace."""

from django.urls import URLPattern, path, re_path

from traceobject.internal import views_routing as views

urlpatterns: list[URLPattern] = [
    path("forwardings/", views.forwarding_list, name="forwardings"),
    path("forwardings/new/", views.forwarding_new, name="forwarding-new"),
    path("forwardings/<str:ref>/", views.forwarding_detail, name="forwarding"),
    path("forwardings/<str:ref>/answer/", views.forwarding_answer, name="forwarding-answer"),
    re_path(r"^forwardings/(?P<ref>[^/]+)/package\.(?P<fmt>html|pdf|json)$",
            views.forwarding_package, name="forwarding-package"),
    path("liaison/", views.liaison_home, name="liaison"),
    path("liaison/<str:ref>/", views.liaison_forwarding, name="liaison-forwarding"),
    path("liaison/<str:ref>/acknowledge/", views.liaison_acknowledge,
         name="liaison-acknowledge"),
    path("liaison/<str:ref>/outcome/", views.liaison_outcome, name="liaison-outcome"),
    path("liaison/<str:ref>/question/", views.liaison_question, name="liaison-question"),
]
