"""Investigators' tags and notes: validated, audited, fused; refused input changes nothing."""

from __future__ import annotations

import pytest

from traceobject.audit.models import AuditEvent
from traceobject.clues import estimates, investigators
from traceobject.clues.models import ClueRecord, EstimateRecord, Source
from traceobject.clues.selectors import object_country_ranking
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import Case

pytestmark = pytest.mark.django_db


def test_a_tag_is_stored_audited_and_moves_the_estimate(published, users):
    clue = investigators.clue_tag_add(user=users["investigator"], tag="plug", value="G",
                                      obj=published)
    assert clue.source == Source.TAG and clue.kind == "investigator_tag"
    assert clue.object_id == published.pk and clue.created_by == users["investigator"]
    assert "plug = G" in clue.payload["reason"]
    event = AuditEvent.objects.get(action="clue.tag_add")
    assert event.actor == "ivy" and event.target == published.ref
    assert event.data["tag"] == "plug" and event.data["value"] == "G"
    top = [c for c, _p in object_country_ranking(published)[:20]]
    assert "GB" in top and "IE" in top and "DE" not in top


def test_tags_combine_and_language_is_a_tag(published, users):
    user = users["investigator"]
    investigators.clue_tag_add(user=user, tag="plug", value="G", obj=published)
    investigators.clue_tag_add(user=user, tag="driving_side", value="left", obj=published)
    investigators.clue_tag_add(user=user, tag="language", value="mt", obj=published)
    assert object_country_ranking(published)[0][0] == "MT"


def test_a_note_for_and_against(published, users):
    user = users["investigator"]
    investigators.clue_note_add(user=user, country="pl", stance="for",
                                because="the tram in the background is a Pesa Swing",
                                obj=published)
    assert object_country_ranking(published)[0][0] == "PL"
    estimate = EstimateRecord.objects.get(object=published)
    assert estimate.reasons[0].startswith("investigator: for Poland, because the tram")
    investigators.clue_note_add(user=user, country="PL", stance="against",
                                because="the socket is type G", obj=published)
    assert object_country_ranking(published) == [] or \
        dict(object_country_ranking(published))["PL"] < 0.5
    assert AuditEvent.objects.filter(action="clue.note_add").count() == 2


def test_notes_on_a_case(db, users):
    case = Case.objects.create(ref="CASE-N")
    investigators.clue_note_add(user=users["investigator"], country="HU", stance="for",
                                because="Hungarian newspaper on the table", case=case)
    assert EstimateRecord.objects.get(case=case).best == "HU"
    assert AuditEvent.objects.get(action="clue.note_add").target == "case CASE-N"


BAD_TAGS = [
    ("socket colour", "G", "invalid_tag"),     # unknown tag
    ("plug", "Z", "invalid_tag"),              # letter outside A..O
    ("plug", "", "invalid_clue"),              # empty
    ("voltage", "lots", "invalid_tag"),
    ("currency", "XYZ", "invalid_tag"),
    ("language", "klingon", "invalid_tag"),
    ("plug", "G" * 41, "invalid_clue"),        # oversized
    ("plug", "G\x00", "invalid_clue"),          # control character
    ("plug", ["G"], "invalid_clue"),           # not text
    ("x" * 5000, "G", "invalid_clue"),
    ("<script>alert(1)</script>", "G", "invalid_tag"),
]


@pytest.mark.parametrize("tag,value,code", BAD_TAGS)
def test_bad_tags_are_refused_and_change_nothing(published, users, tag, value, code):
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as info:
        investigators.clue_tag_add(user=users["investigator"], tag=tag, value=value, obj=published)
    assert info.value.code == code and info.value.status == 400
    assert not ClueRecord.objects.exists() and AuditEvent.objects.count() == events
    assert not EstimateRecord.objects.exists()


