"""The evidence store on an S3-compatible server: moto's S3 server on a free loopback port,
reached over HTTP by the same django-storages backend and settings a deployment uses."""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import storages
from PIL import Image

from tests.conftest import staff_login
from traceobject.core.env import ConfigError
from traceobject.evidence import crops
from traceobject.evidence.checks import check_evidence_store_reachable
from traceobject.evidence.ingest import evidence_key, ingest, thumb_key
from traceobject.evidence.models import Case, EvidenceFile, EvidenceImage
from traceobject.evidence.storage import (
    EvidenceStoreError,
    evidence_open,
    evidence_read,
    evidence_store_check,
)
from traceobject.evidence.storage_settings import S3_BACKEND, evidence_storage

from .conftest import write_jpeg

BUCKET = "evidence-test"
PREFIX = "traceobject/evidence"
KEY_ID, SECRET = "AKIDEVIDENCETEST", "evidence-test-secret"
P = "TRACEOBJECT_EVIDENCE_S3_"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread on 127.0.0.1 (port chosen by the kernel)."""
    try:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    except Exception as error:  # no silent skip: the S3 tests must run
        pytest.fail(f"moto's S3 server could not start: {type(error).__name__}: {error}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def _env(endpoint: str, **extra: str) -> dict[str, str]:
    return {"TRACEOBJECT_EVIDENCE_STORAGE": "s3", f"{P}BUCKET": BUCKET,
            f"{P}ENDPOINT_URL": endpoint, f"{P}REGION": "us-east-1",
            f"{P}ACCESS_KEY_ID": KEY_ID, f"{P}SECRET_ACCESS_KEY": SECRET, **extra}


def _use_store(settings: Any, tmp_path: Path, env: dict[str, str]) -> None:
    settings.INDEX_DIR = tmp_path / "index"
    settings.STORAGES = {**settings.STORAGES, "evidence": evidence_storage(home=tmp_path,
                                                                           env=env)}
    storages._storages.pop("evidence", None)


@pytest.fixture
def bucket(settings: Any, tmp_path: Path, s3_endpoint: str) -> Iterator[Any]:
    """An empty bucket, and the evidence storage pointed at it as the settings would be from
    the environment (key prefix and server-side encryption on)."""
    client = _client(s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    _use_store(settings, tmp_path, _env(s3_endpoint, **{f"{P}PREFIX": PREFIX,
                                                        f"{P}SSE": "AES256"}))
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    storages._storages.pop("evidence", None)


def _objects(client: Any) -> dict[str, bytes]:
    keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET) for item in page.get("Contents", [])]
    return {k: client.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys}


@pytest.fixture
def seized(tmp_path: Path) -> Path:
    root = tmp_path / "seized"
    for i in range(3):
        write_jpeg(root / f"IMG_{i}.jpg", seed=40 + i, size=(400, 300))
    write_jpeg(root / "copy" / "IMG_1_again.jpg", seed=41, size=(400, 300))
    return root


def test_ingest_puts_content_addressed_objects_in_the_bucket(db, bucket, seized, tmp_path):
    summary = ingest([seized], case_ref="S3-1")
    assert (summary.ingested, summary.duplicates, summary.rejected) == (3, 1, [])
    objects = _objects(bucket)
    originals = {hashlib.sha256(p.read_bytes()).hexdigest(): p.read_bytes()
                 for p in seized.rglob("*.jpg")}
    assert len(originals) == 3
    expected = {f"{PREFIX}/{evidence_key(sha)}" for sha in originals}
    expected |= {f"{PREFIX}/{thumb_key(sha)}" for sha in originals}
    assert set(objects) == expected
    for sha, data in originals.items():
        stored = objects[f"{PREFIX}/{evidence_key(sha)}"]
        assert stored == data and hashlib.sha256(stored).hexdigest() == sha
        with Image.open(io.BytesIO(objects[f"{PREFIX}/{thumb_key(sha)}"])) as thumb:
            assert thumb.format == "JPEG"
        head = bucket.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{evidence_key(sha)}")
        assert head["ServerSideEncryption"] == "AES256"
    rows = EvidenceImage.objects.order_by("sha256")
    assert [r.storage_key for r in rows] == sorted(evidence_key(s) for s in originals)
    assert not (tmp_path / "evidence").exists()  # nothing fell back to the local disk


def test_reingest_dedupes_without_writing_and_replaces_a_partial_object(
        db, bucket, seized, monkeypatch):
    ingest([seized], case_ref="S3-1")
    before = _objects(bucket)
    storage = storages["evidence"]
    writes: list[str] = []
    real_save = storage.save

    def counting_save(name: str, content: Any, **kwargs: Any) -> str:
        writes.append(name)
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(storage, "save", counting_save)
    again = ingest([seized], case_ref="S3-2")  # another case: the same images again
    assert (again.ingested, again.duplicates) == (0, 4)
    assert writes == [] and _objects(bucket) == before
    assert EvidenceFile.objects.filter(case__ref="S3-2").count() == 4

    # A killed run left a truncated object for an image whose row was never written.
    image = EvidenceImage.objects.order_by("id").first()
    full = before[f"{PREFIX}/{image.storage_key}"]
    bucket.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{image.storage_key}", Body=full[:100])
    image.files.all().delete()
    image.delete()
    third = ingest([seized], case_ref="S3-3")
    assert third.ingested == 1
    assert writes == [image.storage_key]  # the thumbnail in place was not written again
    assert _objects(bucket)[f"{PREFIX}/{image.storage_key}"] == full


def test_back_office_streams_thumbnails_and_display_images_from_s3(
        client, users, bucket, seized):
    ingest([seized], case_ref="S3-1")
    image = EvidenceImage.objects.order_by("id").first()
    thumb_url = f"/internal/evidence/{image.pk}/thumb.jpg"
    display_url = f"/internal/evidence/{image.pk}/display.jpg"
    assert client.get(thumb_url).status_code == 302  # anonymous: sign-in page
    staff_login(client, users["reviewer"])
    assert client.get(thumb_url).status_code == 403
    staff_login(client, users["investigator"])
    response = client.get(thumb_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == _objects(bucket)[f"{PREFIX}/{image.thumb_key}"]
    response = client.get(display_url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    with Image.open(io.BytesIO(response.content)) as shown:
        assert shown.size == (image.width, image.height)
    # The object gone from the bucket: not found, not a server error.
    bucket.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{image.thumb_key}")
    bucket.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{image.storage_key}")
    assert client.get(thumb_url).status_code == 404
    assert client.get(display_url).status_code == 404


def test_crops_read_the_evidence_from_s3_and_are_stored_there(client, users, bucket, seized):
    ingest([seized], case_ref="S3-1")
    image = EvidenceImage.objects.order_by("id").first()
    crop = crops.crop_create(image=image, rect={"x": 20, "y": 30, "w": 200, "h": 150},
                             redactions=[{"x": 0, "y": 0, "w": 50, "h": 50, "mode": "black"}],
                             user=users["investigator"])
    stored = _objects(bucket)[f"{PREFIX}/{crop.storage_key}"]
    with Image.open(io.BytesIO(stored)) as png:
        assert png.format == "PNG" and png.size == (200, 150)
        assert png.getpixel((10, 10)) == (0, 0, 0)  # the redaction is in the stored pixels
        pixels = png.convert("RGB").tobytes()
    with Image.open(io.BytesIO(crops.crop_png(crop, annotated=False))) as read_back:
        assert read_back.convert("RGB").tobytes() == pixels  # read back from the bucket
    staff_login(client, users["reviewer"])
    response = client.get(f"/internal/crops/{crop.pk}/plain.png")
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.content)) as shown:
        assert shown.size == (200, 150)


def test_store_reads_missing_objects_and_hostile_keys(db, bucket):
    with pytest.raises(FileNotFoundError):
        evidence_read(key="images/00/00/missing")
    assert evidence_open(key="images/00/00/missing") is None
    assert evidence_open(key="") is None
    with pytest.raises(SuspiciousOperation):
        evidence_read(key="../../outside-the-prefix")


def test_a_missing_bucket_is_a_clear_error_and_ingest_changes_nothing(
        db, settings, tmp_path, s3_endpoint, seized):
    _use_store(settings, tmp_path, _env(s3_endpoint, **{f"{P}BUCKET": "no-such-bucket"}))
    try:
        with pytest.raises(EvidenceStoreError, match="bucket 'no-such-bucket'.*does not exist"):
            evidence_store_check()
        with pytest.raises(ValueError, match="evidence store: .*does not exist"):
            ingest([seized], case_ref="S3-1")
        assert not Case.objects.exists() and not EvidenceImage.objects.exists()
        errors = check_evidence_store_reachable(None)
        assert [e.id for e in errors] == ["evidence.E001"]
        assert "does not exist" in errors[0].msg
    finally:
        storages._storages.pop("evidence", None)


def test_an_unreachable_endpoint_is_a_clear_error(db, settings, tmp_path):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _use_store(settings, tmp_path, _env(f"http://127.0.0.1:{port}"))
    try:
        with pytest.raises(EvidenceStoreError, match="cannot reach the endpoint"):
            evidence_store_check()
    finally:
        storages._storages.pop("evidence", None)


def test_refused_credentials_name_what_to_check(bucket, monkeypatch):
    """moto does not check signatures: the server's 403 answer is replayed to the client."""
    from botocore.exceptions import ClientError

    refused = ClientError({"Error": {"Code": "InvalidAccessKeyId", "Message": "no such key"},
                           "ResponseMetadata": {"HTTPStatusCode": 403}}, "HeadBucket")
    client = storages["evidence"].connection.meta.client

    def head_bucket(**kwargs: Any) -> None:
        raise refused

    monkeypatch.setattr(client, "head_bucket", head_bucket)
    with pytest.raises(EvidenceStoreError, match=f"access refused \\(InvalidAccessKeyId\\); "
                                                 f"check {P}ACCESS_KEY_ID"):
        evidence_store_check()


