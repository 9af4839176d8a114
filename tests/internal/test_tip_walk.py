"""The inbox and the tip page (issue 25): the object's picture in each row, rounded arrival
times said as such, "new answer" marks per person, the Forward button (and "forwarded" set
only by forwarding), previous/next following the inbox's view, the triage score explained."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import staff_login
from tests.tips.conftest import tip_make
from traceobject.accounts.services import api_token_create
from traceobject.audit.models import AuditEvent
from traceobject.catalog.models import ObjectImage
from traceobject.core.errors import ServiceError
from traceobject.routing import services as routing
from traceobject.routing.models import Authority
from traceobject.tips import services
from traceobject.tips.models import Direction, Tip, TipMessage, TipReadMark

pytestmark = pytest.mark.django_db

INBOX = "/internal/tips/"


@pytest.fixture
def ivy(client, users):
    staff_login(client, users["investigator"])
    return users["investigator"]


def _html(response) -> str:
    return response.content.decode()


def _answer(tip: Tip, text: str = "Hohe Straße, next to the cathedral.",
            at: datetime | None = None) -> TipMessage:
    """A tipster's answer as the worker opens it into the triage store."""
    return TipMessage.objects.create(tip=tip, direction=Direction.FROM_TIPSTER, text=text,
                                     created_at=at or timezone.now())


def _row(html: str, tip: Tip) -> str:
    match = re.search(r'<tr class="tip-row[^"]*" data-url="/internal/tips/' + str(tip.pk)
                      + r'/[^"]*".*?</tr>', html, re.S)
    assert match, f"no row for tip {tip.pk}"
    return match.group(0)


# 1. The object's picture


def test_each_inbox_row_shows_its_objects_picture(client, ivy, published, make_object):
    other = make_object(title="Red cap")
    first = tip_make(published, "Sold at KAUFHOF in Krakau")
    second = tip_make(other, "A red cap from a shop in Lyon")
    html = _html(client.get(INBOX))
    for tip in (first, second):
        image = ObjectImage.objects.filter(object=tip.object).order_by("position", "id").first()
        src = f"/internal/objects/{tip.object.ref}/images/{image.pk}/{min(image.widths)}.jpg"
        assert f'src="{src}"' in _row(html, tip)
        picture = client.get(src)
        assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    # An object's own inbox shows its picture once, by the heading.
    own = _html(client.get(f"/internal/objects/{published.ref}/tips/"))
    assert f"The published picture of {published.ref}" in own
    assert own.count('class="tip-thumb"') == 1


def test_pictures_cost_one_query_for_the_page(client, ivy, published, make_object):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    tip_make(published, "one tip")
    queries()
    few = queries()
    for n in range(6):
        obj = make_object(title=f"Object {n}")
        tip_make(obj, f"Seen in a shop in Berlin, number {n}")
    assert queries() == few


def test_an_object_without_a_picture_shows_none(client, ivy, make_object):
    bare = make_object(title="No picture", image=False)
    tip = tip_make(bare, "Seen in Oslo")
    html = _html(client.get(INBOX))
    assert "tip-thumb" not in _row(html, tip)
    assert client.get(f"/internal/tips/{tip.pk}/").status_code == 200


def test_the_tip_page_shows_the_objects_picture(client, ivy, published):
    tip = tip_make(published, "Sold at KAUFHOF in Krakau")
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert f"The published picture of {published.ref}" in html
    assert f"/internal/objects/{published.ref}/images/" in html


# 2. Rounded times


