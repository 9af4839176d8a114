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


# Retention reaches the edge: the core tells it what its purge removed, and its periods.


def _two_tips(client, edge):
    """Two tips on the core's object (the second with an answer from its tipster); the
    receipts."""
    from traceobject.tips import intake

    assert _post(client, _msg(edge, 1, objects=[_object()])).status_code == 200
    receipts = [intake.tip_submit(ref="TAO-2026-0101", tip=intake.tip_validate({"text": text}))
                for text in ("Sold in Lodz", "Sold in Gdansk")]
    intake.mailbox_reply(receipt=receipts[1], text="At the market.")
    return receipts


def test_a_retention_purge_from_the_core_purges_the_tipsters_copies_on_the_edge(client, edge):
    from traceobject.tips.models import MailboxMessage, Receipt

    _two_tips(client, edge)
    first, second = SealedTip.objects.order_by("id")
    question = {"id": 9, "tip_id": second.id, "sealed": protocol.b64(b"q" * 80),
                "created_at": "2026-12-01T10:00:00+00:00"}
    assert _post(client, _msg(edge, 2, questions=[question])).status_code == 200
    assert sorted(MailboxMessage.objects.filter(sealed_tip=second)
                  .values_list("direction", flat=True)) == [
        "from_tipster", "tip_copy", "to_tipster"]

    # Closed past the retention period: its mailbox messages go, the tip's row stays.
    response = _post(client, _msg(edge, 3, purges=[{"tip_id": second.id, "what": "messages"}]))
    assert response.status_code == 200
    assert json.loads(response.content)["result"]["purges"] == [
        {"tip_id": second.id, "what": "messages"}]
    assert not MailboxMessage.objects.filter(sealed_tip=second).exists()
    assert SealedTip.objects.filter(id=second.id).exists()
    assert MailboxMessage.objects.filter(sealed_tip=first, direction="tip_copy").count() == 1

    # Spam: the whole tip goes, and its receipt with it (no tip left on it); told twice, the
    # second time changes nothing and is confirmed all the same.
    for seq in (4, 5):
        response = _post(client, _msg(edge, seq, purges=[{"tip_id": first.id, "what": "tip"}]))
        assert json.loads(response.content)["result"]["purges"] == [
            {"tip_id": first.id, "what": "tip"}]
    assert list(SealedTip.objects.values_list("id", flat=True)) == [second.id]
    assert list(Receipt.objects.values_list("id", flat=True)) == [second.receipt_id]
    assert not MailboxMessage.objects.filter(receipt_id=first.receipt_id).exists()


def test_a_core_cannot_purge_another_cores_tips(client, edge, settings):
    from traceobject.tips.models import MailboxMessage

    other = SigningKey.generate()
    settings.SYNC_PEERS_FILE.write_text(json.dumps({"peers": [
        {"name": "core-t", "keys": [bytes(edge.verify_key).hex()]},
        {"name": "core-u", "keys": [bytes(other.verify_key).hex()]}]}))
    _two_tips(client, edge)
    before = MailboxMessage.objects.count()
    tips = list(SealedTip.objects.values_list("id", flat=True))
    response = _post(client, _msg(other, 1, sender="core-u", purges=[
        {"tip_id": i, "what": "tip"} for i in tips]))
    assert response.status_code == 200
    assert SealedTip.objects.count() == 2 and MailboxMessage.objects.count() == before


@pytest.mark.parametrize("purges", [
    [{"tip_id": 1, "what": "everything"}], [{"tip_id": "1", "what": "tip"}], [None],
    {"tip_id": 1, "what": "tip"}, [{"tip_id": 1, "what": "messages"}] * 501,
])
def test_malformed_purges_are_refused_and_purge_nothing(client, edge, purges):
    from traceobject.tips.models import MailboxMessage

    _two_tips(client, edge)
    before = (SealedTip.objects.count(), MailboxMessage.objects.count())
    first = SealedTip.objects.order_by("id").first()
    good = [{"tip_id": first.id, "what": "tip"}]
    response = _post(client, _msg(edge, 2, purges=good + purges if isinstance(purges, list)
                                  else purges))
    assert response.status_code == 409
    assert json.loads(response.content)["error"]["code"] == "sync_malformed"
    assert (SealedTip.objects.count(), MailboxMessage.objects.count()) == before


def test_the_edges_privacy_notice_states_its_cores_retention_periods(client, edge, settings):
    settings.EDGE = True
    settings.TRACEOBJECT_RETENTION_DAYS = 180

    def notice() -> str:
        import html
        import re

        text = re.sub(r"\s+", " ", html.unescape(client.get("/en/privacy/").content.decode()))
        return text

    assert "180 days" in notice()
    site = {"campaigns": [], "figures": {},
            "retention": {"days": 90, "spam_days": 14, "export_days": 7}}
    assert _post(client, _msg(edge, 1, site=site)).status_code == 200
    told = notice()
    assert "90 days" in told and "14 days" in told and "180 days" not in told
    for bad in ({"days": 0, "spam_days": 14, "export_days": 7}, {"days": 90},
                {"days": True, "spam_days": 14, "export_days": 7}, [90, 14, 7]):
        refused = _post(client, _msg(edge, 2, site={**site, "retention": bad}))
        assert refused.status_code == 409
    assert "90 days" in notice()
    # A core of an older version sends no periods: the notice keeps what it was told.
    assert _post(client, _msg(edge, 2, site={"campaigns": [], "figures": {}})).status_code == 200
    assert "90 days" in notice()
