"""System checks for configuration mistakes."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register


@register()
def check_intake_keys(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if settings.PRODUCTION and not settings.EDGE and not settings.INTAKE_PUBLIC_KEY_FILE.exists():
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


def _open_to_others(path: Path) -> int | None:
    """The permission bits of `path` if its group or other users have any, else None (also
    when it does not exist)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & 0o077 else None


def _private_paths() -> tuple[list[tuple[str, Path]], list[tuple[str, Path]]]:
    """(secrets, other private data) that live on this machine's disk."""
    keys_dir = Path(settings.KEYS_DIR)
    secrets = [("key folder", keys_dir), ("secret key file", keys_dir / "secret_key"),
               ("receipt key file", keys_dir / "receipt_hmac_key"),
               ("sync signing key", Path(settings.SYNC_KEY_FILE))]
    if not settings.EDGE:  # the edge has no intake private key
        secrets.insert(0, ("intake private key", Path(settings.INTAKE_PRIVATE_KEY_FILE)))
    data: list[tuple[str, Path]] = []
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        data.append(("SQLite database", Path(database["NAME"])))
    evidence = settings.STORAGES.get("evidence", {})
    if evidence.get("BACKEND") == "django.core.files.storage.FileSystemStorage":
        data.append(("evidence folder", Path(evidence.get("OPTIONS", {}).get("location", ""))))
    data.append(("index folder", Path(settings.INDEX_DIR)))
    return secrets, data


