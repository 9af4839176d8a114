"""`traceobject keys` and `traceobject sync` as an operator meets them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sync.nodes import REPO


def _run(tmp_path, *args: str, role: str = "core") -> subprocess.CompletedProcess[str]:
    env = {"TRACEOBJECT_HOME": str(tmp_path), "TRACEOBJECT_ROLE": role,
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "traceobject.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_keys_shows_the_entry_for_the_other_side_and_rotates(tmp_path):
    shown = _run(tmp_path, "keys")
    assert shown.returncode == 0, shown.stderr
    entry = json.loads(shown.stdout.strip().splitlines()[-1])
    assert entry["name"] == "core" and len(entry["keys"][0]) == 64
    assert "intake key" in shown.stdout and "never leaves the core" in shown.stdout
    assert _run(tmp_path, "keys").stdout == shown.stdout  # showing changes nothing

    rotated = _run(tmp_path, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout.strip().splitlines()[-1])
    assert new["keys"] != entry["keys"]
    assert len(list((tmp_path / "keys").glob("sync.key.*.old"))) == 1
    edge = _run(tmp_path / "edge", "keys", role="edge")
    assert "intake key" not in edge.stdout and '"url"' in edge.stdout


def test_sync_says_what_is_missing(tmp_path):
    done = _run(tmp_path, "sync")
    assert done.returncode == 2 and "no edges configured" in done.stderr
    (tmp_path / "sync-peers.json").write_text("{\"peers\": [{\"name\": \"x\"}]}")
    done = _run(tmp_path, "sync")
    assert done.returncode == 2 and "needs \"keys\"" in done.stderr
    done = _run(tmp_path, "sync", role="edge")
    assert done.returncode == 2 and "never connects out" in done.stderr
    done = _run(tmp_path, "worker", role="edge")
    assert done.returncode == 2 and "runs no worker" in done.stderr


def test_an_unreachable_edge_is_reported_not_a_traceback(tmp_path):
    from nacl.signing import SigningKey

    (tmp_path / "sync-peers.json").write_text(json.dumps({"peers": [{
        "name": "far-edge", "url": "http://127.0.0.1:9/",
        "keys": [bytes(SigningKey.generate().verify_key).hex()]}]}))
    _run(tmp_path, "manage", "migrate", "--verbosity", "0")
    done = _run(tmp_path, "sync")
    assert done.returncode == 1
    assert "far-edge: error: edge far-edge unreachable" in done.stdout
    assert "Traceback" not in done.stderr
