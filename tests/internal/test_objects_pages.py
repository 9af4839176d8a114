"""Back office of same-object search: "find this object elsewhere" from a crop, an object and
a region of an evidence image (the fields work without JavaScript); matches grouped by case
with their match pictures; linking a match to a traced object (audited, checked again on the
server); "also seen in N other images, K cases" for investigators only, never for other
roles nor on the public side."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from tests.conftest import staff_login
from tests.evidence.conftest import crop_make
from tests.evidence.objects_world import World, indexed_world
from traceobject.audit.models import AuditEvent
from traceobject.catalog import services as catalog
from traceobject.evidence import crops
from traceobject.evidence.models import Crop, ImageFeatures, ObjectSighting
from traceobject.evidence.object_features import features_extract_for_crop

pytestmark = pytest.mark.django_db(transaction=True)

FIND = "/internal/find-object/"


@pytest.fixture
def world(tmp_path: Path, evidence_store: Path, settings: Any) -> World:
    return indexed_world(tmp_path / "seized", settings)


@pytest.fixture
def crop(world: World, users: dict[str, Any]) -> Crop:
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    made = crop_make(world.images["source.jpg"], {"x": x, "y": y, "w": w, "h": h},
                     user=users["investigator"])
    features_extract_for_crop(crop=made)  # what the crop's task does when it is created
    return made


@pytest.fixture
def obj(crop: Crop, users: dict[str, Any]) -> Any:
    return crops.crop_to_object(crop=crop, user=users["investigator"], category="packaging",
                                title="Cat poster")


def _evidence_store_files() -> set[str]:
    root = Path(storages["evidence"].location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _snapshot() -> tuple[int, int, int, int, set[str]]:
    return (ImageFeatures.objects.count(), ObjectSighting.objects.count(),
            AuditEvent.objects.exclude(action__startswith="view.").count(),
            Crop.objects.count(), _evidence_store_files())


def test_from_the_crop_page_to_the_matches_grouped_by_case(client, users, world, crop) -> None:
    staff_login(client, users["investigator"])
    page = client.get(reverse("internal:crop", args=[crop.pk])).content.decode()
    assert f'href="{FIND}?crop={crop.pk}"' in page
    response = client.get(FIND, {"crop": crop.pk})
    assert response.status_code == 200
    html = response.content.decode()
    matches = world.with_object(0) - {world.images["source.jpg"].pk}
    for pk in matches:
        assert f'id="match-{pk}"' in html
    for name in ("street.jpg", "shelf.jpg", "yard.jpg", "car.jpg", "garage.jpg", "poster.jpg",
                 "table.jpg"):
        assert f'id="match-{world.images[name].pk}"' not in html, name
    # grouped by case, the case with the best match first; CASE-C has no match
    assert html.index('id="case-1"') < html.index('id="case-2"')
    assert "CASE-C</a>" not in html
    assert "matching points" in html and "Found in 3 other images" in html
    assert "2 cases" in html
    # the match picture: both pictures side by side, the region outlined
    bedroom = world.images["bedroom.jpg"].pk
    picture = client.get(reverse("internal:object-match", args=[bedroom]), {"crop": crop.pk})
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    drawn = Image.open(io.BytesIO(picture.content))
    assert drawn.width > drawn.height
    assert picture["Cache-Control"] == "private, no-store"
    query = client.get(reverse("internal:object-query-picture"), {"crop": crop.pk})
    assert query.status_code == 200 and query["Content-Type"] == "image/jpeg"
    # the audit log names the images the results page showed
    seen = AuditEvent.objects.filter(action="view.object_search").last()
    assert seen is not None and set(seen.data["images"]) == matches
    assert seen.target == f"crop {crop.pk}"
    assert AuditEvent.objects.filter(action="view.object_match",
                                     target=f"evidence {bedroom}").exists()


def test_a_region_typed_into_the_fields_without_javascript(client, users, world) -> None:
    staff_login(client, users["investigator"])
    source = world.images["source.jpg"]
    page = client.get(reverse("internal:evidence", args=[source.pk])).content.decode()
    assert 'id="find-region"' in page and f'action="{FIND}"' in page
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    response = client.get(FIND, {"image": source.pk, "x": x, "y": y, "w": w, "h": h})
    assert response.status_code == 200
    html = response.content.decode()
    found = {img.pk for img in world.images.values() if f'id="match-{img.pk}"' in html}
    assert found == world.with_object(0) - {source.pk}
    # no object to link to yet: each match offers a reference field
    assert 'name="ref"' in html


def test_a_region_is_read_once_for_its_results_and_their_match_pictures(
        client, users, world) -> None:
    from traceobject.evidence import object_search

    staff_login(client, users["investigator"])
    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    region = {"image": source.pk, "x": x, "y": y, "w": w, "h": h}
    object_search._region_read.cache_clear()
    assert client.get(FIND, region).status_code == 200
    matches = sorted(world.with_object(0) - {source.pk})
    pictures = [client.get(reverse("internal:object-match", args=[pk]), region)
                for pk in matches]
    assert all(p.status_code == 200 and p["Content-Type"] == "image/jpeg" for p in pictures)
    reads = object_search._region_read.cache_info()
    assert (reads.misses, reads.hits) == (1, 2 * len(matches))  # verify and draw, each
    # another region of the same picture is read on its own
    assert client.get(FIND, {**region, "x": x + 1}).status_code == 200
    assert object_search._region_read.cache_info().misses == 2


@pytest.mark.parametrize(("params", "message"), [
    ({"x": "abc", "y": "0", "w": "50", "h": "50"}, "x must be a whole number"),
    ({"x": "-20", "y": "0", "w": "50", "h": "50"}, "x cannot be negative"),
    ({"x": "0", "y": "0", "w": "99999", "h": "50"}, "must lie inside the image"),
    ({"x": "0", "y": "0", "w": "9" * 40, "h": "50"}, "w must be a whole number"),
    ({"x": "470", "y": "350", "w": "100", "h": "100"}, "must lie inside the image"),
    ({"x": "0", "y": "0", "w": "4", "h": "4"}, "at least 16 pixels"),
    ({"x": "0", "y": "0", "w": "50"}, "h must be a whole number"),
])
def test_a_malformed_region_gets_a_clear_error_and_changes_nothing(
        client, users, world, params, message) -> None:
    staff_login(client, users["investigator"])
    source = world.images["source.jpg"]
    before = _snapshot()
    response = client.get(FIND, {"image": source.pk, **params})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="region-form"' in html  # the fields again, to fix the numbers
    assert _snapshot() == before


def test_unknown_or_malformed_queries(client, users, world, crop) -> None:
    staff_login(client, users["investigator"])
    assert client.get(FIND).status_code == 400
    assert client.get(FIND, {"crop": "x1"}).status_code == 400
    assert client.get(FIND, {"crop": "999999"}).status_code == 404
    assert client.get(FIND, {"object": "TAO-0000-9999"}).status_code == 404
    assert client.get(FIND, {"image": "999999", "x": 0, "y": 0, "w": 20, "h": 20}
                      ).status_code == 404
    match = reverse("internal:object-match", args=[world.images["hall.jpg"].pk])
    assert client.get(match, {"image": world.images["hall.jpg"].pk, "x": -1, "y": 0, "w": 20,
                              "h": 20}).status_code == 400


def test_linking_a_match_and_the_also_seen_line(client, users, world, obj) -> None:
    investigator = users["investigator"]
    staff_login(client, investigator)
    page = client.get(reverse("internal:object", args=[obj.ref])).content.decode()
    assert f"{FIND}?object={obj.ref}" in page
    assert "Also seen in" not in page
    results = client.get(FIND, {"object": obj.ref}).content.decode()
    assert f"Link to {obj.ref}" in results
    before = AuditEvent.objects.filter(action="object.sighting_link").count()
    for name in ("bedroom.jpg", "hall.jpg", "kitchen.jpg"):
        response = client.post(reverse("internal:object-link"),
                               {"object": obj.ref, "evidence": world.images[name].pk})
        assert response.status_code == 302, response.content.decode()[:2000]
    sightings = ObjectSighting.objects.filter(traced_object=obj)
    assert sightings.count() == 3
    assert all(s.inliers >= 10 and s.linked_by == investigator for s in sightings)
    assert AuditEvent.objects.filter(action="object.sighting_link").count() == before + 3
    event = AuditEvent.objects.filter(action="object.sighting_link").last()
    assert event.target == obj.ref and event.data["query"] == obj.ref
    page = client.get(reverse("internal:object", args=[obj.ref])).content.decode()
    assert "Also seen in 3 other images, 2 cases" in page
    results = client.get(FIND, {"object": obj.ref}).content.decode()
    assert results.count(f'Linked to <a href="/internal/objects/{obj.ref}/">') == 3

    # other roles: the reviewer sees the object page without the line; others not at all
    client.logout()
    staff_login(client, users["reviewer"])
    page = client.get(reverse("internal:object", args=[obj.ref])).content.decode()
    assert obj.ref in page and "Also seen in" not in page and "CASE-B" not in page
    for role in ("liaison", "auditor", "administrator"):
        client.logout()
        staff_login(client, users[role])
        assert client.get(reverse("internal:object", args=[obj.ref])).status_code == 403
        assert client.get(FIND, {"object": obj.ref}).status_code == 403

    # the public side: published, the object's page and API say nothing of it
    catalog.object_image_add(obj=obj, image=Image.new("RGB", (400, 300), (200, 90, 40)))
    catalog.object_submit(obj=obj, user=investigator)
    catalog.object_approve(obj=obj, user=users["reviewer"], checklist=catalog.REVIEW_CHECK_NAMES,
                           english_fallback=True)
    client.logout()
    public = client.get(f"/en/objects/{obj.ref}/")
    assert public.status_code == 200
    text = public.content.decode()
    assert "Also seen" not in text and "CASE-" not in text and "sighting" not in text.lower()
    api = client.get(f"/api/v1/objects/{obj.ref}")
    assert api.status_code == 200
    assert "sighting" not in api.content.decode().lower() and "CASE-" not in api.content.decode()


def test_links_that_are_refused_change_nothing(client, users, world, obj) -> None:
    staff_login(client, users["investigator"])
    link = reverse("internal:object-link")
    before = _snapshot()
    # a distractor: the object does not verify in it
    response = client.post(link, {"object": obj.ref, "evidence": world.images["street.jpg"].pk})
    assert response.status_code == 400
    assert "could not be matched" in response.content.decode()
    # the image the object was cut from
    response = client.post(link, {"object": obj.ref, "evidence": world.images["source.jpg"].pk})
    assert response.status_code == 400 and "cut from" in response.content.decode()
    # no such image, no image, an unknown object named
    assert client.post(link, {"object": obj.ref, "evidence": "999999"}).status_code == 400
    assert client.post(link, {"object": obj.ref}).status_code == 400
    response = client.post(link, {"object": obj.ref, "ref": "TAO-1999-0001",
                                  "evidence": world.images["hall.jpg"].pk})
    assert response.status_code == 400 and "There is no object TAO-1999-0001" in \
        response.content.decode()
    assert _snapshot() == before
    # twice the same link: the second is refused
    hall = world.images["hall.jpg"].pk
    assert client.post(link, {"object": obj.ref, "evidence": hall}).status_code == 302
    response = client.post(link, {"object": obj.ref, "evidence": hall})
    assert response.status_code == 409 and "already linked" in response.content.decode()
    assert ObjectSighting.objects.count() == 1


def test_a_region_match_linked_by_reference_then_unlinked(client, users, world, obj) -> None:
    staff_login(client, users["investigator"])
    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    region = {"image": source.pk, "x": x, "y": y, "w": w, "h": h}
    response = client.post(reverse("internal:object-link"),
                           {**region, "ref": obj.ref, "evidence": world.images["hall.jpg"].pk})
    assert response.status_code == 302
    sighting = ObjectSighting.objects.get()
    event = AuditEvent.objects.filter(action="object.sighting_link").last()
    assert event.data["query"].startswith(f"evidence {source.pk} region ")
    page = client.get(reverse("internal:object", args=[obj.ref])).content.decode()
    assert "Also seen in 1 other image, 1 case" in page
    response = client.post(reverse("internal:object-sighting-unlink", args=[sighting.pk]))
    assert response.status_code == 302
    assert not ObjectSighting.objects.exists()
    assert AuditEvent.objects.filter(action="object.sighting_unlink", target=obj.ref).exists()


def test_a_link_is_checked_against_the_objects_own_crop(client, users, world, obj) -> None:
    """A region of object 0 finds the hall; linked by reference to an object cut from
    object 2, the query verifies but that object's crop does not: refused, nothing changes.
    The object whose crop shows object 0 is linked (its crop verified too, audited)."""
    investigator = users["investigator"]
    staff_login(client, investigator)
    x, y, w, h = world.boxes["table.jpg"]  # type: ignore[misc]
    other_crop = crop_make(world.images["table.jpg"], {"x": x, "y": y, "w": w, "h": h},
                           user=investigator)
    other = crops.crop_to_object(crop=other_crop, user=investigator, category="packaging",
                                 title="Blue mug")
    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    region = {"image": source.pk, "x": x, "y": y, "w": w, "h": h}
    hall = world.images["hall.jpg"].pk
    before = _snapshot()
    response = client.post(reverse("internal:object-link"),
                           {**region, "ref": other.ref, "evidence": hall})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"The crop {other.ref} was made from does not match this image" in html
    assert _snapshot()[1:4] == before[1:4]  # no sighting, no audit event, no crop
    response = client.post(reverse("internal:object-link"),
                           {**region, "ref": obj.ref, "evidence": hall})
    assert response.status_code == 302
    assert ObjectSighting.objects.get().traced_object == obj
    event = AuditEvent.objects.filter(action="object.sighting_link").last()
    assert event.data["object_crop_checked"] is True
    assert event.data["object_crop"] == Crop.objects.get(traced_object=obj).pk


def test_while_the_index_is_rebuilt_the_page_says_so_and_still_answers(
        client, users, world, crop, settings) -> None:
    from traceobject.evidence import object_index

    staff_login(client, users["investigator"])
    status = object_index.object_index_status()
    (Path(status.folder) / str(status.generation) / "index" / "index.faiss").write_bytes(b"x")
    html = client.get(FIND, {"crop": crop.pk}).content.decode()
    assert "the object index is being rebuilt" in html
    assert "not built yet" not in html
    for pk in world.with_object(0) - {world.images["source.jpg"].pk}:
        assert f'id="match-{pk}"' in html
