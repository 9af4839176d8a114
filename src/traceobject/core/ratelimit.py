"""Per-client fixed-window rate limits in the cache.

The client is known only by an HMAC of its address and the window number, stored as a cache key
that expires with the window: no address is written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from traceobject.core.errors import RateLimited


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer, or the entry a trusted proxy added to X-Forwarded-For."""
    if settings.NUM_PROXIES:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= settings.NUM_PROXIES:
            return forwarded[-settings.NUM_PROXIES]
    return str(request.META.get("REMOTE_ADDR", ""))


def _bucket(address: str) -> str:
    """IPv6 clients get a /64 each (one connection usually holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def ratelimit_hit(request: HttpRequest, scope: str) -> None:
    """Count one request of `scope` for this client; raise RateLimited past the limit."""
    limit, window = settings.RATE_LIMITS[scope]
    now = int(time.time())
    slot = now // window
    client = hmac.new(
        settings.RECEIPT_HMAC_KEY.encode(),
        f"{scope}|{slot}|{_bucket(client_address(request))}".encode(),
        hashlib.sha256,
    ).hexdigest()[:32]
    key = f"rl:{scope}:{client}"
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            count = 1
    if count > limit:
        retry_after = window - (now % window)
        raise RateLimited(
            "rate_limited",
            _("Too many requests from your connection. Please wait a few minutes and try again."),
            retry_after=retry_after,
        )
