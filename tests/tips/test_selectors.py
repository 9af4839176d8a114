"""tips.selectors: the inbox's filters, order, counts and query budget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from traceobject.tips import selectors, services
from traceobject.tips.models import Tip

pytestmark = pytest.mark.django_db


def _texts(tips) -> list[str]:
    return [t.text for t in tips]


def test_order_by_score_then_newest_first(published, make_tip) -> None:
    vague = make_tip(published, "I have seen it somewhere.")
    rich = make_tip(published, "Sold at KAUFHOF in Krakau, www.torby-sklep.pl, +48 12 345 67 89",
                    country="PL", place="Kraków")
    empty = make_tip(published, "zzz")
    assert _texts(selectors.inbox()) == [rich.text, vague.text, empty.text]
    Tip.objects.filter(pk=vague.pk).update(received_at=timezone.now() + timedelta(hours=1))
    assert _texts(selectors.inbox(order="newest"))[0] == vague.text
    assert _texts(selectors.inbox(order="oldest"))[-1] == vague.text
    assert _texts(selectors.inbox(order="nonsense"))[0] == rich.text


def test_filters(published, make_object, make_tip, users) -> None:
    other = make_object(title="Red cap")
    now = timezone.now()
    a = make_tip(published, "Sold at KAUFHOF in Krakau", country="PL", language="pl",
                 received_at=now - timedelta(days=3))
    b = make_tip(published, "Gekauft bei LIDL in Berlin", country="DE", language="de",
                 received_at=now)
    c = make_tip(other, "Seen in a Kaufhof in Vienna", language="en", received_at=now)
    Tip.objects.filter(pk=c.pk).update(detected_language="de")
    services.tip_state_set(tips=[b], state="spam", user=None)
    services.tip_assign(tips=[a], assignee=users["investigator"], user=None)

    def ids(**filters) -> set[int]:
        return set(selectors.inbox(**filters).values_list("id", flat=True))

    assert ids(obj=published) == {a.pk, b.pk}
    assert ids(state="spam") == {b.pk}
    assert ids(state=selectors.OPEN) == {a.pk, c.pk}
    assert ids(state=selectors.CLOSED) == {b.pk}
    assert ids(country="pl") == {a.pk}
    assert ids(language="de") == {b.pk, c.pk}  # the detected language wins over the page's
    assert ids(language="en") == set()
    assert ids(since=now.date()) == {b.pk, c.pk}
    assert ids(until=(now - timedelta(days=3)).date()) == {a.pk}
    assert ids(since=date(2000, 1, 1), until=date(2000, 1, 2)) == set()
    assert ids(query="kaufhof") == {a.pk, c.pk}
    assert ids(query="KAUFHOF krakau") == {a.pk}
    assert ids(query="%") == set() and ids(query="_") == set()
    assert ids(assignee=users["investigator"]) == {a.pk}
    assert ids(assignee=users["investigator"].pk) == {a.pk}
    assert ids(assignee="none") == {b.pk, c.pk}


def test_cluster_filter_and_member_ids(published, make_tip) -> None:
    flood = [make_tip(published, "Buy at www.spam-shop.example.com") for _ in range(3)]
    alone = make_tip(published, "Something else entirely")
    cluster = Tip.objects.get(pk=flood[0].pk).cluster
    assert cluster is not None
    assert set(selectors.inbox(cluster=cluster).values_list("id", flat=True)) == {
        t.pk for t in flood}
    assert selectors.cluster_member_ids(tips=[flood[0].pk, alone.pk]) == sorted(
        [t.pk for t in flood] + [alone.pk])


def test_counts_per_state(published, make_tip) -> None:
    tips = [make_tip(published, f"tip {n}") for n in range(5)]
    services.tip_state_set(tips=tips[:2], state="useful", user=None)
    services.tip_state_set(tips=tips[2:3], state="spam", user=None)
    counts = selectors.inbox_state_counts(obj=published, state="spam", order="newest")
    assert counts["new"] == 2 and counts["useful"] == 2 and counts["spam"] == 1
    assert counts["forwarded"] == 0 and set(counts) == {
        "new", "useful", "not_useful", "duplicate", "spam", "off_topic", "forwarded", "closed"}


def test_pages_and_bad_page_numbers(published, make_tip) -> None:
    for n in range(7):
        make_tip(published, f"tip {n}")
    assert len(selectors.inbox_page(page=1, per_page=3).object_list) == 3
    assert selectors.inbox_page(page=999, per_page=3).number == 3
    assert selectors.inbox_page(page="x", per_page=3).number == 1


def test_the_state_counts_give_the_page_count(published, make_tip,
                                              django_assert_num_queries) -> None:
    tips = [make_tip(published, f"tip {n}") for n in range(7)]
    services.tip_state_set(tips=tips[:2], state="spam", user=None)
    services.tip_state_set(tips=tips[2:3], state="useful", user=None)
    counts = selectors.inbox_state_counts(obj=published)
    for state, expected in ((None, 7), ("spam", 2), (selectors.OPEN, 5),
                            (selectors.CLOSED, 2), ("forwarded", 0)):
        total = selectors.state_total(counts, state)
        assert total == expected == selectors.inbox(obj=published, state=state).count()
    with django_assert_num_queries(1):  # the rows only: no COUNT query
        page = selectors.inbox_page(obj=published, state="spam", count=2, per_page=1)
        assert page.paginator.num_pages == 2 and len(page.object_list) == 1


def test_tip_get_refuses_anything_but_an_id(published, make_tip) -> None:
    tip = make_tip(published, "A tip.")
    assert selectors.tip_get(pk=tip.pk) == tip
    for bad in (None, "", "x", -1, 0, 2**70, "1; DROP TABLE"):
        assert selectors.tip_get(pk=bad) is None


def test_a_page_of_the_inbox_is_a_few_queries_whatever_its_size(
        published, make_object, make_tip, users, django_assert_max_num_queries) -> None:
    other = make_object(title="Red cap")
    for n in range(60):
        tip = make_tip(published if n % 2 else other, f"Sold at KAUFHOF in Krakau {n % 3}")
        if n % 4 == 0:
            services.tip_assign(tips=[tip], assignee=users["investigator"], user=None)
    with django_assert_max_num_queries(3):  # count, page, (nothing per row)
        page = selectors.inbox_page(page=1)
        rows = [(t.object.ref, t.cluster.size if t.cluster else 0,
                 t.assigned_to.username if t.assigned_to else "", t.text) for t in page]
    assert len(rows) == selectors.PAGE_SIZE
    with django_assert_max_num_queries(1):
        selectors.inbox_state_counts(obj=published)
