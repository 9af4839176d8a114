"""Edges and cores as real processes for the sync tests: each node has its own home folder,
its own database (SQLite in its home, or a PostgreSQL database of its own when the suite runs
on PostgreSQL), its own keys, and, when started, a real gunicorn server on a free port."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

REPO = Path(__file__).resolve().parents[2]
# The checkout's own code first (not whatever an installed copy points at), then the tests.
PYTHONPATH = f"{REPO / 'src'}{os.pathsep}{REPO}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@dataclass
class Node:
    role: str  # "edge" or "core"
    name: str
    home: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    database: str = ""
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    agent: subprocess.Popen[bytes] | None = None  # runs the steps (tests/sync/actions.py)
    _agent_out: bytes = b""

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.key = SigningKey.generate()
        keys = self.home / "keys"
        keys.mkdir(exist_ok=True, mode=0o700)
        (keys / "sync.key").write_text(bytes(self.key).hex())
        self.port = free_port()
        base = _postgres_url()
        if base:
            self.database = f"to_{self.name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
            _pg_admin(base, f'CREATE DATABASE "{self.database}"')

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def public_key(self) -> str:
        return bytes(self.key.verify_key).hex()

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TRACEOBJECT_", "DJANGO_", "PYTEST_")) and k != "DATABASE_URL"}
        env.update(TRACEOBJECT_ROLE=self.role, TRACEOBJECT_HOME=str(self.home),
                   TRACEOBJECT_SYNC_NAME=self.name, PYTHONPATH=PYTHONPATH,
                   DJANGO_SETTINGS_MODULE="traceobject.settings", TRACEOBJECT_SYNC_TIMEOUT="10")
        base = _postgres_url()
        if base:
            env["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + self.database
        env.update(self.extra_env)
        return env

    def peers(self, *others: Node) -> None:
        items = [{"name": o.name, "keys": [o.public_key],
                  **({"url": o.url} if self.role == "core" else {})} for o in others]
        (self.home / "sync-peers.json").write_text(json.dumps({"peers": items}))

    def run(self, step: str, *args: str, timeout: float = 120) -> dict[str, Any]:
        """One step of tests/sync/actions.py inside the node (its settings and database), in
        the node's agent process: started with the first step, it stays for the next ones
        (a process per step would load Django and the models each time)."""
        agent = self._agent()
        assert agent.stdin is not None
        try:
            agent.stdin.write((json.dumps([step, *args]) + "\n").encode())
            agent.stdin.flush()
        except BrokenPipeError:
            pass  # the agent died: reading says so
        line = self._agent_answer(timeout)
        if line is None or not line.startswith(("RESULT ", "FAILED ")):
            self.kill("agent")
            raise AssertionError(f"{self.name} {step}: no answer from the agent "
                                 f"({'timeout' if line is None else line[:200]!r}):\n"
                                 f"{self._agent_log()}")
        if line.startswith("FAILED "):
            raise AssertionError(f"{self.name} {step} failed:\n{json.loads(line[7:])}\n"
                                 f"{self._agent_log()}")
        return dict(json.loads(line[7:]))

    @property
    def _agent_log_path(self) -> Path:
        return self.home.parent / f"{self.name}.agent.log"  # outside the node's home

    def _agent_log(self) -> str:
        try:
            return self._agent_log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def _agent(self) -> subprocess.Popen[bytes]:
        if self.agent is None or self.agent.poll() is not None:
            log = open(self._agent_log_path, "ab")  # noqa: SIM115  (kept open for the child)
            self.agent = subprocess.Popen(
                [sys.executable, "-m", "tests.sync.actions", "--serve"], env=self.env(),
                cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True)
            self._agent_out = b""
        return self.agent

    def _agent_answer(self, timeout: float) -> str | None:
        """The agent's next line; None after `timeout` seconds or when it ended."""
        assert self.agent is not None and self.agent.stdout is not None
        fd = self.agent.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._agent_out:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._agent_out += chunk
        line, self._agent_out = self._agent_out.split(b"\n", 1)
        return line.decode()

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "traceobject.cli", *args], env=self.env(),
                              cwd=REPO, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def start(self, *, workers: int = 1, threads: int = 8, serve: bool = False) -> None:
        """Start the web server: gunicorn itself, or (serve=True) `traceobject serve`, which
        migrates and then becomes gunicorn in the same process."""
        log = open(self.home / "server.log", "ab")  # noqa: SIM115  (kept open for the child)
        if serve:
            command = [sys.executable, "-m", "traceobject.cli", "serve", "--host", "127.0.0.1",
                       "--port", str(self.port), "--workers", str(workers),
                       "--threads", str(threads)]
        else:
            command = [sys.executable, "-m", "gunicorn", "traceobject.wsgi:application",
                       "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                       "--threads", str(threads), "--worker-class", "gthread",
                       "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(s)s",
                       "--timeout", "60"]
        self.server = subprocess.Popen(command, env=self.env(), cwd=REPO, stdout=log,
                                       stderr=log, start_new_session=True)
        wait_healthy(self.url)

    def start_worker(self) -> None:
        log = open(self.home / "worker.log", "ab")  # noqa: SIM115  (kept open for the child)
        env = {**self.env(), "TRACEOBJECT_SYNC_INTERVAL": "1"}
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "traceobject.cli", "worker", "--no-schedule",
             "--interval", "0.2"],
            env=env, cwd=REPO, stdout=log, stderr=log, start_new_session=True)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a read-only SQL query on the node's database, from the test process (cheap
        enough to poll, unlike `run`)."""
        base = _postgres_url()
        if base:
            import psycopg

            with psycopg.connect(self.env()["DATABASE_URL"], autocommit=True) as conn:
                return list(conn.execute(sql).fetchall())  # noqa: S608
        import sqlite3

        path = self.home / "traceobject.sqlite3"
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()

    def kill(self, which: str = "server", sig: int = signal.SIGKILL) -> None:
        proc = getattr(self, which)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)
        setattr(self, which, None)

    def stop(self) -> None:
        self.kill("worker", signal.SIGTERM)
        self.kill("server", signal.SIGTERM)
        if self.agent is not None and self.agent.poll() is None:
            assert self.agent.stdin is not None
            self.agent.stdin.close()  # the agent ends after its last step
            try:
                self.agent.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill("agent")
        self.agent = None

    def drop(self) -> None:
        self.stop()
        base = _postgres_url()
        if base and self.database:
            _pg_admin(base, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # names made here, never from input


def wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy")


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 20) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")
