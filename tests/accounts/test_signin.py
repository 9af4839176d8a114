"""Sign-in through the views: password, then a TOTP code; lock-out; no user enumeration."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.accounts.conftest import code_for, device_of, sign_in, without_csrf, wrong_code
from tests.conftest import STAFF_PASSWORD, staff_login
from traceobject.accounts.middleware import SEEN_SESSION_KEY
from traceobject.accounts.models import SignInFailure, SignInLock
from traceobject.accounts.reauth import REAUTH_SESSION_KEY
from traceobject.accounts.services import username_digest
from traceobject.audit.models import AuditEvent

LOGIN = "/internal/login/"
CODE = "/internal/login/code/"


def _signed_in(client) -> bool:
    response = client.get("/internal/cases/")
    return response.status_code == 200


def test_full_sign_in_with_password_and_code(client, users):
    assert client.get(LOGIN).status_code == 200
    first = client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    assert first.status_code == 302 and first["Location"] == CODE
    # The password alone signs nobody in.
    assert not _signed_in(client)
    assert client.get(CODE).status_code == 200
    before = client.cookies["sessionid"].value
    done = client.post(CODE, {"code": code_for(device_of(users["investigator"]))})
    assert done.status_code == 302 and done["Location"] == "/internal/"
    assert client.cookies["sessionid"].value != before  # the session was rotated
    assert _signed_in(client)
    assert time.time() - client.session[REAUTH_SESSION_KEY] < 5
    event = AuditEvent.objects.get(action="accounts.signin")
    assert event.actor == "ivy" and event.target == f"user {users['investigator'].pk}"
    assert STAFF_PASSWORD not in str(AuditEvent.objects.values_list("data", flat=True))
    users["investigator"].refresh_from_db()
    assert users["investigator"].last_login is not None


def test_next_is_followed_on_this_site_only(client, users):
    done = sign_in(client, "ivy", next_path="/internal/cases/")
    assert done["Location"] == "/internal/cases/"
    client.post("/internal/logout/")
    hostile = sign_in(client, "ivy", next_path="https://evil.example/x",
                      code=code_for(device_of(users["investigator"]), steps_ahead=1))
    assert hostile["Location"] == "/internal/"


def test_signed_in_user_is_sent_on_from_the_login_page(client, users):
    staff_login(client, users["investigator"])
    response = client.get(LOGIN + "?next=/internal/cases/")
    assert response.status_code == 302 and response["Location"] == "/internal/cases/"


def test_wrong_code_then_right_code(client, users):
    device = device_of(users["investigator"])
    client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    bad = client.post(CODE, {"code": wrong_code(device)})
    assert bad.status_code == 400 and b"Wrong user name, password or code." in bad.content
    assert not _signed_in(client)
    assert client.post(CODE, {"code": "12ab56"}).status_code == 400
    assert client.post(CODE, {"code": "9" * 5000}).status_code == 400
    assert client.post(CODE, {}).status_code == 400
    assert not _signed_in(client)
    assert client.post(CODE, {"code": code_for(device)}).status_code == 302
    assert _signed_in(client)
    assert SignInFailure.objects.count() == 0  # a success clears the failures
    assert AuditEvent.objects.filter(action="accounts.signin_failed",
                                     data__stage="code").count() == 4


def test_a_code_is_accepted_only_once(client, users):
    device = device_of(users["investigator"])
    code = code_for(device)
    assert sign_in(client, "ivy", code=code).status_code == 302
    client.post("/internal/logout/")
    assert not _signed_in(client)
    replay = sign_in(client, "ivy", code=code)
    assert replay.status_code == 400
    assert not _signed_in(client)
    # The code of the next time step is fine.
    assert client.post(CODE, {"code": code_for(device, steps_ahead=1)}).status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(client, users):
    users["reviewer"].is_active = False
    users["reviewer"].save()
    answers = []
    for username, password in (("ivy", "wrong password"), ("nobody-here", "wrong password"),
                               ("rita", STAFF_PASSWORD)):  # rita is deactivated
        response = client.post(LOGIN, {"username": username, "password": password})
        answers.append((response.status_code, without_csrf(response.content)))
        assert b"Wrong user name, password or code." in response.content
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400
    failures = AuditEvent.objects.filter(action="accounts.signin_failed").order_by("seq")
    assert [e.actor for e in failures] == ["ivy", "system", "system"]
    # The unknown name is not written anywhere in the clear.
    assert "nobody-here" not in str(list(AuditEvent.objects.values_list("target", "data")))
    assert not SignInFailure.objects.filter(username_digest__contains="nobody").exists()


def _fail_passwords(client, username: str, n: int) -> list[int]:
    return [client.post(LOGIN, {"username": username, "password": f"wrong {i}"}).status_code
            for i in range(n)]


@pytest.mark.parametrize("username", ["ivy", "nobody-here"])
def test_lock_out_after_five_failures_known_or_not(client, users, username):
    assert _fail_passwords(client, username, 5) == [400, 400, 400, 400, 429]
    locked = client.post(LOGIN, {"username": username, "password": STAFF_PASSWORD})
    assert locked.status_code == 429 and b"blocked for 15 minutes" in locked.content
    assert "traceobject_signin_user" not in client.session
    assert SignInLock.objects.filter(username_digest=username_digest(username)).exists()
    assert AuditEvent.objects.filter(action="accounts.locked").count() == 1


def test_lock_out_answers_alike_for_known_and_unknown_names(client, users):
    known = [client.post(LOGIN, {"username": "ivy", "password": "x"}) for _ in range(6)]
    unknown = [client.post(LOGIN, {"username": "ghost", "password": "x"}) for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert [without_csrf(r.content) for r in known] == [without_csrf(r.content) for r in unknown]


def test_lock_out_expires(client, users):
    _fail_passwords(client, "ivy", 5)
    assert client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD}).status_code == 429
    SignInLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, "ivy").status_code == 302
    assert _signed_in(client)


def test_old_failures_do_not_count(client, users):
    _fail_passwords(client, "ivy", 4)
    SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert _fail_passwords(client, "ivy", 4) == [400] * 4
    assert not SignInLock.objects.exists()
    assert SignInFailure.objects.count() == 4  # the old ones were swept away
    assert sign_in(client, "ivy").status_code == 302


def test_wrong_codes_lock_too(client, users):
    device = device_of(users["investigator"])
    client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    statuses = [client.post(CODE, {"code": wrong_code(device)}).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    # The half-finished sign-in is gone, and the right password no longer helps.
    assert client.get(CODE)["Location"] == LOGIN
    assert client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD}).status_code == 429
    assert not _signed_in(client)


def test_password_and_code_failures_add_up(client, users):
    device = device_of(users["investigator"])
    _fail_passwords(client, "ivy", 3)
    client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    assert client.post(CODE, {"code": wrong_code(device)}).status_code == 400
    assert client.post(CODE, {"code": wrong_code(device)}).status_code == 429


def test_rate_limit_per_client(client, users, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin": (3, 600)}
    statuses = [client.post(LOGIN, {"username": f"user{i}", "password": "x"}).status_code
                for i in range(4)]
    assert statuses == [400, 400, 400, 429]
    limited = client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "traceobject_signin_user" not in client.session


@pytest.mark.parametrize("data", [
    {},
    {"username": "ivy"},
    {"password": STAFF_PASSWORD},
    {"username": "x" * 151, "password": STAFF_PASSWORD},
    {"username": "ivy", "password": "p" * 5000},
    {"username": "ivy\x00", "password": STAFF_PASSWORD},
    {"username": "<script>alert(1)</script>", "password": "x"},
])
def test_malformed_sign_in_input(client, users, data):
    response = client.post(LOGIN, data)
    assert response.status_code == 400
    assert b"<script>alert(1)" not in response.content
    assert "traceobject_signin_user" not in client.session
    assert not _signed_in(client)


def test_code_step_needs_the_password_step_first(client, users):
    assert client.get(CODE)["Location"] == LOGIN
    response = client.post(CODE, {"code": code_for(device_of(users["investigator"]))})
    assert response.status_code == 400 and not _signed_in(client)


def test_password_step_expires(client, users):
    client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    session = client.session
    session["traceobject_signin_at"] = time.time() - 301
    session.save()
    response = client.post(CODE, {"code": code_for(device_of(users["investigator"]))})
    assert response.status_code == 400 and b"took too long" in response.content
    assert not _signed_in(client)


def test_sign_out(client, users):
    staff_login(client, users["investigator"])
    assert client.get("/internal/logout/").status_code == 405
    assert _signed_in(client)
    response = client.post("/internal/logout/")
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="accounts.signout", actor="ivy").exists()


def test_a_password_only_session_reaches_nothing(client, users):
    client.force_login(users["investigator"])  # no second factor in this session
    response = client.get("/internal/cases/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/internal/account/tokens/").status_code == 302
    assert client.get("/internal/reauth/").status_code == 302


def test_idle_timeout(client, users, settings):
    staff_login(client, users["investigator"])
    assert _signed_in(client)
    session = client.session
    session[SEEN_SESSION_KEY] = time.time() - settings.TRACEOBJECT_IDLE_SECONDS - 5
    session.save()
    response = client.get("/internal/cases/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not _signed_in(client)


def test_activity_keeps_the_session(client, users, settings):
    staff_login(client, users["investigator"])
    session = client.session
    session[SEEN_SESSION_KEY] = time.time() - settings.TRACEOBJECT_IDLE_SECONDS + 30
    session.save()
    assert _signed_in(client)
    assert time.time() - client.session[SEEN_SESSION_KEY] < 5


def test_session_settings():
    from django.conf import settings

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.TRACEOBJECT_IDLE_SECONDS < settings.SESSION_COOKIE_AGE


def test_deactivated_user_is_signed_out(client, users):
    staff_login(client, users["investigator"])
    User.objects.filter(pk=users["investigator"].pk).update(is_active=False)
    assert not _signed_in(client)
