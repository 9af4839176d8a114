"""The optional embedding model in same-object search: when one is configured, the evidence
images' embeddings are kept in their own index (caught up with the object index's task) and
the model's nearest images join the first stage's candidates before verification; a model
that cannot be used is logged and the search goes on without it. The model is a tiny
random-weight ONNX network built by the test (tests/vision/test_embedding.py)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.evidence.conftest import crop_make
from tests.evidence.objects_world import World, indexed_world, run_tasks
from tests.vision.test_embedding import conv_model
from traceobject.evidence.object_embeddings import embedding_candidates, embedding_index_sync
from traceobject.evidence.object_index import object_index
from traceobject.evidence.object_search import (
    object_query,
    object_search,
    query_features,
    query_picture,
)
from traceobject.search.objects import ObjectIndex, describe_query
from traceobject.vision.embedding import EmbeddingModel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    return conv_model(tmp_path / "encoder.onnx")


@pytest.fixture
def world(tmp_path: Path, evidence_store: Path, settings: Any, model_file: Path) -> World:
    settings.EMBEDDING_MODEL = str(model_file)
    return indexed_world(tmp_path / "seized", settings)  # its catch-up fills that index too


def test_the_models_nearest_images_join_the_candidates(world: World, users, settings,
                                                       model_file: Path) -> None:
    model = EmbeddingModel.load(model_file)
    folder = Path(settings.INDEX_DIR) / "objects-embedding" / model.sha256[:16] / "index"
    assert len(ObjectIndex.load(folder)) == len(world.images)
    assert embedding_index_sync() == 0  # caught up already

    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    crop = crop_make(source, {"x": x, "y": y, "w": w, "h": h}, user=users["investigator"])
    query = object_query(crop=crop)
    loaded = object_index()
    assert loaded is not None
    local = [i for i, _s in loaded.index.search(describe_query(loaded.codebook,
                                                               query_features(query)), k=200)
             if i != source.pk][:1]
    nearest = [i for i in embedding_candidates(picture=query_picture(query), k=1)
               if i != source.pk]
    results = object_search(query=query, verify_top=1)
    assert results.candidates == len(set(local) | set(nearest))
    assert results.embedding == bool(set(nearest) - set(local))
    # with every candidate verified, the model changes nothing of what verifies
    full = object_search(query=query)
    assert {m.image.pk for m in full.matches} == world.with_object(0) - {source.pk}


def test_a_model_that_cannot_be_used_is_left_out(world: World, users, settings,
                                                 tmp_path: Path, caplog) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07not a model")
    settings.EMBEDDING_MODEL = str(broken)
    source = world.images["source.jpg"]
    x, y, w, h = world.boxes["source.jpg"]  # type: ignore[misc]
    crop = crop_make(source, {"x": x, "y": y, "w": w, "h": h}, user=users["investigator"])
    with caplog.at_level(logging.WARNING):
        results = object_search(query=object_query(crop=crop))
        assert embedding_index_sync() == 0
    assert not results.embedding
    assert {m.image.pk for m in results.matches} == world.with_object(0) - {source.pk}
    assert any("embedding model not used" in r.getMessage() for r in caplog.records)


def test_a_model_configured_on_a_filled_store_embeds_it_all_part_by_part(
        tmp_path: Path, evidence_store: Path, settings: Any, model_file: Path) -> None:
    """The object index is caught up already (nothing left for it to queue): the embedding
    index's own catch-up queues its next parts until every image is in."""
    built = indexed_world(tmp_path / "seized", settings)
    settings.EMBEDDING_MODEL = str(model_file)
    assert embedding_index_sync(limit=2) == 2
    assert run_tasks("object_index_sync_task") == 1  # the next part (the rest fits in it)
    assert embedding_index_sync() == 0
    model = EmbeddingModel.load(model_file)
    folder = Path(settings.INDEX_DIR) / "objects-embedding" / model.sha256[:16] / "index"
    assert len(ObjectIndex.load(folder)) == len(built.images)
