"""The evidence workspace: the case grid (names, marks, order, filters, selection, pages),
the per-person "viewed" record, the evidence view setting (blur, greyscale, thumbnail size)
and the safety gate's findings on the crop page."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.conftest import staff_login
from tests.videogen import Scene, make_video
from traceobject.accounts import selectors as account_selectors
from traceobject.accounts import services as account_services
from traceobject.accounts.models import StaffProfile
from traceobject.audit.models import AuditEvent
from traceobject.core.errors import ServiceError
from traceobject.evidence import services as evidence_services
from traceobject.evidence.ingest import ingest
from traceobject.evidence.known import known_hashes_import
from traceobject.evidence.models import Case, Crop, EvidenceImage, EvidenceView
from traceobject.vision.gate import DEFAULT_CONFIG, finding_threshold

from ..evidence.conftest import crop_make, drawn_image, write_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_images(tmp_path: Path) -> dict[str, EvidenceImage]:
    """A case of five distinct images: one found twice (a duplicate), one that is a
    re-encoded copy of another (a near-duplicate pair), one on a known-hash list."""
    root = tmp_path / "seized"
    write_jpeg(root / "b_plain.jpg", seed=1, size=(320, 240))
    write_jpeg(root / "a_twice.jpg", seed=2, size=(200, 150))
    (root / "copies").mkdir()
    shutil.copy(root / "a_twice.jpg", root / "copies" / "a_twice_copy.jpg")
    picture = drawn_image(3, (640, 480))
    picture.save(root / "c_near.jpg", "JPEG", quality=92)
    picture.resize((600, 450), Image.Resampling.LANCZOS).save(root / "d_near_small.jpg", "JPEG",
                                                              quality=70)
    write_jpeg(root / "e_known.jpg", seed=5, size=(500, 400))
    digest = hashlib.sha256((root / "e_known.jpg").read_bytes()).hexdigest()
    assert known_hashes_import(text=f"sha256,label\n{digest},Test series 7\n",
                               list_name="test list").imported == 1
    ingest([root], case_ref="CASE-GRID")
    by_name = {}
    for image in EvidenceImage.objects.all():
        first = image.files.order_by("path").first()
        assert first is not None
        name = Path(first.path).name
        by_name[name] = image
    return by_name


def _grid(client: Any, query: str = "", status: int = 200) -> str:
    response = client.get(f"/internal/cases/CASE-GRID/{query}")
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def _names(html: str) -> list[str]:
    return re.findall(r'<span title="[^"]*">([^<]+)</span>', html)


def test_grid_shows_names_and_marks(client: Any, users: dict[str, Any],
                                    case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    crop_make(case_images["b_plain.jpg"], {"x": 0, "y": 0, "w": 100, "h": 100},
              user=users["investigator"])
    html = _grid(client)
    assert _names(html) == ["a_twice.jpg", "b_plain.jpg", "c_near.jpg", "d_near_small.jpg",
                            "e_known.jpg"]
    assert "Known hash: Test series 7" in html
    assert html.count("Near-duplicate of 1 image") == 2
    assert "Duplicate: 2 files" in html
    assert html.count(">Cropped<") == 1
    # The person's evidence view is on the body (protective defaults without a choice).
    assert re.search(r'<body class="internal ev-blur ev-grey ev-thumb-medium">', html)


@pytest.mark.parametrize(("sort", "expected"), [
    ("name", ["a_twice.jpg", "b_plain.jpg", "c_near.jpg", "d_near_small.jpg", "e_known.jpg"]),
    ("-name", ["e_known.jpg", "d_near_small.jpg", "c_near.jpg", "b_plain.jpg", "a_twice.jpg"]),
])
def test_grid_sorts_by_name(client: Any, users: dict[str, Any],
                            case_images: dict[str, EvidenceImage], sort: str,
                            expected: list[str]) -> None:
    staff_login(client, users["investigator"])
    assert _names(_grid(client, f"?sort={sort}")) == expected


def test_grid_sorts_by_size_date_taken_and_ingested(client: Any, users: dict[str, Any],
                                                    case_images: dict[str, EvidenceImage]
                                                    ) -> None:
    staff_login(client, users["investigator"])
    sizes = sorted(case_images, key=lambda n: (case_images[n].file_size, case_images[n].pk))
    assert _names(_grid(client, "?sort=size")) == sizes
    assert _names(_grid(client, "?sort=-size")) == sizes[::-1]
    # Dates taken: two images get one, the rest (no date) come last either way.
    EvidenceImage.objects.filter(pk=case_images["e_known.jpg"].pk).update(
        captured_at="2019-05-01T10:00:00")
    EvidenceImage.objects.filter(pk=case_images["c_near.jpg"].pk).update(
        captured_at="2021-01-02T08:00:00")
    assert _names(_grid(client, "?sort=taken"))[:2] == ["e_known.jpg", "c_near.jpg"]
    assert _names(_grid(client, "?sort=-taken"))[:2] == ["c_near.jpg", "e_known.jpg"]
    ingested = sorted(case_images, key=lambda n: (case_images[n].ingested_at,
                                                  case_images[n].pk))
    assert _names(_grid(client, "?sort=ingested")) == ingested
    assert _names(_grid(client, "?sort=-ingested")) == ingested[::-1]


@pytest.mark.parametrize(("show", "expected"), [
    ("duplicate", ["a_twice.jpg"]),
    ("near", ["c_near.jpg", "d_near_small.jpg"]),
    ("known", ["e_known.jpg"]),
    ("cropped", ["b_plain.jpg"]),
])
def test_grid_filters(client: Any, users: dict[str, Any],
                      case_images: dict[str, EvidenceImage], show: str,
                      expected: list[str]) -> None:
    staff_login(client, users["investigator"])
    crop_make(case_images["b_plain.jpg"], {"x": 0, "y": 0, "w": 100, "h": 100},
              user=users["investigator"])
    assert _names(_grid(client, f"?show={show}")) == expected


def test_a_list_imported_after_ingest_marks_the_grid_too(
        client: Any, users: dict[str, Any], case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    plain = case_images["b_plain.jpg"]
    known_hashes_import(text=f"md5,label\n{plain.md5},Later list\n", list_name="later")
    html = _grid(client, "?show=known")
    assert _names(html) == ["b_plain.jpg", "e_known.jpg"]
    assert "Known hash: Later list" in html


def test_not_yet_viewed_is_per_person(client: Any, users: dict[str, Any],
                                      case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    assert len(_names(_grid(client, "?show=unviewed"))) == 5
    opened = case_images["c_near.jpg"]
    assert client.get(f"/internal/evidence/{opened.pk}/").status_code == 200
    assert client.get(f"/internal/evidence/{opened.pk}/").status_code == 200  # again: one row
    assert EvidenceView.objects.filter(user=users["investigator"], image=opened).count() == 1
    html = _grid(client, "?show=unviewed")
    assert "c_near.jpg" not in _names(html) and len(_names(html)) == 4
    assert ">Viewed<" in _grid(client)
    # Another investigator has seen nothing yet.
    client.logout()
    staff_login(client, users["investigator2"])
    assert len(_names(_grid(client, "?show=unviewed"))) == 5


def test_filters_combine(client: Any, users: dict[str, Any],
                         case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    client.get(f"/internal/evidence/{case_images['c_near.jpg'].pk}/")
    assert _names(_grid(client, "?show=near&show=unviewed")) == ["d_near_small.jpg"]


def test_mark_selected_as_viewed(client: Any, users: dict[str, Any],
                                 case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    chosen = [case_images["a_twice.jpg"].pk, case_images["e_known.jpg"].pk]
    response = client.post("/internal/cases/CASE-GRID/viewed/",
                            {"image": [str(i) for i in chosen], "sort": "-size",
                             "show": "unviewed", "per": "30"})
    assert response.status_code == 302
    assert response["Location"] == "/internal/cases/CASE-GRID/?sort=-size&per=30&show=unviewed"
    assert set(EvidenceView.objects.filter(user=users["investigator"])
               .values_list("image_id", flat=True)) == set(chosen)
    event = AuditEvent.objects.filter(action="evidence.mark_viewed").get()
    assert event.data["images"] == chosen and event.data["newly_marked"] == 2
    assert len(_names(_grid(client, "?show=unviewed"))) == 3


@pytest.mark.parametrize("images", [
    [],  # nothing selected
    ["abc"], ["-1"], ["1e3"], ["１"],  # not ids (a full-width digit too)
    ["99999999999999999999"],  # far too long
    [str(i) for i in range(1, 160)],  # too many
])
def test_mark_viewed_refuses_a_bad_selection(client: Any, users: dict[str, Any],
                                             case_images: dict[str, EvidenceImage],
                                             images: list[str]) -> None:
    staff_login(client, users["investigator"])
    response = client.post("/internal/cases/CASE-GRID/viewed/", {"image": images})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not EvidenceView.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.mark_viewed").exists()


def test_mark_viewed_refuses_a_flood_of_fields(client: Any, users: dict[str, Any],
                                               case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    response = client.post("/internal/cases/CASE-GRID/viewed/",
                           {"image": [str(i) for i in range(1, 600)]})
    assert response.status_code == 400  # more fields than any request may send
    assert not EvidenceView.objects.exists()


def test_mark_viewed_refuses_images_of_another_case(client: Any, users: dict[str, Any],
                                                    case_images: dict[str, EvidenceImage],
                                                    tmp_path: Path) -> None:
    write_jpeg(tmp_path / "other" / "x.jpg", seed=77)
    ingest([tmp_path / "other"], case_ref="CASE-OTHER")
    other = EvidenceImage.objects.get(files__case__ref="CASE-OTHER")
    staff_login(client, users["investigator"])
    response = client.post("/internal/cases/CASE-GRID/viewed/",
                           {"image": [str(case_images["a_twice.jpg"].pk), str(other.pk)]})
    assert response.status_code == 400
    assert "not in this case" in response.content.decode()
    assert not EvidenceView.objects.exists()
    with pytest.raises(ServiceError):
        evidence_services.evidence_viewed_mark(user=users["reviewer"],
                                               case=Case.objects.get(ref="CASE-GRID"),
                                               image_ids=[other.pk])


@pytest.mark.parametrize("query", [
    "?sort=evil", "?sort=name%27%3B--", "?show=everything", "?per=100000", "?per=-1",
    "?per=abc", "?show=" + "x" * 5000,
])
def test_grid_refuses_unknown_parameters(client: Any, users: dict[str, Any],
                                         case_images: dict[str, EvidenceImage],
                                         query: str) -> None:
    staff_login(client, users["investigator"])
    html = _grid(client, query, status=400)
    assert 'class="error"' in html
    assert len(_names(html)) == 5  # the grid is shown with the defaults


def test_grid_survives_a_bad_page_number(client: Any, users: dict[str, Any],
                                         case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    assert len(_names(_grid(client, "?page=abc"))) == 5
    assert len(_names(_grid(client, "?page=999999999999999999999"))) == 5


def test_grid_pages_and_query_count_do_not_grow_with_the_page(
        client: Any, users: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "many"
    for number in range(65):
        write_jpeg(root / f"img_{number:03d}.jpg", seed=1000 + number, size=(64, 48))
    ingest([root], case_ref="CASE-MANY")
    staff_login(client, users["investigator"])
    client.get("/internal/cases/CASE-MANY/")  # warm: session, sites, translations
    counts = {}
    for per in (30, 60, 120):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/internal/cases/CASE-MANY/?per={per}&show=near&sort=-size")
        assert response.status_code == 200
        counts[per] = len(queries)
    assert counts[30] == counts[60] == counts[120], counts
    first = _names(client.get("/internal/cases/CASE-MANY/?per=30").content.decode())
    second = client.get("/internal/cases/CASE-MANY/?per=30&page=2").content.decode()
    assert first == [f"img_{n:03d}.jpg" for n in range(30)]
    assert _names(second) == [f"img_{n:03d}.jpg" for n in range(30, 60)]
    assert "sort=name&amp;per=30&amp;page=3" in second  # the pages keep the order and size


def test_grid_query_count_is_bounded(client: Any, users: dict[str, Any],
                                     case_images: dict[str, EvidenceImage],
                                     tmp_path: Path, settings: Any) -> None:
    # The near-duplicate marks read the PDQ index, which catches up with the index log at
    # most once a PDQ_INDEX_REFRESH_SECONDS (a few queries, whatever the page): not counted.
    settings.PDQ_INDEX_REFRESH_SECONDS = 3600
    CAPTURED: list[dict[str, str]] = []
    staff_login(client, users["investigator"])
    client.get("/internal/cases/CASE-GRID/")
    url = "/internal/cases/CASE-GRID/?show=near&show=unviewed&per=120"

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        CAPTURED[:] = context.captured_queries
        return len(context)

    # the grid's reads, the videos section's (their count, a page of them, their keyframes),
    # the queued ingests section's, and the audit log's record of the page (its chain's last
    # hash, one INSERT; on PostgreSQL its lock too): whatever the page size and the number
    # of videos
    without = queries()
    assert without <= 16, [q["sql"][:90] for q in CAPTURED]
    (tmp_path / "videos").mkdir()

    def add_videos(seeds: tuple[int, ...]) -> None:
        for seed in seeds:
            make_video(tmp_path / "videos" / f"v{seed}.mp4", width=160, height=120,
                       scenes=[Scene(seed, 1.0), Scene(seed + 10, 1.0)])
        ingest([tmp_path / "videos"], case_ref="CASE-GRID")

    add_videos((1, 2))
    with_videos = queries()
    assert with_videos <= without + 2  # the page of videos, and their keyframes in one query
    add_videos((3, 4, 5))
    assert queries() == with_videos


# --- the evidence view setting ---------------------------------------------------------------

def test_evidence_view_defaults_protect_new_and_existing_staff(users: dict[str, Any]) -> None:
    with_profile = users["liaison"]  # a liaison officer has a profile (the authority)
    assert StaffProfile.objects.filter(user=with_profile).exists()
    assert not StaffProfile.objects.filter(user=users["investigator"]).exists()
    for user in (with_profile, users["investigator"]):
        setting = account_selectors.staff_evidence_view(user=user)
        assert (setting.blur, setting.greyscale, setting.thumb_size) == (True, True, "medium")
        assert setting.classes == "ev-blur ev-grey ev-thumb-medium"


def test_evidence_view_is_saved_and_audited(client: Any, users: dict[str, Any],
                                            case_images: dict[str, EvidenceImage]) -> None:
    user = users["investigator"]
    staff_login(client, user)
    page = client.get("/internal/account/").content.decode()
    assert 'name="blur"' in page and 'name="greyscale"' in page and 'name="thumb_size"' in page
    response = client.post("/internal/account/evidence-view/", {"thumb_size": "large"})
    assert response.status_code == 303
    setting = account_selectors.staff_evidence_view(user=user)
    assert (setting.blur, setting.greyscale, setting.thumb_size) == (False, False, "large")
    event = AuditEvent.objects.filter(action="accounts.evidence_view_set").get()
    assert event.data["after"] == {"blur": False, "greyscale": False, "thumb_size": "large"}
    # Every page that shows evidence carries the classes.
    image = case_images["c_near.jpg"]
    crop = crop_make(image, {"x": 0, "y": 0, "w": 100, "h": 100}, user=user)
    for url in ("/internal/cases/CASE-GRID/", f"/internal/evidence/{image.pk}/",
                f"/internal/crops/{crop.pk}/"):
        assert '<body class="internal ev-thumb-large">' in client.get(url).content.decode()
    client.post("/internal/account/evidence-view/", {"blur": "on", "thumb_size": "small"})
    assert '<body class="internal ev-blur ev-thumb-small">' in client.get(
        "/internal/cases/CASE-GRID/").content.decode()
    # The same choice again changes nothing and is not audited again.
    client.post("/internal/account/evidence-view/", {"blur": "on", "thumb_size": "small"})
    assert AuditEvent.objects.filter(action="accounts.evidence_view_set").count() == 2


@pytest.mark.parametrize("data", [
    {"thumb_size": "huge"}, {"thumb_size": ""}, {}, {"thumb_size": "x" * 10000},
    {"thumb_size": "small<script>"},
])
def test_evidence_view_refuses_bad_input(client: Any, users: dict[str, Any],
                                         data: dict[str, str]) -> None:
    user = users["investigator"]
    staff_login(client, user)
    response = client.post("/internal/account/evidence-view/", {"blur": "", **data})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert account_selectors.staff_evidence_view(user=user).blur is True
    assert not AuditEvent.objects.filter(action="accounts.evidence_view_set").exists()


@pytest.mark.parametrize("kwargs", [
    {"blur": "yes", "greyscale": True, "thumb_size": "small"},
    {"blur": True, "greyscale": 1, "thumb_size": "small"},
    {"blur": True, "greyscale": True, "thumb_size": "giant"},
    {"blur": True, "greyscale": True, "thumb_size": None},
])
def test_evidence_view_service_validates(users: dict[str, Any], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as caught:
        account_services.staff_evidence_view_set(user=users["investigator"], **kwargs)
    assert caught.value.code == "invalid_evidence_view" and caught.value.fields
    assert not StaffProfile.objects.filter(user=users["investigator"]).exists()


# --- the safety gate's findings on the crop page ----------------------------------------------

def test_crop_page_shows_what_where_and_how_sure(client: Any, users: dict[str, Any],
                                                 case_images: dict[str, EvidenceImage]) -> None:
    user = users["investigator"]
    findings = [
        {"kind": "face", "score": 0.9123, "box": [10, 20, 40, 50],
         "detail": "face (face model 0.91; detector 0.80, face mesh 0.70)"},
        {"kind": "hand", "score": 0.85, "box": [60, 5, 30, 30], "detail":
         "reaches into the crop from around it; hand 0.85"},
        {"kind": "error", "score": 1.0, "box": None, "detail": "the safety gate could not run"},
        {"kind": "person", "score": 0.95, "box": [-50, 0, 99999, 99999], "detail": "hostile"},
    ]
    crop = crop_make(case_images["c_near.jpg"], {"x": 0, "y": 0, "w": 200, "h": 100},
                     user=user, verdict="fail", findings=findings)
    staff_login(client, user)
    html = client.get(f"/internal/crops/{crop.pk}/").content.decode()
    assert "failed: 4 findings" in html
    assert "Face</strong> · box 40 × 50 at 10, 20" in html
    assert "score 0.91, threshold 0.78" in html  # the inside-face model's threshold
    assert "score 0.85, threshold 0.80" in html and "reaches in from around the crop" in html
    assert "The gate could not check the crop" in html
    assert '<rect class="finding-box" x="10" y="20" width="40" height="50"/>' in html
    assert '<rect class="finding-box is-around" x="60" y="5" width="30" height="30"/>' in html
    # A box reaching outside the crop is drawn only inside it.
    assert '<rect class="finding-box" x="0" y="0" width="200" height="100"/>' in html
    passed = crop_make(case_images["c_near.jpg"], {"x": 0, "y": 0, "w": 50, "h": 50}, user=user)
    assert "passed: nothing of a person was found" in client.get(
        f"/internal/crops/{passed.pk}/").content.decode()


def test_finding_thresholds_come_from_the_gate_config() -> None:
    face = {"kind": "face", "detail": "face cut by the crop edge (edge model 0.9)"}
    assert finding_threshold(face) == DEFAULT_CONFIG.face_edge_score
    assert finding_threshold({"kind": "face", "detail": "full-range face detector 0.8"}) \
        == DEFAULT_CONFIG.face_full
    assert finding_threshold({"kind": "skin", "detail": "skin-coloured area marked as person "
                              "covers 40% of the crop"}) == DEFAULT_CONFIG.skin_person_area
    assert finding_threshold({"kind": "skin", "detail": "skin-coloured area covers"}) \
        == DEFAULT_CONFIG.skin_area
    assert finding_threshold({"kind": "error", "detail": "x"}) is None
    assert finding_threshold({"kind": "face", "detail": ""}) is None


# --- redactions: the server refuses hostile boxes ---------------------------------------------

@pytest.mark.parametrize(("redactions", "message"), [
    ([{"x": -5, "y": 0, "w": 10, "h": 10, "mode": "black"}], "out of range"),
    ([{"x": 0, "y": 0, "w": 10, "h": 10000, "mode": "black"}], "must lie inside the image"),
    ([{"x": 315, "y": 0, "w": 10, "h": 10, "mode": "blur"}], "must lie inside the image"),
    ([{"x": 0, "y": 0, "w": 0, "h": 10, "mode": "black"}], "must lie inside the image"),
    ([{"x": 0, "y": 0, "w": 10, "h": 10, "mode": "erase"}], "is &#x27;black&#x27; or"),
    ([{"x": "1; drop", "y": 0, "w": 10, "h": 10, "mode": "black"}], "must be a whole number"),
    ([{"x": 1, "y": 1, "w": 5, "h": 5, "mode": "black"}] * 101, "At most 100 redactions"),
    ({"x": 1}, "Redactions are not valid"),
    ([1, 2, 3], "Redactions are not valid"),
])
def test_hostile_redactions_are_refused(client: Any, users: dict[str, Any],
                                        case_images: dict[str, EvidenceImage],
                                        redactions: Any, message: str) -> None:
    image = case_images["b_plain.jpg"]  # 320 x 240
    staff_login(client, users["investigator"])
    response = client.post(f"/internal/evidence/{image.pk}/crop/", {
        "x": 0, "y": 0, "w": 100, "h": 100, "redactions": json.dumps(redactions)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Crop.objects.exists()


def test_a_huge_redaction_list_is_refused(client: Any, users: dict[str, Any],
                                          case_images: dict[str, EvidenceImage]) -> None:
    image = case_images["b_plain.jpg"]
    staff_login(client, users["investigator"])
    boxes = [{"x": 1, "y": 1, "w": 5, "h": 5, "mode": "black"}] * 450
    response = client.post(f"/internal/evidence/{image.pk}/crop/", {
        "x": 0, "y": 0, "w": 100, "h": 100, "redactions": json.dumps(boxes)})
    assert response.status_code == 400
    assert "Redactions: Ensure this value has at most 20000 characters" in \
        response.content.decode()
    assert not Crop.objects.exists()


# --- open the selected images in sequence -----------------------------------------------------

def test_open_selected_in_sequence(client: Any, users: dict[str, Any],
                                   case_images: dict[str, EvidenceImage]) -> None:
    staff_login(client, users["investigator"])
    ids = [case_images[n].pk for n in ("e_known.jpg", "a_twice.jpg", "c_near.jpg")]
    response = client.post("/internal/cases/CASE-GRID/sequence/",
                           {"image": [str(i) for i in ids]})
    assert response.status_code == 302
    seq = ".".join(str(i) for i in ids)
    assert response["Location"] == f"/internal/evidence/{ids[0]}/?seq={seq}"
    first = client.get(response["Location"]).content.decode()
    assert "Image 1 of 3 selected" in first
    assert f'href="/internal/evidence/{ids[1]}/?seq={seq}" rel="next"' in first
    assert 'rel="prev"' not in first
    middle = client.get(f"/internal/evidence/{ids[1]}/?seq={seq}").content.decode()
    assert "Image 2 of 3 selected" in middle and 'rel="prev"' in middle
    last = client.get(f"/internal/evidence/{ids[2]}/?seq={seq}").content.decode()
    assert "Image 3 of 3 selected" in last and 'rel="next"' not in last


@pytest.mark.parametrize("seq", ["abc", "1..2", "1.1", "-1", "9" * 13, "1." * 1500,
                                 "{other}", "１"])
def test_a_bad_sequence_is_refused(client: Any, users: dict[str, Any],
                                   case_images: dict[str, EvidenceImage], seq: str) -> None:
    staff_login(client, users["investigator"])
    image = case_images["a_twice.jpg"]
    seq = seq.replace("{other}", str(case_images["b_plain.jpg"].pk))
    response = client.get(f"/internal/evidence/{image.pk}/", {"seq": seq})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The sequence of images is not valid." in html and "selected</nav>" not in html


def test_sequence_refuses_images_of_another_case(client: Any, users: dict[str, Any],
                                                 case_images: dict[str, EvidenceImage],
                                                 tmp_path: Path) -> None:
    write_jpeg(tmp_path / "other" / "x.jpg", seed=78)
    ingest([tmp_path / "other"], case_ref="CASE-OTHER")
    other = EvidenceImage.objects.get(files__case__ref="CASE-OTHER")
    staff_login(client, users["investigator"])
    response = client.post("/internal/cases/CASE-GRID/sequence/",
                           {"image": [str(case_images["a_twice.jpg"].pk), str(other.pk)]})
    assert response.status_code == 400
    assert "not in this case" in response.content.decode()
    response = client.post("/internal/cases/CASE-GRID/sequence/", {"image": ["x"]})
    assert response.status_code == 400 and "The selection is not valid." in \
        response.content.decode()


def test_an_object_made_from_a_crop_shows_the_crop_with_the_evidence_view(
        client: Any, users: dict[str, Any], case_images: dict[str, EvidenceImage]) -> None:
    from django.urls import reverse

    from traceobject.evidence import crops

    user = users["investigator"]
    crop = crop_make(case_images["c_near.jpg"], {"x": 10, "y": 10, "w": 200, "h": 150},
                     user=user)
    obj = crops.crop_to_object(crop=crop, user=user, category="toys", title="A toy car")
    for who in ("investigator", "reviewer"):
        client.logout()
        staff_login(client, users[who])
        html = client.get(reverse("internal:object", args=[obj.ref])).content.decode()
        assert '<body class="internal ev-blur ev-grey ev-thumb-medium">' in html
        assert '<div class="ev-media crop-provenance">' in html
