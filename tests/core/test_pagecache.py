"""The public page cache answers only after the Host header is validated."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_cached_page_is_not_served_for_a_disallowed_host(client, published,
                                                           django_assert_num_queries, method):
    for url in ("/en/", f"/en/objects/{published.ref}/", "/de/identified/"):
        assert getattr(client, method)(url).status_code == 200
        with django_assert_num_queries(0):  # now answered from the cache
            assert getattr(client, method)(url).status_code == 200
        for host in ("evil.example", "evil.example:80", "testserver.evil.example"):
            response = getattr(client, method)(url, HTTP_HOST=host)
            assert response.status_code == 400, (url, host)
            if method == "get":  # the 400 page, in the page's language
                with translation.override(url.split("/")[1]):
                    assert translation.gettext("Bad request").encode() in response.content
                assert b"Where is this bag sold?" not in response.content
                assert "Content-Security-Policy" in response


def test_each_allowed_host_has_its_own_entry(client, published, settings):
    settings.ALLOWED_HOSTS = ["testserver", "tips.example.org"]
    assert client.get("/en/").status_code == 200
    response = client.get("/en/", HTTP_HOST="tips.example.org")
    assert response.status_code == 200
    assert published.ref.encode() in response.content
