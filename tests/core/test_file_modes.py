"""Files are private whatever the umask: under umask 022 the database, keys, evidence, crops,
exports and indexes are created 0600 / 0700 (published pictures stay readable), and
`check --deploy` flags such files that others can read. Each case runs in a fresh process
with its own $TRACEOBJECT_HOME on SQLite, whatever database the suite uses."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

TRACEOBJECT = Path(sys.executable).parent / "traceobject"

WRITE_EVERYTHING = r"""
import json, os, sys
from pathlib import Path

os.umask(0o022)
os.environ["DJANGO_SETTINGS_MODULE"] = "traceobject.settings"
import django

django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command

from traceobject.core.keys import ensure_intake_keys
from traceobject.exports.services import export_storage
from traceobject.search.pdq_index import PdqIndex

call_command("migrate", verbosity=0)
ensure_intake_keys()
storages["evidence"].save("ab/cd/abcdef0123.jpg", ContentFile(b"evidence"))
storages["evidence"].save("crops/12/crop.png", ContentFile(b"crop"))
export_storage().save("exports/2026/tips.csv", ContentFile(b"id,text"))
PdqIndex().save(Path(settings.INDEX_DIR) / "pdq")
default_storage.save("objects/TAO-2026-0001/640.jpg", ContentFile(b"jpeg"))
print(json.dumps({"umask": os.umask(0o022)}))
"""


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACEOBJECT_", "DJANGO_")) and k not in (
               "DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env.update(TRACEOBJECT_HOME=str(home), **extra)
    return env


def _modes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): stat.S_IMODE(path.stat().st_mode)
            for path in [root, *root.rglob("*")]}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], int]:
    """(home, mode of everything in it, the umask the process ended with)."""
    home = tmp_path_factory.mktemp("umask") / "home"
    result = subprocess.run([sys.executable, "-c", WRITE_EVERYTHING], env=_env(home),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    umask = json.loads(result.stdout.strip().splitlines()[-1])["umask"]
    return home, _modes(home), umask


def test_private_files_are_0600_and_folders_0700_under_umask_022(written) -> None:
    home, modes, umask = written
    private = {name: mode for name, mode in modes.items()
               if name != "." and not name.startswith(("media", "static"))}
    for name in ("traceobject.sqlite3", "keys", "keys/secret_key", "keys/receipt_hmac_key",
                 "keys/intake.key", "evidence", "evidence/ab/cd/abcdef0123.jpg",
                 "evidence/crops/12/crop.png", "evidence/exports/2026/tips.csv", "index",
                 "index/pdq"):
        assert name in private, sorted(modes)
    opened = {name: oct(mode) for name, mode in private.items()
              if mode & 0o077 and name != "keys/intake.pub"}
    assert not opened, opened
    for name, mode in private.items():
        if (home / name).is_dir():
            assert mode == 0o700, (name, oct(mode))
        elif name != "keys/intake.pub":
            assert mode == 0o600, (name, oct(mode))
    assert umask == 0o077  # importing the settings set it


def test_published_pictures_stay_readable(written) -> None:
    _home, modes, _umask = written
    assert modes["media/public/objects/TAO-2026-0001/640.jpg"] == 0o644
    for folder in ("media", "media/public", "media/public/objects",
                   "media/public/objects/TAO-2026-0001"):
        assert modes[folder] == 0o755, folder


def test_the_command_sets_the_private_umask_first(tmp_path) -> None:
    script = ("import os; os.umask(0o022)\n"
              "from traceobject.cli import main\n"
              "main(['hash', '/nonexistent/file.jpg'])\n"
              "print(oct(os.umask(0o022)))\n")
    result = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path / "home"),
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "0o77", result.stdout + result.stderr


def _check_deploy(home: Path) -> str:
    command = [str(TRACEOBJECT)] if TRACEOBJECT.exists() else [
        sys.executable, "-m", "traceobject.cli"]
    result = subprocess.run([*command, "manage", "check", "--deploy"], env=_env(home),
                            capture_output=True, text=True, timeout=120)
    return result.stdout + result.stderr


def test_check_deploy_flags_files_open_to_others(written, tmp_path) -> None:
    home, _modes_, _umask = written
    assert "traceobject.W003" not in _check_deploy(home)
    assert "traceobject.E005" not in _check_deploy(home)
    opened = {home / "traceobject.sqlite3": 0o644, home / "keys" / "intake.key": 0o640,
              home / "keys" / "secret_key": 0o604, home / "evidence": 0o755,
              home / "index": 0o750}
    before = {path: stat.S_IMODE(path.stat().st_mode) for path in opened}
    try:
        for path, mode in opened.items():
            path.chmod(mode)
        output = _check_deploy(home)
    finally:
        for path, mode in before.items():
            path.chmod(mode)
    assert "traceobject.E005" in output and "traceobject.W003" in output, output
    for path, mode in opened.items():
        assert f"{path} is open to other users (mode {mode:o})" in output, (path, output)
    assert "receipt_hmac_key" not in output  # still private: not named
