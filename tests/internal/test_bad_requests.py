"""Back-office URLs answer bad requests with 400 and the error page, never a 500: a Host
header that is not allowed (refused before the authentication middleware has run) and NUL
characters in the path (PostgreSQL cannot look them up)."""

from __future__ import annotations

import pytest

from tests.conftest import staff_login
from traceobject.evidence.models import Case

INTERNAL = ["/internal/", "/internal/login/", "/internal/tips/", "/internal/cases/",
            "/internal/objects/TAO-2026-0001/country/", "/internal/admin/",
            "/internal/audit/", "/internal/exports/1/status.json"]


@pytest.mark.parametrize("url", [*INTERNAL, "/en/", "/api/v1/objects", "/healthz"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil"])
def test_a_disallowed_host_is_400_on_every_url(client, db, url, host):
    response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 400, (url, response.status_code)


def test_a_disallowed_host_is_400_for_a_signed_in_investigator(client, users):
    staff_login(client, users["investigator"])
    for url in INTERNAL:
        response = client.get(url, HTTP_HOST="evil.example")
        assert response.status_code == 400, url
        assert b"Bad request" in response.content
        response = client.post(url, {"x": "1"}, HTTP_HOST="evil.example")
        assert response.status_code == 400, url


NUL_URLS = ["/internal/cases/X%00/", "/internal/objects/X%00/country/",
            "/internal/cases/X%00/country/", "/internal/cases/%00/",
            "/internal/forwardings/X%00/", "/internal/liaison/X%00/",
            "/internal/objects/TAO-2026-0001%00/", "/internal/objects/X%00/tips/",
            "/internal/tips/?q=a%00b", "/internal/tips/?country=%00",
            "/internal/audit/?actor=%00", "/internal/cases/X/?page=%00"]


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_a_back_office_url_is_a_400_page(client, users, url):
    Case.objects.create(ref="X")
    user = users["administrator"]
    for role in ("investigator", "reviewer", "auditor", "liaison"):
        user.groups.add(*users[role].groups.all())
    staff_login(client, user)
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert b"Bad request" in response.content
    assert client.post(url, {"text": "x"}).status_code == 400
    # signed out alike
    client.logout()
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("url", ["/internal/cases/X/", "/internal/cases/X/country/"])
def test_the_same_urls_without_nul_work(client, users, url):
    Case.objects.create(ref="X")
    staff_login(client, users["investigator"])
    assert client.get(url).status_code == 200
