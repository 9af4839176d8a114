"""The settings module read from the environment, in a fresh process each time.

A correct production environment passes `check --deploy` with nothing reported; a missing
secret or a malformed value stops the process with a message that names the variable.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import socketserver
import stat
import string
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from traceobject.core.crypto import generate_intake_keys

TRACEOBJECT = Path(sys.executable).parent / "traceobject"
CHECK = ["manage", "check", "--deploy", "--fail-level", "WARNING"]


def _random_secret(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%+-.:=?@^_~"
    return "".join(secrets.choice(alphabet) for _ in range(length))


class _PongHandler(socketserver.StreamRequestHandler):
    """Just enough of the Redis protocol for a client's PING: +PONG to PING, +OK to the rest
    (the client's CLIENT SETINFO / SELECT on connecting); no RESP3 (HELLO)."""

    def handle(self) -> None:
        while True:
            header = self.rfile.readline()
            if not header.startswith(b"*"):
                return
            words = []
            for _ in range(int(header[1:])):
                size = int(self.rfile.readline()[1:])
                words.append(self.rfile.read(size + 2)[:size])
            command = words[0].upper() if words else b""
            self.wfile.write(b"+PONG\r\n" if command == b"PING" else
                             b"-ERR unknown command 'HELLO'\r\n" if command == b"HELLO" else
                             b"+OK\r\n")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A loopback server that answers PING as Redis does (the deploy check pings REDIS_URL)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _PongHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"redis://127.0.0.1:{server.server_address[1]}/0"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def production_env(tmp_path, redis_url) -> dict[str, str]:
    keys = tmp_path / "keys"
    generate_intake_keys(keys / "intake.key", keys / "intake.pub")
    # A core (production refuses role all), with its sync key and an edge to serve.
    from nacl.signing import SigningKey

    from traceobject.sync.protocol import signing_key_write

    signing_key_write(keys / "sync.key", SigningKey.generate())
    (tmp_path / "peers.json").write_text(json.dumps({"peers": [{
        "name": "public-site", "url": "https://tips.example.org/",
        "keys": [bytes(SigningKey.generate().verify_key).hex()]}]}))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACEOBJECT_", "DJANGO_")) and k not in (
               "DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env.update({
        "TRACEOBJECT_ENV": "production",
        "TRACEOBJECT_ROLE": "core",
        "TRACEOBJECT_SYNC_KEY_FILE": str(keys / "sync.key"),
        "TRACEOBJECT_SYNC_PEERS_FILE": str(tmp_path / "peers.json"),
        "TRACEOBJECT_SECRET_KEY": _random_secret(),
        "TRACEOBJECT_RECEIPT_KEY": _random_secret(),
        "TRACEOBJECT_ALLOWED_HOSTS": "tips.example.org",
        "TRACEOBJECT_PUBLIC_BASE_URL": "https://tips.example.org",
        "REDIS_URL": redis_url,
        "TRACEOBJECT_INTAKE_PUBLIC_KEY_FILE": str(keys / "intake.pub"),
        "TRACEOBJECT_INTAKE_PRIVATE_KEY_FILE": str(keys / "intake.key"),
        "TRACEOBJECT_HOME": str(tmp_path / "home"),
        "TRACEOBJECT_STATIC_ROOT": str(tmp_path / "static"),
    })
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(TRACEOBJECT)] if TRACEOBJECT.exists() else [
        sys.executable, "-m", "traceobject.cli"]
    return subprocess.run([*command, *(args or CHECK)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_production_configuration_passes_the_deploy_check(production_env) -> None:
    result = _run(production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "?:" not in result.stdout + result.stderr  # no check ids reported
    # production never falls back to the embedded secrets or keys
    assert not (Path(production_env["TRACEOBJECT_HOME"]) / "keys").exists()


def _fails(env: dict[str, str], *needles: str) -> str:
    result = _run(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for needle in needles:
        assert needle in output, output
    return output


def test_production_without_secret_key_fails_with_one_line(production_env) -> None:
    del production_env["TRACEOBJECT_SECRET_KEY"]
    for args in (CHECK, ["serve"], ["audit", "verify"]):
        result = _run(production_env, *args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            "configuration error: TRACEOBJECT_SECRET_KEY must be set when "
            "TRACEOBJECT_ENV=production"], result.stderr


def test_production_without_receipt_key_fails_loudly(production_env) -> None:
    production_env["TRACEOBJECT_RECEIPT_KEY"] = ""
    _fails(production_env, "TRACEOBJECT_RECEIPT_KEY must be set")


@pytest.mark.parametrize("name, value, message", [
    ("TRACEOBJECT_DEBUG", "maybe", "TRACEOBJECT_DEBUG must be one of"),
    ("TRACEOBJECT_ENV", "staging", "TRACEOBJECT_ENV must be one of embedded, production"),
    ("TRACEOBJECT_TIP_RATE", "ten", "TRACEOBJECT_TIP_RATE must be a whole number"),
    ("TRACEOBJECT_MAX_BODY_BYTES", "10", "TRACEOBJECT_MAX_BODY_BYTES must be at least 1024"),
    ("TRACEOBJECT_FORM_TOKEN_HOURS", "-3", "TRACEOBJECT_FORM_TOKEN_HOURS must be at least 1"),
    ("TRACEOBJECT_RECEIPT_SHOWN_MINUTES", "an hour",
     "TRACEOBJECT_RECEIPT_SHOWN_MINUTES must be a whole number"),
    ("TRACEOBJECT_MAILBOX_OPEN_MINUTES", "99999",
     "TRACEOBJECT_MAILBOX_OPEN_MINUTES must be at most 1440"),
    ("TRACEOBJECT_TRANSLATION_MODEL", "/nonexistent/model",
     "TRACEOBJECT_TRANSLATION_MODEL must be a directory"),
    ("TRACEOBJECT_EMBEDDING_MODEL", "/nonexistent/model.onnx",
     "TRACEOBJECT_EMBEDDING_MODEL must be the path of an ONNX file"),
    ("TRACEOBJECT_VIDEO_KEYFRAME_GAP", "2s", "TRACEOBJECT_VIDEO_KEYFRAME_GAP must be a whole"),
    ("TRACEOBJECT_VIDEO_KEYFRAME_GAP", "-1", "TRACEOBJECT_VIDEO_KEYFRAME_GAP must be at least 0"),
    ("TRACEOBJECT_VIDEO_MAX_SECONDS", "0", "TRACEOBJECT_VIDEO_MAX_SECONDS must be at least 1"),
    ("TRACEOBJECT_VIDEO_MAX_SECONDS", "half an hour",
     "TRACEOBJECT_VIDEO_MAX_SECONDS must be a whole number"),
    ("TRACEOBJECT_VIDEO_CACHE_BYTES", "20GiB",
     "TRACEOBJECT_VIDEO_CACHE_BYTES must be a whole number"),
    ("TRACEOBJECT_VIDEO_CACHE_BYTES", "-1", "TRACEOBJECT_VIDEO_CACHE_BYTES must be at least 0"),
])
def test_bad_values_fail_loudly(production_env, name, value, message) -> None:
    production_env[name] = value
    output = _fails(production_env, message)
    assert repr(value) in output or value in output


def test_production_checks_report_configuration_mistakes(production_env, tmp_path) -> None:
    env = dict(production_env)
    env["TRACEOBJECT_RECEIPT_KEY"] = env["TRACEOBJECT_SECRET_KEY"]
    env["TRACEOBJECT_INTAKE_PUBLIC_KEY_FILE"] = str(tmp_path / "missing.pub")
    del env["REDIS_URL"]
    _fails(env, "traceobject.E001", "traceobject.W001", "traceobject.W002")


def test_production_checks_report_a_redis_that_does_not_answer(production_env) -> None:
    production_env["REDIS_URL"] = f"redis://:s3cret@127.0.0.1:{_closed_port()}/0"
    output = _fails(production_env, "traceobject.E002", "does not answer")
    assert "s3cret" not in output  # the password is not printed


@pytest.mark.parametrize("length", [1, 16, 31])
def test_production_checks_report_a_short_receipt_key(production_env, length) -> None:
    production_env["TRACEOBJECT_RECEIPT_KEY"] = _random_secret(length)
    _fails(production_env, "traceobject.E003", f"has {length} characters; at least 32")


def test_a_core_without_the_public_address_is_warned(production_env) -> None:
    """Its forwarding packages could not link to the object's public page."""
    del production_env["TRACEOBJECT_PUBLIC_BASE_URL"]
    output = _fails(production_env, "traceobject.W022", "TRACEOBJECT_PUBLIC_BASE_URL")
    assert "traceobject.W021" not in output


def test_a_receipt_key_of_32_characters_is_enough(production_env) -> None:
    production_env["TRACEOBJECT_RECEIPT_KEY"] = _random_secret(32)
    assert _run(production_env).returncode == 0


@pytest.mark.parametrize("hosts", ["*", "tips.example.org,*"])
def test_production_checks_report_any_host_allowed(production_env, hosts) -> None:
    production_env["TRACEOBJECT_ALLOWED_HOSTS"] = hosts
    _fails(production_env, "traceobject.E004")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_production_checks_report_a_private_key_others_can_read(production_env, mode) -> None:
    key = Path(production_env["TRACEOBJECT_INTAKE_PRIVATE_KEY_FILE"])
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(mode)
    _fails(production_env, "traceobject.E005", f"{key} is open to other users (mode {mode:o})")


def test_an_edge_in_production_is_warned_about_example_operator_details(production_env) -> None:
    env = dict(production_env, TRACEOBJECT_ROLE="edge")
    del env["TRACEOBJECT_INTAKE_PRIVATE_KEY_FILE"]  # the edge holds no private key
    del env["TRACEOBJECT_PUBLIC_BASE_URL"]
    output = _fails(env, "traceobject.W020", "TRACEOBJECT_OPERATOR_NAME", "traceobject.W021",
                    "traceobject.I020")
    assert "traceobject.E0" not in output, output
    env.update(TRACEOBJECT_OPERATOR_NAME="Landespolizei Musterland",
               TRACEOBJECT_OPERATOR_EMAIL="hinweise@polizei.musterland.de",
               TRACEOBJECT_PUBLIC_BASE_URL="https://tips.example.org",
               TRACEOBJECT_EMBED_ORIGINS="https://news.musterland.de")
    result = _run(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "traceobject.W02" not in result.stdout + result.stderr
