"""Views are audited: the tip page, a tipster's revealed address, the evidence viewer, the
full evidence image and a case's page of thumbnails each write exactly one entry naming the
viewer; a refused view writes nothing."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import staff_login
from tests.tips.conftest import tip_make
from traceobject.audit.models import AuditEvent
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage
from traceobject.tips import intake, services
from traceobject.tips.models import Tip

from ..evidence.conftest import crop_make, drawn_image, write_jpeg

pytestmark = pytest.mark.django_db

REFUSED = ["reviewer", "liaison", "auditor", "administrator", "outsider"]


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _new_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def _audit_inserts(queries: CaptureQueriesContext) -> int:
    table = AuditEvent._meta.db_table
    return sum(1 for q in queries.captured_queries
               if q["sql"].lstrip().upper().startswith("INSERT") and table in q["sql"])


@pytest.fixture
def tip(published) -> Tip:
    return tip_make(published, "Seen at the market in Graz, stall 4.")


def test_the_tip_page_records_one_view(client, users, tip) -> None:
    staff_login(client, users["investigator"])
    seq = _last_seq()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/internal/tips/{tip.pk}/")
    assert response.status_code == 200 and "stall 4" in response.content.decode()
    [event] = _new_since(seq)
    assert (event.actor, event.action, event.target, event.data) == (
        "ivy", "view.tip", f"tip {tip.pk}", {})
    assert _audit_inserts(queries) == 1


@pytest.mark.parametrize("role", REFUSED)
def test_a_refused_tip_view_records_nothing(client, users, tip, role) -> None:
    staff_login(client, users[role])
    seq = _last_seq()
    response = client.get(f"/internal/tips/{tip.pk}/")
    assert response.status_code == 403 and "stall 4" not in response.content.decode()
    assert _new_since(seq) == []


def test_anonymous_and_unknown_tips_record_nothing(client, users, tip) -> None:
    seq = _last_seq()
    assert client.get(f"/internal/tips/{tip.pk}/").status_code == 302
    staff_login(client, users["investigator"])
    assert client.get("/internal/tips/999999/").status_code == 404
    assert client.head(f"/internal/tips/{tip.pk}/").status_code == 200  # nothing shown
    assert _new_since(seq) == []


def test_the_tip_page_shown_again_after_refused_input_is_a_view(client, users, tip) -> None:
    staff_login(client, users["investigator"])
    seq = _last_seq()
    response = client.post(f"/internal/tips/{tip.pk}/note/", {"text": ""})
    assert response.status_code == 400 and "stall 4" in response.content.decode()
    assert [(e.action, e.target) for e in _new_since(seq)] == [("view.tip", f"tip {tip.pk}")]


def _sealed_tip(published, **fields) -> Tip:
    text = "The bag was on sale at a kiosk in Linz."
    intake.tip_submit(ref=published.ref, tip=intake.tip_validate({"text": text, **fields}))
    services.sealed_tips_open()
    return Tip.objects.get(text=text)


def test_a_revealed_address_is_one_entry(client, users, published) -> None:
    tip = _sealed_tip(published, contact_email="tipster@example.org")
    staff_login(client, users["investigator"])
    seq = _last_seq()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/internal/tips/{tip.pk}/reveal/")
    assert response.status_code == 200 and "tipster@example.org" in response.content.decode()
    assert [(e.actor, e.action, e.target) for e in _new_since(seq)] == [
        ("ivy", "tip.contact_reveal", f"tip {tip.pk}")]
    assert _audit_inserts(queries) == 1


def test_a_reveal_without_an_address_is_a_view_of_the_tip(client, users, published) -> None:
    tip = _sealed_tip(published)
    staff_login(client, users["investigator"])
    seq = _last_seq()
    response = client.post(f"/internal/tips/{tip.pk}/reveal/")
    assert response.status_code == 200
    assert [(e.action, e.target) for e in _new_since(seq)] == [("view.tip", f"tip {tip.pk}")]


def test_a_refused_reveal_records_nothing(client, users, published) -> None:
    tip = _sealed_tip(published, contact_email="tipster@example.org")
    staff_login(client, users["investigator"])
    session = client.session
    session["traceobject_reauth_at"] = time.time() - 3600  # the confirmation is too old
    session.save()
    seq = _last_seq()
    response = client.post(f"/internal/tips/{tip.pk}/reveal/")
    assert response.status_code == 302 and "tipster@example.org" not in response.content.decode()
    staff_login(client, users["auditor"])
    assert client.post(f"/internal/tips/{tip.pk}/reveal/").status_code == 403
    assert _new_since(seq) == []


def test_the_api_records_a_tip_read(client, users, tip) -> None:
    from traceobject.accounts.services import api_token_create

    _token, secret = api_token_create(user=users["investigator"], name="triage script")
    seq = _last_seq()
    response = client.get(f"/api/internal/v1/tips/{tip.pk}",
                          HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200, response.content
    assert [(e.actor, e.action, e.target) for e in _new_since(seq)] == [
        ("ivy", "view.tip", f"tip {tip.pk}")]
    _token, other = api_token_create(user=users["reviewer"], name="r")
    seq = _last_seq()
    assert client.get(f"/api/internal/v1/tips/{tip.pk}",
                      HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403
    assert _new_since(seq) == []


# Evidence


@pytest.fixture
def case_images(db, tmp_path: Path) -> list[EvidenceImage]:
    """Three images in one case (the first a near copy of the second, so it has a similar
    image on its page)."""
    folder = tmp_path / "seized2"
    write_jpeg(folder / "IMG_0100.jpg", seed=21, size=(800, 600))
    drawn_image(21, (800, 600)).resize((400, 300)).save(folder / "IMG_0101.jpg", "JPEG",
                                                        quality=70)
    write_jpeg(folder / "IMG_0102.jpg", seed=99, size=(700, 500))
    ingest([folder], case_ref="CASE-12")
    return list(EvidenceImage.objects.order_by("id"))


def test_the_evidence_viewer_records_the_image_and_its_similar_thumbnails(
        client, users, case_images) -> None:
    image = case_images[0]
    staff_login(client, users["investigator"])
    seq = _last_seq()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/internal/evidence/{image.pk}/")
    assert response.status_code == 200
    [event] = _new_since(seq)
    assert (event.actor, event.action, event.target) == ("ivy", "view.evidence",
                                                        f"evidence {image.pk}")
    shown = [int(pk) for pk in re.findall(
        r'/internal/evidence/(\d+)/thumb\.jpg', response.content.decode())]
    assert shown and event.data == {"images": shown}
    assert _audit_inserts(queries) == 1


def test_the_full_image_records_one_view_and_thumbnails_none(
        client, users, case_images) -> None:
    image = case_images[1]
    staff_login(client, users["investigator"])
    seq = _last_seq()
    response = client.get(f"/internal/evidence/{image.pk}/display.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert [(e.actor, e.action, e.target) for e in _new_since(seq)] == [
        ("ivy", "view.evidence_file", f"evidence {image.pk}")]
    seq = _last_seq()
    assert client.get(f"/internal/evidence/{image.pk}/thumb.jpg").status_code == 200
    assert client.head(f"/internal/evidence/{image.pk}/display.jpg").status_code == 200
    assert _new_since(seq) == []


def test_a_page_of_thumbnails_is_one_entry_listing_the_images(
        client, users, case_images, monkeypatch) -> None:
    staff_login(client, users["investigator"])
    seq = _last_seq()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/internal/cases/CASE-12/")
    assert response.status_code == 200
    [event] = _new_since(seq)
    assert (event.action, event.target) == ("view.evidence_grid", "case CASE-12")
    assert event.data == {"images": [image.pk for image in case_images]}
    assert _audit_inserts(queries) == 1


@pytest.mark.parametrize("role", REFUSED)
def test_refused_evidence_views_record_nothing(client, users, case_images, role) -> None:
    image = case_images[0]
    staff_login(client, users[role])
    seq = _last_seq()
    for url in (f"/internal/evidence/{image.pk}/", f"/internal/evidence/{image.pk}/display.jpg",
                f"/internal/evidence/{image.pk}/thumb.jpg", "/internal/cases/CASE-12/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"IMG_01" not in response.content and b"\xff\xd8" not in response.content[:2]
    assert _new_since(seq) == []


def test_unknown_evidence_records_nothing(client, users, case_images) -> None:
    staff_login(client, users["investigator"])
    seq = _last_seq()
    for url in ("/internal/evidence/999999/", "/internal/evidence/999999/display.jpg",
                "/internal/cases/NO-SUCH-CASE/"):
        assert client.get(url).status_code == 404, url
    assert _new_since(seq) == []


def test_the_audit_page_filters_to_views_with_names(client, users, tip, case_images) -> None:
    users["investigator"].first_name, users["investigator"].last_name = "Ivy", "Ingram"
    users["investigator"].save()
    staff_login(client, users["investigator"])
    client.get(f"/internal/tips/{tip.pk}/")
    client.get("/internal/cases/CASE-12/")
    client.get(f"/internal/evidence/{case_images[2].pk}/display.jpg")
    staff_login(client, users["auditor"])
    response = client.get("/internal/audit/", {"kind": "views"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("view.") == 3 and "accounts." not in html
    assert "ivy (Ivy Ingram)" in html
    assert f"tip {tip.pk} on {tip.object.ref}" in html
    assert f"IMG_0102.jpg (evidence {case_images[2].pk}, case CASE-12)" in html
    assert "3 images shown" in html
    grid = AuditEvent.objects.get(action="view.evidence_grid")
    detail = client.get(f"/internal/audit/{grid.seq}/").content.decode()
    for image, name in zip(case_images, ("IMG_0100.jpg", "IMG_0101.jpg", "IMG_0102.jpg"),
                           strict=True):
        assert f"{name} (evidence {image.pk}, case CASE-12)" in detail


# Lists of tips, the API's reads, crops


def test_a_list_page_is_one_entry_naming_the_tips_it_shows(client, users, published) -> None:
    first = tip_make(published, "Seen at the market in Graz, stall 4.")
    second = tip_make(published, "The bag is sold in Linz.")
    staff_login(client, users["investigator"])
    for url, target in (("/internal/tips/", "inbox"),
                        (f"/internal/objects/{published.ref}/tips/", f"object {published.ref}")):
        seq = _last_seq()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        [event] = _new_since(seq)
        assert (event.actor, event.action, event.target) == ("ivy", "view.tip_list", target)
        assert sorted(event.data["tips"]) == sorted([first.pk, second.pk])
        assert _audit_inserts(queries) == 1
    seq = _last_seq()
    staff_login(client, users["reviewer"])
    assert client.get("/internal/tips/").status_code == 403
    assert _new_since(seq) == []


def test_the_api_records_its_tip_lists_and_conversations(client, users, tip) -> None:
    from traceobject.accounts.services import api_token_create

    _token, secret = api_token_create(user=users["investigator"], name="triage script")
    seq = _last_seq()
    listed = client.get("/api/internal/v1/tips", HTTP_AUTHORIZATION=f"Bearer {secret}")
    messages = client.get(f"/api/internal/v1/tips/{tip.pk}/messages",
                          HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert listed.status_code == 200 and messages.status_code == 200
    assert [(e.action, e.target, e.data) for e in _new_since(seq)] == [
        ("view.tip_list", "inbox", {"tips": [tip.pk]}), ("view.tip", f"tip {tip.pk}", {})]


def test_the_crop_page_and_its_pictures_are_views(client, users, case_images) -> None:
    crop = crop_make(case_images[0], {"x": 10, "y": 10, "w": 200, "h": 150},
                     user=users["investigator"])
    staff_login(client, users["investigator"])
    seq = _last_seq()
    assert client.get(f"/internal/crops/{crop.pk}/").status_code == 200
    assert client.get(f"/internal/crops/{crop.pk}/plain.png").status_code == 200
    assert [(e.action, e.target) for e in _new_since(seq)] == [
        ("view.crop", f"crop {crop.pk}"), ("view.crop_file", f"crop {crop.pk}")]
    seq = _last_seq()
    staff_login(client, users["liaison"])
    assert client.get(f"/internal/crops/{crop.pk}/").status_code == 403
    assert client.get(f"/internal/crops/{crop.pk}/plain.png").status_code == 403
    assert _new_since(seq) == []
