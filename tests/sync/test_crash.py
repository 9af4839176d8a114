"""kill -9 of the edge's server, of the core's worker (which syncs and opens tips) and of a
sync run, at moments spread over a bounded tip flood: every tip the edge answered 201 ends up
in the core exactly once, opened once."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

import pytest

from tests.sync.nodes import REPO, http

pytestmark = pytest.mark.slow

TIPS = 600
SENDERS = 4


def test_nothing_lost_or_doubled_when_any_side_is_killed(make_node):
    rng = random.Random(20261206)  # noqa: S311  (reproducible kill times, not security)
    edge = make_node("edge", "edge-k", TRACEOBJECT_TIP_RATE=1_000_000)
    core = make_node("core", "core-k")
    edge.peers(core)
    core.peers(edge)
    edge.run("migrate")
    core.run("migrate")
    edge.start(threads=4)
    ref = core.run("publish", "Crash bag")["ref"]
    assert core.run("sync")["reports"][0]["error"] == ""
    core.start_worker()

    accepted: list[str] = []
    # No answer (the edge was killed, or too slow under load): the tip may or may not have
    # been stored before the connection broke; it must not be stored twice either way.
    unanswered: list[str] = []
    lock = threading.Lock()
    counter = iter(range(TIPS))

    def send() -> None:
        for n in counter:
            marker = f"CRASH-{n:04d}"
            try:
                status, _ = http("POST", f"{edge.url}api/v1/objects/{ref}/tips",
                                 {"text": f"{marker} seen in a shop"}, timeout=10)
            except OSError:  # the edge was down: the tipster saw an error, nothing was promised
                with lock:
                    unanswered.append(marker)
                time.sleep(0.2)
                continue
            if status == 201:
                with lock:
                    accepted.append(marker)
            time.sleep(0.08)  # a flood that lasts long enough for several kills

    senders = [threading.Thread(target=send) for _ in range(SENDERS)]
    for thread in senders:
        thread.start()
    kills = {"edge": 0, "worker": 0, "sync": 0}
    order: list[str] = []
    while any(t.is_alive() for t in senders):
        time.sleep(rng.uniform(0.5, 2.0))
        if not order:  # every victim once per round, in a random order
            order = rng.sample(["edge", "worker", "sync"], 3)
        victim = order.pop()
        if victim == "edge":
            edge.kill("server")
            edge.start(threads=4)
        elif victim == "worker":
            core.kill("worker")
            core.start_worker()
        else:
            run = subprocess.Popen([sys.executable, "-m", "traceobject.cli", "sync"],
                                   env=core.env(), cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.1, 1.5))
            run.kill()
            run.wait()
        kills[victim] += 1
    for thread in senders:
        thread.join()
    assert len(accepted) > TIPS // 4 and all(kills.values()), (len(accepted), kills)
    print(f"\ncrash test: {len(accepted)} tips answered 201, kills {kills}")

    # Let the (restarted) worker drain the edge and open everything.
    deadline = time.monotonic() + 120
    while True:
        state = core.run("tips")
        if (len(state["texts"]) >= len(accepted) and state["unopened"] == 0) or \
                time.monotonic() > deadline:
            break
        time.sleep(2)
    core.stop()
    state = core.run("tips")
    markers = [t.split()[0] for t in state["texts"]]
    assert len(markers) == len(set(markers)), "a tip was opened twice"
    lost = set(accepted) - set(markers)
    extra = set(markers) - set(accepted) - set(unanswered)
    assert not lost and not extra, f"lost: {sorted(lost)[:10]}, extra: {sorted(extra)[:10]}"
    assert state["sealed"] == len(markers) and len(state["origins"]) == len(markers)
    assert state["unopened"] == 0
    assert edge.run("edge_counts")["waiting"] == 0
