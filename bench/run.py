#!/usr/bin/env python
"""Run every benchmark script `bench/bench_*.py` in turn (`make bench`, `make bench-smoke`).

    python bench/run.py                 # all benchmarks, full size
    python bench/run.py --smoke         # tiny inputs, for CI: each script gets --smoke
    python bench/run.py http pdq        # only bench_http.py and bench_pdq.py

Each script prints lines `figure<TAB>value<TAB>baseline<TAB>ratio` (and `#` notes). A script
that fails does not stop the others; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny inputs (CI)")
    parser.add_argument("names", nargs="*", help="run only these (bench_<name>.py)")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        wanted = {n.removeprefix("bench_").removesuffix(".py") for n in args.names}
        unknown = wanted - {s.stem.removeprefix("bench_") for s in scripts}
        if unknown:
            parser.error(f"no bench_{', bench_'.join(sorted(unknown))}.py in {HERE}")
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failed = []
    current: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, _frame: object) -> None:
        for child in current:  # let the script clean up (servers, temp dirs), then stop
            child.send_signal(signum)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, forward)
    for script in scripts:
        print(f"## {script.name}" + (" --smoke" if args.smoke else ""), flush=True)
        started = time.monotonic()
        command = [sys.executable, str(script), *(["--smoke"] if args.smoke else [])]
        child = subprocess.Popen(command, cwd=HERE.parent)
        current[:] = [child]
        try:
            returncode = child.wait()
        except KeyboardInterrupt:  # Ctrl-C reached the child too; let it finish cleaning up
            child.wait()
            raise
        current.clear()
        took = time.monotonic() - started
        print(f"# {script.name}: {'ok' if returncode == 0 else f'FAILED ({returncode})'} "
              f"in {took:.0f} s", flush=True)
        if returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"# failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
