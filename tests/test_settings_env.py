"""The settings module read from the environment, in a fresh process each time.

A correct production environment passes `check --deploy` with nothing reported; a missing
secret or a malformed value stops the process with a message that names the variable.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from traceobject.core.crypto import generate_intake_keys

TRACEOBJECT = Path(sys.executable).parent / "traceobject"
CHECK = ["manage", "check", "--deploy", "--fail-level", "WARNING"]


def _random_secret(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%+-.:=?@^_~"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    keys = tmp_path / "keys"
    generate_intake_keys(keys / "intake.key", keys / "intake.pub")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACEOBJECT_", "DJANGO_")) and k not in (
               "DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env.update({
        "TRACEOBJECT_ENV": "production",
        "TRACEOBJECT_SECRET_KEY": _random_secret(),
        "TRACEOBJECT_RECEIPT_KEY": _random_secret(),
        "TRACEOBJECT_ALLOWED_HOSTS": "tips.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
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


def test_production_without_secret_key_fails_loudly(production_env) -> None:
    del production_env["TRACEOBJECT_SECRET_KEY"]
    _fails(production_env, "ConfigError",
           "TRACEOBJECT_SECRET_KEY must be set when TRACEOBJECT_ENV=production")


def test_production_without_receipt_key_fails_loudly(production_env) -> None:
    production_env["TRACEOBJECT_RECEIPT_KEY"] = ""
    _fails(production_env, "TRACEOBJECT_RECEIPT_KEY must be set")


@pytest.mark.parametrize("name, value, message", [
    ("TRACEOBJECT_DEBUG", "maybe", "TRACEOBJECT_DEBUG must be one of"),
    ("TRACEOBJECT_ENV", "staging", "TRACEOBJECT_ENV must be one of embedded, production"),
    ("TRACEOBJECT_TIP_RATE", "ten", "TRACEOBJECT_TIP_RATE must be a whole number"),
    ("TRACEOBJECT_MAX_BODY_BYTES", "10", "TRACEOBJECT_MAX_BODY_BYTES must be at least 1024"),
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
