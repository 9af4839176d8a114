"""Re-authentication before sensitive actions."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from tests.accounts.conftest import code_for, device_of, wrong_code
from tests.conftest import STAFF_PASSWORD, staff_login
from traceobject.accounts.models import ApiToken
from traceobject.accounts.reauth import REAUTH_SESSION_KEY, reauth_is_fresh, reauth_required
from traceobject.audit.models import AuditEvent

REAUTH = "/internal/reauth/"


def _make_stale(client, seconds: float = 301) -> None:
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time() - seconds
    session.save()


def test_stale_get_goes_to_reauth_and_fresh_passes(client, users):
    staff_login(client, users["administrator"])
    assert client.get("/internal/users/new/").status_code == 200
    _make_stale(client)
    response = client.get("/internal/users/new/")
    assert response.status_code == 302
    assert response["Location"] == "/internal/reauth/?next=%2Finternal%2Fusers%2Fnew%2F"


def test_stale_post_goes_back_to_the_page_of_the_form(client, users):
    staff_login(client, users["investigator"])
    _make_stale(client)
    response = client.post("/internal/account/tokens/new/", {"name": "script"},
                           HTTP_REFERER="http://testserver/internal/account/tokens/")
    assert response.status_code == 302
    assert response["Location"] == "/internal/reauth/?next=%2Finternal%2Faccount%2Ftokens%2F"
    assert not ApiToken.objects.exists()  # the action was not carried out
    hostile = client.post("/internal/account/tokens/new/", {"name": "script"},
                          HTTP_REFERER="https://evil.example/internal/x/")
    assert hostile["Location"] == \
        "/internal/reauth/?next=%2Finternal%2Faccount%2Ftokens%2Fnew%2F"
    assert not ApiToken.objects.exists()


def test_reauth_page_confirms_and_returns(client, users):
    user = users["investigator"]
    staff_login(client, user)
    _make_stale(client)
    page = client.get(REAUTH + "?next=/internal/account/tokens/")
    assert page.status_code == 200 and b'value="/internal/account/tokens/"' in page.content
    device = device_of(user)
    bad_password = client.post(REAUTH, {"password": "nope", "code": code_for(device),
                                        "next": "/internal/account/tokens/"})
    assert bad_password.status_code == 400
    bad_code = client.post(REAUTH, {"password": STAFF_PASSWORD, "code": wrong_code(device),
                                    "next": "/internal/account/tokens/"})
    assert bad_code.status_code == 400
    assert client.post(REAUTH, {"password": STAFF_PASSWORD}).status_code == 400
    assert time.time() - client.session[REAUTH_SESSION_KEY] > 300
    ok = client.post(REAUTH, {"password": STAFF_PASSWORD, "code": code_for(device),
                              "next": "/internal/account/tokens/"})
    assert ok.status_code == 302 and ok["Location"] == "/internal/account/tokens/"
    assert time.time() - client.session[REAUTH_SESSION_KEY] < 5
    assert client.post("/internal/account/tokens/new/", {"name": "script"}).status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="accounts.reauth", actor="ivy").count() == 1
    assert AuditEvent.objects.filter(action="accounts.signin_failed",
                                     data__stage="reauth").count() == 1


def test_reauth_refuses_a_hostile_next(client, users):
    user = users["investigator"]
    staff_login(client, user)
    ok = client.post(REAUTH, {"password": STAFF_PASSWORD, "code": code_for(device_of(user)),
                              "next": "https://evil.example/"})
    assert ok.status_code == 302 and ok["Location"] == "/internal/"


def test_failed_reauths_lock_and_end_the_session(client, users):
    user = users["investigator"]
    staff_login(client, user)
    statuses = [client.post(REAUTH, {"password": f"guess {i}", "code": "123456"}).status_code
                for i in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    assert client.get("/internal/cases/").status_code == 302  # signed out


def test_reauth_needs_a_full_sign_in(client, users):
    assert client.get(REAUTH)["Location"].startswith("/internal/login/")
    client.force_login(users["investigator"])
    assert client.get(REAUTH)["Location"].startswith("/internal/login/")
    assert client.post(REAUTH, {"password": STAFF_PASSWORD, "code": "1"}).status_code == 302


@pytest.mark.parametrize("data", [
    {"password": "p" * 5000, "code": "123456"},
    {"password": STAFF_PASSWORD, "code": "1" * 50},
    {"password": STAFF_PASSWORD, "code": "<b>1</b>"},
])
def test_reauth_malformed_input(client, users, data):
    staff_login(client, users["investigator"])
    _make_stale(client)
    response = client.post(REAUTH, data)
    assert response.status_code == 400
    assert time.time() - client.session[REAUTH_SESSION_KEY] > 300


def _request(user, at: float | None):
    request = RequestFactory().post("/internal/x/")
    request.session = SessionStore()
    if at is not None:
        request.session[REAUTH_SESSION_KEY] = at
    request.user = user
    user.is_verified = lambda: True
    return request


def test_decorator_and_freshness(users, settings):
    settings.TRACEOBJECT_REAUTH_SECONDS = 60
    calls = []

    @reauth_required
    def view(request):
        calls.append(1)
        return HttpResponse("done")

    user = users["investigator"]
    assert reauth_is_fresh(_request(user, time.time() - 30))
    assert not reauth_is_fresh(_request(user, time.time() - 61))
    assert not reauth_is_fresh(_request(user, None))
    assert not reauth_is_fresh(_request(user, "yesterday"))
    assert not reauth_is_fresh(_request(user, time.time() + 3600))  # from the future
    assert view(_request(user, time.time() - 61)).status_code == 302 and not calls
    assert view(_request(user, time.time() - 30)).content == b"done" and calls == [1]
    anonymous = _request(AnonymousUser(), time.time())
    assert view(anonymous)["Location"].startswith("/internal/login/")
