"""System checks for the evidence store's configuration."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from traceobject.evidence.storage import EvidenceStoreError, evidence_store_check
from traceobject.evidence.storage_settings import S3_BACKEND, P


def _s3_options() -> dict[str, Any] | None:
    entry = cast(dict[str, Any], settings.STORAGES.get("evidence") or {})
    return dict(entry.get("OPTIONS", {})) if entry.get("BACKEND") == S3_BACKEND else None


@register()
def check_evidence_transport(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    options = _s3_options()
    endpoint = (options or {}).get("endpoint_url") or ""
    if settings.PRODUCTION and urlsplit(endpoint).scheme == "http":
        return [Warning(
            "Evidence travels to the S3 endpoint unencrypted (http://).",
            hint=f"Use an https:// {P}ENDPOINT_URL (with {P}CA_BUNDLE for a private CA).",
            id="evidence.W001",
        )]
    return []


@register(deploy=True)
def check_evidence_store_reachable(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`traceobject manage check --deploy`: the bucket answers with these credentials."""
    if _s3_options() is None:
        return []
    try:
        evidence_store_check()
    except EvidenceStoreError as error:
        return [Error(f"Evidence store: {error}", id="evidence.E001")]
    return []
