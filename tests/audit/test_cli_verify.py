"""`traceobject audit verify` names the first entry that was changed, removed or moved."""

from __future__ import annotations

import pytest

from traceobject import cli
from traceobject.audit.models import AuditEvent
from traceobject.audit.services import _digest, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    for i in range(6):
        audit_record(actor=None, action="test.action", target=f"tip {i}", data={"n": i})


def _verify(capsys) -> tuple[int, str]:
    code = cli.main(["audit", "verify"])
    return code, capsys.readouterr().out


def test_intact(chain, capsys):
    code, out = _verify(capsys)
    assert code == 0 and "intact: 6 entries" in out


def test_empty_log_is_intact(db, capsys):
    code, out = _verify(capsys)
    assert code == 0 and "0 entries" in out


@pytest.mark.parametrize(("field", "value"), [
    ("actor", "mallory"), ("action", "tip.nothing"), ("target", "tip 99"),
    ("data", {"n": 42}), ("hash", "f" * 64),
])
def test_a_changed_field(chain, capsys, field, value):
    AuditEvent.objects.filter(seq=3).update(**{field: value})
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 3" in out and "2 entries before it" in out


def test_a_changed_time(chain, capsys):
    event = AuditEvent.objects.get(seq=4)
    AuditEvent.objects.filter(seq=4).update(at=event.at.replace(year=event.at.year - 1))
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 4" in out


def test_a_deleted_row(chain, capsys):
    AuditEvent.objects.filter(seq=2).delete()
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 2" in out and "missing" in out


def test_the_first_row_deleted(chain, capsys):
    AuditEvent.objects.filter(seq=1).delete()
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 1" in out


def test_swapped_seq_numbers(chain, capsys):
    a, b = AuditEvent.objects.get(seq=4), AuditEvent.objects.get(seq=5)
    AuditEvent.objects.filter(pk=a.pk).update(seq=-4)
    AuditEvent.objects.filter(pk=b.pk).update(seq=4)
    AuditEvent.objects.filter(pk=a.pk).update(seq=5)
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 4" in out


def test_a_renumbered_tail_after_a_deletion(chain, capsys):
    # Delete entry 3 and shift the rest down to hide the gap: the links give it away.
    AuditEvent.objects.filter(seq=3).delete()
    for seq in (4, 5, 6):
        AuditEvent.objects.filter(seq=seq).update(seq=seq - 1)
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 3" in out


def test_a_forged_entry_with_a_recomputed_hash_breaks_the_next_link(chain, capsys):
    event = AuditEvent.objects.get(seq=5)
    forged = _digest(seq=5, at=event.at.isoformat(), actor="someone", action=event.action,
                     target=event.target, data=event.data, prev_hash=event.prev_hash)
    AuditEvent.objects.filter(seq=5).update(actor="someone", hash=forged)
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 6" in out


def test_an_inserted_row(chain, capsys):
    last = AuditEvent.objects.get(seq=6)
    AuditEvent.objects.filter(seq=6).update(seq=7)
    AuditEvent.objects.create(seq=6, at=last.at, actor="x", action="test.action", target="",
                              data={}, prev_hash=AuditEvent.objects.get(seq=5).hash,
                              hash="0" * 64)
    code, out = _verify(capsys)
    assert code == 1 and "BROKEN at entry 6" in out
