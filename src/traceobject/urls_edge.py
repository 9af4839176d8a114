"""URLs of the edge (TRACEOBJECT_ROLE=edge): the public site, its API, published pictures and
the sync endpoint the core connects to. Nothing internal is routed here.

The pieces are shared: urls_core.py and urls.py (role all) are made of them too."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from traceobject.api.urls import api_v1
from traceobject.core.views import healthz
from traceobject.public import views as public_views
from traceobject.sync.views import sync_endpoint

# Every role: the health check and the published pictures.
COMMON = [
    path("healthz", healthz, name="healthz"),
    path("media/<path:path>", public_views.public_media, name="public-media"),
]
# The public site and its API.
PUBLIC = [
    path("api/v1/", api_v1.urls),
    *i18n_patterns(path("", include("traceobject.public.urls")), prefix_default_language=True),
]

urlpatterns = [*COMMON, path("sync/v1/", sync_endpoint, name="sync"), *PUBLIC]

handler400 = "traceobject.public.views.bad_request"
handler403 = "traceobject.public.views.permission_denied"
handler404 = "traceobject.public.views.page_not_found"
handler500 = "traceobject.public.views.server_error"
