from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from traceobject.api.internal import api_internal
from traceobject.api.urls import api_v1
from traceobject.core.views import healthz
from traceobject.public import views as public_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api_v1.urls),
    path("api/internal/v1/", api_internal.urls),
    path("media/<path:path>", public_views.public_media, name="public-media"),
    path("internal/admin/", admin.site.urls),
    path("internal/", include("traceobject.internal.urls")),
]
urlpatterns += i18n_patterns(
    path("", include("traceobject.public.urls")),
    prefix_default_language=True,
)

handler400 = "traceobject.public.views.bad_request"
handler403 = "traceobject.public.views.permission_denied"
handler404 = "traceobject.public.views.page_not_found"
handler500 = "traceobject.public.views.server_error"
