"""User management (administrators), the role walk over every accounts URL, the admin site."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import code_for, device_of, sign_in
from tests.conftest import STAFF_PASSWORD, staff_login
from traceobject.accounts import services
from traceobject.accounts.models import ApiToken, SignInLock, StaffProfile
from traceobject.accounts.roles import ROLES
from traceobject.audit.models import AuditEvent
from traceobject.core.errors import ServiceError
from traceobject.routing.models import Authority

ROLE_NAMES = ["anonymous", "outsider", "liaison", "auditor", "reviewer", "investigator",
              "administrator"]
ALL_SIGNED_IN = set(ROLE_NAMES) - {"anonymous"}
WITH_A_ROLE = ALL_SIGNED_IN - {"outsider"}


def _get_urls(users) -> dict[str, set[str]]:
    """URL -> roles that get a 200."""
    pk = users["investigator"].pk
    return {
        "/internal/reauth/": ALL_SIGNED_IN,
        "/internal/account/tokens/": WITH_A_ROLE,
        "/internal/users/": {"administrator"},
        "/internal/users/new/": {"administrator"},
        f"/internal/users/{pk}/": {"administrator"},
    }


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_accounts_url_against_every_role(client, users, role):
    if role != "anonymous":
        staff_login(client, users[role])
    for url, allowed in _get_urls(users).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/internal/login/?next="), url
        elif role in allowed:
            assert response.status_code == 200, (url, role)
            assert "no-cache" in response["Cache-Control"] or \
                "no-store" in response["Cache-Control"], url
        else:
            assert response.status_code == 403, (url, role)
    login = client.get("/internal/login/")
    assert login.status_code == (200 if role == "anonymous" else 302)
    for step in ("/internal/login/code/", "/internal/login/enrol/"):
        assert client.get(step)["Location"] == "/internal/login/"


def _post_urls(users) -> dict[str, dict[str, str]]:
    pk = users["investigator"].pk
    return {
        f"/internal/users/{pk}/roles/": {"roles": "auditor"},
        f"/internal/users/{pk}/second-factor/reset/": {},
        f"/internal/users/{pk}/unlock/": {},
        f"/internal/users/{pk}/active/": {"active": "0"},
        f"/internal/users/{pk}/password/": {"password": "another long passphrase 42"},
        "/internal/users/new/": {"username": "mallory", "password": "another long passphrase 42",
                                 "roles": "administrator"},
    }


@pytest.mark.parametrize("role", [r for r in ROLE_NAMES if r != "administrator"])
def test_only_administrators_manage_users(client, users, role):
    if role != "anonymous":
        staff_login(client, users[role])
    events = AuditEvent.objects.count()
    for url, data in _post_urls(users).items():
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        else:
            assert response.status_code == 403, (url, role)
    target = User.objects.get(pk=users["investigator"].pk)
    assert target.is_active and target.check_password(STAFF_PASSWORD)
    assert set(target.groups.values_list("name", flat=True)) == {"investigator"}
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not User.objects.filter(username="mallory").exists()
    assert AuditEvent.objects.count() == events
    token_create = client.post("/internal/account/tokens/new/", {"name": "x"})
    if role == "anonymous":
        assert token_create.status_code == 302
    elif role == "outsider":
        assert token_create.status_code == 403
    assert not ApiToken.objects.filter(user__username="otto").exists()


def test_user_list_and_detail(client, users):
    staff_login(client, users["administrator"])
    page = client.get("/internal/users/")
    for name in ("adam", "ivy", "lars", "otto"):
        assert name.encode() in page.content
    assert b"Police DE" in page.content
    detail = client.get(f"/internal/users/{users['liaison'].pk}/")
    assert b"Police DE" in detail.content and b"liaison" in detail.content
    assert client.get("/internal/users/999999/").status_code == 404


def test_set_roles_and_authority(client, users):
    staff_login(client, users["administrator"])
    target = users["investigator"]
    response = client.post(f"/internal/users/{target.pk}/roles/",
                           {"roles": ["investigator", "reviewer"]})
    assert response.status_code == 302
    assert set(target.groups.values_list("name", flat=True)) == {"investigator", "reviewer"}
    event = AuditEvent.objects.get(action="accounts.role_change")
    assert event.actor == "adam" and event.target == f"user {target.pk}"
    assert event.data["before"] == ["investigator"]
    assert event.data["after"] == ["investigator", "reviewer"]

    fr = Authority.objects.get(country="FR")
    moved = client.post(f"/internal/users/{users['liaison'].pk}/roles/",
                        {"roles": ["liaison"], "authority": fr.pk})
    assert moved.status_code == 302
    assert StaffProfile.objects.get(user=users["liaison"]).authority == fr


@pytest.mark.parametrize("data", [
    {"roles": ["liaison"]},  # a liaison officer needs an authority
    {"roles": ["superhero"]},
    {"roles": ["investigator"], "authority": "999999"},
    {"roles": ["investigator"], "authority": "DE"},
])
def test_bad_role_changes_change_nothing(client, users, data):
    staff_login(client, users["administrator"])
    target = users["investigator"]
    response = client.post(f"/internal/users/{target.pk}/roles/", data)
    assert response.status_code == 400
    assert set(target.groups.values_list("name", flat=True)) == {"investigator"}
    assert not AuditEvent.objects.filter(action="accounts.role_change").exists()
    assert not StaffProfile.objects.filter(user=target).exists()


def test_administrator_cannot_drop_own_role_or_deactivate_self(client, users):
    admin = users["administrator"]
    staff_login(client, admin)
    response = client.post(f"/internal/users/{admin.pk}/roles/", {"roles": ["auditor"]})
    assert response.status_code == 409 and b"your own administrator role" in response.content
    assert admin.groups.filter(name="administrator").exists()
    assert client.post(f"/internal/users/{admin.pk}/active/", {"active": "0"}).status_code == 409
    admin.refresh_from_db()
    assert admin.is_active
    # Adding roles to oneself is fine.
    client.post(f"/internal/users/{admin.pk}/roles/", {"roles": ["administrator", "auditor"]})
    assert admin.groups.filter(name="auditor").exists()


def test_last_administrator_keeps_the_role(users):
    admin = users["administrator"]
    someone = users["investigator"]  # e.g. a command run without an administrator
    with pytest.raises(ServiceError) as exc:
        services.user_roles_set(account=admin, roles=["auditor"], authority=None, user=someone)
    assert exc.value.code == "last_admin"
    with pytest.raises(ServiceError) as exc:
        services.user_active_set(account=admin, active=False, user=someone)
    assert exc.value.code == "last_admin"
    admin.refresh_from_db()
    assert admin.is_active and admin.groups.filter(name="administrator").exists()
    # With a second administrator, one of them may go.
    services.staff_create(username="second-admin", password=STAFF_PASSWORD,
                          roles=["administrator"])
    services.user_roles_set(account=admin, roles=["auditor"], authority=None, user=someone)
    assert not admin.groups.filter(name="administrator").exists()


def test_reset_second_factor_leads_to_enrolment(client, users):
    staff_login(client, users["administrator"])
    target = users["investigator"]
    assert client.post(f"/internal/users/{target.pk}/second-factor/reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert AuditEvent.objects.get(action="accounts.second_factor_reset").data == {"devices": 1}
    other = client.__class__()
    first = other.post("/internal/login/", {"username": "ivy", "password": STAFF_PASSWORD})
    assert first["Location"] == "/internal/login/enrol/"


def test_reset_ends_the_verified_session_of_that_user(client, users):
    target = users["investigator"]
    staff_login(client, target)
    services.user_second_factor_reset(account=target, user=users["administrator"])
    assert client.get("/internal/cases/").status_code == 302


def test_unlock(client, users):
    for i in range(5):
        client.post("/internal/login/", {"username": "ivy", "password": f"wrong {i}"})
    assert SignInLock.objects.exists()
    admin_client = client.__class__()
    staff_login(admin_client, users["administrator"])
    detail = admin_client.get(f"/internal/users/{users['investigator'].pk}/")
    assert b"locked until" in detail.content
    assert admin_client.post(f"/internal/users/{users['investigator'].pk}/unlock/") \
        .status_code == 302
    assert not SignInLock.objects.exists()
    assert AuditEvent.objects.filter(action="accounts.unlocked", actor="adam").exists()
    assert sign_in(client, "ivy").status_code == 302


def test_deactivate_and_activate(client, users):
    target = users["investigator"]
    _row, token = services.api_token_create(user=target, name="script")
    victim = client.__class__()
    staff_login(victim, target)
    staff_login(client, users["administrator"])
    assert client.post(f"/internal/users/{target.pk}/active/", {"active": "0"}).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert ApiToken.objects.get(user=target).revoked_at is not None
    assert victim.get("/internal/cases/").status_code == 302
    assert client.post(f"/internal/users/{target.pk}/active/", {"active": "x"}).status_code == 400
    assert client.post(f"/internal/users/{target.pk}/active/", {"active": "1"}).status_code == 302
    target.refresh_from_db()
    assert target.is_active
    assert [e.action for e in AuditEvent.objects.filter(action__in=[
        "accounts.deactivated", "accounts.activated"]).order_by("seq")] == [
        "accounts.deactivated", "accounts.activated"]


def test_set_password(client, users):
    staff_login(client, users["administrator"])
    target = users["investigator"]
    weak = client.post(f"/internal/users/{target.pk}/password/", {"password": "123"})
    assert weak.status_code == 400
    target.refresh_from_db()
    assert target.check_password(STAFF_PASSWORD)
    ok = client.post(f"/internal/users/{target.pk}/password/",
                     {"password": "a brand new passphrase 7"})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.check_password("a brand new passphrase 7")
    assert "a brand new" not in str(AuditEvent.objects.values_list("data", flat=True))


def test_create_user_on_the_page(client, users):
    staff_login(client, users["administrator"])
    de = Authority.objects.get(country="DE")
    response = client.post("/internal/users/new/", {
        "username": "lena", "password": "a long enough passphrase 9", "roles": ["liaison"],
        "authority": de.pk})
    assert response.status_code == 302
    lena = User.objects.get(username="lena")
    assert response["Location"] == f"/internal/users/{lena.pk}/"
    assert lena.staff_profile.authority == de
    assert not TOTPDevice.objects.filter(user=lena).exists()  # enrols at the first sign-in
    event = AuditEvent.objects.get(action="accounts.user_created")
    assert event.actor == "adam" and event.data["roles"] == ["liaison"]


@pytest.mark.parametrize("data,status", [
    ({"username": "ivy", "password": "a long enough passphrase 9"}, 409),
    ({"username": "IVY", "password": "a long enough passphrase 9"}, 409),
    ({"username": "new", "password": "short"}, 400),
    ({"username": "new", "password": "password123456"}, 400),
    ({"username": "<script>", "password": "a long enough passphrase 9"}, 400),
    ({"username": "x" * 151, "password": "a long enough passphrase 9"}, 400),
    ({"username": "new", "password": "a long enough passphrase 9", "roles": ["god"]}, 400),
    ({"username": "new", "password": "a long enough passphrase 9", "roles": ["liaison"]}, 400),
    ({"username": "", "password": ""}, 400),
])
def test_bad_new_users_change_nothing(client, users, data, status):
    staff_login(client, users["administrator"])
    count = User.objects.count()
    response = client.post("/internal/users/new/", data)
    assert response.status_code == status
    assert User.objects.count() == count
    assert not AuditEvent.objects.filter(action="accounts.user_created").exists()


def test_staff_create_service(db):
    de = Authority.objects.create(country="DE", name="Police DE", email="de@example.org")
    user = services.staff_create(username="demo-liaison", password=STAFF_PASSWORD,
                                 roles=["liaison"], authority=de,
                                 totp_key_hex="00" * 20)
    assert user.staff_profile.authority == de
    assert set(user.groups.values_list("name", flat=True)) == {"liaison"}
    assert TOTPDevice.objects.get(user=user).confirmed
    for key in ("zz" * 20, "00" * 5, "0" * 41, "00" * 41):
        with pytest.raises(ServiceError):
            services.staff_create(username=f"k{len(key)}", password=STAFF_PASSWORD, roles=[],
                                  totp_key_hex=key)
    assert set(ROLES) >= {"administrator"}
    assert User.objects.count() == 1


def test_admin_site_needs_both_factors_and_the_role(client, users):
    # Anonymous: to the back-office sign-in, then back to the admin.
    first = client.get("/internal/admin/")
    assert first.status_code == 302
    second = client.get(first["Location"])
    assert second.status_code == 302
    assert second["Location"] == "/internal/login/?next=/internal/admin/"
    # Password only: not enough.
    client.force_login(users["administrator"])
    assert client.get("/internal/admin/").status_code == 302
    assert client.get("/internal/admin/auth/user/").status_code == 302
    # Both factors through the real sign-in: the admin opens.
    client.logout()
    done = sign_in(client, "adam", next_path="/internal/admin/")
    assert done["Location"] == "/internal/admin/"
    assert client.get("/internal/admin/").status_code == 200
    # Both factors without the administrator role: refused.
    staff_login(client, users["investigator"])
    redirected = client.get("/internal/admin/")
    assert client.get(redirected["Location"]).status_code == 403
    # The admin's own password form is gone.
    client.logout()
    assert client.post("/internal/admin/login/", {
        "username": "adam", "password": STAFF_PASSWORD}).status_code == 302
    assert client.get("/internal/admin/").status_code == 302


def test_full_flow_sign_in_then_reauth_then_role_change(client, users):
    """What an administrator does, end to end, with real codes."""
    admin = users["administrator"]
    device = device_of(admin)
    sign_in(client, "adam")
    session = client.session
    session["traceobject_reauth_at"] = 0
    session.save()
    target = users["auditor"]
    stale = client.post(f"/internal/users/{target.pk}/roles/", {"roles": ["auditor",
                                                                           "reviewer"]},
                        HTTP_REFERER=f"http://testserver/internal/users/{target.pk}/")
    assert stale["Location"] == f"/internal/reauth/?next=%2Finternal%2Fusers%2F{target.pk}%2F"
    assert not target.groups.filter(name="reviewer").exists()
    back = client.post("/internal/reauth/", {"password": STAFF_PASSWORD,
                                             "code": code_for(device, steps_ahead=1),
                                             "next": f"/internal/users/{target.pk}/"})
    assert back["Location"] == f"/internal/users/{target.pk}/"
    client.post(f"/internal/users/{target.pk}/roles/", {"roles": ["auditor", "reviewer"]})
    assert target.groups.filter(name="reviewer").exists()
