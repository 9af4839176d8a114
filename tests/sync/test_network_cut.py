"""The connection between core and edge cut in the middle of a request or of a reply, over and
over: rounds fail, later rounds finish the work, and every tip reaches the core exactly once."""

from __future__ import annotations

import itertools
import json
import socket
import threading

import pytest

from tests.sync.nodes import http

pytestmark = pytest.mark.slow


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to the edge, cutting connections by a repeating plan:
    "request" passes half of the request and closes, "reply" passes the request and the first
    200 bytes of the reply and closes, "pass" forwards everything."""

    def __init__(self, upstream: int, plan: list[str]) -> None:
        self.upstream = upstream
        self.plan = itertools.cycle(plan)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.cuts = {"request": 0, "reply": 0, "pass": 0}
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            mode = next(self.plan)
            self.cuts[mode] += 1
            threading.Thread(target=self._one, args=(client, mode), daemon=True).start()

    def _one(self, client: socket.socket, mode: str) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream)) as edge:
            client.settimeout(30)
            edge.settimeout(30)
            request = self._read_request(client)
            if mode == "request":
                edge.sendall(request[: len(request) // 2])
                return
            edge.sendall(request)
            sent = 0
            while True:
                chunk = edge.recv(65536)
                if not chunk:
                    return
                if mode == "reply" and sent + len(chunk) > 200:
                    client.sendall(chunk[: 200 - sent])
                    return
                client.sendall(chunk)
                sent += len(chunk)

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += client.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(body) < length:
            body += client.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self.server.close()


def test_cut_connections_lose_and_double_nothing(make_node):
    edge = make_node("edge", "edge-c", TRACEOBJECT_TIP_RATE=1_000_000)
    core = make_node("core", "core-c", TRACEOBJECT_SYNC_BATCH=7)
    edge.peers(core)
    edge.run("migrate")
    core.run("migrate")
    edge.start()
    core.peers(edge)
    ref = core.run("publish", "Cut bag")["ref"]
    assert core.run("sync")["reports"][0]["error"] == ""
    sent = []
    for n in range(60):
        status, _ = http("POST", f"{edge.url}api/v1/objects/{ref}/tips",
                         {"text": f"CUT-{n:03d} tip"})
        assert status == 201
        sent.append(f"CUT-{n:03d}")

    proxy = CuttingProxy(edge.port, ["reply", "pass", "request", "pass", "pass", "reply"])
    try:
        peers = json.loads((core.home / "sync-peers.json").read_text())
        peers["peers"][0]["url"] = f"http://127.0.0.1:{proxy.port}/"
        (core.home / "sync-peers.json").write_text(json.dumps(peers))
        errors = 0
        for _round in range(40):
            report = core.run("timed_sync_report")
            errors += bool(report["error"])
            if not report["error"] and report["backlog"] == 0 and report["tips"] == 0:
                break
        assert errors > 0 and proxy.cuts["request"] and proxy.cuts["reply"]
    finally:
        proxy.close()
    core.run("open_tips")
    state = core.run("tips")
    markers = sorted(t.split()[0] for t in state["texts"])
    assert markers == sent
    assert len(state["origins"]) == len(sent)
    assert edge.run("edge_counts")["waiting"] == 0
