"""URLs of the edge (TRACEOBJECT_ROLE=edge): the public site, its API, published pictures and
the sync endpoint the core connects to. Nothing internal is routed here."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from traceobject.api.urls import api_v1
from traceobject.core.views import healthz
from traceobject.public import views as public_views
from traceobject.sync.views import sync_endpoint

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api_v1.urls),
    path("media/<path:path>", public_views.public_media, name="public-media"),
    path("sync/v1/", sync_endpoint, name="sync"),
]
urlpatterns += i18n_patterns(
    path("", include("traceobject.public.urls")),
    prefix_default_language=True,
)

handler400 = "traceobject.public.views.bad_request"
handler403 = "traceobject.public.views.permission_denied"
handler404 = "traceobject.public.views.page_not_found"
handler500 = "traceobject.public.views.server_error"
