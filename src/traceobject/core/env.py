"""Environment helpers that fail loudly on bad values (no Django imports here)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A configuration value from the environment is malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number; got {raw!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}; got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def home_dir() -> Path:
    """Where the embedded default keeps its data: $TRACEOBJECT_HOME, default ./var."""
    return Path(os.environ.get("TRACEOBJECT_HOME", "var")).resolve()


_ORIGIN_RE = re.compile(r"^https?://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$")


def env_url(name: str, default: str = "") -> str:
    """An http(s) address with a host and without credentials, or empty."""
    value = os.environ.get(name, default).strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.username or parts.password or any(c.isspace() for c in value)):
        raise ConfigError(f"{name} must be an http:// or https:// address; got {value!r}")
    return value


def env_email(name: str, default: str = "") -> str:
    """An e-mail address (one @, something on either side, no spaces), or empty."""
    value = os.environ.get(name, default).strip()
    local, at, domain = value.partition("@")
    if value and not (at and local and "." in domain and "@" not in domain
                      and not any(c.isspace() for c in value)):
        raise ConfigError(f"{name} must be an e-mail address; got {value!r}")
    return value


def env_origins(name: str) -> list[str]:
    """Comma-separated web origins (scheme://host[:port], no path), lower-cased."""
    origins = []
    for item in env_list(name):
        origin = item.lower().rstrip("/")
        if not _ORIGIN_RE.match(origin):
            raise ConfigError(f"{name}: {item!r} is not an origin like https://news.example")
        origins.append(origin)
    return origins
