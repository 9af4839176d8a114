"""Back-office URLs of same-object search; internal/urls.py adds them to the "internal"
namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_objects as views

urlpatterns: list[URLPattern] = [
    path("find-object/", views.object_find, name="object-find"),
    path("find-object/query.jpg", views.object_query_picture, name="object-query-picture"),
    path("find-object/match/<int:pk>.jpg", views.object_match_picture, name="object-match"),
    path("find-object/link/", views.object_link, name="object-link"),
    path("sightings/<int:pk>/unlink/", views.object_sighting_unlink,
         name="object-sighting-unlink"),
]