BAD_NOTES = [
    ({"country": "XX"}, "invalid_country"),
    ({"country": "Poland"}, "invalid_clue"),
    ({"country": ""}, "invalid_clue"),
    ({"country": None}, "invalid_clue"),
    ({"stance": "maybe"}, "invalid_clue"),
    ({"stance": None}, "invalid_clue"),
    ({"because": ""}, "invalid_clue"),
    ({"because": "   \n "}, "invalid_clue"),
    ({"because": "x" * (investigators.NOTE_MAX + 1)}, "invalid_clue"),
    ({"because": "bell\x07"}, "invalid_clue"),
    ({"because": 42}, "invalid_clue"),
]


@pytest.mark.parametrize("change,code", BAD_NOTES)
def test_bad_notes_are_refused_and_change_nothing(published, users, change, code):
    note = {"country": "PL", "stance": "for", "because": "a reason", **change}
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as info:
        investigators.clue_note_add(user=users["investigator"], obj=published, **note)
    assert info.value.code == code
    assert not ClueRecord.objects.exists() and AuditEvent.objects.count() == events


def test_a_long_note_at_the_limit_is_accepted_and_spaces_are_folded(published, users):
    because = "a" * (investigators.NOTE_MAX - 2) + " \u00a0 b"
    clue = investigators.clue_note_add(user=users["investigator"], country="PL", stance="for",
                                       because=because, obj=published)
    assert clue.payload["reason"].endswith("a b")


def test_a_note_is_one_line(published, users):
    """A note is one line (core.text.clean_line): a line break is refused, not folded."""
    with pytest.raises(ServiceError) as info:
        investigators.clue_note_add(user=users["investigator"], country="PL", stance="for",
                                    because="made\nin Poland", obj=published)
    assert info.value.fields == {"because": "This must be a single line."}


@pytest.mark.parametrize("role", ["reviewer", "liaison", "auditor", "outsider",
                                  "administrator"])
def test_only_investigators_add_tags_and_notes(published, users, role):
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as info:
        investigators.clue_tag_add(user=users[role], tag="plug", value="G", obj=published)
    assert info.value.status == 403
    with pytest.raises(ServiceError):
        investigators.clue_note_add(user=users[role], country="PL", stance="for", because="x",
                                    obj=published)
    assert not ClueRecord.objects.exists() and AuditEvent.objects.count() == events


def test_a_clue_needs_exactly_one_subject(published, users):
    case = Case.objects.create(ref="C-2")
    for subject in ({}, {"obj": published, "case": case}):
        with pytest.raises(ServiceError) as info:
            investigators.clue_tag_add(user=users["investigator"], tag="plug", value="G", **subject)
        assert info.value.code == "invalid_subject"
    assert not ClueRecord.objects.exists()


def test_deleting_a_clue_recomputes_and_is_audited(published, users, make_tip):
    user = users["investigator"]
    note = investigators.clue_note_add(user=user, country="SE", stance="for", because="IKEA bag",
                                       obj=published)
    assert EstimateRecord.objects.get(object=published).best == "SE"
    investigators.clue_delete(clue=note, user=user)
    assert not ClueRecord.objects.filter(pk=note.pk).exists()
    assert EstimateRecord.objects.get(object=published).best == ""
    event = AuditEvent.objects.get(action="clue.delete")
    assert event.data["source"] == "note" and "Sweden" in event.data["reason"]
    # a tip clue deleted stays deleted: the tip is not read again
    make_tip(published, "Sold in Oslo.", country="NO", state="useful")
    estimates.object_estimate_refresh(obj=published)
    for clue in list(ClueRecord.objects.filter(source=Source.TIP)):
        investigators.clue_delete(clue=clue, user=user)
    assert estimates.object_estimate_refresh(obj=published).best == ""
    stray = ClueRecord.objects.create(object=published, source=Source.NOTE,
                                      kind="investigator_note")
    with pytest.raises(ServiceError):
        investigators.clue_delete(clue=stray, user=users["reviewer"])
