"""Exception handlers that give every API error the one shape."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from traceobject.core.errors import RateLimited, ServiceError, error_body

logger = logging.getLogger(__name__)


def _fields_of(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields[".".join(loc) or "body"] = str(item.get("msg", "invalid"))
    return fields


# The web server (gunicorn) refuses a request line over 4,094 bytes itself, before the
# application: every operation can get this answer, with gunicorn's own short body.
URI_TOO_LONG = {"description": "URI Too Long: the request line (method, path and query string) "
                               "is over 4,094 bytes. The web server answers this itself, with "
                               "a short HTML body, not the error shape."}


class BodyNotAnObject(ValueError):
    """A request body that is JSON, but not the JSON object every body schema here is."""


class JsonObjectParser(Parser):
    """Request bodies are JSON objects. django-ninja reads any other JSON value (null, a number,
    a string, a list) as if no field had been sent: where every field is optional, `50` was an
    outcome report with the defaults, `null` an approval without a comment. Refused instead
    (422, see install_error_handlers)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject(type(data).__name__)
        return data


class TraceobjectAPI(NinjaAPI):
    """A NinjaAPI that takes only JSON objects as bodies, and whose OpenAPI document also lists
    the answers the web server gives by itself (414) on every operation."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", JsonObjectParser())
        super().__init__(**kwargs)

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault(414, dict(URI_TOO_LONG))
        return schema


def install_error_handlers(api: NinjaAPI) -> None:
    def service_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, ServiceError)
        response = api.create_response(
            request, error_body(exc.code, exc.message, exc.fields), status=exc.status
        )
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def validation_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return api.create_response(
            request, error_body("invalid", _("The request is not valid."), _fields_of(exc)),
            status=422,
        )

    def http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, HttpError)
        if isinstance(exc.__cause__, BodyNotAnObject):  # JSON, but not an object: 422
            return api.create_response(
                request, error_body("invalid", _("The request is not valid."),
                                    {"body": _("Send a JSON object.")}), status=422)
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "error")
        message = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
        return api.create_response(request, error_body(code, message), status=exc.status_code)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    def auth_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(
            request, error_body("unauthorized", _("Authentication required.")), status=401)

    def other(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, RequestDataTooBig):
            return api.create_response(
                request, error_body("too_large", _("The request is too large.")), status=413)
        logger.exception("unhandled API error on %s %s", request.method, request.path)
        return api.create_response(
            request, error_body("server_error", _("An error occurred on our side.")), status=500)

    handlers: list[tuple[type[Exception], Any]] = [
        (ServiceError, service_error), (ValidationError, validation_error),
        (HttpError, http_error), (Http404, not_found), (AuthenticationError, auth_error),
        (Exception, other),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
