"""Back-office URLs of the clues area (country estimates); internal/urls.py adds them to
the "internal" namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_clues as views

urlpatterns: list[URLPattern] = [
    path("objects/<str:ref>/country/", views.object_country, name="object-country"),
    path("objects/<str:ref>/country/tags/", views.object_country_tag, name="object-country-tag"),
    path("objects/<str:ref>/country/notes/", views.object_country_note,
         name="object-country-note"),
    path("objects/<str:ref>/country/refresh/", views.object_country_refresh,
         name="object-country-refresh"),
    path("objects/<str:ref>/country/clues/<int:pk>/delete/", views.object_clue_delete,
         name="object-country-delete"),
    path("cases/<str:ref>/country/", views.case_country, name="case-country"),
    path("cases/<str:ref>/country/tags/", views.case_country_tag, name="case-country-tag"),
    path("cases/<str:ref>/country/notes/", views.case_country_note, name="case-country-note"),
    path("cases/<str:ref>/country/refresh/", views.case_country_refresh,
         name="case-country-refresh"),
    path("cases/<str:ref>/country/clues/<int:pk>/delete/", views.case_clue_delete,
         name="case-country-delete"),
    path("brands/", views.brands, name="brands"),
    path("brands/add/", views.brand_add, name="brand-add"),
    path("brands/<int:pk>/remove/", views.brand_remove, name="brand-remove"),
]
