"""System checks for configuration mistakes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_intake_keys(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if settings.PRODUCTION and not settings.INTAKE_PUBLIC_KEY_FILE.exists():
        problems.append(Error(
            f"Intake public key not found at {settings.INTAKE_PUBLIC_KEY_FILE}.",
            hint="Set TRACEOBJECT_INTAKE_PUBLIC_KEY_FILE; create a pair with "
                 "'traceobject manage intake_keys'.",
            id="traceobject.E001",
        ))
    if settings.PRODUCTION and settings.RECEIPT_HMAC_KEY == settings.SECRET_KEY:
        problems.append(Warning(
            "TRACEOBJECT_RECEIPT_KEY equals the secret key.",
            hint="Use an independent secret so rotating one does not invalidate the other.",
            id="traceobject.W001",
        ))
    if settings.PRODUCTION and "locmem" in settings.CACHES["default"]["BACKEND"]:
        problems.append(Warning(
            "Rate limits and the public page cache use a per-process memory cache.",
            hint="Set REDIS_URL so every server process shares the same limits and sees "
                 "catalogue changes at once.",
            id="traceobject.W002",
        ))
    return problems
