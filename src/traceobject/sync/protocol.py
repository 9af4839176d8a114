"""Signed sync messages between an edge and a core (no Django here).

A message is the UTF-8 JSON of one object, signed with the sender's Ed25519 key:

    POST body:  the JSON bytes, exactly as signed
    headers:    X-Sync-Key: <key id>   X-Sync-Signature: <base64 signature of the body>

The JSON always holds: "v" (1), "type", "from" and "to" (the two sides' sync names), "ts"
(seconds since the epoch), "nonce" (32 hex digits) and "seq" (a number the sender raises with
every message to this receiver). The receiver refuses, with a reason and without changing
anything: an unknown key id, a bad signature, a body that is not such an object (truncated,
tampered), a message for another receiver, a timestamp outside the allowed clock skew, and a
sequence number not above the last one it accepted from the sender (replayed or reordered).
A reply carries "re": the nonce of the request it answers, and is signed by the replier.

A key id is the first 16 hex digits of SHA-256 of the raw public key, so both sides name a key
the same way without agreeing on anything. During a rotation a side lists two keys of its peer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from traceobject.core.crypto import private_file_create

VERSION = 1
KEY_HEADER = "X-Sync-Key"
SIGNATURE_HEADER = "X-Sync-Signature"


class SyncRefused(Exception):  # noqa: N818  (a refusal, not a programming error)
    """A message that must not be applied; `reason` is a short code for logs and replies."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def key_id(verify_key: VerifyKey) -> str:
    return hashlib.sha256(bytes(verify_key)).hexdigest()[:16]


def verify_key_from_hex(text: str) -> VerifyKey:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError("a sync public key is 64 hex digits") from None
    if len(raw) != 32:
        raise ValueError("a sync public key is 64 hex digits")
    return VerifyKey(raw)


def signing_key_load(path: Path, *, generate: bool) -> SigningKey:
    """This side's signing key from `path` (64 hex digits); generated there (0600) if missing
    and `generate`."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        if not generate:
            raise
        signing_key_write(path, SigningKey.generate())
        text = path.read_text().strip()
    try:
        return SigningKey(bytes.fromhex(text))
    except (ValueError, TypeError):
        raise ValueError(f"{path} does not hold a sync signing key (64 hex digits)") from None


def signing_key_write(path: Path, key: SigningKey) -> None:
    """Write a signing key to a new file readable by its owner only (never overwrites)."""
    private_file_create(path, bytes(key).hex())


@dataclass(frozen=True)
class Signed:
    body: bytes
    headers: dict[str, str]
    nonce: str


def sign(message: Mapping[str, Any], key: SigningKey) -> Signed:
    """Sign `message` (type, from, to, seq and the payload; v, ts and nonce are added)."""
    nonce = secrets.token_hex(16)
    full = {"v": VERSION, "ts": time.time(), "nonce": nonce, **message}
    body = json.dumps(full, separators=(",", ":"), ensure_ascii=False).encode()
    signature = base64.b64encode(key.sign(body).signature).decode()
    return Signed(body=body, headers={KEY_HEADER: key_id(key.verify_key),
                                      SIGNATURE_HEADER: signature}, nonce=nonce)


def verify(body: bytes, headers: Mapping[str, str], *, keys: Mapping[str, VerifyKey],
           receiver: str, sender: str | None, max_bytes: int, clock_skew: float,
           now: float | None = None) -> dict[str, Any]:
    """The message in `body` if it is signed by one of `keys` (by key id), meant for
    `receiver`, from `sender` (None: any of the keys' owners), fresh and well formed.
    Sequence numbers are the caller's to check (it keeps the last one per sender)."""
    if len(body) > max_bytes:
        raise SyncRefused("too_large", f"{len(body)} bytes, at most {max_bytes}")
    kid = headers.get(KEY_HEADER, "")
    key = keys.get(kid)
    if key is None:
        raise SyncRefused("unknown_key", kid[:32])
    try:
        signature = base64.b64decode(headers.get(SIGNATURE_HEADER, ""), validate=True)
        key.verify(body, signature)
    except (BadSignatureError, binascii.Error, ValueError):
        raise SyncRefused("bad_signature") from None
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SyncRefused("malformed", "not JSON") from None
    if not isinstance(message, dict) or message.get("v") != VERSION:
        raise SyncRefused("malformed", "not a version 1 message")
    for name, kind in (("type", str), ("from", str), ("to", str), ("nonce", str),
                       ("seq", int), ("ts", (int, float))):
        value = message.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SyncRefused("malformed", f"field {name!r}")
    if message["to"] != receiver:
        raise SyncRefused("wrong_receiver", str(message["to"])[:64])
    if sender is not None and message["from"] != sender:
        raise SyncRefused("wrong_sender", str(message["from"])[:64])
    now = time.time() if now is None else now
    if abs(now - float(message["ts"])) > clock_skew:
        raise SyncRefused("stale", f"timestamp {message['ts']:.0f}, now {now:.0f}")
    return message


def iso(value: Any) -> str | None:
    """A date or time as it travels in a message (None stays None)."""
    return value.isoformat() if value else None


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: Any, *, field: str, max_bytes: int = 1 << 24) -> bytes:
    """Base64 from a message, refused (SyncRefused) when it is not base64 or too long."""
    if not isinstance(text, str) or len(text) > max_bytes * 4 // 3 + 4:
        raise SyncRefused("malformed", field)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SyncRefused("malformed", field) from None
