"""`traceobject manage check --deploy` per role."""

from __future__ import annotations

import json
import subprocess
import sys

from nacl.signing import SigningKey

from tests.sync.nodes import REPO


def _check(tmp_path, **env: str) -> str:
    base = {"TRACEOBJECT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "traceobject.cli", "manage", "check",
                           "--deploy", "--fail-level", "ERROR"], env={**base, **env},
                          capture_output=True, text=True, timeout=120, check=False)
    return done.stdout + done.stderr


def test_an_edge_given_the_private_key_is_refused(tmp_path):
    out = _check(tmp_path, TRACEOBJECT_ROLE="edge",
                 TRACEOBJECT_INTAKE_PRIVATE_KEY_FILE=str(tmp_path / "intake.key"))
    assert "traceobject.E010" in out and "TRACEOBJECT_INTAKE_PRIVATE_KEY_FILE" in out


def test_an_edge_without_core_settings_passes_the_role_checks(tmp_path):
    (tmp_path / "sync-peers.json").write_text(json.dumps({"peers": [
        {"name": "core", "keys": [bytes(SigningKey.generate().verify_key).hex()]}]}))
    out = _check(tmp_path, TRACEOBJECT_ROLE="edge")
    assert "traceobject.E01" not in out and "traceobject.W010" not in out, out


def test_a_core_needs_its_edges_addresses_and_a_readable_peers_file(tmp_path):
    (tmp_path / "sync-peers.json").write_text(json.dumps({"peers": [
        {"name": "edge", "keys": [bytes(SigningKey.generate().verify_key).hex()]}]}))
    assert "traceobject.E013" in _check(tmp_path, TRACEOBJECT_ROLE="core")
    (tmp_path / "sync-peers.json").write_text("{not json")
    assert "traceobject.E012" in _check(tmp_path, TRACEOBJECT_ROLE="core")
    (tmp_path / "sync-peers.json").unlink()
    assert "traceobject.W010" in _check(tmp_path, TRACEOBJECT_ROLE="core")