@register(deploy=True)
def check_private_files(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy`: keys, the database, evidence and indexes only for this user."""
    problems: list[CheckMessage] = []
    secrets, data = _private_paths()
    for kind, entries in (("secret", secrets), ("data", data)):
        for label, path in entries:
            mode = _open_to_others(path)
            if mode is None:
                continue
            message = f"The {label} {path} is open to other users (mode {mode:o})."
            hint = f"chmod {'700' if path.is_dir() else '600'} {path}"
            if kind == "secret":
                problems.append(Error(message, hint=hint, id="traceobject.E005"))
            else:
                problems.append(Warning(message, hint=hint, id="traceobject.W003"))
    return problems


def _redis_locations() -> list[str]:
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith(".RedisCache"):
        return []
    location: Any = cache.get("LOCATION", "")
    urls = location.split(",") if isinstance(location, str) else list(location)
    return [str(url).strip() for url in urls if str(url).strip()]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@register(deploy=True)
def check_redis_answers(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy`: the Redis server of REDIS_URL answers (rate limits and the page
    cache depend on it)."""
    import redis

    problems: list[CheckMessage] = []
    for url in _redis_locations():
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3,
                                          protocol=2)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as error:  # refused, timed out, bad URL, not Redis: all "no answer"
            problems.append(Error(
                f"Redis at {_without_password(url)} does not answer: {error}",
                hint="Check REDIS_URL and that the Redis server runs and is reachable.",
                id="traceobject.E002",
            ))
    return problems


RECEIPT_KEY_MIN = 32


@register(deploy=True)
def check_production_secrets_and_hosts(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not settings.PRODUCTION:
        return problems
    if len(settings.RECEIPT_HMAC_KEY) < RECEIPT_KEY_MIN:
        problems.append(Error(
            f"TRACEOBJECT_RECEIPT_KEY has {len(settings.RECEIPT_HMAC_KEY)} characters; "
            f"at least {RECEIPT_KEY_MIN} are needed.",
            hint="Receipts are stored as an HMAC under this key: use a long random value, "
                 "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
            id="traceobject.E003",
        ))
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(Error(
            "TRACEOBJECT_ALLOWED_HOSTS allows every host ('*').",
            hint="List the site's host names: a forged Host header must be refused.",
            id="traceobject.E004",
        ))
    return problems


@register(deploy=True)
def check_role(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    """What each role must not have, and what it needs to sync (`check --deploy`)."""
    problems: list[Error | Warning] = []
    if settings.EDGE and settings.EDGE_FORBIDDEN_SETTINGS:
        problems.append(Error(
            "The edge is given core-only settings: "
            + ", ".join(settings.EDGE_FORBIDDEN_SETTINGS) + ".",
            hint="The edge holds no private key and no evidence: remove these from its "
                 "environment (the intake private key stays on the core).",
            id="traceobject.E010",
        ))
    if settings.ROLE == "all" and settings.PRODUCTION:
        problems.append(Error(
            "TRACEOBJECT_ROLE=all runs the public site and the back office in one process "
            "over one database.",
            hint="Deploy an edge (TRACEOBJECT_ROLE=edge) on the internet and a core "
                 "(TRACEOBJECT_ROLE=core) on the agency network; see README, Deployment.",
            id="traceobject.E011",
        ))
    if settings.ROLE in ("edge", "core"):
        from traceobject.sync.config import SyncConfigError, peers

        try:
            found = peers()
        except SyncConfigError as error:
            problems.append(Error(str(error), id="traceobject.E012"))
        else:
            if not found:
                problems.append(Warning(
                    f"No sync peers in {settings.SYNC_PEERS_FILE}.",
                    hint="An edge lists the cores it accepts, a core the edges it serves "
                         "(`traceobject keys` prints the entry for the other side).",
                    id="traceobject.W010",
                ))
            elif settings.ROLE == "core" and any(not p.url for p in found.values()):
                problems.append(Error(
                    "Every edge in the core's peers file needs a \"url\".",
                    id="traceobject.E013",
                ))
        if settings.PRODUCTION and not settings.SYNC_KEY_FILE.exists():
            problems.append(Error(
                f"The sync signing key {settings.SYNC_KEY_FILE} does not exist.",
                hint="Create it with `traceobject keys init`.",
                id="traceobject.E014",
            ))
    return problems


# Domains kept for examples (RFC 2606): an operator detail on one of them is not real.
_EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net", ".example")


def _example_details() -> list[str]:
    """The operator settings that still hold an example (unset, or on an example domain)."""
    if settings.OPERATOR_IS_EXAMPLE:
        return ["TRACEOBJECT_OPERATOR_NAME (unset: the example operator)"]
    found = []
    for key, value in sorted(settings.OPERATOR.items()):
        text = str(value).lower()
        host = urlsplit(text).hostname or text.rpartition("@")[2]
        if host and any(host == d.lstrip(".") or host.endswith("." + d.lstrip("."))
                        for d in _EXAMPLE_DOMAINS):
            found.append(f"TRACEOBJECT_OPERATOR_{key.upper()} ({value})")
    return found


@register(deploy=True)
def check_public_site(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy` where the public site is served (edge, all) in production: who runs
    it must be real, and absolute links need the site's address."""
    problems: list[CheckMessage] = []
    if not settings.PRODUCTION or settings.ROLE == "core":
        return problems
    examples = _example_details()
    if examples:
        problems.append(Warning(
            "The public site shows example operator details: " + ", ".join(examples) + ".",
            hint="Set TRACEOBJECT_OPERATOR_NAME, _ADDRESS, _EMAIL, _WEBSITE, _DPO_EMAIL, "
                 "_SUPERVISOR and _SUPERVISOR_URL to the operator's real details: they are "
                 "the footer, the About page and the privacy notice.",
            id="traceobject.W020",
        ))
    if not settings.PUBLIC_BASE_URL:
        problems.append(Warning(
            "TRACEOBJECT_PUBLIC_BASE_URL is not set.",
            hint="Share cards, the Atom feed, the embed snippet and the CDN purge's URLs then "
                 "use whatever Host a request came with; set the site's https:// address.",
            id="traceobject.W021",
        ))
    if not settings.EMBED_ORIGINS:
        problems.append(Info(
            "TRACEOBJECT_EMBED_ORIGINS is empty: no media partner's site can show the "
            "embeddable gallery (/{lang}/embed/).",
            hint="List the partners' origins (https://news.example) when there are any.",
            id="traceobject.I020",
        ))
    return problems


@register(deploy=True)
def check_core_public_address(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy` on a core in production: forwarding packages link to the object's
    public page, which a core can only write as an absolute link with the site's address."""
    if not settings.PRODUCTION or settings.ROLE != "core" or settings.PUBLIC_BASE_URL:
        return []
    return [Warning(
        "TRACEOBJECT_PUBLIC_BASE_URL is not set on this core.",
        hint="Forwarding packages then give the object's public page and pictures as paths "
             "without the site's address; set the public site's https:// address.",
        id="traceobject.W022",
    )]


@register(deploy=True)
def check_translation_model(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A configured translation model that cannot be read (its files are checked; the engine
    itself loads when the first tip is translated)."""
    from traceobject.core import translation

    path = getattr(settings, "TRANSLATION_MODEL", "")
    if not path:
        return []
    try:
        translation.read(path)
    except translation.TranslationModelError as error:
        return [Error(f"TRACEOBJECT_TRANSLATION_MODEL: {error}",
                      hint="Tips are not translated until the model is repaired or the "
                           "setting removed.", id="traceobject.E030")]
    return []
