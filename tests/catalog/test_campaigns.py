"""Campaigns: create hidden, launch, end, reorder; administrators only; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from traceobject.audit.models import AuditEvent
from traceobject.catalog import selectors
from traceobject.catalog import services as catalog
from traceobject.catalog.models import Campaign
from traceobject.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def _state(campaign: Campaign) -> tuple:
    row = Campaign.objects.filter(pk=campaign.pk).values().get()
    return tuple(sorted(row.items())), AuditEvent.objects.count()


@pytest.fixture
def admin(users):
    return users["administrator"]


@pytest.fixture
def hidden(admin) -> Campaign:
    return catalog.campaign_create(user=admin, slug="north-sea", is_public=False,
                                   names={"en": "North Sea", "de": "Nordsee"},
                                   descriptions={"en": "Objects found near the coast."})


def _filter_slugs() -> list[str]:
    return [c.slug for c in selectors.campaign_list(language="en")]


def test_a_campaign_is_hidden_until_launched(hidden, admin, make_object, client):
    obj = make_object()
    catalog.object_update(obj=obj, user=obj.created_by, category=obj.category,
                          campaign=hidden, position=0)
    assert "north-sea" not in _filter_slugs()
    assert client.get(f"/en/objects/{obj.ref}/").status_code == 404
    catalog.campaign_launch(campaign=hidden, user=admin)
    assert hidden.is_public and hidden.launched_on == timezone.localdate()
    assert "north-sea" in _filter_slugs()
    assert client.get(f"/en/objects/{obj.ref}/").status_code == 200
    assert AuditEvent.objects.filter(action="campaign.launch", actor="adam").exists()


def test_an_ended_campaign_leaves_the_filter_but_its_objects_stay(hidden, admin,
                                                                  make_object, client):
    catalog.campaign_launch(campaign=hidden, user=admin)
    obj = make_object()
    catalog.object_update(obj=obj, user=obj.created_by, category=obj.category,
                          campaign=hidden, position=0)
    catalog.campaign_end(campaign=hidden, user=admin,
                         on=timezone.localdate() + timedelta(days=3))
    assert "north-sea" in _filter_slugs()  # ends in three days
    catalog.campaign_end(campaign=hidden, user=admin)
    assert selectors.campaign_has_ended(hidden)
    assert "north-sea" not in _filter_slugs()
    assert "North Sea" not in client.get("/en/").content.decode()
    assert client.get(f"/en/objects/{obj.ref}/").status_code == 200
    catalog.campaign_launch(campaign=hidden, user=admin)  # again
    assert hidden.ends_on is None and "north-sea" in _filter_slugs()


def test_campaign_refusals_change_nothing(hidden, admin, users):
    before = _state(hidden)
    for role in ("investigator", "reviewer", "liaison", "auditor", "outsider"):
        for call, kwargs in ((catalog.campaign_launch, {}), (catalog.campaign_end, {}),
                             (catalog.campaign_update, {"names": {"en": "X"}})):
            with pytest.raises(ServiceError) as info:
                call(campaign=hidden, user=users[role], **kwargs)
            assert info.value.status == 403
        with pytest.raises(ServiceError):
            catalog.campaign_create(user=users[role], slug="x", names={"en": "X"})
    with pytest.raises(ServiceError):  # not launched yet
        catalog.campaign_end(campaign=hidden, user=admin)
    for names in ({}, {"de": "Nur Deutsch"}, {"en": "x" * 201}, {"xx": "?", "en": "ok"},
                  {"en": "A\x00B"}, {"en": 5}):
        with pytest.raises(ServiceError):
            catalog.campaign_update(campaign=hidden, user=admin, names=names)
    hidden.refresh_from_db()
    assert _state(hidden) == before
    catalog.campaign_launch(campaign=hidden, user=admin)
    with pytest.raises(ServiceError):  # running already
        catalog.campaign_launch(campaign=hidden, user=admin)
    with pytest.raises(ServiceError):  # before the launch
        catalog.campaign_end(campaign=hidden, user=admin,
                             on=timezone.localdate() - timedelta(days=1))


@pytest.mark.parametrize("slug", ["", "new", "with space", "x" * 65, "ümlaut", "a/b",
                                  "test-campaign"])
def test_bad_or_taken_slugs_are_refused(campaign, admin, slug):
    count = Campaign.objects.count()
    with pytest.raises(ServiceError):
        catalog.campaign_create(user=admin, slug=slug, names={"en": "Name"})
    assert Campaign.objects.count() == count


def test_update_names(hidden, admin):
    catalog.campaign_update(campaign=hidden, user=admin,
                            names={"en": "North Sea coast", "pl": "Morze Północne", "de": ""},
                            descriptions={"en": "New text."})
    hidden.refresh_from_db()
    assert hidden.names == {"en": "North Sea coast", "pl": "Morze Północne"}
    assert hidden.slug == "north-sea"
    assert AuditEvent.objects.get(action="campaign.update").actor == "adam"


def test_reorder(campaign, hidden, admin):
    catalog.campaign_move(campaign=hidden, user=admin, offset=-1)
    order = list(Campaign.objects.order_by("position", "id").values_list("slug", flat=True))
    assert order == ["north-sea", "test-campaign"]
    catalog.campaign_reorder(user=admin, order=[campaign.pk, hidden.pk])
    assert list(Campaign.objects.order_by("position").values_list("slug", flat=True)) == [
        "test-campaign", "north-sea"]
    for order in ([campaign.pk], [campaign.pk, campaign.pk], [campaign.pk, hidden.pk, 0]):
        with pytest.raises(ServiceError):
            catalog.campaign_reorder(user=admin, order=order)
    with pytest.raises(ServiceError):
        catalog.campaign_move(campaign=hidden, user=admin, offset=2)
    assert AuditEvent.objects.filter(action="campaign.reorder").count() == 2