def test_the_bucket_check_passes_when_the_store_works(bucket):
    evidence_store_check()
    assert check_evidence_store_reachable(None) == []


# --- configuration from the environment ---------------------------------------------------

def test_filesystem_is_the_default(tmp_path):
    entry = evidence_storage(home=tmp_path, env={})
    assert entry == {"BACKEND": "django.core.files.storage.FileSystemStorage",
                     "OPTIONS": {"location": str(tmp_path / "evidence")}}


def test_a_complete_s3_configuration(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = _env("https://minio.example.internal:9000/", **{
        f"{P}SECRET_ACCESS_KEY": "", f"{P}SECRET_ACCESS_KEY_FILE": str(secret_file),
        f"{P}SSE": "aws:kms", f"{P}SSE_KMS_KEY_ID": "kms-key-1", f"{P}CA_BUNDLE": str(ca),
        f"{P}PREFIX": "a/b/"})
    entry = evidence_storage(home=tmp_path, env=env)
    options = entry["OPTIONS"]
    assert entry["BACKEND"] == S3_BACKEND
    assert options["bucket_name"] == BUCKET
    assert options["endpoint_url"] == "https://minio.example.internal:9000"
    assert options["addressing_style"] == "path"  # the default with an endpoint
    assert (options["access_key"], options["secret_key"]) == (KEY_ID, SECRET)
    assert options["object_parameters"] == {"ServerSideEncryption": "aws:kms",
                                            "SSEKMSKeyId": "kms-key-1"}
    assert options["verify"] == str(ca) and options["location"] == "a/b"
    # boto3's own credential chain (instance role, profile) when asked for explicitly.
    ambient = {k: v for k, v in _env("").items() if "ACCESS_KEY" not in k}
    ambient[f"{P}AMBIENT_CREDENTIALS"] = "1"
    options = evidence_storage(home=tmp_path, env=ambient)["OPTIONS"]
    assert "access_key" not in options and options["endpoint_url"] is None
    assert options["addressing_style"] == "auto"


@pytest.mark.parametrize(("change", "message"), [
    ({f"{P}BUCKET": ""}, f"needs {P}BUCKET"),
    ({f"{P}ACCESS_KEY_ID": ""}, f"set {P}ACCESS_KEY_ID"),
    ({f"{P}SECRET_ACCESS_KEY": ""}, f"set {P}SECRET_ACCESS_KEY"),
    ({f"{P}ACCESS_KEY_ID": "", f"{P}SECRET_ACCESS_KEY": ""}, "needs credentials"),
    ({f"{P}SECRET_ACCESS_KEY_FILE": "/nonexistent/secret"}, "not both"),
    ({f"{P}SECRET_ACCESS_KEY": "", f"{P}SECRET_ACCESS_KEY_FILE": "/nonexistent/secret"},
     "cannot read"),
    ({f"{P}AMBIENT_CREDENTIALS": "1"}, "do not also set"),
    ({f"{P}AMBIENT_CREDENTIALS": "maybe"}, "must be one of 1/0"),
    ({f"{P}ENDPOINT_URL": "ftp://store.example"}, "http:// or https://"),
    ({f"{P}ENDPOINT_URL": "https://user:pw@store.example"}, "must not contain credentials"),
    ({f"{P}ENDPOINT_URL": "https://"}, "http:// or https://"),
    ({f"{P}ADDRESSING_STYLE": "dns"}, "auto, path, virtual"),
    ({f"{P}SSE": "rot13"}, "none, AES256, aws:kms"),
    ({f"{P}SSE_KMS_KEY_ID": "k"}, "only used with"),
    ({f"{P}PREFIX": "../up"}, "relative key prefix"),
    ({f"{P}PREFIX": "/abs"}, "relative key prefix"),
    ({f"{P}CA_BUNDLE": "/nonexistent/ca.pem"}, "no file at"),
    ({"TRACEOBJECT_EVIDENCE_STORAGE": "storages.backends.s3.S3Storage"}, "filesystem, s3"),
    ({"TRACEOBJECT_EVIDENCE_STORAGE": "filesystem"}, "set but TRACEOBJECT_EVIDENCE_STORAGE"),
])
def test_incomplete_or_contradictory_configuration_is_refused(tmp_path, change, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        evidence_storage(home=tmp_path, env={**_env("http://127.0.0.1:9"), **change})


def test_an_empty_secret_file_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    env = _env("http://127.0.0.1:9", **{f"{P}SECRET_ACCESS_KEY": "",
                                        f"{P}SECRET_ACCESS_KEY_FILE": str(empty)})
    with pytest.raises(ConfigError, match="is empty"):
        evidence_storage(home=tmp_path, env=env)


def test_the_program_does_not_start_with_an_incomplete_s3_configuration(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACEOBJECT_EVIDENCE_", "DATABASE_URL"))}
    env.update(TRACEOBJECT_HOME=str(tmp_path), TRACEOBJECT_EVIDENCE_STORAGE="s3")
    env[f"{P}BUCKET"] = BUCKET
    done = subprocess.run([sys.executable, "-m", "traceobject.cli", "manage", "check"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert f"{P}ACCESS_KEY_ID" in done.stderr and "needs credentials" in done.stderr
