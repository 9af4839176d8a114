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
