"""Peer names in the peers file go through the one text cleaner (core.text.clean_line)."""

from __future__ import annotations

import json

import pytest
from nacl.signing import SigningKey

from traceobject.sync import config

KEY = bytes(SigningKey.generate().verify_key).hex()


@pytest.fixture
def peers_file(settings, tmp_path):
    settings.SYNC_PEERS_FILE = tmp_path / "peers.json"

    def write(*names: object) -> None:
        settings.SYNC_PEERS_FILE.write_text(json.dumps(
            {"peers": [{"name": name, "keys": [KEY]} for name in names]}))
    return write


@pytest.mark.parametrize(("name", "why"), [
    ("core\x00", "control characters"), ("core\r\nX-Injected: 1", "single line"),
    ("core\u202e", "invisible characters"), ("", "required"), ("c" * 65, "at most 64"),
    (" core", "spaces"), ("europol  core", "spaces"), ("core\u00a0eu", "spaces"),
])
def test_a_bad_peer_name_is_refused_with_the_reason(peers_file, name, why):
    peers_file(name)
    with pytest.raises(config.SyncConfigError) as info:
        config.peers()
    assert why in str(info.value)


def test_good_names_are_read_as_they_are(peers_file):
    peers_file("europol-core", "core ÉU 2")
    assert sorted(config.peers()) == ["core ÉU 2", "europol-core"]
    peers_file("core", "core")
    with pytest.raises(config.SyncConfigError, match="repeated"):
        config.peers()
