"""Every tip-inbox URL against every role: investigators only (anonymous -> sign-in page)."""

from __future__ import annotations

import pytest

from tests.conftest import staff_login
from tests.tips.conftest import tip_make
from traceobject.audit.models import AuditEvent
from traceobject.tips.models import Tip, TipNote

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "administrator", "reviewer", "liaison", "liaison_fr",
         "auditor", "investigator", "investigator2"]
ALLOWED = {"investigator", "investigator2"}


@pytest.fixture
def setup(published):
    tips = [tip_make(published, "Sold at KAUFHOF in Krakau", country="PL") for _ in range(2)]
    tip = Tip.objects.get(pk=tips[0].pk)
    return published, tip


def _gets(obj, tip) -> list[str]:
    return ["/internal/tips/", "/internal/tips/?state=new&q=kaufhof",
            f"/internal/objects/{obj.ref}/tips/", f"/internal/tips/{tip.pk}/",
            f"/internal/tips/clusters/{tip.cluster_id}/"]


def _posts(obj, tip) -> list[tuple[str, dict]]:
    return [
        ("/internal/tips/bulk/", {"tip": [tip.pk], "action": "state", "state": "spam"}),
        (f"/internal/tips/{tip.pk}/state/", {"state": "spam"}),
        (f"/internal/tips/{tip.pk}/assign/", {"assignee": "none"}),
        (f"/internal/tips/{tip.pk}/note/", {"text": "a note"}),
        (f"/internal/tips/{tip.pk}/ask/", {"text": "a question"}),
        (f"/internal/tips/{tip.pk}/refer/", {"country": ""}),
        (f"/internal/tips/{tip.pk}/reveal/", {}),
        (f"/internal/tips/clusters/{tip.cluster_id}/state/", {"state": "spam"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_tip_url_against_every_role(client, users, setup, role) -> None:
    obj, tip = setup
    if role != "anonymous":
        staff_login(client, users[role])
    for url in _gets(obj, tip):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        elif role in ALLOWED:
            assert response.status_code == 200, (url, role)
        else:
            assert response.status_code == 403, (url, role)
    for url, data in _posts(obj, tip):
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/internal/login/" in response["Location"]
        elif role not in ALLOWED:
            assert response.status_code == 403, (url, role)
    if role not in ALLOWED:
        assert set(Tip.objects.values_list("state", flat=True)) == {"new"}
        assert not TipNote.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="tip.").exists()


def test_a_user_without_the_second_factor_is_sent_to_sign_in(client, users, setup) -> None:
    obj, tip = setup
    client.force_login(users["investigator"])  # password only
    for url in _gets(obj, tip):
        response = client.get(url)
        assert response.status_code == 302 and "/internal/login/" in response["Location"]
