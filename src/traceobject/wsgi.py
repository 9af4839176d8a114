import os

from django.core.wsgi import get_wsgi_application

from traceobject.core.chunked import dechunked_bodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
# A chunked request body (no Content-Length) is read too, within the body size limit.
application = dechunked_bodies(get_wsgi_application())
