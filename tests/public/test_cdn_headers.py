"""Cache headers a CDN in front of the edge relies on: public pages and listings for a few
minutes, pictures too (a withdrawn object leaves the CDN soon), anything personal never."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _cc(response) -> set[str]:
    return {p.strip() for p in response.get("Cache-Control", "").split(",") if p.strip()}


def test_public_pages_and_listings_may_be_kept_by_a_cdn_for_minutes(client, make_object):
    obj = make_object()
    for url in ("/en/", "/en/", f"/en/objects/{obj.ref}/", "/api/v1/objects",
                f"/api/v1/objects/{obj.ref}"):
        response = client.get(url)  # the second gallery request comes from the page cache
        assert response.status_code == 200
        assert {"public", "s-maxage=300", "max-age=60"} <= _cc(response), (url, _cc(response))
        assert not response.cookies


def test_personal_or_missing_answers_are_never_public(client, make_object):
    obj = make_object()
    for url in (f"/en/objects/{obj.ref}/tip/", "/en/mailbox/", "/api/v1/objects/TAO-2099-0001"):
        response = client.get(url)
        assert "public" not in _cc(response), (url, _cc(response))
    receipt = client.post(f"/api/v1/objects/{obj.ref}/tips", {"text": "Sold in Graz"},
                          content_type="application/json")
    assert receipt.status_code == 201 and "public" not in _cc(receipt)


def test_pictures_leave_a_cdn_within_minutes_of_a_withdrawal(client, make_object, users):
    from traceobject.catalog import services as catalog

    obj = make_object()
    url = client.get(f"/api/v1/objects/{obj.ref}").json()["images"][0]["full"]
    response = client.get(url)
    assert response.status_code == 200 and {"public", "s-maxage=300"} <= _cc(response)
    catalog.object_withdraw(obj=obj, user=users["reviewer"], reason="Identified elsewhere.")
    assert client.get(url).status_code == 404
    for bad in ("/media/objects/../keys/secret_key.jpg", "/media/evidence/x.jpg",
                f"/media/objects/{obj.ref}/zz/1.jpg"):
        assert client.get(bad).status_code == 404
