"""The edge's sync endpoint refuses every message it must not apply (forged, tampered,
truncated, replayed, reordered, stale, oversized, for another edge) with a reason and without
changing anything, and applies a good one exactly once."""

from __future__ import annotations

import json
import time

import pytest
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from traceobject.catalog.models import TracedObject
from traceobject.sync import protocol
from traceobject.sync.models import SyncPeer
from traceobject.tips.models import SealedTip

pytestmark = pytest.mark.django_db


@pytest.fixture
def edge(settings, tmp_path):
    """This process answers as the edge "edge-t", which accepts the core "core-t"."""
    core_key = SigningKey.generate()
    settings.ROOT_URLCONF = "traceobject.urls_edge"
    settings.SYNC_NAME = "edge-t"
    settings.SYNC_KEY_FILE = tmp_path / "edge.key"
    settings.SYNC_PEERS_FILE = tmp_path / "peers.json"
    settings.SYNC_PEERS_FILE.write_text(json.dumps({"peers": [
        {"name": "core-t", "keys": [bytes(core_key.verify_key).hex()]}]}))
    return core_key


def _object(ref: str = "TAO-2026-0101", status: str = "published") -> dict:
    return {"ref": ref, "category": "packaging", "status": status, "campaign": None,
            "position": 0, "published_at": "2026-12-01T10:00:00+00:00", "identified_at": None,
            "identified_country": "", "intake_key": bytes(PrivateKey.generate().public_key).hex(),
            "texts": [{"language": "en", "title": "Red carton", "description": "",
                       "questions": ["Where?"], "thank_you": ""}], "images": []}


def _post(client, signed: protocol.Signed, **headers):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.headers.items()}
    extra.update(headers)
    return client.post("/sync/v1/", signed.body, content_type="application/json", **extra)


def _msg(key, seq, kind="push", to="edge-t", sender="core-t", **payload):
    return protocol.sign({"type": kind, "from": sender, "to": to, "seq": seq, **payload}, key)


def test_a_signed_push_is_applied_once_and_its_replay_refused(client, edge):
    signed = _msg(edge, 1, objects=[_object()])
    response = _post(client, signed)
    assert response.status_code == 200
    reply = json.loads(response.content)
    assert reply["re"] == signed.nonce and reply["result"]["objects"] == {"TAO-2026-0101": "ok"}
    assert TracedObject.objects.get(ref="TAO-2026-0101").origin == "core-t"
    assert client.get("/api/v1/objects/TAO-2026-0101").status_code == 200

    again = _post(client, signed)
    assert again.status_code == 409
    assert json.loads(again.content)["error"]["code"] == "sync_replayed"
    assert SyncPeer.objects.get(name="core-t").refused == 1


def test_an_older_sequence_number_is_refused(client, edge):
    assert _post(client, _msg(edge, 5, objects=[_object()])).status_code == 200
    late = _msg(edge, 4, objects=[_object(status="withdrawn")])
    assert _post(client, late).status_code == 409
    assert TracedObject.objects.get(ref="TAO-2026-0101").status == "published"


@pytest.mark.parametrize("attack", ["forged", "tampered", "truncated", "other_edge", "stale",
                                    "oversized", "no_signature", "not_json", "wrong_sender"])
def test_bad_messages_are_refused_and_change_nothing(client, edge, settings, attack):
    signed = _msg(edge, 1, objects=[_object()])
    if attack == "forged":
        signed = _msg(SigningKey.generate(), 1, objects=[_object()])
    elif attack == "tampered":
        signed = protocol.Signed(body=signed.body.replace(b"Red carton", b"Red cartoon"),
                                 headers=signed.headers, nonce=signed.nonce)
    elif attack == "truncated":
        signed = protocol.Signed(body=signed.body[:-20], headers=signed.headers,
                                 nonce=signed.nonce)
    elif attack == "other_edge":
        signed = _msg(edge, 1, to="edge-other", objects=[_object()])
    elif attack == "stale":
        body = json.loads(signed.body)
        body["ts"] = time.time() - 3600
        raw = json.dumps(body).encode()
        import base64

        signed = protocol.Signed(body=raw, headers={
            protocol.KEY_HEADER: protocol.key_id(edge.verify_key),
            protocol.SIGNATURE_HEADER: base64.b64encode(edge.sign(raw).signature).decode()},
            nonce=signed.nonce)
    elif attack == "oversized":
        settings.SYNC_MAX_MESSAGE_BYTES = 64 * 1024
        signed = _msg(edge, 1, objects=[_object()], padding="x" * 70_000)
    elif attack == "no_signature":
        signed = protocol.Signed(body=signed.body, headers={}, nonce=signed.nonce)
    elif attack == "not_json":
        import base64

        raw = b"\xff not json"
        signed = protocol.Signed(body=raw, headers={
            protocol.KEY_HEADER: protocol.key_id(edge.verify_key),
            protocol.SIGNATURE_HEADER: base64.b64encode(edge.sign(raw).signature).decode()},
            nonce="")
    elif attack == "wrong_sender":
        signed = _msg(edge, 1, sender="core-x", objects=[_object()])
    response = _post(client, signed)
    assert response.status_code in (403, 409, 413), response.content
    assert json.loads(response.content)["error"]["code"].startswith("sync_")
    assert not TracedObject.objects.exists()
    # A refused message does not use up its sequence number.
    assert SyncPeer.objects.filter(name="core-t", received_seq__gt=0).count() == 0


