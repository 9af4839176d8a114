"""Every URL of the exports pages against every role (and anonymous)."""

from __future__ import annotations

import pytest

from tests.conftest import staff_login
from traceobject.exports.services import export_start

ROLES = ["anonymous", "outsider", "liaison", "liaison_fr", "auditor", "reviewer",
         "investigator", "investigator2", "administrator"]


@pytest.fixture
def export(users, published, run_tasks_now):
    return export_start(user=users["investigator"], obj=published, fmt="csv")


def _urls(export) -> dict[str, dict[str, int]]:
    """URL -> {role: status}; roles not named get 403."""
    mine = {"investigator": 200, "administrator": 200, "investigator2": 404}
    return {
        "/internal/exports/": {"investigator": 200, "investigator2": 200, "administrator": 200},
        f"/internal/exports/{export.pk}/": mine,
        f"/internal/exports/{export.pk}/status.json": mine,
        f"/internal/exports/{export.pk}/download": mine,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_exports_url_against_every_role(client, users, export, role):
    if role != "anonymous":
        staff_login(client, users[role])
    for url, allowed in _urls(export).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/internal/login/"), url
        else:
            assert response.status_code == allowed.get(role, 403), (url, role)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "liaison", "auditor", "reviewer",
                                  "administrator"])
def test_only_investigators_post_a_new_export(client, users, published, role):
    from traceobject.exports.models import Export

    if role != "anonymous":
        staff_login(client, users[role])
    response = client.post("/internal/exports/", {"target": f"object:{published.ref}",
                                                  "format": "csv"})
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert not Export.objects.exists()


def test_a_password_without_the_second_factor_is_not_enough(client, users, export):
    client.force_login(users["investigator"])  # no verified TOTP device in the session
    response = client.get(f"/internal/exports/{export.pk}/download")
    assert response.status_code == 302 and "/internal/login/" in response["Location"]
