"""`next` and Referer handling never sends a browser to another host (security review)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tests.accounts.conftest import code_for, device_of
from tests.conftest import STAFF_PASSWORD, staff_login
from traceobject.accounts.reauth import safe_next

HOSTILE = [
    "http://testserver//evil.example/",  # same host, but the path is protocol-relative
    "http://testserver///evil.example/x",
    "http://testserver/\\evil.example/",
    "http://testserver/\\/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/internal/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("candidate", HOSTILE)
def test_safe_next_refuses_other_hosts(candidate):
    request = RequestFactory().get("/")
    assert safe_next(request, candidate, "/fallback/") == "/fallback/"


def test_safe_next_keeps_local_paths():
    request = RequestFactory().get("/")
    assert safe_next(request, "/internal/tips/?state=new", "/x/") == "/internal/tips/?state=new"
    assert safe_next(request, "http://testserver/internal/tips/", "/x/") == "/internal/tips/"


@pytest.mark.parametrize("candidate", HOSTILE[:4])
def test_signed_in_login_page_does_not_redirect_away(client, users, candidate):
    staff_login(client, users["investigator"])
    response = client.get("/internal/login/", {"next": candidate})
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")
    assert "evil.example" not in response["Location"]


def test_sign_in_with_hostile_next_lands_on_this_site(client, users):
    user = users["investigator"]
    first = client.post("/internal/login/", {"username": user.username,
                                             "password": STAFF_PASSWORD,
                                             "next": "http://testserver//evil.example/"})
    assert first.status_code == 302
    done = client.post("/internal/login/code/", {"code": code_for(device_of(user))})
    assert done.status_code == 302
    assert "evil.example" not in done["Location"]
    assert done["Location"].startswith("/") and not done["Location"].startswith("//")


def test_reauth_with_hostile_next_lands_on_this_site(client, users):
    user = users["investigator"]
    staff_login(client, user)
    response = client.post("/internal/reauth/", {
        "password": STAFF_PASSWORD, "code": code_for(device_of(user), steps_ahead=1),
        "next": "http://testserver//evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
