"""An edge whose published pictures live in an S3-compatible bucket (moto's S3 server on a
loopback port, spoken to by the real client): pictures pushed by the core land in the bucket,
the edge serves them while their object is public and stops when it is withdrawn."""

from __future__ import annotations

import urllib.request

import boto3
import pytest

from tests.sync.nodes import http

pytestmark = pytest.mark.slow

BUCKET, KEY_ID, SECRET = "published-test", "AKIDMEDIATEST", "media-test-secret"


@pytest.fixture
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET
                 ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_an_edge_serves_published_pictures_from_a_bucket(make_node, s3_endpoint):
    p = "TRACEOBJECT_MEDIA_S3_"
    edge = make_node("edge", "edge-s3", TRACEOBJECT_MEDIA_STORAGE="s3", **{
        f"{p}BUCKET": BUCKET, f"{p}ENDPOINT_URL": s3_endpoint, f"{p}REGION": "us-east-1",
        f"{p}ACCESS_KEY_ID": KEY_ID, f"{p}SECRET_ACCESS_KEY": SECRET, f"{p}PREFIX": "site"})
    core = make_node("core", "core-s3")
    edge.peers(core)
    core.peers(edge)
    edge.run("migrate")
    core.run("migrate")
    edge.start()
    ref = core.run("publish", "Bag in a bucket")["ref"]
    assert core.run("sync")["reports"][0]["error"] == ""
    item = http("GET", f"{edge.url}api/v1/objects/{ref}")[1]
    url = item["images"][0]["full"]
    with urllib.request.urlopen(edge.url.rstrip("/") + url, timeout=20) as response:  # noqa: S310
        assert response.status == 200 and response.read(3) == b"\xff\xd8\xff"
    keys = [o["Key"] for o in boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET).list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any(k.startswith(f"site/objects/{ref}/") and k.endswith(".webp") for k in keys)
    assert not list((edge.home / "media").rglob("*.jpg"))  # nothing on the edge's disk
    core.run("withdraw", ref)
    core.run("sync")
    assert http("GET", edge.url.rstrip("/") + url)[0] == 404