def test_a_core_cannot_take_over_another_cores_object_or_read_its_tips(client, edge,
                                                                       settings, tmp_path):
    other = SigningKey.generate()
    settings.SYNC_PEERS_FILE.write_text(json.dumps({"peers": [
        {"name": "core-t", "keys": [bytes(edge.verify_key).hex()]},
        {"name": "core-u", "keys": [bytes(other.verify_key).hex()]}]}))
    assert _post(client, _msg(edge, 1, objects=[_object()])).status_code == 200
    taken = _post(client, _msg(other, 1, sender="core-u",
                               objects=[_object(status="withdrawn")]))
    assert json.loads(taken.content)["result"]["objects"] == {"TAO-2026-0101": "conflict"}
    assert TracedObject.objects.get(ref="TAO-2026-0101").status == "published"
    response = client.post("/api/v1/objects/TAO-2026-0101/tips", {"text": "Sold in Lodz"},
                           content_type="application/json")
    assert response.status_code == 201
    pulled = json.loads(_post(client, _msg(other, 2, kind="pull", sender="core-u",
                                           limit=100)).content)["result"]
    assert pulled["tips"] == []
    pulled = json.loads(_post(client, _msg(edge, 2, kind="pull", limit=100)).content)["result"]
    assert len(pulled["tips"]) == 1
    # Acknowledged by the wrong core: nothing happens; by the owner: the sealed copy goes.
    tip_id = pulled["tips"][0]["id"]
    _post(client, _msg(other, 3, kind="ack", sender="core-u", tips=[tip_id]))
    assert SealedTip.objects.get(id=tip_id).synced_at is None
    _post(client, _msg(edge, 3, kind="ack", tips=[tip_id]))
    tip = SealedTip.objects.get(id=tip_id)
    assert tip.synced_at is not None and bytes(tip.sealed) == b""


def test_malformed_items_in_a_signed_push_change_nothing(client, edge):
    bad = _object()
    bad["images"] = [{"folder": "../../etc", "widths": [100], "width": 1, "height": 1}]
    response = _post(client, _msg(edge, 1, objects=[_object("TAO-2026-0102"), bad]))
    assert response.status_code == 409
    assert not TracedObject.objects.exists()


def test_the_back_office_shows_each_edges_state_and_asks_for_a_sync(client, users, login,
                                                                    settings, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from traceobject.audit.models import AuditEvent

    settings.SYNC_PEERS_FILE = tmp_path / "peers.json"
    settings.SYNC_PEERS_FILE.write_text(json.dumps({"peers": [
        {"name": "public-site", "url": "https://tips.example.org/",
         "keys": [bytes(SigningKey.generate().verify_key).hex()]}]}))
    SyncPeer.objects.create(name="public-site", backlog=42, tips_pulled=7,
                            last_error="edge public-site unreachable: timed out")
    login(users["investigator"])
    page = client.get("/internal/edges/").content.decode()
    assert "public-site" in page and "https://tips.example.org/" in page
    assert "42" in page and "unreachable: timed out" in page
    response = client.post("/internal/edges/")
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path="traceobject.sync.tasks.sync_edges_task").exists()
    assert AuditEvent.objects.filter(action="sync.requested").exists()
    login(users["reviewer"])
    assert client.get("/internal/edges/").status_code == 403


@pytest.mark.parametrize("payload", [
    {"objects": ["not an object"]}, {"objects": [{"ref": "TAO-2026-0001", "status": 3}]},
    {"site": {"campaigns": [{"slug": "x", "names": {}, "position": "many"}]}},
    {"questions": [{"id": 1, "tip_id": 99, "sealed": "!!"}]}, {"statuses": [None]},
    {"objects": {"ref": 1}}, {"site": "text"},
])
def test_signed_but_malformed_items_are_refused_not_errors(client, edge, payload):
    response = _post(client, _msg(edge, 1, **payload))
    assert response.status_code == 409, response.content
    assert json.loads(response.content)["error"]["code"] == "sync_malformed"


def test_during_a_key_rotation_both_keys_of_a_core_are_accepted(client, edge, settings):
    new = SigningKey.generate()
    settings.SYNC_PEERS_FILE.write_text(json.dumps({"peers": [
        {"name": "core-t", "keys": [bytes(edge.verify_key).hex(), bytes(new.verify_key).hex()]}]}))
    assert _post(client, _msg(edge, 1, kind="hello")).status_code == 200
    assert _post(client, _msg(new, 2, kind="hello")).status_code == 200
    # Once the old key is removed from the list, it is refused.
    settings.SYNC_PEERS_FILE.write_text(json.dumps({"peers": [
        {"name": "core-t", "keys": [bytes(new.verify_key).hex()]}]}))
    assert _post(client, _msg(edge, 3, kind="hello")).status_code == 403
    assert _post(client, _msg(new, 4, kind="hello")).status_code == 200
