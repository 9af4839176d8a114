"""The optional global embedding of same-object search (``vision.embedding``): when an ONNX
model is configured (TRACEOBJECT_EMBEDDING_MODEL), its nearest evidence images are added to
the candidates of the first stage before geometric verification. Never required: with no
model (or one that cannot be used, logged) nothing here runs.

The embeddings of the evidence images (the whole picture and four overlapping regions,
``describe_regions``) live only in their own index, under
``$TRACEOBJECT_HOME/index/objects-embedding/<model>/`` (one folder per model file: vectors
of two models never mix), kept from the database like the object index: by watermark over
the feature rows, with the same gaps; the pictures are decoded again to embed them.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from PIL import Image

from traceobject.evidence.models import ImageFeatures
from traceobject.evidence.object_index import (
    STATE_FILE,
    IndexState,
    catch_up,
    exclusive,
    write_json,
)
from traceobject.evidence.storage import EvidenceStoreError, evidence_read
from traceobject.search.objects import IndexFileError, ObjectIndex
from traceobject.vision.decode import DecodeError, decode_for_hashing
from traceobject.vision.embedding import (
    MAX_INPUT_SIDE,
    EmbeddingModel,
    EmbeddingModelError,
    configured_model,
)

logger = logging.getLogger(__name__)

FOLDER = "objects-embedding"
INDEX_FOLDER = "index"


def _model() -> EmbeddingModel | None:
    """The configured model; None when there is none or it cannot be used (logged)."""
    try:
        return configured_model(settings.EMBEDDING_MODEL or None)
    except (EmbeddingModelError, OSError) as error:
        logger.warning("embedding model not used: %s", error)
        return None


def embedding_configured() -> bool:
    return _model() is not None


@dataclass
class _Kept:
    index: ObjectIndex
    state: IndexState
    folder: Path

    def save(self) -> None:
        self.index.save(self.folder / INDEX_FOLDER)
        write_json(self.folder / STATE_FILE, self.state.to_json())


def _folder(model: EmbeddingModel) -> Path:
    return Path(settings.INDEX_DIR) / FOLDER / model.sha256[:16]


def _pq_bytes(dims: int) -> int:
    return max(b for b in range(1, min(32, dims) + 1) if dims % b == 0)


def _load(model: EmbeddingModel) -> _Kept:
    folder = _folder(model)
    try:
        index = ObjectIndex.load(folder / INDEX_FOLDER)
        state = IndexState.from_json(json.loads((folder / STATE_FILE).read_text()))
        if index.dims != model.dimension:
            raise IndexFileError("the embedding index has another dimension")
    except FileNotFoundError:
        index = ObjectIndex(model.dimension, codebook_key=model.sha256[:16],
                            pq_bytes=_pq_bytes(model.dimension))
        state = IndexState()
    except (OSError, ValueError) as error:  # IndexFileError is a ValueError
        logger.warning("embedding index at %s is unreadable (%s); building it again",
                       folder, error)
        index = ObjectIndex(model.dimension, codebook_key=model.sha256[:16],
                            pq_bytes=_pq_bytes(model.dimension))
        state = IndexState()
    folder.mkdir(parents=True, exist_ok=True)
    return _Kept(index, state, folder)


def _vectors_of(model: EmbeddingModel) -> Any:
    def vectors_of(rows: list[ImageFeatures]) -> tuple[list[int], list[Any]]:
        ids, vectors = [], []
        for row in rows:
            if row.image is None:
                continue
            try:
                decoded = decode_for_hashing(evidence_read(key=row.image.storage_key),
                                             max_side=MAX_INPUT_SIDE)
            except EvidenceStoreError:
                raise
            except (OSError, DecodeError, ValueError) as error:
                logger.warning("evidence %s: no embedding: %s", row.image.pk,
                               type(error).__name__)
                continue
            ids.append(row.image.pk)
            vectors.append(model.describe_regions(decoded.pixels, levels=1))
        return ids, vectors

    return vectors_of


def embedding_index_sync(*, limit: int | None = None) -> int:
    """Catch the configured model's index up with the database; images added (0 without a
    model). Queues the next catch-up itself when rows are left (``limit``): the object
    index may have nothing left to queue one for."""
    model = _model()
    if model is None:
        return 0
    with exclusive(FOLDER):
        kept = _load(model)
        before = (kept.index.watermark, len(kept.state.gaps))
        added, more = catch_up(kept, _vectors_of(model), limit=limit)
        if added or (kept.index.watermark, len(kept.state.gaps)) != before \
                or not (kept.folder / STATE_FILE).exists():
            kept.save()
    if more:
        from traceobject.evidence.tasks import object_index_sync_task

        transaction.on_commit(object_index_sync_task.enqueue, robust=True)
    return added


_cache_lock = threading.Lock()
_cached: dict[Path, tuple[int, ObjectIndex]] = {}


def _searched(model: EmbeddingModel) -> ObjectIndex | None:
    """The model's index for searching (read again when a catch-up saved a newer one)."""
    folder = _folder(model) / INDEX_FOLDER
    try:
        stamp = (folder / "meta.json").stat().st_mtime_ns
    except OSError:
        return None
    with _cache_lock:
        held = _cached.get(folder)
        if held is not None and held[0] == stamp:
            return held[1]
    try:
        index = ObjectIndex.load(folder)
    except (OSError, ValueError) as error:
        logger.warning("embedding index at %s is unreadable: %s", folder, error)
        return None
    with _cache_lock:
        _cached[folder] = (stamp, index)
    return index


def embedding_candidates(*, picture: Image.Image, k: int) -> list[int]:
    """The evidence images nearest to ``picture`` by the configured model, best first
    (none without a model or an index)."""
    model = _model()
    if model is None:
        return []
    index = _searched(model)
    if index is None:
        return []
    query = model.embed(picture)
    return [i for i, _score in index.search(np.asarray(query)[None, :], k=k)]
