"""The `traceobject` command."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    import django

    django.setup()


def _manage(args: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceobject.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["traceobject manage", *args])
    return 0


def _server_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "traceobject.wsgi:application",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread", "--access-logfile", "-", "--graceful-timeout", "5",
        "--timeout", "60",
    ]


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "traceobject.cli", "worker"]


def _run_children(commands: list[list[str]]) -> int:
    children = [subprocess.Popen(cmd) for cmd in commands]

    def stop(*_args: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    def terminate(*_args: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, terminate)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [c.returncode for c in children if c.returncode not in (0, None, -15)]
    return failed[0] if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    from traceobject.core.keys import ensure_intake_keys
    from traceobject.demo.data import DEMO_PASSWORD, DEMO_USERS, demo_load

    call_command("migrate", interactive=False, verbosity=0)
    ensure_intake_keys()
    print("Loading demo data (first start only)...", flush=True)
    created = demo_load()
    from django.conf import settings

    url = f"http://127.0.0.1:{args.port}/"
    print()
    print(f"  traceobject demo: {url}")
    print(f"  data in {settings.HOME}" + ("" if created else " (demo data already loaded)"))
    print(f"  public site: {url}en/    API: {url}api/v1/openapi.json")
    print(f"  staff sign-in: {url}internal/admin/")
    for username, role in DEMO_USERS:
        print(f"    {username:<14} {DEMO_PASSWORD}   ({role})")
    print("  Ctrl-C stops it.\n", flush=True)
    commands = [_server_command("127.0.0.1", args.port, 1, 8)]
    if not args.no_worker:
        commands.append(_worker_command())
    return _run_children(commands)


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    if not settings.PRODUCTION:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    command = _server_command(args.host, args.port, args.workers, args.threads)
    os.execv(sys.executable, command)  # noqa: S606
    return 0  # not reached


def cmd_worker(args: argparse.Namespace) -> int:
    return _manage(["db_worker", "--interval", str(args.interval)])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="traceobject",
        description="Run a Trace an Object programme: public site, sealed tips, back office.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="embedded default: SQLite, demo data, server and worker")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-worker", action="store_true", help="do not start the task worker")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="the web server (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="the task worker (opens sealed tips, ...)")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.set_defaults(func=cmd_worker)

    manage = sub.add_parser("manage", help="Django management commands", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=lambda a: _manage(a.rest))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:  # pass everything through, --help included
        return _manage(argv[1:])
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
