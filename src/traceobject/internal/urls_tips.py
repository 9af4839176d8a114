"""Back-office URLs of one area; internal/urls.py adds them to the "internal" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
