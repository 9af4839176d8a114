"""The command line of same-object search: `traceobject similar IMAGE --objects` (one verified
match per line, most matching points first) and `traceobject objects-index` (status, catch
up, rebuild, retrain, read missing features); missing and damaged pictures are refused with
the reason and exit status 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bench.object_scenes import make_scene, object_texture

from tests.evidence.objects_world import World, indexed_world
from traceobject import cli
from traceobject.evidence.models import EvidenceImage, ImageFeatures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tmp_path: Path, evidence_store: Path, settings: Any) -> World:
    return indexed_world(tmp_path / "seized", settings)


def test_similar_objects_lists_the_verified_matches(world: World, tmp_path: Path,
                                                    capsys) -> None:
    # a new photograph of object 0, not in the evidence: it finds every scene of it
    picture, _box = make_scene(object_texture(0), seed=99, scale=1.1, rotation=-15.0)
    query = tmp_path / "query.jpg"
    picture.save(query, "JPEG", quality=90)
    assert cli.main(["similar", str(query), "--objects"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [line.split("\t") for line in lines]
    assert {int(r[1]) for r in rows} == world.with_object(0)
    inliers = [int(r[0]) for r in rows]
    assert inliers == sorted(inliers, reverse=True) and min(inliers) >= 10
    by_id = {int(r[1]): r for r in rows}
    bedroom = world.images["bedroom.jpg"].pk
    assert by_id[bedroom][2] == "CASE-B" and by_id[bedroom][3].endswith("bedroom.jpg")


def test_similar_objects_refuses_missing_and_damaged_pictures(world: World, tmp_path: Path,
                                                              capsys) -> None:
    assert cli.main(["similar", str(tmp_path / "nowhere.jpg"), "--objects"]) == 2
    assert "not a readable file" in capsys.readouterr().err
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture at all\n")
    assert cli.main(["similar", str(text), "--objects"]) == 2
    assert "not_an_image" in capsys.readouterr().err
    whole = (world.root / "CASE-B" / "bedroom.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 3])
    assert cli.main(["similar", str(cut), "--objects"]) == 2
    err = capsys.readouterr().err
    assert "truncated" in err and "Traceback" not in err
    # a flat picture has nothing to find: said so, no match, not an error
    from PIL import Image

    flat = tmp_path / "flat.png"
    Image.new("RGB", (200, 200), (90, 90, 90)).save(flat)
    assert cli.main(["similar", str(flat), "--objects"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "too few distinct details" in captured.err


def test_objects_index_status_rebuild_retrain_and_extract(world: World, capsys) -> None:
    assert cli.main(["objects-index"]) == 0
    out = capsys.readouterr().out
    assert f"images indexed   {len(world.images)}" in out and "16 words" in out
    assert "embedding model: off" in out
    generation = next(line.split()[1] for line in out.splitlines()
                      if line.strip().startswith("generation"))
    assert cli.main(["objects-index", "--retrain"]) == 0
    out = capsys.readouterr().out
    assert f"{len(world.images)} images added (new codebook and index)" in out
    current = next(line for line in out.splitlines() if line.strip().startswith("generation"))
    assert generation not in current  # a new generation is in use,
    assert f"previous         {generation}" in out  # the old one kept as the previous
    assert cli.main(["objects-index", "--rebuild"]) == 0
    assert cli.main(["objects-index", "--sync"]) == 0
    assert "0 images added" in capsys.readouterr().out
    # features lost for two images (a task that never ran): --extract reads them again
    lost = list(EvidenceImage.objects.order_by("pk")[:2])
    ImageFeatures.objects.filter(image__in=lost).delete()
    assert cli.main(["objects-index", "--extract"]) == 0
    out = capsys.readouterr().out
    assert "local features read for 2 evidence images" in out
    assert ImageFeatures.objects.filter(image__in=lost).count() == 2
    assert "0 not read yet" in out
