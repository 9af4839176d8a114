"""The edge's sync endpoint: the only door the core uses, and it knocks from outside."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from traceobject.sync import config, edge, protocol
from traceobject.sync.protocol import SyncRefused

logger = logging.getLogger("traceobject.sync")


def _refusal(reason: str, detail: str, status: int) -> HttpResponse:
    body = {"error": {"code": f"sync_{reason}", "message": detail or reason}}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


@csrf_exempt  # authenticated by the message signature, not by a cookie
@require_POST
def sync_endpoint(request: HttpRequest) -> HttpResponse:
    limit = settings.SYNC_MAX_MESSAGE_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        logger.warning("sync refused: too_large (%d bytes announced)", length)
        return _refusal("too_large", f"at most {limit} bytes", 413)
    body = request.read(limit + 1)
    kid = request.headers.get(protocol.KEY_HEADER, "")
    peer = config.peer_for_key(kid)
    try:
        if peer is None:
            raise SyncRefused("unknown_key", kid[:32])
        message = protocol.verify(
            body, request.headers, keys=peer.keys, receiver=settings.SYNC_NAME,
            sender=peer.name, max_bytes=limit, clock_skew=settings.SYNC_CLOCK_SKEW)
        result = edge.handle(message, peer=peer.name)
    except SyncRefused as refusal:
        logger.warning("sync refused from %s: %s", peer.name if peer else "unknown key",
                       refusal)
        if peer is not None:
            edge.refusal_count(peer=peer.name)
        status = 413 if refusal.reason == "too_large" else (
            403 if refusal.reason in {"unknown_key", "bad_signature", "wrong_receiver",
                                      "wrong_sender"} else 409)
        return _refusal(refusal.reason, refusal.detail, status)
    signed = protocol.sign({
        "type": f"{message['type']}_reply", "from": settings.SYNC_NAME, "to": peer.name,
        "seq": message["seq"], "re": message["nonce"], "result": result,
    }, config.own_key())
    response = HttpResponse(signed.body, content_type="application/json")
    for name, value in signed.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response
