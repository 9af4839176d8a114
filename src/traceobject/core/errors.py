"""One error shape for the whole project: {"error": {"code": "...", "message": "..."}}."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


class ServiceError(Exception):
    """Raised by services for input that is refused; views translate it, nothing was changed."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None,
                 fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    status = 404


class RateLimited(ServiceError):
    status = 429

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = {k: str(v) for k, v in fields.items()}
    return {"error": error}


def error_response(code: str, message: str, status: int,
                   fields: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)
