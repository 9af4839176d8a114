"""This side's sync identity and its peers, as the settings and the peers file describe them.

The peers file (TRACEOBJECT_SYNC_PEERS_FILE, JSON):

    {"peers": [{"name": "europol-core", "keys": ["<64 hex digits>", ...],
                "url": "https://tips.example.org/"}]}

On an edge, each peer is a core it accepts pushes and pulls from (no "url"). On a core, each
peer is an edge it connects to ("url": the edge's base address). "keys" are the peer's sync
public keys: two during a rotation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from nacl.signing import SigningKey, VerifyKey

from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line
from traceobject.sync import protocol


class SyncConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Peer:
    name: str
    url: str
    keys: dict[str, VerifyKey]  # key id -> key


def own_key() -> SigningKey:
    return _own_key(settings.SYNC_KEY_FILE, settings.SYNC_KEYS_GENERATE)


@lru_cache(maxsize=4)
def _own_key(path: Path, generate: bool) -> SigningKey:
    return protocol.signing_key_load(path, generate=generate)


def peers() -> dict[str, Peer]:
    path = settings.SYNC_PEERS_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    return _peers(path, mtime)


@lru_cache(maxsize=4)
def _peers(path: Path, mtime: int) -> dict[str, Peer]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SyncConfigError(f"{path}: not a readable JSON file ({error})") from None
    items = data.get("peers") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SyncConfigError(f"{path}: expected {{\"peers\": [...]}}")
    found: dict[str, Peer] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise SyncConfigError(f"{path}: every peer needs a \"name\"")
        name = item["name"]
        try:  # the name is compared as it is: cleaning must leave it unchanged
            clean = clean_line(name, field="name", max_length=64, label="peer name")
        except ServiceError as error:
            raise SyncConfigError(f"{path}: {error.message} ({name!r})") from None
        if clean != name or name in found:
            raise SyncConfigError(f"{path}: peer name {name!r} has spaces at an end or in a "
                                  "row, or is repeated")
        raw_keys = item.get("keys")
        if not isinstance(raw_keys, list) or not raw_keys:
            raise SyncConfigError(f"{path}: peer {name!r} needs \"keys\"")
        keys = {}
        for raw in raw_keys:
            try:
                key = protocol.verify_key_from_hex(str(raw))
            except ValueError as error:
                raise SyncConfigError(f"{path}: peer {name!r}: {error}") from None
            keys[protocol.key_id(key)] = key
        url = item.get("url", "")
        if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
            raise SyncConfigError(f"{path}: peer {name!r}: \"url\" must be http(s)")
        found[name] = Peer(name=name, url=url.rstrip("/") + "/" if url else "", keys=keys)
    return found


def peer_for_key(kid: str) -> Peer | None:
    for peer in peers().values():
        if kid in peer.keys:
            return peer
    return None


def peers_file_write(path: Path, items: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"peers": items}, indent=2) + "\n")
