"""Personal API tokens: the page, the keyed hash, TokenAuth for django-ninja."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from tests.conftest import staff_login
from traceobject.accounts import services
from traceobject.accounts.models import ApiToken
from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.accounts.tokens import (
    TokenAuth,
    api_roles_required,
    token_digest,
    token_user,
)
from traceobject.api.errors import install_error_handlers
from traceobject.audit.models import AuditEvent
from traceobject.core.errors import ServiceError

TOKENS = "/internal/account/tokens/"
TOKEN_RE = re.compile(rb"tob_[A-Za-z0-9_-]{43}")


def _token(user: User, **kwargs) -> tuple[ApiToken, str]:
    return services.api_token_create(user=user, name="script", **kwargs)


def test_make_a_token_on_the_page(client, users):
    user = users["investigator"]
    staff_login(client, user)
    assert client.get(TOKENS).status_code == 200
    made = client.post(TOKENS + "new/", {"name": "nightly export", "expires_days": "30"})
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    shown = TOKEN_RE.findall(made.content)
    assert len(set(shown)) == 1
    token = shown[0].decode()
    row = ApiToken.objects.get(user=user)
    assert row.name == "nightly export" and row.prefix == token[:12]
    assert row.digest == token_digest(token) and token not in row.digest
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)
    event = AuditEvent.objects.get(action="accounts.token_created")
    assert event.actor == "ivy" and token not in str(event.data)
    # Shown once: the list shows only the start of it.
    later = client.get(TOKENS)
    assert token.encode() not in later.content and row.prefix.encode() in later.content
    assert token_user(token) == user


@pytest.mark.parametrize("data", [
    {"name": ""}, {"name": "x" * 101}, {"name": "ok", "expires_days": "0"},
    {"name": "ok", "expires_days": "-3"}, {"name": "ok", "expires_days": "abc"},
    {"name": "ok", "expires_days": "99999"}, {},
    {"name": "bell\x07"}, {"name": "ci \u202ereversed"}, {"name": "\u00a0 \u3000"},
])
def test_bad_token_input_changes_nothing(client, users, data):
    staff_login(client, users["investigator"])
    response = client.post(TOKENS + "new/", data)
    assert response.status_code == 400
    assert not TOKEN_RE.search(response.content)
    assert not ApiToken.objects.exists()


def test_token_count_is_limited(users):
    user = users["investigator"]
    for _ in range(services.MAX_TOKENS_PER_USER):
        _token(user)
    with pytest.raises(ServiceError) as exc:
        _token(user)
    assert exc.value.status == 409
    assert ApiToken.objects.count() == services.MAX_TOKENS_PER_USER


def test_token_validity(users):
    user = users["investigator"]
    row, token = _token(user)
    assert token_user(token) == user
    assert token_user(token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # wrong
    assert token_user("tob_" + "A" * 43) is None
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_user(token) is None  # expired
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert token_user(token) == user
    services.api_token_revoke(token=row, user=user)
    assert token_user(token) is None  # revoked
    _row2, token2 = _token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert token_user(token2) is None  # deactivated user


@pytest.mark.parametrize("value", [
    "", "tob_", "tob_short", "TOB_" + "a" * 43, "tob_" + "a" * 42 + "!", "tob_" + "a" * 44,
    "x" * 100000, "tob_" + "a" * 43 + "\n", "tob_" + "ä" * 43, "' OR 1=1 --",
])
def test_malformed_tokens(users, value):
    _token(users["investigator"])
    assert token_user(value) is None


def test_last_used_is_noted_at_most_once_a_minute(users):
    row, token = _token(users["investigator"])
    token_user(token)
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None
    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=recent)
    token_user(token)
    row.refresh_from_db()
    assert row.last_used_at == recent
    old = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=old)
    token_user(token)
    row.refresh_from_db()
    assert row.last_used_at > old + timedelta(seconds=60)


def _api() -> TestClient:
    api = NinjaAPI(urls_namespace="test-token-api")
    install_error_handlers(api)
    router = Router()

    @router.get("/whoami", auth=TokenAuth())
    @api_roles_required(INVESTIGATOR)
    def whoami(request):
        return {"user": request.auth.get_username(),
                "investigator": has_role(request.auth, INVESTIGATOR)}

    api.add_router("", router)
    return TestClient(api)


def test_token_auth_in_an_api(users):
    api = _api()
    _row, token = _token(users["investigator"])
    ok = api.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json() == {"user": "ivy", "investigator": True}
    _row, reviewer_token = _token(users["reviewer"])
    denied = api.get("/whoami", headers={"Authorization": f"Bearer {reviewer_token}"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    for header in ("", "Bearer", f"Basic {token}", f"Bearer {token}x", "Bearer " + "a" * 70000,
                   f"Bearer  {token}"):
        response = api.get("/whoami", headers={"Authorization": header} if header else {})
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "unauthorized"


def test_token_auth_directly(users):
    _row, token = _token(users["investigator"])
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert TokenAuth()(request) == users["investigator"]


def test_revoke_own_token_on_the_page(client, users):
    user = users["investigator"]
    row, token = _token(user)
    staff_login(client, user)
    response = client.post(f"{TOKENS}{row.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == TOKENS
    row.refresh_from_db()
    assert row.revoked_at is not None and token_user(token) is None
    assert AuditEvent.objects.filter(action="accounts.token_revoked", actor="ivy").count() == 1
    # Twice changes nothing more.
    client.post(f"{TOKENS}{row.pk}/revoke/")
    assert AuditEvent.objects.filter(action="accounts.token_revoked").count() == 1
    assert client.get(f"{TOKENS}{row.pk}/revoke/").status_code == 405


def test_others_cannot_revoke_but_administrators_can(client, users):
    row, token = _token(users["investigator"])
    staff_login(client, users["investigator2"])
    assert client.post(f"{TOKENS}{row.pk}/revoke/").status_code == 404
    assert client.post(f"{TOKENS}999999/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None and token_user(token) == users["investigator"]
    # And they do not see it.
    assert row.prefix.encode() not in client.get(TOKENS).content
    staff_login(client, users["administrator"])
    back = f"/internal/users/{users['investigator'].pk}/"
    response = client.post(f"{TOKENS}{row.pk}/revoke/", {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    row.refresh_from_db()
    assert row.revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.token_revoked")
    assert event.actor == "adam" and event.target == f"user {users['investigator'].pk}"
    # A hostile next is ignored.
    row2, _ = _token(users["investigator"])
    hostile = client.post(f"{TOKENS}{row2.pk}/revoke/", {"next": "https://evil.example/"})
    assert hostile["Location"] == TOKENS


@pytest.mark.parametrize(("name", "reason"), [
    ("ci\x00", "This contains control characters."),
    ("two\nlines", "This must be a single line."),
    ("ci \u202ereversed", "This contains invisible characters that are not allowed."),
    ("", "This field is required."),
    ("x" * 101, "This is too long: at most 100 characters."),
])
def test_the_service_refuses_a_hostile_token_name(users, name, reason):
    with pytest.raises(ServiceError) as info:
        services.api_token_create(user=users["investigator"], name=name)
    assert info.value.code == "invalid" and info.value.fields == {"name": reason}
    assert not ApiToken.objects.exists()
    row, _token = services.api_token_create(user=users["investigator"],
                                            name="  CI \u00a0 runner ")
    assert row.name == "CI runner"
    row.delete()
