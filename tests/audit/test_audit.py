from __future__ import annotations

import pytest

from traceobject.audit.models import AuditEvent
from traceobject.audit.services import audit_record, audit_verify


@pytest.fixture
def chain(db):
    for i in range(5):
        audit_record(actor=None, action="test.action", target=f"object {i}", data={"n": i})
    return list(AuditEvent.objects.order_by("seq"))


def test_intact_chain_verifies(chain):
    result = audit_verify()
    assert result.ok and result.checked == 5
    assert chain[1].prev_hash == chain[0].hash


def test_changed_field_is_detected(chain):
    AuditEvent.objects.filter(seq=3).update(target="something else")
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == 3


def test_changed_data_is_detected(chain):
    AuditEvent.objects.filter(seq=2).update(data={"n": 99})
    assert audit_verify().first_broken_seq == 2


def test_deleted_row_is_detected(chain):
    AuditEvent.objects.filter(seq=4).delete()
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == 4


def test_deleted_last_rows_are_not_detectable_by_the_chain_alone_but_rest_verifies(chain):
    # Truncating the tail leaves a valid shorter chain: the count tells the auditor.
    AuditEvent.objects.filter(seq=5).delete()
    result = audit_verify()
    assert result.ok and result.checked == 4


def test_reordered_rows_are_detected(chain):
    second, third = AuditEvent.objects.get(seq=2), AuditEvent.objects.get(seq=3)
    AuditEvent.objects.filter(pk=second.pk).update(seq=-1)
    AuditEvent.objects.filter(pk=third.pk).update(seq=2)
    AuditEvent.objects.filter(pk=second.pk).update(seq=3)
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == 2


def test_recomputed_hash_without_the_chain_is_detected(chain):
    # An attacker who rewrites an entry and its own hash still breaks the next link.
    from traceobject.audit.services import _digest

    event = AuditEvent.objects.get(seq=2)
    event.target = "forged"
    event.hash = _digest(seq=2, at=event.at.isoformat(), actor=event.actor, action=event.action,
                         target="forged", data=event.data, prev_hash=event.prev_hash)
    event.save()
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == 3


def test_a_view_record_names_every_picture_of_the_fullest_page(db):
    """A video page shows up to 500 keyframes, a case page 120 thumbnails and 240 keyframes:
    each is named; a longer list keeps its first ids and the count of the rest."""
    from traceobject.audit.services import VIEW_LIST_MAX, audit_view_record
    from traceobject.vision.video import VideoLimits

    assert max(VideoLimits().max_keyframes, 120 + 20 * 12) <= VIEW_LIST_MAX
    event = audit_view_record(user=None, what="video", target="video 1",
                              images=list(range(1, 501)))
    assert event.data["images"] == list(range(1, 501)) and "images_more" not in event.data
    event = audit_view_record(user=None, what="video", target="video 2",
                              images=list(range(VIEW_LIST_MAX + 7)))
    assert len(event.data["images"]) == VIEW_LIST_MAX and event.data["images_more"] == 7
    assert audit_verify().ok
