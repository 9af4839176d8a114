"""Tips sent with `Transfer-Encoding: chunked` and no Content-Length (gunicorn hands such a
body over de-chunked, without CONTENT_LENGTH): read whole, and still capped at
DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond it, without reading the rest)."""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from traceobject.tips.models import SealedTip
from traceobject.wsgi import application


class Endless(io.RawIOBase):
    """A request body that never ends; counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size >= 0, "an unbounded read"
        self.read_bytes += size
        return b" " * size


def _call(path: str, stream: Any, *, content_type: str = "application/json",
          **extra: str) -> tuple[int, dict[str, str], bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "CONTENT_TYPE": content_type,
        "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream,
        "wsgi.input_terminated": True, **extra}
    setup_testing_defaults(environ)
    assert "CONTENT_LENGTH" in extra or "CONTENT_LENGTH" not in environ
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                       ) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    # As Django's test client does: keep the test's database connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


def test_a_chunked_tip_is_read_whole(db, published):
    tip = json.dumps({"text": "Sold at a market in Gdańsk.", "country": "PL"}).encode()
    status, _, body = _call(f"/api/v1/objects/{published.ref}/tips", io.BytesIO(tip))
    assert status == 201, body
    assert json.loads(body)["receipt"]
    assert SealedTip.objects.count() == 1


def test_an_endless_chunked_body_is_413_after_reading_just_over_the_limit(db, published,
                                                                          settings):
    stream = Endless()
    status, _, body = _call(f"/api/v1/objects/{published.ref}/tips", stream)
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "too_large"
    assert stream.read_bytes == settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    assert not SealedTip.objects.exists()


def test_a_body_of_exactly_the_limit_is_read(db, published, settings):
    text = "A tip. " * 10
    tip = json.dumps({"text": text}).encode()
    padded = tip + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(tip))
    status, _, body = _call(f"/api/v1/objects/{published.ref}/tips", io.BytesIO(padded))
    assert status == 201, body


def test_other_bodies_are_left_as_they_come(db, published):
    tip = b'{"text": "Sold at a market in Gdansk."}'
    # a Content-Length is trusted as before (Django reads that many bytes)
    status, _, _ = _call(f"/api/v1/objects/{published.ref}/tips", io.BytesIO(tip),
                         CONTENT_LENGTH=str(len(tip)))
    assert status == 201
    # a server that did not de-chunk (no wsgi.input_terminated): nothing is read
    stream = Endless()
    status, _, _ = _call(f"/api/v1/objects/{published.ref}/tips", stream,
                         **{"wsgi.input_terminated": ""})  # type: ignore[arg-type]
    assert status == 422 and stream.read_bytes == 0
    # multipart (uploads, not bounded by DATA_UPLOAD_MAX_MEMORY_SIZE): not read here
    stream = Endless()
    _call("/en/", stream, content_type="multipart/form-data; boundary=x")
    assert stream.read_bytes == 0


# --- a real gunicorn (gthread), as `traceobject serve` runs it ------------------------------

MAX_BODY = 4096


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    home = tmp_path_factory.mktemp("gunicorn-home")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACEOBJECT_", "DJANGO_")) and k not in (
               "DATABASE_URL", "REDIS_URL")}
    env.update(TRACEOBJECT_HOME=str(home), TRACEOBJECT_MAX_BODY_BYTES=str(MAX_BODY))
    port = _free_port()
    log = (home / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "traceobject.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "2", "--worker-class", "gthread"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(Path(__file__).parents[2]))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("gunicorn did not start:\n"
                            + (home / "gunicorn.log").read_text(errors="replace"))
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _post_chunked(port: int, chunks: list[bytes]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/api/v1/objects/TAO-1999-0001/tips", body=iter(chunks),
                       headers={"Content-Type": "application/json", "Host": "127.0.0.1"},
                       encode_chunked=True)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_gunicorn_hands_a_chunked_tip_to_the_api(gunicorn):
    # Read whole: the tip's own fields are checked (an empty body would be "invalid").
    status, body = _post_chunked(gunicorn, [b'{"text": "ab",', b' "country": "ZZ"}'])
    assert status == 422, body
    assert body["error"]["code"] == "invalid_tip"
    assert set(body["error"]["fields"]) == {"text", "country"}


def test_gunicorn_refuses_an_oversized_chunked_tip_with_413(gunicorn):
    chunk = b" " * 1024
    status, body = _post_chunked(gunicorn, [b'{"text": "', *[chunk] * (2 * MAX_BODY // 1024),
                                            b'"}'])
    assert status == 413, body
    assert body["error"]["code"] == "too_large"
    # the server goes on answering
    status, body = _post_chunked(gunicorn, [b'{"text": "ab"}'])
    assert status == 422 and body["error"]["code"] == "invalid_tip"
