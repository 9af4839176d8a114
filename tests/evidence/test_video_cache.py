"""The frame viewer on an S3 evidence store: the video is fetched once into the local cache
and every step reads it there; a damaged copy is found and fetched again; the cache stays
under its bound (least recently used out first); concurrent requests fetch once; a folder
store is read in place. The S3 server is moto's, over HTTP, with a count of the GET requests
it answers for each object."""

from __future__ import annotations

import os
import stat
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.storage import storages
from werkzeug.serving import make_server

from tests.conftest import staff_login
from tests.videogen import Scene
from traceobject.evidence.models import Case
from traceobject.evidence.storage_settings import evidence_storage
from traceobject.evidence.video_cache import cached_videos, video_local_file

from .conftest import video_make
from .test_s3 import BUCKET, PREFIX, _client, _env

pytestmark = pytest.mark.django_db


class _Server:
    """moto's S3 application behind a WSGI layer that counts GETs per object key."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        app = DomainDispatcherApplication(create_backend_app)
        self.gets: Counter[str] = Counter()
        lock = threading.Lock()

        def counting(environ: dict[str, Any], start_response: Any) -> Any:
            if environ["REQUEST_METHOD"] == "GET":
                with lock:
                    self.gets[environ.get("PATH_INFO", "")] += 1
            return app(environ, start_response)

        self.server = make_server("127.0.0.1", 0, counting, threaded=True,
                                  request_handler=MotoRequestHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def video_gets(self, video: Any) -> int:
        return self.gets[f"/{BUCKET}/{PREFIX}/{video.storage_key}"]


@pytest.fixture(scope="module")
def s3() -> Iterator[_Server]:
    server = _Server()
    yield server
    server.server.shutdown()


@pytest.fixture
def store(settings: Any, tmp_path: Path, s3: _Server) -> Iterator[Path]:
    """An empty bucket as the evidence store; the video cache under tmp_path."""
    client = _client(s3.endpoint)
    client.create_bucket(Bucket=BUCKET)
    settings.INDEX_DIR = tmp_path / "index"
    settings.VIDEO_CACHE_DIR = tmp_path / "home" / "cache" / "videos"
    settings.STORAGES = {**settings.STORAGES, "evidence": evidence_storage(
        home=tmp_path, env=_env(s3.endpoint, **{"TRACEOBJECT_EVIDENCE_S3_PREFIX": PREFIX}))}
    storages._storages.pop("evidence", None)
    s3.gets.clear()
    yield settings.VIDEO_CACHE_DIR
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    storages._storages.pop("evidence", None)


@pytest.fixture
def inv(client: Any, users: dict[str, Any]) -> Any:
    staff_login(client, users["investigator"])
    return client


def _video(seed: int, ref: str = "CACHE-1") -> Any:
    case, _created = Case.objects.get_or_create(ref=ref)
    return video_make(case, f"clips/{seed}.mp4", "mp4-h264",
                      (Scene(seed, 1.0), Scene(seed + 1, 1.0)))


def _frame(inv: Any, video: Any, number: int) -> bytes:
    response = inv.get(f"/internal/videos/{video.pk}/frames/{number}.jpg")
    assert response.status_code == 200, response.status_code
    assert response.content[:3] == b"\xff\xd8\xff"
    return bytes(response.content)


def test_the_video_is_fetched_once_and_every_step_reads_the_cache(inv, store, s3):
    video = _video(31)
    assert s3.video_gets(video) == 0
    umask = os.umask(0o022)  # private whatever the umask
    try:
        page = inv.get(f"/internal/videos/{video.pk}/?frame=3")
    finally:
        os.umask(umask)
    assert page.status_code == 200 and "Frame 3 of 0–49" in page.content.decode()
    assert s3.video_gets(video) == 1
    frames = [_frame(inv, video, n) for n in (3, 4, 5, 30, 2)]
    inv.get(f"/internal/videos/{video.pk}/?frame=4")
    cache.clear()  # the frame index forgotten too: read again, from the local copy
    frames.append(_frame(inv, video, 3))
    assert s3.video_gets(video) == 1
    assert frames[0] == frames[-1]
    cached = store / video.sha256
    original = _client(s3.endpoint).get_object(
        Bucket=BUCKET, Key=f"{PREFIX}/{video.storage_key}")["Body"].read()
    assert cached.read_bytes() == original
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700
    assert not [p for p in store.iterdir() if p.name.startswith(".part-")]


def test_a_damaged_copy_is_found_and_fetched_again(inv, store, s3):
    video = _video(33)
    first = _frame(inv, video, 10)
    cached = store / video.sha256
    before = cached.stat()
    data = bytearray(cached.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(64)
    with open(cached, "r+b") as fh:  # the bytes changed in place, the times put back
        fh.write(data)
    os.utime(cached, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert cached.stat().st_size == before.st_size
    cache.clear()
    assert _frame(inv, video, 10) == first
    assert s3.video_gets(video) == 2
    assert cached.read_bytes() != bytes(data)
    assert _frame(inv, video, 11) and s3.video_gets(video) == 2


def test_a_damaged_stored_object_is_refused_and_not_cached(inv, store, s3):
    video = _video(35)
    key = f"{PREFIX}/{video.storage_key}"
    client = _client(s3.endpoint)
    body = bytearray(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    body[-100:] = bytes(100)
    client.put_object(Bucket=BUCKET, Key=key, Body=bytes(body))
    page = inv.get(f"/internal/videos/{video.pk}/")
    assert page.status_code == 422
    assert "The stored video cannot be decoded." in page.content.decode()
    assert cached_videos() == []
    assert inv.get(f"/internal/videos/{video.pk}/frames/0.jpg").status_code == 422
    # gone from the bucket: the page says the file is missing
    client.delete_object(Bucket=BUCKET, Key=key)
    cache.clear()
    page = inv.get(f"/internal/videos/{video.pk}/")
    assert page.status_code == 404 and "missing" in page.content.decode()


def test_the_cache_stays_under_its_bound_least_recently_used_out(inv, settings, store, s3):
    videos = [_video(41), _video(43), _video(45)]
    sizes = [v.file_size for v in videos]
    settings.VIDEO_CACHE_BYTES = sizes[0] + sizes[1] + min(sizes) // 2  # room for two
    _frame(inv, videos[0], 1)
    _frame(inv, videos[1], 1)
    cache.clear()
    _frame(inv, videos[0], 2)  # the first is used again: the second is now the oldest
    _frame(inv, videos[2], 1)
    kept = {sha for sha, _size, _used in cached_videos()}
    assert kept == {videos[0].sha256, videos[2].sha256}
    assert sum(size for _sha, size, _used in cached_videos()) <= settings.VIDEO_CACHE_BYTES
    assert not (store / videos[1].sha256).exists()
    assert [s3.video_gets(v) for v in videos] == [1, 1, 1]
    # a video larger than the whole cache is still shown, from a copy for the one request
    settings.VIDEO_CACHE_BYTES = min(sizes) - 1
    cache.clear()
    _frame(inv, videos[1], 5)
    assert videos[1].sha256 not in {sha for sha, _s, _u in cached_videos()}
    assert s3.video_gets(videos[1]) == 3  # index and frame: once each


def test_concurrent_requests_fetch_the_video_once(store, s3):
    video = _video(47)
    barrier = threading.Barrier(4)
    sizes: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            barrier.wait()
            with video_local_file(key=video.storage_key, sha256=video.sha256) as path:
                sizes.append(len(Path(path).read_bytes()))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sizes == [video.file_size] * 4
    assert s3.video_gets(video) == 1


def test_a_folder_store_is_read_in_place(settings, evidence_store, tmp_path):
    settings.VIDEO_CACHE_DIR = tmp_path / "cache" / "videos"
    video = _video(49)
    with video_local_file(key=video.storage_key, sha256=video.sha256) as path:
        assert os.path.samefile(path, evidence_store / video.storage_key)
    assert not settings.VIDEO_CACHE_DIR.exists()
    with pytest.raises(ValueError), video_local_file(key=video.storage_key,
                                                     sha256="../" + video.sha256[3:]):
        pass
