"""The Django admin cannot change roles, authorities or accounts (security review): those
changes need re-authentication and are audited, which only the back office's pages do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests.conftest import make_staff, staff_login
from traceobject.accounts.models import StaffProfile
from traceobject.routing.models import Authority


@pytest.fixture
def boss(db):
    user = make_staff("boss", "administrator")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def test_superuser_cannot_change_roles_in_the_admin(client, users, boss):
    staff_login(client, boss)
    target = users["reviewer"]
    url = f"/internal/admin/auth/user/{target.pk}/change/"
    assert client.get(url).status_code == 200  # view only
    administrators = Group.objects.get(name="administrator")
    response = client.post(url, {"username": target.username, "is_active": "on",
                                 "is_superuser": "on", "groups": [administrators.pk]})
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.is_superuser
    assert not target.groups.filter(name="administrator").exists()
    assert client.get("/internal/admin/auth/user/add/").status_code == 403
    assert client.post(f"/internal/admin/auth/user/{target.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert client.get("/internal/admin/auth/group/add/").status_code == 403
    assert client.post(f"/internal/admin/auth/user/{target.pk}/password/", {
        "password1": "Another-long-pass-42", "password2": "Another-long-pass-42",
    }).status_code == 403


def test_superuser_cannot_rebind_a_liaison_in_the_admin(client, users, boss):
    staff_login(client, boss)
    profile = StaffProfile.objects.get(user=users["liaison"])
    before = profile.authority_id
    other = Authority.objects.exclude(pk=before).first()
    assert other is not None
    url = f"/internal/admin/accounts/staffprofile/{profile.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"user": users["liaison"].pk, "authority": other.pk})
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.authority_id == before
    assert client.get("/internal/admin/accounts/staffprofile/add/").status_code == 403
