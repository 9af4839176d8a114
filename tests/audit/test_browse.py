"""Browsing the audit log at /internal/audit/ (auditors and administrators)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from tests.conftest import staff_login
from traceobject.audit import services
from traceobject.audit.models import AuditEvent
from traceobject.audit.selectors import AuditFilter, audit_events_filter, audit_page
from traceobject.audit.services import audit_record

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "liaison", "liaison_fr", "reviewer", "investigator",
         "investigator2", "auditor", "administrator"]


def _at(monkeypatch, when: datetime) -> None:
    monkeypatch.setattr(services.timezone, "now", lambda: when)


@pytest.fixture
def log(users, monkeypatch):
    """A small log over three days, by several actors."""
    entries = [
        (datetime(2027, 3, 1, 9, tzinfo=UTC), users["investigator"], "tip.state_set", "tip 1"),
        (datetime(2027, 3, 1, 23, 59, tzinfo=UTC), users["investigator"],
         "tip.contact_reveal", "tip 12"),
        (datetime(2027, 3, 2, 0, 0, tzinfo=UTC), users["reviewer"], "object.approve",
         "object 3"),
        (datetime(2027, 3, 3, 12, tzinfo=UTC), None, "retention.purge", ""),
        (datetime(2027, 3, 3, 13, tzinfo=UTC), users["investigator2"], "tip.state_set",
         "tip 123"),
        (datetime(2027, 3, 3, 14, tzinfo=UTC), users["investigator"], "tipster.thing", "x"),
    ]
    first = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    for when, actor, action, target in entries:
        _at(monkeypatch, when)
        audit_record(actor=actor, action=action, target=target, data={"why": action})
    monkeypatch.undo()
    return {e.action + " " + e.target: e for e in AuditEvent.objects.filter(seq__gt=first)}


def _actions(filters: AuditFilter) -> list[str]:
    return [f"{e.action} {e.target}" for e in audit_events_filter(filters=filters)
            if e.at.year == 2027]


def test_filters(log):
    assert _actions(AuditFilter(actor="ivy")) == [
        "tipster.thing x", "tip.contact_reveal tip 12", "tip.state_set tip 1"]
    assert _actions(AuditFilter(actor="system")) == ["retention.purge "]
    # "tip." is a prefix of tip actions, not of "tipster."; an exact action is exact.
    assert _actions(AuditFilter(action="tip.")) == [
        "tip.state_set tip 123", "tip.contact_reveal tip 12", "tip.state_set tip 1"]
    assert _actions(AuditFilter(action="tip")) == []
    assert _actions(AuditFilter(action="tip.state_set", actor="ian")) == [
        "tip.state_set tip 123"]
    # A target is exact ("tip 12" is not "tip 123"), or a prefix with *.
    assert _actions(AuditFilter(target="tip 12")) == ["tip.contact_reveal tip 12"]
    assert _actions(AuditFilter(target="tip 12*")) == [
        "tip.state_set tip 123", "tip.contact_reveal tip 12"]
    # Dates are whole UTC days, both ends included.
    assert _actions(AuditFilter(since=date(2027, 3, 1), until=date(2027, 3, 1))) == [
        "tip.contact_reveal tip 12", "tip.state_set tip 1"]
    assert _actions(AuditFilter(since=date(2027, 3, 2), until=date(2027, 3, 2))) == [
        "object.approve object 3"]
    assert len(_actions(AuditFilter(since=date(2027, 3, 3)))) == 3
    assert _actions(AuditFilter(until=date(2027, 2, 28))) == []


def test_keyset_pages_newest_first(db):
    for i in range(7):
        audit_record(actor=None, action="test.page", target=f"n {i}")
    filters = AuditFilter(action="test.page")
    first = audit_page(filters=filters, size=3)
    assert [e.target for e in first.events] == ["n 6", "n 5", "n 4"]
    second = audit_page(filters=filters, before=first.older_than, size=3)
    assert [e.target for e in second.events] == ["n 3", "n 2", "n 1"]
    third = audit_page(filters=filters, before=second.older_than, size=3)
    assert [e.target for e in third.events] == ["n 0"] and third.older_than is None


def test_the_page_lists_filters_and_pages(client, users, log):
    staff_login(client, users["auditor"])
    page = client.get("/internal/audit/", {"action": "tip."})
    html = page.content.decode()
    assert page.status_code == 200
    assert "tip 123" in html and "tip 12<" in html and "object 3" not in html
    assert "no-cache" in page["Cache-Control"]
    assert "<script>" not in html and "style=" not in html


def test_the_page_links_to_older_entries_keeping_the_filter(client, users, monkeypatch):
    monkeypatch.setattr("traceobject.audit.selectors.PAGE_SIZE", 2)
    for i in range(5):
        audit_record(actor=None, action="test.page", target=f"n {i}")
    staff_login(client, users["auditor"])
    html = client.get("/internal/audit/", {"action": "test.page"}).content.decode()
    assert "n 4" in html and "n 3" in html and "n 2" not in html
    older = re.search(r'href="\?([^"]*before=\d+[^"]*)"', html)
    assert older is not None
    link = older.group(1).replace("&amp;", "&")
    assert "action=test.page" in link
    html = client.get("/internal/audit/?" + link).content.decode()
    assert "n 2" in html and "n 1" in html and "n 4" not in html
    assert "Newest" in html


@pytest.mark.parametrize("query", [
    {"since": "2027-13-45"},
    {"since": "yesterday"},
    {"until": "0000-00-00"},
    {"since": "2027-03-05", "until": "2027-03-01"},
    {"actor": "x" * 151},
    {"action": "tip." * 500},
    {"target": "t" * 5000},
    {"before": "abc"},
    {"before": "-5"},
    {"before": str(2**80)},
])
def test_bad_filter_input_is_a_clear_error(client, users, log, query):
    staff_login(client, users["auditor"])
    count = AuditEvent.objects.count()
    response = client.get("/internal/audit/", query)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="error"' in html and "Correct the filter" in html
    assert "<td>" not in html  # no entries shown under a filter that was not applied
    assert AuditEvent.objects.count() == count


def test_nul_in_a_filter_is_a_400_page(client, users, log):
    """NUL in a query string is refused before the view (RequestInputMiddleware)."""
    staff_login(client, users["auditor"])
    response = client.get("/internal/audit/", {"actor": "ivy\x00"})
    assert response.status_code == 400
    assert "<td>" not in response.content.decode()


def test_unknown_query_parameters_are_ignored(client, users, log):
    staff_login(client, users["auditor"])
    response = client.get("/internal/audit/", {"order": "DROP TABLE", "page": "x"})
    assert response.status_code == 200 and "tip 123" in response.content.decode()


def test_entry_detail_shows_data_and_hashes(client, users, log):
    event = log["tip.contact_reveal tip 12"]
    staff_login(client, users["auditor"])
    html = client.get(f"/internal/audit/{event.seq}/").content.decode()
    assert event.hash in html and event.prev_hash in html
    assert "&quot;why&quot;: &quot;tip.contact_reveal&quot;" in html
    assert "matches its hash" in html
    assert f"/internal/audit/{event.seq - 1}/" in html
    assert f"/internal/audit/{event.seq + 1}/" in html


def test_entry_detail_of_a_changed_entry_says_so(client, users, log):
    event = log["object.approve object 3"]
    AuditEvent.objects.filter(pk=event.pk).update(target="object 4")
    staff_login(client, users["auditor"])
    html = client.get(f"/internal/audit/{event.seq}/").content.decode()
    assert "does not check out" in html and "it was changed" in html
    # The next entry still checks out on its own: its link uses the stored hash.
    assert "matches its hash" in client.get(f"/internal/audit/{event.seq + 1}/").content.decode()


def test_entry_detail_after_a_deleted_entry_says_the_link_is_broken(client, users, log):
    event = log["object.approve object 3"]
    AuditEvent.objects.filter(seq=event.seq - 1).delete()
    staff_login(client, users["auditor"])
    html = client.get(f"/internal/audit/{event.seq}/").content.decode()
    assert "link to the previous entry does not match" in html


@pytest.mark.parametrize("seq", ["0", "99999999", str(2**63), str(2**200)])
def test_unknown_entries_are_404(client, users, log, seq):
    staff_login(client, users["auditor"])
    assert client.get(f"/internal/audit/{seq}/").status_code == 404


def test_verify_button_walks_the_chain_and_records_the_result(client, users, log):
    staff_login(client, users["auditor"])
    assert "not been verified yet" in client.get("/internal/audit/").content.decode()
    response = client.post("/internal/audit/verify/")
    assert response.status_code == 302 and response["Location"] == "/internal/audit/verify/"
    record = AuditEvent.objects.filter(action="audit.verify").get()
    assert record.actor == "aude" and record.data["ok"] is True
    assert record.data["checked"] == record.seq - 1
    html = client.get("/internal/audit/").content.decode()
    assert "The chain verified." in html and f"{record.seq - 1} entries were intact" in html


def test_verify_finds_the_first_broken_entry(client, users, log):
    broken = log["tip.state_set tip 123"]
    AuditEvent.objects.filter(pk=broken.pk).update(data={"why": "nothing"})
    staff_login(client, users["administrator"])
    client.post("/internal/audit/verify/")
    html = client.get("/internal/audit/verify/").content.decode()
    assert "BROKEN" in html and f"First broken entry: {broken.seq}" in html
    assert f'href="/internal/audit/{broken.seq}/"' in html


def test_only_one_verification_at_a_time(client, users, log):
    from django.core.cache import cache

    cache.add(services.VERIFY_LOCK, 1)
    staff_login(client, users["auditor"])
    response = client.post("/internal/audit/verify/")
    assert response.status_code == 409 and "already running" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.verify").exists()


def test_the_page_does_not_walk_the_chain(client, users, log, monkeypatch):
    def walked() -> None:
        raise AssertionError("the list page must not verify the whole chain")

    monkeypatch.setattr(services, "audit_verify", walked)
    staff_login(client, users["auditor"])
    assert client.get("/internal/audit/").status_code == 200
    assert client.get("/internal/audit/verify/").status_code == 200


def _audit_urls(seq: int) -> list[str]:
    return ["/internal/audit/", f"/internal/audit/{seq}/", "/internal/audit/verify/"]


@pytest.mark.parametrize("role", ROLES)
def test_every_audit_url_against_every_role(client, users, log, role):
    seq = next(iter(log.values())).seq
    allowed = role in {"auditor", "administrator"}
    if role != "anonymous":
        staff_login(client, users[role])
    for url in _audit_urls(seq):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        else:
            assert response.status_code == (200 if allowed else 403), (url, role)
    before = AuditEvent.objects.filter(action="audit.verify").count()
    response = client.post("/internal/audit/verify/")
    assert response.status_code == (302 if allowed or role == "anonymous" else 403)
    assert AuditEvent.objects.filter(action="audit.verify").count() == before + allowed


def test_auditors_see_the_log_and_nothing_else(client, users, published):
    staff_login(client, users["auditor"])
    assert client.get("/internal/audit/").status_code == 200
    home = client.get("/internal/")  # the start page: only the audit log is offered
    assert home.status_code == 200 and b"/internal/audit/" in home.content
    assert b"/internal/tips/" not in home.content and b"/internal/cases/" not in home.content
    for url in ("/internal/cases/", "/internal/exports/",
                "/internal/exports/1/", "/internal/exports/1/download"):
        assert client.get(url).status_code == 403, url


def test_audit_time_is_shown_in_utc(client, users, monkeypatch):
    _at(monkeypatch, datetime(2027, 6, 1, 22, 30, tzinfo=UTC))
    audit_record(actor=None, action="test.tz")
    monkeypatch.undo()
    staff_login(client, users["auditor"])
    assert "2027-06-01 22:30:00" in client.get("/internal/audit/").content.decode()
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize("role", ["investigator", "reviewer", "liaison", "outsider"])
def test_the_verify_service_checks_the_role(users, role):
    from traceobject.core.errors import ServiceError

    with pytest.raises(ServiceError) as info:
        services.audit_verify_record(user=users[role])
    assert info.value.status == 403
    assert not AuditEvent.objects.filter(action="audit.verify").exists()
