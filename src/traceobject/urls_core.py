"""URLs of the core (TRACEOBJECT_ROLE=core): the back office, the internal and liaison APIs and
the published pictures the back office shows. The public site is served by the edges."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from traceobject.api.internal import api_internal
from traceobject.urls_edge import COMMON, handler400, handler403, handler404, handler500

# The back office and the internal and liaison APIs.
STAFF = [
    path("api/internal/v1/", api_internal.urls),
    path("internal/admin/", admin.site.urls),
    path("internal/", include("traceobject.internal.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="internal:home", permanent=False)),
    *COMMON,
    *STAFF,
]

__all__ = ["STAFF", "handler400", "handler403", "handler404", "handler500", "urlpatterns"]
