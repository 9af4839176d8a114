"""What the core does with a pull reply: stores each well-formed tip and answer once, leaves
malformed ones (and answers whose tip has not come over) at the edge, says what it left."""

from __future__ import annotations

import pytest
from nacl.public import PrivateKey

from traceobject.core import crypto
from traceobject.sync import protocol
from traceobject.sync.core import SyncReport, _store
from traceobject.tips.models import MailboxMessage, Receipt, SealedTip

pytestmark = pytest.mark.django_db


def _tip(edge_id: int, ref: str, **changes):
    key = PrivateKey.generate().public_key
    item = {"id": edge_id, "ref": ref, "sealed": protocol.b64(crypto.seal(key, b"x" * 80)),
            "received_at": "2026-12-06T10:00:00+00:00", "public_status": "received",
            "receipt": {"id": 7, "digest": "ab" * 32, "mailbox_key": protocol.b64(bytes(key)),
                        "created_at": "2026-12-06T10:00:00+00:00"}}
    item.update(changes)
    return item


def test_pulled_tips_are_stored_once(make_object):
    obj = make_object()
    reply = {"tips": [_tip(1, obj.ref), _tip(2, obj.ref)], "answers": []}
    report = SyncReport(edge="e")
    assert sorted(_store("e", reply, report)[0]) == [1, 2]
    assert sorted(_store("e", reply, report)[0]) == [1, 2]  # again: acknowledged, not doubled
    assert SealedTip.objects.filter(origin="e").count() == 2
    assert Receipt.objects.filter(origin="e").count() == 1
    assert report.problems == []


def test_malformed_items_are_left_at_the_edge_and_reported(make_object):
    obj = make_object()
    short_key = _tip(3, obj.ref)
    short_key["receipt"] = {**short_key["receipt"], "mailbox_key": protocol.b64(b"12345")}
    reply = {"tips": [_tip(1, obj.ref, public_status="owned"), _tip(2, obj.ref, sealed="!!"),
                      short_key, _tip(4, "TAO-2099-0001"), _tip(5, obj.ref, id="5"),
                      _tip(6, obj.ref)],
             "answers": [{"id": 9, "tip_id": 99, "sealed": protocol.b64(b"y" * 80),
                          "created_at": None, "receipt": _tip(0, obj.ref)["receipt"]}]}
    report = SyncReport(edge="e")
    tips, answers = _store("e", reply, report)
    assert tips == [6] and answers == []  # the answer's tip is not here yet: next round
    assert SealedTip.objects.filter(origin="e").count() == 1
    assert not MailboxMessage.objects.exists()
    assert len(report.problems) == 5
