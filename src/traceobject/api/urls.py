from traceobject.api.errors import TraceobjectAPI, install_error_handlers
from traceobject.api.public import router as public_router

api_v1 = TraceobjectAPI(
    title="traceobject API",
    version="1",
    description=(
        "Public API of a Trace an Object programme. Errors have one shape: "
        '{"error": {"code": "...", "message": "..."}}.'
    ),
    urls_namespace="api-v1",
    docs_url=None,
)
install_error_handlers(api_v1)
api_v1.add_router("", public_router)

