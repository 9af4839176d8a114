"""Tip clues: weighted by triage state, a cluster of near-duplicates counts once, read once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from traceobject.clues import estimates
from traceobject.clues.models import CLUE_READER, ClueRecord, ClueScan, Source
from traceobject.clues.selectors import object_country_ranking
from traceobject.clues.tasks import object_estimate_task
from traceobject.tips.models import Tip

pytestmark = pytest.mark.django_db


def _p(obj, code: str) -> float:
    return dict(object_country_ranking(obj)).get(code, 0.0)


def test_spam_is_ignored(published, make_tip):
    for _ in range(6):
        make_tip(published, "Das gibt es in jedem Laden in Berlin.", country="DE", state="spam")
    make_tip(published, "I bought it in Kraków.", country="PL", state="useful")
    estimate = estimates.object_estimate_refresh(obj=published)
    assert estimate.best == "PL"
    assert _p(published, "DE") < 0.01
    assert estimate.ignored_count > 0
    summary = next(r for r in estimate.reasons if "tip" in r)
    assert "1 tip say" in summary and "not counted" in summary


def test_useful_tips_count_most(published, make_tip):
    make_tip(published, "Sold everywhere in Czechia.", country="CZ", state="new")
    make_tip(published, "Seen in Prague.", country="CZ", state="not_useful")
    make_tip(published, "I bought it in Kraków.", country="PL", state="useful")
    estimates.object_estimate_refresh(obj=published)
    assert object_country_ranking(published)[0][0] == "PL"
    assert _p(published, "PL") > _p(published, "CZ") > 0.01


def test_forwarded_tips_count_as_useful(published, make_tip):
    make_tip(published, "It is from a shop in Lisbon.", country="PT", state="forwarded")
    make_tip(published, "Sold everywhere in Czechia.", country="CZ", state="new")
    estimates.object_estimate_refresh(obj=published)
    assert object_country_ranking(published)[0][0] == "PT"


def test_a_cluster_of_near_duplicates_counts_once(published, make_tip, make_cluster):
    cluster = make_cluster(published)
    copies = [make_tip(published, "This bag is from Czechia, sold in Brno.", country="CZ",
                       cluster=cluster) for _ in range(12)]
    for city in ("Kraków", "Gdańsk", "Poznań"):
        make_tip(published, f"I saw this bag in {city}.", country="PL")
    estimate = estimates.object_estimate_refresh(obj=published)
    assert estimate.best == "PL", estimate.reasons
    assert any("after merging near-duplicates" in r for r in estimate.reasons)
    # the same tips without the cluster: twelve voices outweigh three
    Tip.objects.filter(pk__in=[t.pk for t in copies]).update(cluster=None)
    assert estimates.object_estimate_refresh(obj=published).best == "CZ"


def test_tips_are_read_once_and_reweighted_when_their_state_changes(published, make_tip):
    tip = make_tip(published, "Bought it at a market in Lyon.", country="FR", state="useful",
                   language="fr")
    make_tip(published, "Maybe Spain?", country="ES", state="new")
    assert estimates.object_estimate_refresh(obj=published).best == "FR"
    rows = ClueRecord.objects.filter(tip=tip)
    assert rows.count() >= 2 and all(r.source == Source.TIP for r in rows)
    assert ClueScan.objects.filter(tip__object=published).count() == 2
    stored = {r.pk: r.payload["weight"] for r in rows}

    Tip.objects.filter(pk=tip.pk).update(state="spam")
    assert estimates.object_estimate_refresh(obj=published).best == "ES"
    # nothing was read again, nothing rewritten: the state is applied when fusing
    assert {r.pk: r.payload["weight"] for r in ClueRecord.objects.filter(tip=tip)} == stored
    assert ClueScan.objects.count() == 2


def test_a_tip_naming_no_country_is_read_once_too(published, make_tip):
    make_tip(published, "No idea, sorry!!! 🙂")
    make_tip(published, "\x01\x02 binary junk \ufffd\ufffd" * 50)  # (PostgreSQL holds no NUL)
    estimate = estimates.object_estimate_refresh(obj=published)
    assert estimate.best == "" and object_country_ranking(published) == []
    assert ClueScan.objects.count() == 2
    estimates.object_estimate_refresh(obj=published)
    assert ClueScan.objects.count() == 2


def test_recompute_is_scheduled_once_per_object_and_window(
        published, make_object, django_capture_on_commit_callbacks):
    other = make_object(title="Other")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(5):
            estimates.object_estimate_schedule(object_id=published.pk)
        estimates.object_estimate_schedule(object_id=other.pk)
    tasks = [t for t in DBTaskResult.objects.all()
             if t.task_path.endswith("object_estimate_task")]
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted([published.pk, other.pk])
    assert all(t.run_after is not None and t.run_after > t.enqueued_at for t in tasks)
    # nothing is queued before the transaction commits
    with django_capture_on_commit_callbacks(execute=False):
        estimates.object_estimate_schedule(object_id=published.pk)
    assert DBTaskResult.objects.count() == 2


def test_the_task_recomputes_and_tolerates_a_missing_object(published, make_tip):
    make_tip(published, "Sold in Vienna.", country="AT", state="useful")
    assert object_estimate_task.call(published.pk) == "AT"
    assert object_estimate_task.call(10**9) == ""


def test_tips_an_older_reader_read_are_read_again(published, make_tip):
    """A tip's clues stored by an older reader (a tip's language counted against the
    countries not writing it) are forgotten and read again on the next estimate; tips the
    current reader read are left alone."""
    old = make_tip(published, "I think it comes from a shop in Kraków.", country="PL",
                   state="useful", language="en")
    fresh = make_tip(published, "Seen in Gdańsk.", country="PL", state="useful")
    estimates.object_estimate_refresh(obj=published)
    assert set(ClueScan.objects.values_list("reader", flat=True)) == {CLUE_READER}
    kept = set(ClueRecord.objects.filter(tip=fresh).values_list("pk", flat=True))
    # as the first reader stored it: the language against every country not writing it
    language = ClueRecord.objects.get(tip=old, kind="tip_language")
    language.payload = {**language.payload, "likelihoods": {"GB": 1.0}, "floor": 0.01}
    language.save()
    ClueScan.objects.filter(tip=old).update(reader=CLUE_READER - 1)
    ClueRecord.objects.create(source=Source.TIP, tip=old, kind="tip_country",
                              payload={**language.payload, "kind": "tip_country"})

    estimate = estimates.object_estimate_refresh(obj=published)
    assert estimate.best == "PL"
    scan = ClueScan.objects.get(tip=old)
    assert scan.reader == CLUE_READER
    rows = ClueRecord.objects.filter(tip=old)
    assert rows.count() == scan.clue_count  # the stale rows are gone, not added to
    assert rows.get(kind="tip_language").payload["floor"] != 0.01
    assert set(ClueRecord.objects.filter(tip=fresh).values_list("pk", flat=True)) == kept
