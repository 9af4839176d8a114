"""URLs of the core (TRACEOBJECT_ROLE=core): the back office, the internal and liaison APIs and
the published pictures the back office shows. The public site is served by the edges."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from traceobject.api.internal import api_internal
from traceobject.core.views import healthz
from traceobject.public import views as public_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="internal:home", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("api/internal/v1/", api_internal.urls),
    path("media/<path:path>", public_views.public_media, name="public-media"),
    path("internal/admin/", admin.site.urls),
    path("internal/", include("traceobject.internal.urls")),
]

handler400 = "traceobject.public.views.bad_request"
handler403 = "traceobject.public.views.permission_denied"
handler404 = "traceobject.public.views.page_not_found"
handler500 = "traceobject.public.views.server_error"
