"""Same-object search, Django side: local features read by tasks on ingest and for crops,
kept as files in the evidence store; the persisted object index caught up by watermark (and
its gaps), retrained into a new generation; a crop finds the scenes of its object, grouped by
case, and nothing else verifies; damaged feature files are read again or skipped."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.storage import storages
from django_tasks_db.models import DBTaskResult

from tests.evidence.conftest import crop_make
from tests.evidence.objects_world import World, build_world, run_tasks, write_scene
from traceobject.core.errors import ServiceError
from traceobject.evidence import object_index
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import Crop, EvidenceImage, ImageFeatures
from traceobject.evidence.object_features import (
    features_extract_for_image,
    image_features_read,
)
from traceobject.evidence.object_search import object_query, object_search
from traceobject.evidence.signals import crop_created
from traceobject.evidence.storage import evidence_put, evidence_read
from traceobject.vision.features import FEATURES_VERSION, features_from_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_index(settings: Any) -> None:
    """A first codebook from a handful of images (the default waits for 50)."""
    settings.OBJECT_INDEX_MIN_IMAGES = 6
    settings.OBJECT_INDEX_WORDS = 16


@pytest.fixture
def world(tmp_path: Path, evidence_store: Path, small_index: None) -> World:
    return build_world(tmp_path / "seized")


def _source_crop(world: World, user: Any) -> Crop:
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    return crop_make(world.images["source.jpg"], {"x": x, "y": y, "w": w, "h": h}, user=user)


def test_ingest_queues_feature_tasks_that_store_compact_files(world: World) -> None:
    rows = ImageFeatures.objects.filter(image__isnull=False)
    assert rows.count() == len(world.images)
    storage = storages["evidence"]
    for row in rows:
        assert row.version == FEATURES_VERSION and row.count > 50, row
        data = storage.open(row.storage_key).read()
        features = features_from_bytes(data)
        assert len(features) == row.count
        assert (features.width, features.height) == (row.image.width, row.image.height)
        assert len(data) < 160 * row.count + 200  # compact: well under 1 KB a keypoint
    # the tasks queued the index's catch-up, which built the first generation
    assert DBTaskResult.objects.filter(task_path__endswith=".object_index_sync_task").exists()
    assert run_tasks("object_index_sync_task") >= 1
    status = object_index.object_index_status()
    assert status.generation is not None
    assert status.images == len(world.images)
    assert status.watermark == max(r.pk for r in rows)
    assert (Path(status.folder) / status.generation / "codebook.bin").is_file()


def test_a_crop_finds_the_scenes_of_its_object_grouped_by_case(world: World, users) -> None:
    run_tasks()
    crop = _source_crop(world, users["investigator"])
    results = object_search(query=object_query(crop=crop))
    assert results.indexed
    found = [m.image.pk for m in results.matches]
    expected = world.with_object(0) - {world.images["source.jpg"].pk}
    # every other scene of the object, and nothing else: distractors and other objects do
    # not verify
    assert set(found) == expected, [(m.image.pk, m.inliers) for m in results.matches]
    assert [m.inliers for m in results.matches] == sorted(
        (m.inliers for m in results.matches), reverse=True)
    groups = {g.ref: {m.image.pk for m in g.matches} for g in results.by_case}
    assert set(groups) == {"CASE-A", "CASE-B"}
    assert groups["CASE-B"] == {world.images["bedroom.jpg"].pk, world.images["hall.jpg"].pk}
    assert groups["CASE-A"] == {world.images["kitchen.jpg"].pk}
    best = [g.best for g in results.by_case]
    assert best == sorted(best, reverse=True)
    for match in results.matches:
        v = match.verification
        assert v.verified and v.candidate_quad is not None and len(v.candidate_quad) == 4


def test_without_an_index_every_image_is_compared(world: World, users, settings) -> None:
    settings.OBJECT_INDEX_MIN_IMAGES = 1000  # no codebook can be learned yet
    run_tasks("image_features_task")
    DBTaskResult.objects.all().delete()
    result = object_index.object_index_sync()
    assert result.added == 0 and "1000" in result.reason
    crop = _source_crop(world, users["investigator"])
    results = object_search(query=object_query(crop=crop))
    assert not results.indexed
    assert results.candidates == len(world.images) - 1
    assert {m.image.pk for m in results.matches} == \
        world.with_object(0) - {world.images["source.jpg"].pk}


def test_without_an_index_only_the_newest_images_are_compared(world: World, users, settings,
                                                               monkeypatch) -> None:
    from traceobject.evidence import object_search as search_module

    settings.OBJECT_INDEX_MIN_IMAGES = 1000
    monkeypatch.setattr(search_module, "EXHAUSTIVE_MAX", 4)
    crop = _source_crop(world, users["investigator"])
    results = object_search(query=object_query(crop=crop))
    assert not results.indexed and results.candidates == 4
    assert results.notes == ["The object index is not built yet: only the 4 newest images "
                             "were compared."]


def test_the_index_catches_up_by_watermark_and_its_gaps(world: World, tmp_path: Path,
                                                        caplog) -> None:
    run_tasks()
    before = object_index.object_index_status()
    # a feature file of an image indexed already is damaged: a catch-up must not read the
    # rows below its watermark (it would repair the file on the way)
    old = ImageFeatures.objects.get(image=world.images["street.jpg"])
    damaged = b"TOSF" + b"\x00" * 40
    storages["evidence"].delete(old.storage_key)
    evidence_put(key=old.storage_key, data=damaged)

    write_scene(tmp_path / "more" / "van.jpg", 0, {"scale": 1.0, "rotation": 10.0, "seed": 41})
    write_scene(tmp_path / "more" / "dock.jpg", None, {"seed": 42})
    ingest([tmp_path / "more"], case_ref="CASE-D")
    run_tasks("image_features_task")
    result = object_index.object_index_sync()
    after = object_index.object_index_status()
    assert result.added == 2 and not result.trained
    assert after.generation == before.generation
    assert after.images == before.images + 2
    assert after.watermark > before.watermark and after.pending == 0
    assert evidence_read(key=old.storage_key) == damaged  # not read, so not repaired

    # rows committed out of id order: one far past the others, then one in the gap
    van, dock = (EvidenceImage.objects.get(files__path__endswith=n) for n in ("van.jpg",
                                                                               "dock.jpg"))
    late = [_new_image(tmp_path, n, seed) for n, seed in (("late1.jpg", 51), ("late2.jpg", 52))]
    high = after.watermark + 900
    _features_row_at(late[0], high)
    assert object_index.object_index_sync().added == 1
    gapped = object_index.object_index_status()
    assert gapped.watermark == high and gapped.gaps == after.gaps + 899
    _features_row_at(late[1], after.watermark + 300)  # committed late, inside the gap
    assert object_index.object_index_sync().added == 1
    final = object_index.object_index_status()
    assert final.images == after.images + 2 and final.gaps == gapped.gaps - 1
    loaded = object_index.object_index()
    assert loaded is not None
    assert {van.pk, dock.pk, late[0].pk, late[1].pk} <= set(_indexed_ids(loaded))


def test_a_limited_catch_up_queues_the_next_part(world: World, tmp_path: Path) -> None:
    run_tasks()
    for n in range(3):
        write_scene(tmp_path / "more" / f"m{n}.jpg", None, {"seed": 80 + n})
    ingest([tmp_path / "more"], case_ref="CASE-M")
    run_tasks("image_features_task")
    DBTaskResult.objects.all().delete()
    first = object_index.object_index_sync(limit=2)
    assert first.added == 2 and first.more
    queued = DBTaskResult.objects.filter(task_path__endswith=".object_index_sync_task")
    assert queued.count() == 1
    assert DBTaskResult.objects.ready().filter(pk=queued.get().pk).exists()  # at once
    assert run_tasks("object_index_sync_task") == 1
    status = object_index.object_index_status()
    assert status.pending == 0 and status.images == len(world.images) + 3


def _new_image(tmp_path: Path, name: str, seed: int) -> EvidenceImage:
    write_scene(tmp_path / "late" / name, None, {"seed": seed})
    ingest([tmp_path / "late"], case_ref="CASE-LATE")
    DBTaskResult.objects.all().delete()  # its features are recorded by hand below
    return EvidenceImage.objects.get(files__path__endswith=name)


def _features_row_at(image: EvidenceImage, pk: int) -> None:
    row = features_extract_for_image(image=image)
    ImageFeatures.objects.filter(pk=row.pk).update(id=pk)


def _indexed_ids(loaded: Any) -> list[int]:
    return [int(i) for i in loaded.index._images.tolist()]


def test_retrain_writes_a_new_generation_and_swaps_it_in(world: World, users) -> None:
    run_tasks()
    first = object_index.object_index_status()
    # another rebuild is writing its generation meanwhile; one was killed two days ago
    busy = Path(first.folder) / "building-g-20260101T000000-aaaaaaaa"
    dead = Path(first.folder) / "building-g-20250101T000000-bbbbbbbb"
    for folder in (busy, dead):
        folder.mkdir()
    os.utime(dead, (time.time() - 2 * 86_400,) * 2)
    result = object_index.object_index_rebuild(retrain=True)
    second = object_index.object_index_status()
    assert result.trained and result.added == len(world.images)
    assert second.generation != first.generation and second.images == first.images
    folders = sorted(p.name for p in Path(second.folder).glob("g-*"))
    # the old generation is kept as the previous one (searches fall back to it)
    assert folders == sorted([first.generation, second.generation])
    assert second.previous == first.generation
    assert busy.is_dir() and not dead.exists()
    kept = object_index.object_index_rebuild(retrain=False)
    assert kept.added == len(world.images)
    third = object_index.object_index_status()
    assert third.previous == second.generation  # the one before it is gone
    assert sorted(p.name for p in Path(third.folder).glob("g-*")) == sorted(
        [second.generation, third.generation])
    loaded = object_index.object_index()
    assert loaded is not None
    crop = _source_crop(world, users["investigator"])
    assert {m.image.pk for m in object_search(query=object_query(crop=crop)).matches} == \
        world.with_object(0) - {world.images["source.jpg"].pk}


def test_a_damaged_index_is_built_again(world: World, caplog) -> None:
    run_tasks()
    status = object_index.object_index_status()
    before = object_index._load(str(status.generation))  # not through the searches' cache
    index_file = Path(status.folder) / str(status.generation) / "index" / "index.faiss"
    index_file.write_bytes(b"not an index")
    with caplog.at_level("WARNING"):
        assert object_index.object_index() is None  # unreadable: not used
        assert object_index.object_index() is None
    # read (and found damaged) once, not again by every search; a rebuild is queued
    assert sum("unreadable" in r.getMessage() for r in caplog.records) == 1
    assert run_tasks("object_index_sync_task") == 1
    assert object_index.object_index_status().images == len(world.images)
    loaded = object_index.object_index()
    assert loaded is not None and len(loaded.index) == len(world.images)
    assert loaded.name != before.name  # a new generation, with the intact codebook kept
    assert loaded.codebook.key == before.codebook.key


def test_a_damaged_feature_file_is_read_again_or_skipped(world: World, users, caplog) -> None:
    run_tasks()
    storage = storages["evidence"]
    bedroom = world.images["bedroom.jpg"]
    row = ImageFeatures.objects.get(image=bedroom)
    good = evidence_read(key=row.storage_key)
    # same size, bytes flipped: the checksum catches it
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    storage.delete(row.storage_key)
    evidence_put(key=row.storage_key, data=bytes(bad))
    # another match's evidence file is gone too, and its features with it
    hall = world.images["hall.jpg"]
    hall_row = ImageFeatures.objects.get(image=hall)
    storage.delete(hall_row.storage_key)
    storage.delete(hall.storage_key)

    crop = _source_crop(world, users["investigator"])
    with caplog.at_level(logging.WARNING, logger="traceobject.evidence"):
        results = object_search(query=object_query(crop=crop))
    found = {m.image.pk for m in results.matches}
    assert bedroom.pk in found and hall.pk not in found
    assert results.repaired == 1 and results.skipped == 1
    assert evidence_read(key=row.storage_key) == good  # written again, the same
    assert any("damaged" in r.getMessage() for r in caplog.records)
    hall_row.refresh_from_db()
    assert hall_row.count == 0 and hall_row.error.startswith("unreadable")
    # the next search does not try the unreadable picture again, and says so
    again = object_search(query=object_query(crop=crop))
    assert again.skipped == 1 and again.repaired == 0


def test_features_of_an_empty_or_flat_picture_are_empty(evidence_store: Path, tmp_path: Path
                                                        ) -> None:
    from PIL import Image

    folder = tmp_path / "flat"
    folder.mkdir()
    Image.new("RGB", (300, 200), (128, 128, 128)).save(folder / "grey.png")
    ingest([folder], case_ref="CASE-FLAT")
    run_tasks("image_features_task")
    row = ImageFeatures.objects.get()
    assert row.count == 0 and row.storage_key  # a file with no features, not an error
    read = image_features_read(image=row.image)
    assert read.features is not None and len(read.features) == 0


def test_a_crop_queues_its_feature_task(evidence_store: Path, tmp_path: Path, users,
                                        django_capture_on_commit_callbacks) -> None:
    write_scene(tmp_path / "in" / "a.jpg", 3, {"scale": 1.5, "seed": 61})
    ingest([tmp_path / "in"], case_ref="CASE-CROP")
    image = EvidenceImage.objects.get()
    crop = crop_make(image, {"x": 40, "y": 40, "w": 200, "h": 150}, user=users["investigator"])
    with django_capture_on_commit_callbacks(execute=True):
        crop_created.send(sender=Crop, crop_id=crop.pk)  # what crop_create sends
    assert run_tasks("crop_features_task") == 1
    row = ImageFeatures.objects.get(crop=crop)
    assert row.count > 20 and row.source_key == crop.storage_key
    assert features_from_bytes(evidence_read(key=row.storage_key)).width == crop.width


def test_a_redacted_crop_loses_the_features_of_its_readable_picture(
        evidence_store: Path, tmp_path: Path, users,
        django_capture_on_commit_callbacks) -> None:
    from traceobject.evidence.crops import crop_text_redact

    write_scene(tmp_path / "in" / "a.jpg", 3, {"scale": 1.5, "seed": 61})
    ingest([tmp_path / "in"], case_ref="CASE-REDACT")
    image = EvidenceImage.objects.get()
    crop = crop_make(image, {"x": 40, "y": 40, "w": 200, "h": 150}, user=users["investigator"],
                     text_findings=[{"kind": "address", "what": "street", "text": "Rue 12",
                                     "box": [10, 10, 120, 60]}])
    with django_capture_on_commit_callbacks(execute=True):
        crop_created.send(sender=Crop, crop_id=crop.pk)
    assert run_tasks("crop_features_task") == 1
    before = ImageFeatures.objects.get(crop=crop)
    with django_capture_on_commit_callbacks(execute=True):
        crop = crop_text_redact(crop=crop, user=users["investigator"], finding=1)
    assert run_tasks("crop_features_task") == 1  # queued by the redaction
    after = ImageFeatures.objects.get(crop=crop)
    assert after.pk == before.pk and after.source_key == crop.storage_key
    assert after.storage_key != before.storage_key
    assert features_from_bytes(evidence_read(key=after.storage_key)).width == crop.width
    with pytest.raises(FileNotFoundError):  # the features of the readable picture are gone
        evidence_read(key=before.storage_key)


@pytest.mark.parametrize("region", [
    {"x": "abc", "y": 0, "w": 50, "h": 50},
    {"x": -5, "y": 0, "w": 50, "h": 50},
    {"x": "0", "y": "-0x10", "w": 50, "h": 50},
    {"x": 0, "y": 0, "w": 5000, "h": 50},
    {"x": 400, "y": 300, "w": 100, "h": 100},
    {"x": 0, "y": 0, "w": 10**15, "h": 50},
    {"x": 0, "y": 0, "w": 8, "h": 8},
    {"x": 1.5, "y": 0, "w": 50, "h": 50},
    {"x": 0, "y": 0, "w": 50},
    {"x": "٣", "y": 0, "w": 50, "h": 50},
])
def test_malformed_regions_are_refused(evidence_store: Path, tmp_path: Path, region) -> None:
    write_scene(tmp_path / "in" / "a.jpg", None, {"seed": 71})
    ingest([tmp_path / "in"], case_ref="CASE-R")
    image = EvidenceImage.objects.get()
    with pytest.raises(ServiceError) as caught:
        object_query(image=image, region=region)
    assert caught.value.code == "invalid_region" and caught.value.message


def test_the_periodic_sweep_reads_images_whose_task_was_lost(world: World, tmp_path: Path,
                                                             monkeypatch, caplog) -> None:
    """Images whose feature task was lost get their features from the hourly sweep and the
    index takes them in; a damaged picture and one that breaks the reader are recorded with
    the reason and not taken again; an image ingested just now is left to its own task."""
    from django.utils import timezone

    from traceobject.core.schedule import schedule_tick
    from traceobject.evidence import object_features

    run_tasks()
    for n, name in enumerate(("lost1.jpg", "lost2.jpg", "damaged.jpg", "breaks.jpg")):
        write_scene(tmp_path / "lost" / name, 0 if n == 0 else None,
                    {"scale": 1.0, "seed": 60 + n})
    ingest([tmp_path / "lost"], case_ref="CASE-LOST")
    DBTaskResult.objects.all().delete()  # the feature tasks are lost
    lost = {n: EvidenceImage.objects.get(files__path__endswith=n)
            for n in ("lost1.jpg", "lost2.jpg", "damaged.jpg", "breaks.jpg")}
    storages["evidence"].delete(lost["damaged.jpg"].storage_key)
    evidence_put(key=lost["damaged.jpg"].storage_key, data=b"\xff\xd8 not a picture")
    EvidenceImage.objects.filter(pk__in=[i.pk for i in lost.values()]).update(
        ingested_at=timezone.now() - object_features.SWEEP_AFTER * 2)
    write_scene(tmp_path / "fresh" / "fresh.jpg", None, {"seed": 70})
    ingest([tmp_path / "fresh"], case_ref="CASE-LOST")
    DBTaskResult.objects.all().delete()
    fresh = EvidenceImage.objects.get(files__path__endswith="fresh.jpg")

    real = object_features.file_features
    breaks_key = lost["breaks.jpg"].storage_key

    def reader(data: bytes) -> Any:
        if data == evidence_read(key=breaks_key):
            raise RuntimeError("the reader broke")
        return real(data)

    monkeypatch.setattr(object_features, "file_features", reader)
    cache.clear()  # an hour later: the catch-ups' window of the ingest above is long past
    assert "object-features" in schedule_tick()
    with caplog.at_level(logging.WARNING):
        assert run_tasks("features_sweep_task") == 1
    rows = {n: ImageFeatures.objects.filter(image=i).first() for n, i in lost.items()}
    assert rows["lost1.jpg"].count > 50 and rows["lost2.jpg"].count > 50
    assert rows["damaged.jpg"].count == 0 and rows["damaged.jpg"].error.startswith(
        "unreadable")
    assert rows["breaks.jpg"].count == 0 and rows["breaks.jpg"].error == "failed: RuntimeError"
    assert not ImageFeatures.objects.filter(image=fresh).exists()  # left to its own task
    # the index's catch-up was queued and takes the new images in
    assert run_tasks("object_index_sync_task") == 1
    loaded = object_index.object_index()
    assert loaded is not None
    assert {lost["lost1.jpg"].pk, lost["lost2.jpg"].pk} <= set(_indexed_ids(loaded))
    # the next run takes nothing again (not the damaged pictures, not the fresh image)
    result = object_features.features_sweep()
    assert (result.read, result.more) == (0, False)
    # later the fresh image's turn comes; a bounded run says more are left
    EvidenceImage.objects.filter(pk=fresh.pk).update(
        ingested_at=timezone.now() - object_features.SWEEP_AFTER * 2)
    ImageFeatures.objects.filter(image=lost["lost2.jpg"]).delete()
    first = object_features.features_sweep(limit=1)
    assert (first.read, first.more) == (1, True)
    assert ImageFeatures.objects.filter(image=lost["lost2.jpg"]).exists()
    assert object_features.features_sweep(limit=1).read == 1
    assert ImageFeatures.objects.filter(image=fresh).exists()


def test_the_sweep_stops_when_the_store_fails_and_tries_again(world: World, tmp_path: Path,
                                                              monkeypatch) -> None:
    from django.utils import timezone

    from traceobject.evidence import object_features
    from traceobject.evidence.storage import EvidenceStoreError

    run_tasks()
    image = world.images["street.jpg"]
    ImageFeatures.objects.filter(image=image).delete()
    EvidenceImage.objects.filter(pk=image.pk).update(
        ingested_at=timezone.now() - object_features.SWEEP_AFTER * 2)

    def down(*, key: str) -> bytes:
        raise EvidenceStoreError("store down")

    with monkeypatch.context() as patch:
        patch.setattr(object_features, "evidence_read", down)
        result = object_features.features_sweep()
    assert result.read == 0 and result.store_error and not result.more
    assert not ImageFeatures.objects.filter(image=image).exists()  # not recorded: retried
    assert object_features.features_sweep().read == 1
    assert ImageFeatures.objects.get(image=image).count > 50


def test_a_damaged_index_is_rebuilt_in_steps_while_the_previous_one_answers(
        world: World, users) -> None:
    """The generation in use is damaged: searches are answered by the previous generation
    (and say so) while the catch-up builds a new one a bounded number of rows a run, letting
    go of the writers' lock between runs; once caught up it is swapped in."""
    run_tasks()
    first = object_index.object_index_status()
    object_index.object_index_rebuild(retrain=False)
    second = object_index.object_index_status()
    assert second.previous == first.generation
    index_file = Path(second.folder) / str(second.generation) / "index" / "index.faiss"
    index_file.write_bytes(b"not an index")
    DBTaskResult.objects.all().delete()
    crop = _source_crop(world, users["investigator"])
    wanted = world.with_object(0) - {world.images["source.jpg"].pk}

    def search() -> Any:
        return object_search(query=object_query(crop=crop))

    found = search()
    assert found.indexed and found.index_state == "previous"
    assert {m.image.pk for m in found.matches} == wanted
    assert found.notes == ["The object index is being rebuilt: its previous version "
                           "answered, and images it does not hold may be missed."]
    steps = 0
    while True:
        result = object_index.object_index_sync(limit=3)
        steps += 1
        status = object_index.object_index_status()
        if not result.more:
            break
        # between steps: a rebuild under way, nothing swapped, the lock free, searches
        # still answered by the previous generation, the next step queued
        assert status.rebuilding is not None and status.generation is None
        assert status.rebuild_watermark > 0 and status.unreadable == second.generation
        with object_index.exclusive():
            pass
        assert search().index_state == "previous"
        assert DBTaskResult.objects.filter(
            task_path__endswith=".object_index_sync_task").exists()
        assert steps < 20
    assert steps >= 3  # 11 images, 3 rows a step
    assert not result.trained  # the damaged generation's codebook was kept
    assert status.rebuilding is None and status.generation not in (None, second.generation)
    assert status.images == len(world.images)
    assert status.previous == first.generation  # the damaged one is not kept as previous
    assert not (Path(status.folder) / str(second.generation)).exists()
    again = search()
    assert again.index_state == "current" and not again.notes
    assert {m.image.pk for m in again.matches} == wanted


def test_with_no_readable_generation_searches_say_the_index_is_being_rebuilt(
        world: World, users) -> None:
    run_tasks()
    status = object_index.object_index_status()
    assert status.previous is None  # the first generation replaced none
    index_file = Path(status.folder) / str(status.generation) / "index" / "index.faiss"
    index_file.write_bytes(b"not an index")
    found = object_search(query=object_query(crop=_source_crop(world, users["investigator"])))
    assert not found.indexed and found.index_state == "rebuilding"
    # every image with features is compared meanwhile: the object is still found
    assert {m.image.pk for m in found.matches} == \
        world.with_object(0) - {world.images["source.jpg"].pk}
    # each step keeps what it took in: the next one goes on from there
    assert object_index.object_index_sync(limit=4).more
    building = object_index.object_index_status()
    assert building.rebuilding is not None and building.rebuild_watermark > 0
    assert object_index.object_index_sync(limit=4).more
    further = object_index.object_index_status()
    assert further.rebuilding == building.rebuilding
    assert further.rebuild_watermark > building.rebuild_watermark
    assert not object_index.object_index_sync().more
    assert object_index.object_index_status().images == len(world.images)
