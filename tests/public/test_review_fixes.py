from __future__ import annotations

import pytest

from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject
from traceobject.core.ratelimit import _bucket
from traceobject.tips.models import SealedTip

pytestmark = pytest.mark.django_db


def _image_url(client, obj: TracedObject) -> str:
    folder = obj.images.get().folder
    return f"/media/{folder}/{obj.images.get().widths[0]}.jpg"


def test_images_of_drafts_and_withdrawn_objects_are_not_served(client, make_object, users):
    draft = make_object(publish=False)
    assert client.get(_image_url(client, draft)).status_code == 404
    catalog.object_submit(obj=draft, user=users["investigator"])
    assert client.get(_image_url(client, draft)).status_code == 404
    catalog.object_approve(obj=draft, user=users["reviewer"],
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    assert client.get(_image_url(client, draft)).status_code == 200
    catalog.object_withdraw(obj=draft, user=users["reviewer"], reason="Shows a shop's name.")
    assert client.get(_image_url(client, draft)).status_code == 404


@pytest.mark.parametrize("path", ["objects/../keys/x.jpg", "objects/%2e%2e/x.jpg",
                                  "../traceobject.sqlite3.jpg", "objects/../../etc/passwd.jpg"])
def test_media_paths_outside_objects_are_refused(client, published, path):
    assert client.get(f"/media/{path}").status_code == 404


def test_objects_of_hidden_campaigns_take_no_tips(client, published):
    published.campaign.is_public = False
    published.campaign.save()
    response = client.post(f"/api/v1/objects/{published.ref}/tips", {"text": "I know it"},
                           content_type="application/json")
    assert response.status_code == 404
    assert SealedTip.objects.count() == 0


def test_language_links_carry_only_the_parameters_pages_read(client, published):
    page = client.get("/en/?category=toys&utm=%22%3E%3Cscript%3E&page=1").content.decode()
    assert "/de/?category=toys&amp;page=1" in page
    assert "utm" not in page


def test_ipv6_clients_are_counted_per_64():
    assert _bucket("2001:db8::1") == _bucket("2001:db8::ffff:1") == "2001:db8::/64"
    assert _bucket("2001:db8:0:1::1") != _bucket("2001:db8::1")
    assert _bucket("192.0.2.7") == "192.0.2.7"
    assert _bucket("::ffff:192.0.2.7") == "192.0.2.7"
    assert _bucket("not an address") == "not an address"


def test_references_go_past_9999(campaign, users):
    def create():
        return catalog.object_create(user=users["investigator"], category="other",
                                     texts={"en": {"title": "Mug"}}, year=2031)

    obj = create()
    TracedObject.objects.filter(pk=obj.pk).update(ref="TAO-2031-9999")
    assert create().ref == "TAO-2031-10000"
    assert create().ref == "TAO-2031-10001"


def test_access_log_format_has_no_client_address():
    from traceobject.cli import _server_command

    command = _server_command("127.0.0.1", 8000, 1, 8)
    log_format = command[command.index("--access-logformat") + 1]
    assert "%(h)s" not in log_format and "%(t)s" not in log_format


def test_too_many_query_fields_get_a_400_page_not_a_crash(client, db):
    """The language switcher reads the query string while the 400 page is drawn: a request
    with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS must still get that page."""
    query = "&".join(f"f{n}=1" for n in range(1200))
    response = client.get(f"/en/?{query}")
    assert response.status_code == 400
    assert b"<html" in response.content
