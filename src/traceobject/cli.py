"""The `traceobject` command."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from traceobject.core.env import ConfigError

# The routine lines MediaPipe and TensorFlow Lite write from C++ straight to file descriptor
# 2 whenever their models start, and only those: TFLite's XNNPACK notice, absl's note that
# logging is not set up, and the feedback manager's warning (once per model graph).
_NATIVE_ROUTINE = re.compile(
    r"^(INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|W\d{4} [\d:.]+\s+\d+ inference_feedback_manager\.cc:\d+\] Feedback manager requires)")


def _pass_on(read_end: int, terminal: int) -> None:
    """Copy the lines arriving on `read_end` to `terminal`, less the routine ones."""
    with os.fdopen(read_end, "rb") as pipe:
        for raw in pipe:
            if not _NATIVE_ROUTINE.match(raw.decode("utf-8", "replace")):
                os.write(terminal, raw)


@contextlib.contextmanager
def native_stderr_filtered() -> Iterator[None]:
    """Keep native libraries' routine start-up lines off the terminal while the block runs.

    File descriptor 2 becomes a pipe, read by a thread that passes every other line on to the
    terminal as it arrives (an error just before a native crash included); Python's
    ``sys.stderr`` writes to a copy of the terminal, so Python's own messages appear as
    before."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr is not a file: nothing to do
        yield
        return
    sys.stderr.flush()
    original = sys.stderr
    terminal = os.dup(fd)
    read_end, write_end = os.pipe()
    pump = threading.Thread(target=_pass_on, args=(read_end, terminal), daemon=True,
                            name="traceobject-native-stderr")
    pump.start()
    try:
        sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1,
                               encoding=original.encoding or "utf-8", errors="backslashreplace")
        os.dup2(write_end, fd)
        yield
    finally:
        if sys.stderr is not original:
            sys.stderr.close()
            sys.stderr = original
        os.dup2(terminal, fd)
        os.close(write_end)  # the last writer: the thread reads to the end and stops
        pump.join(timeout=5)
        if not pump.is_alive():  # a thread still writing keeps its descriptor
            os.close(terminal)


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
        # Access log without client addresses or times: no record ties a tipster to a request.
        "--worker-class", "gthread", "--access-logfile", "-",
        "--access-logformat", "%(m)s %(U)s %(s)s %(B)s", "--graceful-timeout", "5",
        "--timeout", "60",
    ]


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "traceobject.cli", "worker"]


def _run_children(commands: Sequence[tuple[list[str], dict[str, str] | None]]) -> int:
    children = [subprocess.Popen(cmd, env=env) for cmd, env in commands]

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


