"""File stores described by the environment (no Django imports: settings.py calls this while
it is being loaded). Two stores use it: the evidence store (core only) and the published
pictures (`media`, on the edge and the core).

TRACEOBJECT_<STORE>_STORAGE=filesystem (default): files under a folder of $TRACEOBJECT_HOME.
TRACEOBJECT_<STORE>_STORAGE=s3: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW...) through
django-storages; the variables TRACEOBJECT_<STORE>_S3_* describe it, and an incomplete or
contradictory description stops the program with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from traceobject.core.env import ConfigError

FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
ADDRESSING_STYLES = ("auto", "path", "virtual")
SSE_MODES = ("none", "AES256", "aws:kms")


def _get(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = _get(env, name).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = _get(env, name) or default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {raw!r}")


def _secret(env: Mapping[str, str], name: str) -> str:
    """The value of NAME, or the first line of the file named by NAME_FILE (not both)."""
    value, file_name = _get(env, name), _get(env, f"{name}_FILE")
    if value and file_name:
        raise ConfigError(f"set {name} or {name}_FILE, not both")
    if not file_name:
        return value
    try:
        text = Path(file_name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{name}_FILE: cannot read {file_name!r}: {error}")
    lines = text.strip().splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError(f"{name}_FILE: {file_name!r} is empty")
    return lines[0].strip()


def _endpoint(env: Mapping[str, str], p: str) -> str | None:
    raw = _get(env, f"{p}ENDPOINT_URL")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{p}ENDPOINT_URL must be an http:// or https:// URL; got {raw!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"{p}ENDPOINT_URL must not contain credentials, a query or a "
                          f"fragment; got {raw!r}")
    return raw.rstrip("/")


def _prefix(env: Mapping[str, str], p: str) -> str:
    raw = _get(env, f"{p}PREFIX")
    parts = raw.strip("/").split("/") if raw.strip("/") else []
    if raw.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in raw:
        raise ConfigError(f"{p}PREFIX is a relative key prefix such as 'traceobject/evidence'; "
                          f"got {raw!r}")
    return "/".join(parts)


def _credentials(env: Mapping[str, str], p: str) -> dict[str, str]:
    key_id = _secret(env, f"{p}ACCESS_KEY_ID")
    secret = _secret(env, f"{p}SECRET_ACCESS_KEY")
    ambient = _bool(env, f"{p}AMBIENT_CREDENTIALS")
    if ambient:
        if key_id or secret:
            raise ConfigError(f"{p}AMBIENT_CREDENTIALS=1 uses boto3's own credentials "
                              f"(instance role, AWS_PROFILE...); do not also set "
                              f"{p}ACCESS_KEY_ID or {p}SECRET_ACCESS_KEY")
        return {}
    if not key_id or not secret:
        missing = [n for n, v in ((f"{p}ACCESS_KEY_ID", key_id),
                                  (f"{p}SECRET_ACCESS_KEY", secret)) if not v]
        raise ConfigError(f"{p.removesuffix('S3_')}STORAGE=s3 needs credentials: set "
                          f"{' and '.join(missing)} (or the same name with _FILE), or "
                          f"{p}AMBIENT_CREDENTIALS=1 to use an instance role or AWS profile")
    return {"access_key": key_id, "secret_key": secret}


def _encryption(env: Mapping[str, str], p: str) -> dict[str, str]:
    mode = _choice(env, f"{p}SSE", SSE_MODES, "none")
    kms_key = _get(env, f"{p}SSE_KMS_KEY_ID")
    if kms_key and mode != "aws:kms":
        raise ConfigError(f"{p}SSE_KMS_KEY_ID is only used with {p}SSE=aws:kms")
    if mode == "none":
        return {}
    params = {"ServerSideEncryption": mode}
    if kms_key:
        params["SSEKMSKeyId"] = kms_key
    return params


def _s3_options(env: Mapping[str, str], p: str) -> dict[str, Any]:
    bucket = _get(env, f"{p}BUCKET")
    if not bucket:
        raise ConfigError(f"{p.removesuffix('S3_')}STORAGE=s3 needs {p}BUCKET")
    endpoint = _endpoint(env, p)
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": _get(env, f"{p}REGION") or None,
        # S3-compatible servers (MinIO, Ceph) are usually reached by path; AWS by host name.
        "addressing_style": _choice(env, f"{p}ADDRESSING_STYLE", ADDRESSING_STYLES,
                                    "path" if endpoint else "auto"),
        "signature_version": "s3v4",
        "location": _prefix(env, p),
        "object_parameters": _encryption(env, p),
        # Content-addressed keys: writing a key again writes the same bytes.
        "file_overwrite": True,
        # Evidence is never handed out by URL, and objects keep the bucket's (private) ACL.
        "default_acl": None,
        "querystring_auth": True,
        **_credentials(env, p),
    }
    ca_bundle = _get(env, f"{p}CA_BUNDLE")
    if ca_bundle:
        if not Path(ca_bundle).is_file():
            raise ConfigError(f"{p}CA_BUNDLE: no file at {ca_bundle!r}")
        options["verify"] = ca_bundle
    return options


def storage_entry(*, store: str, folder: Path, env: Mapping[str, str] | None = None,
                  filesystem_options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A STORAGES entry for the store named `store` ("EVIDENCE", "MEDIA") as the environment
    describes it: TRACEOBJECT_<store>_STORAGE and TRACEOBJECT_<store>_S3_*."""
    env = os.environ if env is None else env
    p = f"TRACEOBJECT_{store}_S3_"  # the variables' common prefix
    kind_var = f"TRACEOBJECT_{store}_STORAGE"
    kind = _choice(env, kind_var, ("filesystem", "s3"), "filesystem")
    if kind == "filesystem":
        stray = sorted(name for name in env if name.startswith(p) and env[name].strip())
        if stray:
            raise ConfigError(f"{', '.join(stray)} set but {kind_var} is not 's3'")
        return {"BACKEND": FILESYSTEM_BACKEND,
                "OPTIONS": {"location": str(folder), **(filesystem_options or {})}}
    return {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(env, p)}
