#!/usr/bin/env python
"""Sync between an edge and a core, both real servers with their own databases (SQLite, or
PostgreSQL databases of their own when DATABASE_URL names a server).

Figures (one line each: figure, value, baseline, ratio):
  sync_vs_intake   sealed tips moved and acknowledged per second by one sync round, against
                   the edge's own tip intake rate (8 clients on its API) in the same run;
                   target >= 1.0
  backlog_drain    seconds for a core to drain a backlog of 100,000 sealed tips (--smoke: 500)
  intake_2_vs_1    edge tip intake with two web processes against one, same machine
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sync.nodes import Node, http  # noqa: E402


def intake(edge: Node, ref: str, count: int, clients: int = 8) -> float:
    """Tips per second the edge answered 201, `clients` sending at once."""
    numbers = iter(range(count))
    lock = threading.Lock()
    ok = [0]

    def send() -> None:
        for n in numbers:
            status, _ = http("POST", f"{edge.url}api/v1/objects/{ref}/tips",
                             {"text": f"Bench tip {n}: sold at a market in Bremen"})
            if status == 201:
                with lock:
                    ok[0] += 1

    threads = [threading.Thread(target=send) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if ok[0] != count:
        raise SystemExit(f"only {ok[0]} of {count} tips were accepted")
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    tips = 200 if args.smoke else 3000
    backlog = 500 if args.smoke else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        nodes: list[Node] = []
        try:
            edge = Node(role="edge", name="bench-edge", home=Path(tmp) / "edge",
                        extra_env={"TRACEOBJECT_TIP_RATE": "100000000",
                                   "TRACEOBJECT_LOG_LEVEL": "WARNING"})
            core = Node(role="core", name="bench-core", home=Path(tmp) / "core",
                        extra_env={"TRACEOBJECT_SYNC_BATCH": "1000",
                                   "TRACEOBJECT_LOG_LEVEL": "WARNING"})
            nodes += [edge, core]
            edge.peers(core)
            core.peers(edge)
            edge.run("migrate")
            core.run("migrate")
            edge.start(workers=1, threads=8)
            ref = core.run("publish", "Bench bag")["ref"]
            core.run("timed_sync")

            rate_1 = intake(edge, ref, tips)
            moved = core.run("timed_sync")
            assert moved["tips"] == tips, moved
            sync_rate = moved["tips"] / moved["seconds"]
            print(f"sync_vs_intake\t{sync_rate:.0f} tips/s\t{rate_1:.0f} tips/s\t"
                  f"{sync_rate / rate_1:.2f}", flush=True)

            edge.kill("server", 15)
            edge.start(workers=2, threads=8)
            rate_2 = intake(edge, ref, tips)
            core.run("timed_sync")
            print(f"intake_2_vs_1\t{rate_2:.0f} tips/s\t{rate_1:.0f} tips/s\t"
                  f"{rate_2 / rate_1:.2f}", flush=True)

            edge.run("edge_fill", str(backlog), ref, timeout=3600)
            drained = core.run("timed_sync", "100000", timeout=7200)
            assert drained["tips"] == backlog, drained
            print(f"backlog_drain\t{drained['seconds']:.1f} s for {backlog} tips\t-\t"
                  f"{backlog / drained['seconds']:.0f} tips/s", flush=True)
        finally:
            for node in nodes:
                node.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