def test_arrival_times_are_said_to_be_rounded(client, ivy, published):
    tip = tip_make(published, "A bag", received_at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    inbox = _html(client.get(INBOX))
    assert "about 2026-03-02 19:00" in inbox
    assert "rounded to the hour on purpose" in inbox
    assert "Times are shown in UTC" in inbox
    page = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert "about 2026-03-02 19:00" in page
    assert "rounded to the hour to protect the tipster" in page


def test_an_answer_never_shows_before_its_question(client, ivy, published):
    """Stored times can put an answer before its question (the tipster's are rounded to the
    hour); the page keeps the order they were written down in."""
    tip = tip_make(published, "A bag")
    TipMessage.objects.create(tip=tip, direction=Direction.TO_TIPSTER, author=ivy,
                              text="Which street was the store in?",
                              created_at=datetime(2026, 3, 2, 19, 30, tzinfo=UTC))
    _answer(tip, "Hohe Straße.", at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert html.index("Which street was the store in?") < html.index("Hohe Straße.")
    assert "Question by ivy · 2026-03-02 19:30" in html
    assert "about 2026-03-02 19:00" in html


# 3. New answers, per person


def test_new_answer_marks_are_per_person(client, users, published):
    ivy, ian = users["investigator"], users["investigator2"]
    answered = tip_make(published, "Sold at KAUFHOF in Krakau")
    asked = tip_make(published, "A blue bag from a market in Poznań")
    quiet = tip_make(published, "Seen in Oslo")
    _answer(answered)
    TipMessage.objects.create(tip=asked, direction=Direction.TO_TIPSTER, author=ivy,
                              text="Which market?", created_at=timezone.now())

    def marks(user) -> tuple[set[int], str]:
        staff_login(client, user)
        html = _html(client.get(INBOX))
        marked = {tip.pk for tip in (answered, asked, quiet)
                  if "tip-row-new-answer" in _row(html, tip)}
        home = _html(client.get("/internal/"))
        count = re.search(r'id="home-new-answers"><strong>(\d+)</strong>', home)
        assert count
        return marked, count.group(1)

    assert marks(ivy) == ({answered.pk}, "1")
    assert marks(ian) == ({answered.pk}, "1")

    # Ivy opens the tip: the answer is shown as new once, then it is seen, for her only.
    staff_login(client, ivy)
    first = _html(client.get(f"/internal/tips/{answered.pk}/"))
    assert "message-new" in first and "New answer" in first
    again = _html(client.get(f"/internal/tips/{answered.pk}/"))
    assert "message-new" not in again
    assert marks(ivy) == (set(), "0")
    assert marks(ian) == ({answered.pk}, "1")
    assert TipReadMark.objects.filter(tip=answered).count() == 1

    # The filter lists the tips with answers new to the reader.
    staff_login(client, ian)
    listed = _html(client.get(INBOX + "?answers=new"))
    assert f'data-url="/internal/tips/{answered.pk}/' in listed
    assert f'data-url="/internal/tips/{quiet.pk}/' not in listed

    # A further answer is new to both again.
    _answer(answered, "And it was open on Sundays.")
    assert marks(ivy) == ({answered.pk}, "1")
    assert marks(ian) == ({answered.pk}, "1")


def test_the_read_mark_only_moves_forward(published, users):
    ivy = users["investigator"]
    tip = tip_make(published, "A bag")
    later = _answer(tip)
    services.tip_seen(tip=tip, user=ivy, message_id=later.pk)
    services.tip_seen(tip=tip, user=ivy, message_id=later.pk - 1)
    assert TipReadMark.objects.get(tip=tip, user=ivy).seen_message_id == later.pk


def test_the_answers_filter_refuses_other_values(client, ivy, published):
    tip_make(published, "A bag")
    for bad in ("all", "NEW", "new ", "x" * 5000):
        response = client.get(INBOX, {"answers": bad})
        assert response.status_code == 400
        assert "Some filters are not valid" in _html(response)
    # Control characters are refused before any view (core.middleware.RequestInputMiddleware).
    assert client.get(INBOX, {"answers": "new\x00"}).status_code == 400


# 4. Forwarding


def test_the_tip_page_forwards_through_the_forwarding_flow(client, ivy, published):
    tip = tip_make(published, "Sold at KAUFHOF in Krakau", country="PL")
    tip_make(published, "KAUFHOF in Kraków sells it too", country="PL")
    tip.refresh_from_db()
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    link = re.search(r'id="forward-tip" href="([^"]+)"', html)
    assert link and link.group(1) == f"/internal/forwardings/new/?tip={tip.pk}"
    assert f'href="/internal/forwardings/new/?cluster={tip.cluster_id}"' in html
    flow = client.get(link.group(1))
    assert flow.status_code == 200 and "Forward tips to an authority" in _html(flow)
    assert tip.text in _html(flow)


def test_a_closed_tip_offers_no_forward_button(client, ivy, published):
    tip = tip_make(published, "Buy bags", state="spam")
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert 'id="forward-tip"' not in html
    assert "Closed tips cannot be forwarded" in html


def test_forwarded_is_not_offered_as_a_state(client, ivy, published):
    tip = tip_make(published, "A bag")
    page = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert 'name="state" value="forwarded"' not in page and 'value="useful"' in page
    inbox = _html(client.get(INBOX))
    bulk = inbox[inbox.index('id="bulk-state"'):]
    bulk = bulk[:bulk.index("</select>")]
    assert 'value="forwarded"' not in bulk and 'value="spam"' in bulk
    # Filtering by it stays possible.
    assert 'state=forwarded' in inbox


def test_forwarded_set_by_hand_is_refused_everywhere(client, ivy, published):
    tip = tip_make(published, "Sold at KAUFHOF in Krakau")
    tip_make(published, "Sold at KAUFHOF in Krakau!")
    tip.refresh_from_db()
    assert tip.cluster_id is not None
    reason = "only by forwarding it to an authority"

    response = client.post(f"/internal/tips/{tip.pk}/state/", {"state": "forwarded"})
    assert response.status_code == 400 and reason in _html(response)
    response = client.post("/internal/tips/bulk/", {"tip": [tip.pk], "action": "state",
                                                    "state": "forwarded"})
    assert response.status_code == 400 and reason in _html(response)
    response = client.post(f"/internal/tips/clusters/{tip.cluster_id}/state/",
                           {"state": "forwarded"})
    assert response.status_code == 400 and reason in _html(response)
    with pytest.raises(ServiceError) as caught:
        services.tip_state_set(tips=[tip], state="forwarded", user=ivy)
    assert caught.value.code == "forward_to_set" and reason in caught.value.message

    token = api_token_create(user=ivy, name="test")[1]
    response = client.post("/api/internal/v1/tips/triage", data=json.dumps(
        {"tips": [tip.pk], "state": "forwarded"}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "forward_to_set"

    tip.refresh_from_db()
    assert tip.state == "new" and tip.state_changed_at is None
    assert not Tip.objects.filter(state="forwarded").exists()
    assert not AuditEvent.objects.filter(action="tip.state_set").exists()


def test_forwarding_sets_forwarded(published, users):
    ivy = users["investigator"]
    tip = tip_make(published, "Sold at KAUFHOF in Krakau", country="PL")
    authority = Authority.objects.create(country="PL", name="Policja", active=True)
    routing.forwarding_create(tips=[tip], authority=authority, summary="KAUFHOF in Kraków.",
                              user=ivy)
    tip.refresh_from_db()
    assert tip.state == "forwarded"
    event = AuditEvent.objects.get(action="tip.state_set")
    assert event.data["state"] == "forwarded"


# 5. Previous and next


def _tips_by_score(published) -> list[Tip]:
    """Four tips with distinct scores, highest first, and one about another word."""
    texts = [
        "Sold at KAUFHOF in Krakau, see www.torby-sklep.pl, call +48 22 123 45 67, a blue "
        "bag with a white handle that I saw in the shop last summer",
        "Sold at KAUFHOF in Krakau, a blue bag",
        "KAUFHOF bag",
        "kaufhof",
    ]
    made = [tip_make(published, text, country="PL" if n < 2 else "", cluster=False)
            for n, text in enumerate(texts)]
    tip_make(published, "Seen in Oslo at a market", cluster=False)
    ordered = sorted(made, key=lambda t: (-t.score, -t.pk))
    return ordered


def _links(html: str) -> tuple[str | None, str | None]:
    previous = re.search(r'<a href="([^"]+)" rel="prev">', html)
    following = re.search(r'<a href="([^"]+)" rel="next">', html)
    return (previous.group(1).replace("&amp;", "&") if previous else None,
            following.group(1).replace("&amp;", "&") if following else None)


def test_previous_and_next_walk_the_filtered_inbox(client, ivy, published):
    ordered = _tips_by_score(published)
    inbox = _html(client.get(INBOX, {"q": "kaufhof"}))
    first_url = re.search(r'class="tip-open" href="([^"]+)"', inbox).group(1)
    assert first_url == f"/internal/tips/{ordered[0].pk}/?q=kaufhof"

    walked = []
    url: str | None = first_url
    while url:
        walked.append(int(urlsplit(url).path.strip("/").split("/")[-1]))
        html = _html(client.get(url))
        previous, url = _links(html)
        if url:
            assert dict(parse_qsl(urlsplit(url).query)) == {"q": "kaufhof"}
    assert walked == [t.pk for t in ordered]  # the Oslo tip is not in this view

    # Backwards, in the oldest-first order.
    by_age = sorted(ordered, key=lambda t: (t.received_at, t.pk))
    html = _html(client.get(f"/internal/tips/{by_age[-1].pk}/?q=kaufhof&order=oldest"))
    previous, following = _links(html)
    assert following is None
    assert previous == f"/internal/tips/{by_age[-2].pk}/?q=kaufhof&order=oldest"
    assert 'href="/internal/tips/?q=kaufhof&amp;order=oldest"' in html


def test_the_walk_keeps_an_objects_inbox(client, ivy, published, make_object):
    other = make_object(title="Red cap")
    mine = [tip_make(published, "Sold at KAUFHOF in Krakau, blue bag", cluster=False),
            tip_make(published, "kaufhof", cluster=False)]
    tip_make(other, "Sold at KAUFHOF in Krakau, a red cap, www.caps.example.com",
             cluster=False)
    ordered = sorted(mine, key=lambda t: (-t.score, -t.pk))
    html = _html(client.get(f"/internal/objects/{published.ref}/tips/"))
    assert f'href="/internal/tips/{ordered[0].pk}/?object={published.ref}"' in html
    page = _html(client.get(f"/internal/tips/{ordered[0].pk}/?object={published.ref}"))
    previous, following = _links(page)
    assert previous is None
    assert following == f"/internal/tips/{ordered[1].pk}/?object={published.ref}"
    assert f'href="/internal/objects/{published.ref}/tips/"' in page


def test_the_walk_goes_on_after_the_tip_left_the_view(client, ivy, published):
    """Triaging a tip from a "new" view takes it out of the view; the page it comes back to
    still knows what comes next."""
    ordered = _tips_by_score(published)
    middle = ordered[1]
    response = client.post(f"/internal/tips/{middle.pk}/state/",
                           {"state": "useful", "nav": "state=new&q=kaufhof"})
    assert response.status_code == 302
    assert response["Location"] == f"/internal/tips/{middle.pk}/?q=kaufhof&state=new"
    html = _html(client.get(response["Location"]))
    previous, following = _links(html)
    assert previous == f"/internal/tips/{ordered[0].pk}/?q=kaufhof&state=new"
    assert following == f"/internal/tips/{ordered[2].pk}/?q=kaufhof&state=new"


@pytest.mark.parametrize("query", [
    "order=evil", "state=<script>alert(1)</script>", "since=2026-13-45", "cluster=-1",
    "cluster=99999999999999999999999", "object=../../etc/passwd", "object=TAO-2099-9999",
    "assignee=9999999", "country=XX", "q=" + "a" * 5000, "language=%E2%80%AEen",
    "answers=maybe", "q=kaufhof&q=other&order=newest&order=oldest", "q=%ED%A0%80",
])
def test_hostile_views_are_handled_safely(client, ivy, published, query):
    ordered = _tips_by_score(published)
    response = client.get(f"/internal/tips/{ordered[1].pk}/?{query}")
    assert response.status_code == 200
    html = _html(response)
    assert "<script>alert(1)</script>" not in html and "etc/passwd" not in html
    previous, following = _links(html)
    for link in (previous, following):
        assert link is None or re.fullmatch(r"/internal/tips/\d+/(\?[\w=&%.+-]*)?", link)
    if "kaufhof&q=other" not in query and "%ED" not in query:  # the last value counts;
        # undecodable bytes arrive as U+FFFD, a search like any other
        assert "was not valid" in html
        # The whole inbox by score: the Oslo tip takes its place among them.
        assert previous == f"/internal/tips/{ordered[0].pk}/" or previous is None


def test_a_hostile_view_carried_by_a_form_is_dropped(client, ivy, published):
    tip = tip_make(published, "A bag")
    for nav in ("order=evil", "object=../x", "q=" + "a" * 5000, "state=\x00"):
        response = client.post(f"/internal/tips/{tip.pk}/note/", {"text": "Checked.",
                                                                  "nav": nav})
        assert response.status_code == 302
        assert response["Location"] == f"/internal/tips/{tip.pk}/"


# 6. The score explained


def test_the_score_is_explained_part_by_part(client, ivy, published):
    tip = tip_make(published, "Sold at KAUFHOF in Krakau, I saw it in the shop last summer",
                   country="PL", place="Kraków, Rynek")
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    table = html[html.index('class="score-parts"'):]
    table = table[:table.index("</table>")]
    rows = dict(re.findall(r'<tr class="score-part score-part-(\w+)"><th scope="row">[^<]+'
                           r'</th><td class="num">([+-]?[\d.]+)</td>', table))
    assert set(rows) == {"entity", "country", "place", "length"}
    assert rows["country"] == "+1.5" and rows["place"] == "+1.0"
    total = re.search(r'<tfoot><tr><th scope="row">Total</th><td class="num">([\d.-]+)',
                      table).group(1)
    assert float(total) == pytest.approx(tip.score, abs=0.05)
    assert abs(sum(float(v) for v in rows.values()) - tip.score) < 0.2
    assert "A country was chosen in the form or is named in the text." in table


def test_a_spam_score_shows_its_minus_points(client, ivy, published):
    tip = tip_make(published, "www.a.example.com www.b.example.com www.c.example.com "
                              "www.d.example.com")
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert "score-part-links_only" in html and "score-part-many_links" in html
    assert "-3.0" in html and tip.score < 0


def test_a_score_from_an_older_analysis_is_said_to_be_so(client, ivy, published):
    tip = tip_make(published, "Sold at KAUFHOF in Krakau")
    Tip.objects.filter(pk=tip.pk).update(score=tip.score + 5)
    html = _html(client.get(f"/internal/tips/{tip.pk}/"))
    assert "worked out by an earlier version of the analysis" in html


def test_opening_a_tip_writes_only_the_readers_mark_and_the_view(client, users, published):
    """Opening a tip through the walk is reading: nothing is written but the reader's mark
    and the audit log's record of who saw the tip."""
    tip = tip_make(published, "A bag")
    _answer(tip, at=timezone.now() - timedelta(hours=1))
    staff_login(client, users["investigator"])
    before = AuditEvent.objects.count()
    client.get(f"/internal/tips/{tip.pk}/?q=bag")
    added = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.target) for e in added] == [("view.tip", f"tip {tip.pk}")]
    assert TipReadMark.objects.filter(user=users["investigator"], tip=tip).exists()


def test_the_api_keeps_the_conversation_in_written_order(client, published, users):
    ivy = users["investigator"]
    tip = tip_make(published, "A bag")
    TipMessage.objects.create(tip=tip, direction=Direction.TO_TIPSTER, author=ivy,
                              text="Which street?",
                              created_at=datetime(2026, 3, 2, 19, 30, tzinfo=UTC))
    _answer(tip, "Hohe Straße.", at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    token = api_token_create(user=ivy, name="test")[1]
    response = client.get(f"/api/internal/v1/tips/{tip.pk}/messages",
                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [m["text"] for m in response.json()] == ["Which street?", "Hohe Straße."]
