"""URLs of TRACEOBJECT_ROLE=all: both halves in one process (the test suite, development)."""

from traceobject.urls_core import STAFF
from traceobject.urls_edge import COMMON, PUBLIC, handler400, handler403, handler404, handler500

urlpatterns = [*COMMON, *STAFF, *PUBLIC]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