def _child_env(role: str, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRACEOBJECT_") and k != "DATABASE_URL"}
    env.update(TRACEOBJECT_ROLE=role, TRACEOBJECT_HOME=str(home), **extra)
    for name in ("TRACEOBJECT_DEBUG", "TRACEOBJECT_LOG_LEVEL"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _wait_healthy(url: str, seconds: float = 60.0) -> bool:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def cmd_demo(args: argparse.Namespace) -> int:
    """The embedded default: an edge (port N) and a core (port N+1), each with its own SQLite
    database under $TRACEOBJECT_HOME/edge and .../core, joined by the real sync."""
    from traceobject.core.env import home_dir
    from traceobject.sync import protocol

    if os.environ.get("TRACEOBJECT_ROLE", "all") != "all":
        print("traceobject demo runs both roles itself: unset TRACEOBJECT_ROLE", file=sys.stderr)
        return 2
    home = home_dir()
    edge_home, core_home = home / "edge", home / "core"
    edge_url = f"http://127.0.0.1:{args.port}/"
    core_url = f"http://127.0.0.1:{args.port + 1}/"
    # Each side's signing key, and each side told the other's public key.
    edge_key = protocol.signing_key_load(edge_home / "keys" / "sync.key", generate=True)
    core_key = protocol.signing_key_load(core_home / "keys" / "sync.key", generate=True)
    _peers_write(edge_home / "sync-peers.json",
                 [{"name": "core", "keys": [bytes(core_key.verify_key).hex()]}])
    _peers_write(core_home / "sync-peers.json",
                 [{"name": "edge", "url": edge_url, "keys": [bytes(edge_key.verify_key).hex()]}])
    edge_env = _child_env("edge", edge_home, TRACEOBJECT_SYNC_NAME="edge")
    core_env = _child_env("core", core_home, TRACEOBJECT_SYNC_NAME="core")
    me = [sys.executable, "-m", "traceobject.cli"]
    print("Preparing the edge and the core (demo data on the first start only)...", flush=True)
    setup = [subprocess.run([*me, "manage", "migrate", "--verbosity", "0"], env=edge_env,
                            check=False),
             subprocess.run([*me, "demo-core-setup", "--port", str(args.port + 1)],
                            env=core_env, check=False)]
    if any(run.returncode for run in setup):
        return 1
    commands = [(_server_command("127.0.0.1", args.port, 1, 8), edge_env),
                (_server_command("127.0.0.1", args.port + 1, 1, 8), core_env)]
    if not args.no_worker:
        commands.append((_worker_command(), core_env))

    def first_sync() -> None:
        if _wait_healthy(edge_url):
            subprocess.run([*me, "sync", "--quiet"], env=core_env, check=False)
        print()
        print(f"  traceobject demo: public site (edge) {edge_url}en/")
        print(f"                    back office (core) {core_url}internal/")
        print(f"  data in {home} (edge/ and core/: two databases, joined by the sync)")
        print(f"  public API: {edge_url}api/v1/openapi.json   health: {edge_url}healthz, "
              f"{core_url}healthz")
        print("  The core's worker syncs with the edge every few seconds: tips sent on the")
        print("  public site reach the back office, questions reach the tipster's mailbox.")
        print("  Ctrl-C stops it.\n", flush=True)

    threading.Thread(target=first_sync, daemon=True).start()
    return _run_children(commands)


def _peers_write(path: Path, peers: list[dict[str, Any]]) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps({"peers": peers}, indent=2) + "\n")


def cmd_demo_core_setup(args: argparse.Namespace) -> int:
    """The core's half of the demo's start: migrations, keys, demo data, sign-in details."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from traceobject.core.keys import ensure_intake_keys
    from traceobject.demo.data import DEMO_PASSWORD, DEMO_USERS, demo_load
    from traceobject.demo.evidence import DEMO_CASE, demo_evidence_load

    call_command("migrate", interactive=False, verbosity=0)
    ensure_intake_keys()
    created = demo_load()
    demo_evidence_load(folder=settings.HOME / "demo-evidence")
    url = f"http://127.0.0.1:{args.port}/"
    print("  back office: demo case " + DEMO_CASE + " (evidence, similar images, crops"
          + " through the safety gate)" + ("" if created else "; demo data already loaded"))
    print(f"  staff sign-in at {url}internal/: password {DEMO_PASSWORD}, then a TOTP code:")
    for username, role in DEMO_USERS:
        print(f"    {username:<14} TOTP secret {_demo_secret(username)}   ({role})")
    print("  Add a secret to an authenticator app, or print the current code with")
    print("  `traceobject totp USER` (demo accounts only).", flush=True)
    return 0


def _demo_secret(username: str) -> str:
    from traceobject.accounts.services import totp_secret_base32

    device = _demo_device(username)
    if device is not None:
        return totp_secret_base32(device)
    return "(account changed: not the demo key)"


def _demo_device(username: str) -> Any:
    """The demo account's TOTP device, only while it still holds the published demo key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from traceobject.demo.data import DEMO_USERS, demo_totp_key

    if username not in dict(DEMO_USERS):
        return None
    return TOTPDevice.objects.filter(user__username=username, confirmed=True,
                                     key=demo_totp_key(username)).first()


def cmd_totp(args: argparse.Namespace) -> int:
    """The current TOTP code of a demo account (whose key is published anyway)."""
    _django()
    from django_otp.oath import TOTP

    device = _demo_device(args.username)
    if device is None:
        print(f"{args.username}: not a demo account with the demo key; use the account's "
              "authenticator app", file=sys.stderr)
        return 2
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    print(f"{totp.token():0{device.digits}d}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    if not settings.PRODUCTION:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    if not settings.EDGE:  # made before the first tip, not by the server's threads
        from traceobject.core.keys import ensure_intake_keys

        ensure_intake_keys()
    command = _server_command(args.host, args.port, args.workers, args.threads)
    os.execv(sys.executable, command)  # noqa: S606
    return 0  # not reached


def cmd_worker(args: argparse.Namespace) -> int:
    """django-tasks-db's worker, plus (in threads) its lease and the recovery of tasks whose
    worker died (core/task_leases.py), the periodic scheduler that enqueues due periodic tasks
    such as the daily retention purge (several workers enqueue each once) and, on a core, the
    sync with its edges."""
    _django()
    from django.conf import settings

    if settings.EDGE:
        print("an edge runs no worker: its core pulls what it holds", file=sys.stderr)
        return 2
    known = list(settings.TASKS["default"].get("QUEUES") or ["default"])
    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = [q for q in queues if q not in known]
    if not queues or unknown:
        print(f"error: --queues takes {', '.join(known)} (comma-separated), not "
              f"{args.queues[:80]!r}", file=sys.stderr)
        return 2
    from traceobject.core.task_leases import lease_thread_start, worker_id_new, worker_lease_end

    worker_id = worker_id_new()
    _thread, lease_stop = lease_thread_start(worker_id=worker_id)
    if not args.no_schedule:
        from traceobject.core.schedule import schedule_thread_start

        schedule_thread_start()
    if settings.ROLE == "core" and not args.no_sync:
        from traceobject.sync.loop import sync_thread_start

        sync_thread_start()
    try:
        return _manage(["db_worker", "--interval", str(args.interval),
                        "--queue-name", ",".join(queues), "--worker-id", worker_id])
    finally:  # a clean stop (db_worker finished its task first) gives the lease up
        lease_stop.set()
        with contextlib.suppress(Exception):
            worker_lease_end(worker_id=worker_id)


def cmd_sync(args: argparse.Namespace) -> int:
    """One sync round with every edge (or one): push, pull, report."""
    _django()
    from django.conf import settings

    from traceobject.sync.config import SyncConfigError
    from traceobject.sync.core import sync_all

    if settings.EDGE:
        print("traceobject sync runs on the core (the edge never connects out)",
              file=sys.stderr)
        return 2
    try:
        reports = sync_all(only=args.edge)
    except SyncConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not reports:
        print(f"no edges configured in {settings.SYNC_PEERS_FILE}", file=sys.stderr)
        return 2
    failed = 0
    for report in reports:
        failed += bool(report.error)
        if args.quiet and not report.error:
            continue
        if report.skipped:
            print(f"{report.edge}: another worker is syncing it now")
            continue
        state = f"error: {report.error}" if report.error else "ok"
        print(f"{report.edge}: {state}; pushed {report.pushed_objects} objects, "
              f"{report.pushed_questions} questions, {report.pushed_statuses} statuses, "
              f"{report.pushed_purges} retention purges; "
              f"pulled {report.pulled_tips} tips, {report.pulled_answers} answers; "
              f"{report.backlog} tips still waiting")
        for problem in report.problems[:20]:
            print(f"  {problem}")
    return 1 if failed else 0


def cmd_keys(args: argparse.Namespace) -> int:
    """Make (where missing) and show this side's sync key and, on a core, its intake key."""
    _django()
    import json

    from django.conf import settings
    from nacl.signing import SigningKey

    from traceobject.sync import protocol

    path = settings.SYNC_KEY_FILE
    if args.action == "rotate":
        if path.exists():
            old = path.with_name(f"{path.name}.{int(time.time())}.old")
            path.rename(old)
            print(f"old sync key moved to {old}")
        protocol.signing_key_write(path, SigningKey.generate())
    generate = args.action in {"init", "rotate"} or settings.SYNC_KEYS_GENERATE
    try:
        key = protocol.signing_key_load(path, generate=generate)
    except FileNotFoundError:
        print(f"no sync key at {path}: create one with `traceobject keys init`",
              file=sys.stderr)
        return 2
    public = bytes(key.verify_key).hex()
    print(f"role            {settings.ROLE}")
    print(f"sync name       {settings.SYNC_NAME}")
    print(f"sync key        {path} (id {protocol.key_id(key.verify_key)})")
    print(f"sync public key {public}")
    if not settings.EDGE:
        from traceobject.core import crypto

        if generate and not settings.INTAKE_PRIVATE_KEY_FILE.exists():
            crypto.generate_intake_keys(settings.INTAKE_PRIVATE_KEY_FILE,
                                        settings.INTAKE_PUBLIC_KEY_FILE)
        if settings.INTAKE_PUBLIC_KEY_FILE.exists():
            intake = crypto.load_public_key(settings.INTAKE_PUBLIC_KEY_FILE)
            print(f"intake key      {settings.INTAKE_PUBLIC_KEY_FILE} (the private key beside "
                  "it never leaves the core)")
            print(f"intake public   {bytes(intake).hex()} (edges get it with each object)")
        else:
            print(f"intake key      missing at {settings.INTAKE_PUBLIC_KEY_FILE}: "
                  "`traceobject keys init` creates the pair")
    entry: dict[str, Any] = {"name": settings.SYNC_NAME, "keys": [public]}
    if settings.EDGE:
        entry["url"] = settings.PUBLIC_BASE_URL or "https://EDGE-ADDRESS/"
    print("\nAdd this entry to the other side's peers file (TRACEOBJECT_SYNC_PEERS_FILE);")
    print("during a rotation list the old and the new key there:")
    print(json.dumps(entry))
    return 0


def cmd_hash(args: argparse.Namespace) -> int:
    """Images: file, SHA-256, MD5, PDQ (64 hex digits), PDQ quality; tab-separated. Videos
    (known by content): the vPDQ in the reference's file format on standard output (one line
    per hashed frame: frame number, quality, PDQ, seconds), and a line naming the file with
    its SHA-256 and MD5 on standard error (the reference format has no room for a header).
    Needs no database."""
    from traceobject.vision.analyse import FileRejection, analyse_path
    from traceobject.vision.video import VideoAnalysis, vpdq_format

    failed = 0
    for name in args.files:
        result = analyse_path(name)
        if isinstance(result, FileRejection):
            failed += 1
            if result.reason in _VIDEO_REASONS:
                print(f"{name}: {result.reason}: {result.message}", file=sys.stderr, flush=True)
            else:
                print(f"{name}\t-\t-\t-\t-\t{result.reason}: {result.message}", flush=True)
        elif isinstance(result, VideoAnalysis):
            print(f"{name}: {result.container} {result.video_codec} {result.width}x"
                  f"{result.height}, {result.duration:.3f} s, {result.frame_count} frames, "
                  f"sha256 {result.sha256}, md5 {result.md5}, {len(result.features)} "
                  "frame hashes (vPDQ)", file=sys.stderr, flush=True)
            sys.stdout.write(vpdq_format(result.features))
            sys.stdout.flush()
        else:
            print(f"{name}\t{result.sha256}\t{result.md5}\t{result.pdq}\t{result.pdq_quality}",
                  flush=True)
    if failed:
        print(f"{failed} of {len(args.files)} files could not be hashed", file=sys.stderr)
    return 1 if failed else 0


#: Reasons only a video gets: its refusal goes to standard error, which its header line uses.
_VIDEO_REASONS = frozenset({"not_a_file", "not_a_video", "no_video_stream", "truncated",
                            "corrupt_video", "decode_error", "container_bomb", "over_budget",
                            "too_large_dimensions"})


def cmd_ingest(args: argparse.Namespace) -> int:
    """Direct ingest on this machine; with --queue, the walk only (batches for the workers);
    with --status, the progress of queued ingests."""
    if args.status is not None:
        if args.paths or args.queue:
            print("error: --status takes no paths and no --queue", file=sys.stderr)
            return 2
        return _ingest_status(args)
    if not args.paths or not args.case:
        print("error: give the paths to ingest and --case REF", file=sys.stderr)
        return 2
    _django()
    from django.core.management import call_command

    from traceobject.evidence.ingest import ingest

    call_command("migrate", interactive=False, verbosity=0)
    if args.queue:
        return _ingest_queue(args)
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        print(f"not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    from traceobject.core.errors import ServiceError

    try:
        summary = ingest(args.paths, case_ref=args.case, workers=args.workers, stream=sys.stderr)
    except (ValueError, ServiceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    done = (summary.ingested + summary.duplicates + summary.videos
            + summary.video_duplicates)
    rate = done / summary.seconds if summary.seconds else 0
    print(f"case {args.case}: {summary.seen} files seen in {summary.seconds:.1f} s "
          f"({rate:.1f} files/s)")
    print(f"  ingested    {summary.ingested}")
    print(f"  duplicates  {summary.duplicates}")
    print(f"  skipped     {summary.skipped} (recorded by an earlier run)")
    print(f"  known-hash  {summary.known}")
    print(f"  videos      {summary.videos} ingested, {summary.video_duplicates} duplicates, "
          f"{summary.known_videos} known-hash")
    print(f"  frames      {summary.keyframes:,} keyframes, {summary.video_hashes:,} vPDQ "
          "features (of the new videos)")
    print(f"  rejected    {len(summary.rejected)}")
    for reason, count in sorted(summary.rejected_by_reason.items()):
        print(f"    {reason:<20} {count}")
    for path, reason, message in summary.rejected[: args.show_rejected]:
        print(f"    {path}: {reason}: {message}")
    return 0


def _ingest_queue(args: argparse.Namespace) -> int:
    """Walk the paths and queue batches for `traceobject worker` processes."""
    from traceobject.core.errors import ServiceError
    from traceobject.evidence.ingest_queue import ingest_enqueue

    def walked(seen: int, queued: int) -> None:
        print(f"  {seen:,} files walked, {queued:,} queued", file=sys.stderr, flush=True)

    try:
        queued = ingest_enqueue(paths=args.paths, case_ref=args.case,
                                batch_size=args.batch_size, progress=walked)
    except ServiceError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    run = queued.run
    print(f"case {run.case.ref}: ingest run {run.pk} queued: {queued.seen:,} files seen, "
          f"{queued.queued:,} in {queued.batches:,} batches, {queued.skipped:,} recorded by "
          f"an earlier run, {queued.refused:,} refused")
    print(f"  `traceobject worker` processes take the batches (they open the files at these "
          f"paths); progress: traceobject ingest --status {run.pk}")
    return 0


def _ingest_status(args: argparse.Namespace) -> int:
    """One run in detail (--status RUN), or the latest runs (of --case REF)."""
    import json

    _django()
    from django.core.management import call_command

    from traceobject.core.errors import ServiceError
    from traceobject.evidence.ingest_queue import (
        ingest_run_status,
        ingest_runs_status,
        status_lines,
    )
    from traceobject.evidence.models import Case

    call_command("migrate", interactive=False, verbosity=0)
    try:
        if args.status != "latest":
            if not args.status.isdigit() or not 0 < int(args.status) < 2**62:
                print(f"error: not a run number: {args.status[:40]!r}", file=sys.stderr)
                return 2
            statuses = [ingest_run_status(run_id=int(args.status))]
        else:
            case = None
            if args.case is not None:
                case = Case.objects.filter(ref=args.case).first()
                if case is None:
                    print(f"error: no case {args.case[:80]!r}", file=sys.stderr)
                    return 2
            statuses = ingest_runs_status(case=case, limit=args.show_rejected)
    except ServiceError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    if args.json:
        for status in statuses:
            print(json.dumps(status.to_dict()))
        return 0
    if not statuses:
        print("no queued ingest yet")
    for status in statuses:
        status_lines(status, sys.stdout)
    return 0


def _clock(seconds: float) -> str:
    """0:41, 12:03, 1:02:03."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return (f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours
            else f"{rest // 60}:{rest % 60:02d}")


def cmd_similar(args: argparse.Namespace) -> int:
    """Evidence like a picture (images, and videos with such a frame, with the time) or like
    a video (other copies of it, and images like any of its frames); with --objects, the
    evidence images that show the same object (same-object search, verified)."""
    from traceobject.vision.analyse import FileRejection, analyse_path
    from traceobject.vision.video import VideoAnalysis

    if not os.path.isfile(args.image):
        print(f"{args.image}: not a readable file", file=sys.stderr)
        return 2
    _django()
    if args.objects:
        return _similar_objects(args)
    from django.conf import settings

    from traceobject.evidence.ingest import video_limits

    result = analyse_path(args.image, video_limits=video_limits())
    if isinstance(result, FileRejection):
        print(f"{args.image}: {result.reason}: {result.message}", file=sys.stderr)
        return 2
    if isinstance(result, VideoAnalysis):
        return _similar_to_video(args, result)
    from traceobject.evidence.selectors import similar_images, videos_containing_image

    matches = similar_images(pdq=result.pdq, quality=result.pdq_quality,
                             threshold=args.threshold)
    if result.pdq_quality < settings.PDQ_MIN_QUALITY:
        print(f"{args.image}: PDQ quality {result.pdq_quality} is below "
              f"{settings.PDQ_MIN_QUALITY}: not matched", file=sys.stderr)
    for match in matches:
        names = ", ".join(match.paths)
        print(f"{match.distance}\t{match.image.pk}\t{', '.join(match.cases)}\t{names}")
    for found in videos_containing_image(pdq=result.pdq, quality=result.pdq_quality,
                                         threshold=args.threshold):
        at = ", ".join(_clock(t) for t in found.times[:5])
        print(f"video {found.video.pk} case {', '.join(found.cases)} {', '.join(found.paths)} "
              f"at {at} (distance {found.distance})")
    return 0


def _similar_objects(args: argparse.Namespace) -> int:
    """One verified match per line, most matching points first: inliers, evidence id,
    cases, file names."""
    from traceobject.evidence.object_features import picture_features
    from traceobject.evidence.object_search import find_object
    from traceobject.evidence.selectors import image_places
    from traceobject.vision.decode import DecodeError, decode_image

    try:
        picture = decode_image(args.image).to_pil()
    except DecodeError as error:
        print(f"{args.image}: {error.reason_code}: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{args.image}: unreadable: {error}", file=sys.stderr)
        return 2
    features = picture_features(picture)
    results = find_object(features=features, picture=picture)
    for note in results.notes:
        print(f"{args.image}: {note}", file=sys.stderr)
    if results.repaired or results.skipped:
        print(f"{results.repaired} damaged feature files read again, {results.skipped} "
              "images unreadable and left out", file=sys.stderr)
    places = image_places(image_ids=[m.image.pk for m in results.matches])
    for match in results.matches:
        where = places.get(match.image.pk)
        names = ", ".join(where.paths) if where else ""
        print(f"{match.inliers}\t{match.image.pk}\t{', '.join(match.cases) or '-'}\t{names}")
    return 0


def _similar_to_video(args: argparse.Namespace, result: Any) -> int:
    from django.conf import settings

    from traceobject.evidence.selectors import images_like_video_frames, videos_like_video

    least = settings.PDQ_MIN_QUALITY
    if not any(f.quality >= least for f in result.features):
        print(f"{args.image}: no frame of the video has a PDQ quality of {least} or more: "
              "not matched", file=sys.stderr)
    for video in videos_like_video(features=result.features):
        print(f"video {video.video.pk} case {', '.join(video.cases)} {', '.join(video.paths)} "
              f"({video.query_percent:.0f}% of this video found in it, "
              f"{video.target_percent:.0f}% of it found in this video)")
    for image in images_like_video_frames(features=result.features):
        at = ", ".join(_clock(t) for t in image.times[:5])
        where = ", ".join(image.paths) or ", ".join(
            f"keyframe of video {v} at {_clock(t)}" for v, t in image.video_frames)
        print(f"image {image.image.pk} case {', '.join(image.cases) or '-'} {where} "
              f"like the frame at {at} (distance {image.distance})")
    return 0


def cmd_objects_index(args: argparse.Namespace) -> int:
    """The same-object index: status; catch up; rebuild; retrain; read missing features."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from traceobject.evidence import object_index

    call_command("migrate", interactive=False, verbosity=0)
    try:
        if args.extract:
            from traceobject.evidence.object_features import features_extract_missing

            count = features_extract_missing(stream=sys.stderr)
            print(f"local features read for {count} evidence images")
            result = object_index.object_index_sync()
        elif args.sync:
            result = object_index.object_index_sync()
        elif args.rebuild or args.retrain:
            result = object_index.object_index_rebuild(retrain=args.retrain)
        else:
            result = None
    except object_index.NotEnoughFeatures as error:
        print(f"not built: {error}", file=sys.stderr)
        return 1
    if result is not None and (args.sync or args.extract or args.rebuild or args.retrain):
        from traceobject.evidence.object_embeddings import embedding_index_sync

        embedded = embedding_index_sync()
        if embedded:
            print(f"{embedded} images added to the embedding model's index")
    if result is not None:
        if result.reason:
            print(f"not built: {result.reason}")
        else:
            print(f"{result.added} images added" + (" (new codebook and index)"
                                                     if result.trained else ""))
    status = object_index.object_index_status()
    print(f"object index: {status.folder}")
    if status.unreadable is not None:
        print(f"  generation       {status.unreadable} cannot be read: being rebuilt")
    elif status.generation is None:
        print(f"  not built yet: {status.with_features} evidence images have local features, "
              f"a codebook needs {status.needs}")
    else:
        print(f"  generation       {status.generation} (made {status.created_at})")
        print(f"  images indexed   {status.images:,} ({status.vectors:,} vectors, "
              f"{status.kind}, {status.bytes_per_image:,.0f} bytes an image)")
        print(f"  codebook         {status.words} words, {status.dims} dimensions, learned "
              f"from {status.sample_pictures:,} pictures ({status.sample_descriptors:,} "
              "descriptors)")
        print(f"  watermark        feature row {status.watermark:,}; {status.pending:,} rows "
              f"past it; {status.gaps:,} skipped ids watched")
    if status.rebuilding is not None:
        print(f"  rebuilding       {status.rebuilding} (in steps: feature row "
              f"{status.rebuild_watermark:,} read)")
    if status.previous is not None:
        print(f"  previous         {status.previous} (answers searches while the one in use "
              "is rebuilt)")
    print(f"  evidence images  {status.with_features:,} with local features, "
          f"{status.without_features:,} not read yet")
    from traceobject.vision.embedding import status as embedding_status

    print(f"  {embedding_status(settings.EMBEDDING_MODEL or None)}")
    return 0


def cmd_known_import(args: argparse.Namespace) -> int:
    _django()
    from traceobject.evidence.known import known_hashes_import

    # streamed: a list of 10 M hashes is not read into memory; every row is checked and
    # nothing is imported if one is malformed (evidence.known)
    try:
        with open(args.csv, encoding="utf-8", newline="") as fh:
            result = known_hashes_import(source=fh, list_name=args.list)
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read {args.csv}: {error}", file=sys.stderr)
        return 2
    for problem in result.errors:
        print(f"error: {problem}", file=sys.stderr)
    if result.errors:
        print("nothing imported", file=sys.stderr)
        return 2
    print(f"imported {result.imported} hashes into list {args.list!r}")
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    """The safety-gate verdict per image; non-zero exit if any image fails."""
    with native_stderr_filtered():
        return _gate_files(args)


def _identifying_text(name: str) -> list[dict[str, Any]]:
    """Identifying text in the image ``name`` (addresses, names, phones, plates...), as
    findings of kind ``identifying_text``; [] if the image cannot be decoded (the gate
    reports that)."""
    from traceobject.vision.decode import decode_image
    from traceobject.vision.idtext import identifying_text

    try:
        pixels = decode_image(name).pixels
    except Exception:  # the gate's own error finding says why
        return []
    return identifying_text(pixels)


def _gate_files(args: argparse.Namespace) -> int:
    """The person verdict as the gate gives it; identifying text is listed with it as
    findings of kind ``identifying_text`` and ``"review": true`` (it asks a reviewer to
    look and leaves the verdict and the exit status as they are)."""
    import json

    failed = 0
    verdict: dict[str, Any]
    check: Any = None
    reason = ""
    try:
        from traceobject.vision import gate

        check = gate.gate_check_file
    except Exception as error:  # the gate cannot run: every image fails
        reason = f"the safety gate could not start: {type(error).__name__}: {error}"
    for name in args.images:
        if check is None:
            verdict = {"verdict": "fail",
                       "findings": [{"kind": "error", "score": 1.0, "box": None,
                                     "detail": reason}]}
        else:
            verdict = check(name).to_dict()
        text = _identifying_text(name)
        if text:
            verdict = {**verdict, "findings": [*verdict["findings"], *text], "review": True}
        failed += verdict["verdict"] != "pass"
        if args.json:
            print(json.dumps({"file": name, **verdict}, ensure_ascii=False), flush=True)
            continue
        print(f"{name}\t{verdict['verdict']}" + ("\treview" if text else ""), flush=True)
        for finding in verdict["findings"]:
            box = finding.get("box")
            where = (f" at x={box[0]} y={box[1]} w={box[2]} h={box[3]}"
                     if box and (box[2] or box[3]) else "")  # an error has no region
            detail = f": {finding['detail']}" if finding.get("detail") else ""
            if finding["kind"] == "identifying_text":
                detail = f": {finding['what']}: {finding['text']!r}"
            print(f"  {finding['kind']} {float(finding['score']):.2f}{where}{detail}")
    return 1 if failed else 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be 1 .. 1000, not {value}")
    return value


def cmd_clues(args: argparse.Namespace) -> int:
    """Clues in each image (text, its language, barcodes, phones, domains...) and the
    country estimate from them. Needs no database."""
    import json

    from traceobject.geo.clues import clue_from_gs1_info, clues_from_ocr, clues_from_text
    from traceobject.geo.fusion import NO_CLUES, estimate
    from traceobject.vision.barcodes import gs1_country, read_barcodes
    from traceobject.vision.decode import DecodeError, decode_image
    from traceobject.vision.ocr import read_text

    failed = 0
    for name in args.images:
        try:
            pixels = decode_image(name).pixels
        except (OSError, DecodeError) as error:
            failed += 1
            reason = getattr(error, "reason_code", "unreadable")
            if args.json:
                print(json.dumps({"file": name, "error": reason, "status": "error",
                                  "clues": [], "best": None, "ranked": []}))
            else:
                print(f"{name}: {reason}: {error}", file=sys.stderr)
            continue
        lines = read_text(pixels)
        clues = clues_from_ocr(lines)
        for barcode in read_barcodes(pixels):
            if barcode.gtin:
                clue = clue_from_gs1_info(gs1_country(barcode.gtin), code=barcode.gtin)
                if clue is not None:
                    clues.append(clue)
            elif barcode.text:  # QR codes and others may carry web addresses, phones
                clues.extend(clues_from_text(barcode.text, source="barcode"))
        result = estimate(clues)
        if args.json:
            print(json.dumps({"file": name, "text": [line.text for line in lines],
                              "clues": [c.to_dict() for c in clues],
                              **result.to_dict(top=args.top)},
                             ensure_ascii=False), flush=True)
            continue
        print(name)
        for line in lines:
            print(f"  text   {line.text}  ({line.confidence:.2f})")
        for reason in result.reasons:
            print(f"  reason {reason}")
        ranked = result.ranked(args.top)
        if ranked:
            print("  countries " + ", ".join(f"{c} {p:.2f}" for c, p in ranked), flush=True)
        elif result.status == NO_CLUES:
            print("  no estimate yet: no clue found", flush=True)
        else:
            print("  no estimate yet: the clues lift no country clearly above the rest",
                  flush=True)
    return 1 if failed else 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _django()
    from traceobject.audit.services import audit_verify

    result = audit_verify()
    if result.ok:
        print(f"audit log intact: {result.checked} entries")
        return 0
    print(f"audit log BROKEN at entry {result.first_broken_seq}: {result.problem} "
          f"({result.checked} entries before it are intact)")
    return 1


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
    demo_setup = sub.add_parser("demo-core-setup", help=argparse.SUPPRESS)
    demo_setup.add_argument("--port", type=int, default=8001)
    demo_setup.set_defaults(func=cmd_demo_core_setup)

    serve = sub.add_parser("serve", help="the web server (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="the task worker (opens sealed tips, ...)")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.add_argument("--queues", default="default,ingest", metavar="NAMES",
                        help="the task queues to take work from (default: default,ingest; "
                             "`ingest` holds the batches of `ingest --queue`)")
    worker.add_argument("--no-schedule", action="store_true",
                        help="do not enqueue periodic tasks (retention) from this worker")
    worker.add_argument("--no-sync", action="store_true",
                        help="do not sync with the edges from this worker (core)")
    worker.set_defaults(func=cmd_worker)

    sync = sub.add_parser("sync", help="sync with the edges now (core): push, pull, report")
    sync.add_argument("--edge", metavar="NAME", help="only this edge")
    sync.add_argument("--quiet", action="store_true", help="print only problems")
    sync.set_defaults(func=cmd_sync)

    keys = sub.add_parser("keys", help="make and show this side's sync and intake keys")
    keys.add_argument("action", nargs="?", choices=("show", "init", "rotate"), default="show",
                      help="show (default), init (create missing keys), rotate (new sync key)")
    keys.set_defaults(func=cmd_keys)

    hash_ = sub.add_parser("hash", help="SHA-256, MD5 and PDQ of image files, tab-separated; "
                           "the vPDQ of video files, in the reference's format")
    hash_.add_argument("files", nargs="+", metavar="FILE")
    hash_.set_defaults(func=cmd_hash)

    ingest = sub.add_parser(
        "ingest", help="bring evidence files into a case (here, or --queue for workers)",
        description="Bring evidence files into a case. Directly on this machine (--workers "
        "processes), or with --queue: walk the paths here and queue batches that "
        "`traceobject worker` processes take on any number of machines sharing the database "
        "and the evidence store. The workers open the files at the paths given, so every "
        "worker machine must see them at the same paths (a shared, read-only mount).")
    ingest.add_argument("paths", nargs="*", metavar="PATH")
    ingest.add_argument("--case", help="case reference (created if new)")
    ingest.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ingest.add_argument("--show-rejected", type=int, default=20, metavar="N",
                        help="list the first N rejected files (default 20); with --status, "
                             "the N latest runs")
    ingest.add_argument("--queue", action="store_true",
                        help="only walk and queue batches for `traceobject worker` processes "
                             "(paths readable by every worker at the same place)")
    ingest.add_argument("--batch-size", type=int, default=200, metavar="N",
                        help="files a batch with --queue (default 200)")
    ingest.add_argument("--status", nargs="?", const="latest", metavar="RUN",
                        help="progress of queued ingest RUN across workers, or of the latest "
                             "runs (of --case REF)")
    ingest.add_argument("--json", action="store_true", help="with --status: a JSON line a run")
    ingest.set_defaults(func=cmd_ingest)

    similar = sub.add_parser("similar", help="evidence that looks like IMAGE or VIDEO")
    similar.add_argument("image", metavar="IMAGE_OR_VIDEO")
    similar.add_argument("--threshold", type=int, default=31,
                         help="largest PDQ Hamming distance (default 31)")
    similar.add_argument("--objects", action="store_true",
                         help="the evidence images that show the same object (matched "
                              "point by point; one line each: matching points, evidence id, "
                              "cases, file names)")
    similar.set_defaults(func=cmd_similar)

    objects = sub.add_parser("objects-index", help="the same-object index: its state, or "
                             "build it again")
    action = objects.add_mutually_exclusive_group()
    action.add_argument("--sync", action="store_true",
                        help="catch up with the database now (what the worker does)")
    action.add_argument("--rebuild", action="store_true",
                        help="build a new index with the current codebook and swap it in")
    action.add_argument("--retrain", action="store_true",
                        help="learn a new codebook from a sample of the stored features, "
                             "build a new index with it and swap it in")
    action.add_argument("--extract", action="store_true",
                        help="read the local features of evidence images that have none "
                             "(ingested before same-object search, or missed)")
    objects.set_defaults(func=cmd_objects_index)

    known = sub.add_parser("known-import", help="import a known-hash list (CSV)")
    known.add_argument("csv", metavar="CSV")
    known.add_argument("--list", required=True, help="name of the list")
    known.set_defaults(func=cmd_known_import)

    gate = sub.add_parser("gate", help="safety-gate verdict (people, faces, skin) per image, "
                          "and text that may identify someone (asks for review)")
    gate.add_argument("images", nargs="+", metavar="IMAGE")
    gate.add_argument("--json", action="store_true", help="one JSON object per line")
    gate.set_defaults(func=cmd_gate)

    clues = sub.add_parser("clues", help="clues in images and the country estimate from them")
    clues.add_argument("images", nargs="+", metavar="IMAGE")
    clues.add_argument("--json", action="store_true", help="one JSON object per line")
    clues.add_argument("--top", type=_positive_int, default=10,
                       help="countries to list at most (default 10; only countries the "
                            "clues lift clearly above the rest are listed)")
    clues.set_defaults(func=cmd_clues)

    totp = sub.add_parser("totp", help="current second-factor code of a demo account")
    totp.add_argument("username")
    totp.set_defaults(func=cmd_totp)
    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="check the hash chain")
    verify.set_defaults(func=cmd_audit_verify)

    manage = sub.add_parser("manage", help="Django management commands", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=lambda a: _manage(a.rest))
    return parser


# Files this program and its children create are private (settings.py sets the same).
PRIVATE_UMASK = 0o077


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(PRIVATE_UMASK)
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["manage"]:  # pass everything through, --help included
            return _manage(argv[1:])
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except ConfigError as error:  # a malformed or missing setting: one line, no traceback
        print(f"configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
