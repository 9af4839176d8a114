"""Each person chooses the time zone the back office shows times in (My settings); without a
choice, settings.TIME_ZONE. Hostile values are refused and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_staff
from tests.tips.conftest import tip_make
from traceobject.accounts import services
from traceobject.accounts.models import StaffProfile
from traceobject.accounts.zones import time_zone_choices
from traceobject.audit.models import AuditEvent
from traceobject.core.errors import ServiceError

pytestmark = pytest.mark.django_db

SETTINGS = "/internal/account/"


def test_choices_are_real_zone_names_without_legacy_aliases():
    choices = time_zone_choices()
    assert "Europe/Warsaw" in choices and "Asia/Kolkata" in choices and "UTC" in choices
    assert not any(name.startswith(("posix/", "right/", "Etc/")) for name in choices)
    assert "EST5EDT" not in choices and list(choices) == sorted(choices)


def test_a_person_chooses_a_time_zone_and_the_inbox_follows(client, login, published, users):
    tip = tip_make(published, "Sold at KAUFHOF in Krakau",
                   received_at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    ivy = users["investigator"]
    login(ivy)
    page = client.get(reverse("internal:tips")).content.decode()
    assert "about 2026-03-02 19:00" in page and "Times are shown in UTC" in page

    saved = client.post(SETTINGS, {"time_zone": "Asia/Kolkata"})
    assert saved.status_code == 303 and saved["Location"].endswith("?saved=1")
    assert StaffProfile.objects.get(user=ivy).time_zone == "Asia/Kolkata"
    page = client.get(reverse("internal:tips")).content.decode()
    # +05:30: a time rounded to the hour in UTC is not on the hour there.
    assert "about 2026-03-03 00:30" in page and "Times are shown in Asia/Kolkata" in page
    tip_page = client.get(reverse("internal:tip", args=[tip.pk])).content.decode()
    assert "about 2026-03-03 00:30" in tip_page
    assert "rounded to the hour to protect the tipster" in tip_page
    settings_page = client.get(SETTINGS).content.decode()
    assert '<option value="Asia/Kolkata" selected>' in settings_page

    # Back to the default; one audit event per change, none for saving the same again.
    client.post(SETTINGS, {"time_zone": ""})
    client.post(SETTINGS, {"time_zone": ""})
    assert "about 2026-03-02 19:00" in client.get(reverse("internal:tips")).content.decode()
    events = list(AuditEvent.objects.filter(action="accounts.time_zone_set")
                  .values_list("data", flat=True))
    assert events == [{"time_zone": "Asia/Kolkata"}, {"time_zone": "default"}]


def test_one_persons_zone_is_not_anothers_and_does_not_outlive_the_request(
        client, login, published, users):
    tip_make(published, "A bag from Poznań", received_at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    ivy = users["investigator"]
    services.staff_time_zone_set(user=ivy, time_zone="America/New_York")
    login(ivy)
    assert "about 2026-03-02 14:00" in client.get(reverse("internal:tips")).content.decode()
    # The zone was active for that request only.
    assert timezone.get_current_timezone_name() == "UTC"
    client.logout()
    login(users["investigator2"])
    assert "about 2026-03-02 19:00" in client.get(reverse("internal:tips")).content.decode()


def test_the_choice_is_read_again_in_a_new_session(client, login, published, users):
    tip_make(published, "A bag", received_at=datetime(2026, 7, 2, 19, 0, tzinfo=UTC))
    ivy = users["investigator"]
    services.staff_time_zone_set(user=ivy, time_zone="Europe/Warsaw")
    login(ivy)
    assert "about 2026-07-02 21:00" in client.get(reverse("internal:tips")).content.decode()


@pytest.mark.parametrize("bad", [
    "Mars/Olympus_Mons", "europe/warsaw", "Europe/Warsaw\x00", "../../../etc/passwd",
    "/etc/localtime", "Europe/" + "W" * 5000, " UTC", "EST5EDT", "posix/Europe/Warsaw",
    "Etc/GMT+3", "<script>alert(1)</script>",
])
def test_a_zone_not_offered_is_refused_and_changes_nothing(client, login, bad):
    ivy = make_staff("ivy", "investigator")
    services.staff_time_zone_set(user=ivy, time_zone="Europe/Lisbon")
    login(ivy)
    before = AuditEvent.objects.count()
    response = client.post(SETTINGS, {"time_zone": bad})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert StaffProfile.objects.get(user=ivy).time_zone == "Europe/Lisbon"
    assert AuditEvent.objects.count() == before
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize("bad", [None, 7, ["UTC"], "Nowhere/Town", "utc", "x" * 100])
def test_the_service_refuses_what_is_not_a_zone(bad):
    ivy = make_staff("ivy", "investigator")
    with pytest.raises(ServiceError) as caught:
        services.staff_time_zone_set(user=ivy, time_zone=bad)
    assert caught.value.code == "invalid_time_zone"
    assert caught.value.fields == {"time_zone": caught.value.message}
    assert not StaffProfile.objects.filter(user=ivy, time_zone__gt="").exists()
    assert not AuditEvent.objects.filter(action="accounts.time_zone_set").exists()


def test_a_stale_session_value_is_ignored(client, login, published, users):
    """A zone name in the session that is not (or no longer) offered shows the default."""
    tip_make(published, "A bag", received_at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    ivy = users["investigator"]
    login(ivy)
    session = client.session
    session["traceobject_time_zone"] = "Not/A_Zone"
    session.save()
    response = client.get(reverse("internal:tips"))
    assert response.status_code == 200
    assert "about 2026-03-02 19:00" in response.content.decode()


def test_saving_the_language_leaves_the_time_zone_alone(client, login):
    ivy = make_staff("ivy", "investigator")
    services.staff_time_zone_set(user=ivy, time_zone="Europe/Warsaw")
    login(ivy)
    assert client.post(SETTINGS, {"language": "de"}).status_code == 303
    profile = StaffProfile.objects.get(user=ivy)
    assert profile.language == "de" and profile.time_zone == "Europe/Warsaw"


def test_the_audit_log_keeps_to_utc_as_its_columns_say(client, login, users):
    """The audit pages label their times UTC (and filter by UTC days): a person's own zone
    does not move them."""
    auditor = users["auditor"]
    services.staff_time_zone_set(user=auditor, time_zone="Asia/Tokyo")  # UTC+9, no DST
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    AuditEvent.objects.filter(pk=event.pk).update(at=datetime(2026, 3, 2, 19, 5, tzinfo=UTC))
    login(auditor)
    page = client.get(reverse("internal:audit")).content.decode()
    assert "2026-03-02 19:05" in page and "2026-03-03 04:05" not in page
    entry = client.get(reverse("internal:audit-entry", args=[event.seq])).content.decode()
    assert "2026-03-02 19:05" in entry
