"""The persisted same-object index (``search.objects``), kept in step with the database.

Under ``$TRACEOBJECT_HOME/index/objects/`` (``settings.INDEX_DIR``) each *generation* is a
folder: a codebook (visual words learned from a sample of the stored features), the FAISS
index of the evidence images' aggregated vectors (ids: EvidenceImage ids) and ``state.json``.
The file ``CURRENT`` names the generation in use; a retrain (or rebuild) writes a whole new
generation beside it, catches it up and then replaces ``CURRENT`` (an atomic rename), so a
search sees the old generation or the new one, never a mixture. ``PREVIOUS`` names the
generation it replaced (kept until the next swap): when the one in use cannot be read, the
catch-up task builds a new one in steps (``REBUILD`` names it; each task run adds a bounded
number of rows under the writers' lock and lets go), and searches meanwhile are answered by
the previous generation, or say that the index is being rebuilt.

The database is the truth. The index remembers the highest :class:`ImageFeatures` id it has
read (its *watermark*) and catches up by reading only the rows past it, in id order. Ids that
were skipped on the way (a transaction still open, rolled back, or a row deleted) are kept as
*gaps* and looked up again at the next catch-ups for an hour, so a row committed out of id
order is not lost, and the whole table is never read to catch up. Until enough images have
features to learn a codebook (``OBJECT_INDEX_MIN_IMAGES``) there is no index: a search then
compares the query with every image (there are few).
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q

from traceobject.evidence.index import index_lock
from traceobject.evidence.models import ImageFeatures
from traceobject.evidence.object_features import image_features_read
from traceobject.search.objects import (
    Codebook,
    IndexFileError,
    ObjectIndex,
    describe,
    train_codebook,
)
from traceobject.vision.features import FEATURES_VERSION, LocalFeatures, rootsift

logger = logging.getLogger(__name__)

FOLDER = "objects"
CURRENT = "CURRENT"
#: The generation the one in use replaced (searches fall back to it while a rebuild runs).
PREVIOUS = "PREVIOUS"
#: The generation a rebuild in steps is writing (under ``building-<name>``).
REBUILD = "REBUILD"
#: A generation being built: its folder's name until it is swapped in.
BUILDING = "building-"
CODEBOOK_FILE = "codebook.bin"
INDEX_FOLDER = "index"
STATE_FILE = "state.json"
#: Rows read from the database at a time while catching up.
CHUNK = 500
#: A skipped id is looked up again for this long (seconds), then forgotten.
GAP_SECONDS = 3600
#: At most this many gap ranges are kept (the oldest go first).
MAX_GAPS = 10_000
#: Training sample: pictures read, and descriptors kept from each.
SAMPLE_PICTURES = 1000
SAMPLE_PER_PICTURE = 300

_cache_lock = threading.Lock()
#: Per pointer (CURRENT, PREVIOUS), the generation last read for searching, by (name, time
#: stamp); None for one that could not be read (not read again until a writer saves anew).
_cached: dict[str, tuple[tuple[str, int], LoadedIndex | None]] = {}


def _root() -> Path:
    return Path(settings.INDEX_DIR) / FOLDER


def exclusive(name: str = FOLDER) -> AbstractContextManager[None]:
    """One writer at a time across processes (workers, the command line)."""
    return index_lock(name)


@dataclass
class IndexState:
    """What a generation knows besides its index: the gaps below the watermark."""

    features_version: int = FEATURES_VERSION
    created_at: str = ""
    sample_pictures: int = 0
    sample_descriptors: int = 0
    gaps: list[list[float]] = field(default_factory=list)  # [first id, last id, seen at]

    def to_json(self) -> dict[str, Any]:
        return {"features_version": self.features_version, "created_at": self.created_at,
                "sample_pictures": self.sample_pictures,
                "sample_descriptors": self.sample_descriptors, "gaps": self.gaps}

    @classmethod
    def from_json(cls, data: Any) -> IndexState:
        if not isinstance(data, dict):
            raise IndexFileError("state.json is not an object")
        try:
            gaps = [[int(a), int(b), float(t)] for a, b, t in data.get("gaps", [])]
            return cls(features_version=int(data["features_version"]),
                       created_at=str(data.get("created_at", "")),
                       sample_pictures=int(data.get("sample_pictures", 0)),
                       sample_descriptors=int(data.get("sample_descriptors", 0)),
                       gaps=[[a, b, t] for a, b, t in gaps])
        except (KeyError, TypeError, ValueError) as error:
            raise IndexFileError(f"state.json: {error}") from error


@dataclass
class LoadedIndex:
    """One generation, read: its codebook, its index and its state."""

    name: str
    folder: Path
    codebook: Codebook
    index: ObjectIndex
    state: IndexState

    def save(self) -> None:
        """The index first, then the state (a state older than its index only makes the
        next catch-up look at a few gaps again)."""
        self.index.save(self.folder / INDEX_FOLDER)
        write_json(self.folder / STATE_FILE, self.state.to_json())


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _pointer(pointer: str) -> str | None:
    """The generation a pointer file (CURRENT, PREVIOUS, REBUILD) names, if any."""
    try:
        name = (_root() / pointer).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name if name.startswith("g-") and "/" not in name else None


def _current_name() -> str | None:
    return _pointer(CURRENT)


def _load(name: str, folder: Path | None = None) -> LoadedIndex:
    folder = folder or _root() / name
    try:
        state = IndexState.from_json(json.loads((folder / STATE_FILE).read_text()))
    except (OSError, ValueError) as error:
        raise IndexFileError(f"{folder}: {error}") from error
    codebook = Codebook.load(folder / CODEBOOK_FILE)
    index = ObjectIndex.load(folder / INDEX_FOLDER)
    if index.codebook_key != codebook.key:
        raise IndexFileError(f"{folder}: the index was made with another codebook")
    return LoadedIndex(name, folder, codebook, index, state)


def _load_current() -> LoadedIndex | None:
    """The generation in use; None if there is none yet. A damaged one is logged and
    treated as missing (the next catch-up builds a new one)."""
    name = _current_name()
    if name is None:
        return None
    try:
        return _load(name)
    except (OSError, IndexFileError) as error:
        logger.warning("object index %s is unreadable (%s); it will be built again", name, error)
        return None


def _kept_codebook() -> Codebook | None:
    """The codebook of the generation in use when that generation cannot be read but its
    codebook can (and was learned from features of this version): a rebuild keeps it, so
    searches after it mean what they meant before."""
    name = _current_name()
    if name is None:
        return None
    folder = _root() / name
    try:
        state = IndexState.from_json(json.loads((folder / STATE_FILE).read_text()))
        if state.features_version != FEATURES_VERSION:
            return None
        return Codebook.load(folder / CODEBOOK_FILE)
    except (OSError, ValueError):  # IndexFileError is a ValueError
        return None


def _read_for_search(pointer: str) -> tuple[LoadedIndex | None, bool]:
    """The generation ``pointer`` names, read for searching (again only when a writer saved
    a newer one); and whether it was read just now."""
    name = _pointer(pointer)
    if name is None:
        return None, False
    try:
        stamp = (_root() / name / INDEX_FOLDER / "meta.json").stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = (name, stamp)
    with _cache_lock:
        held = _cached.get(pointer)
        if held is not None and held[0] == key:
            return held[1], False
    if pointer == CURRENT:
        loaded = _load_current()
    else:
        try:
            loaded = _load(name)
        except (OSError, IndexFileError) as error:
            logger.warning("object index %s (previous) is unreadable too (%s)", name, error)
            loaded = None
    with _cache_lock:
        _cached[pointer] = (key, loaded)
    return loaded, True


def object_index() -> LoadedIndex | None:
    """The generation in use for searching (read again when a writer saved a newer one)."""
    loaded, fresh = _read_for_search(CURRENT)
    if loaded is None and fresh:  # damaged: the catch-up task builds it again (searches go
        # on without it); queued at once, once per damaged generation and process (a
        # catch-up's window, which may be held by the last catch-up, would drop it)
        from traceobject.evidence.tasks import object_index_sync_task

        transaction.on_commit(object_index_sync_task.enqueue, robust=True)
    return loaded


@dataclass(frozen=True)
class SearchIndex:
    """What answers a search's first stage: ``state`` "current" (the generation in use),
    "previous" (the one in use cannot be read and is being rebuilt: the generation it
    replaced answers), "rebuilding" (neither can be read) or "none" (not built yet)."""

    loaded: LoadedIndex | None
    state: str


def search_index() -> SearchIndex:
    """The generation a search uses: the one in use, else while it is rebuilt the previous
    one (of the same features version), else none, and why."""
    loaded = object_index()
    if loaded is not None:
        return SearchIndex(loaded, "current")
    if _current_name() is None:
        return SearchIndex(None, "none")
    previous, _fresh = _read_for_search(PREVIOUS)
    if previous is not None and previous.state.features_version == FEATURES_VERSION:
        return SearchIndex(previous, "previous")
    return SearchIndex(None, "rebuilding")


# --------------------------------------------------------------------------- reading rows


def _indexable() -> Any:
    return ImageFeatures.objects.filter(image__isnull=False, count__gt=0)


#: What a catch-up asks of an index: the vectors of the images of some feature rows.
VectorsOf = Callable[[list[ImageFeatures]], tuple[list[int], list[Any]]]


class Kept(Protocol):
    """An index kept by watermark: its ObjectIndex (whose ``watermark`` is the highest
    feature row read) and its state (the gaps)."""

    index: ObjectIndex
    state: IndexState


def _local_vectors(loaded: LoadedIndex) -> VectorsOf:
    def vectors_of(rows: list[ImageFeatures]) -> tuple[list[int], list[Any]]:
        """The aggregated vectors of the images of ``rows`` (their features read back, or
        read again from the picture when a file is damaged); rows without features are
        left out."""
        ids, vectors = [], []
        for row in rows:
            if row.image is None or not row.count:
                continue
            read = image_features_read(image=row.image, row=row, have_row=True)
            if read.features is None or not len(read.features):
                continue
            ids.append(row.image.pk)
            vectors.append(describe(loaded.codebook, read.features))
        return ids, vectors

    return vectors_of


def _expire(gaps: list[list[float]], now: float) -> list[list[float]]:
    kept = [g for g in gaps if now - g[2] < GAP_SECONDS]
    return kept[-MAX_GAPS:]


def _fill_gaps(loaded: Kept, vectors_of: VectorsOf, now: float) -> int:
    """Rows that appeared in the gaps since: added (anything of them the index already
    has is removed first: a save interrupted before its state may have added them)."""
    gaps = _expire(loaded.state.gaps, now)
    if not gaps:
        loaded.state.gaps = []
        return 0
    found: list[ImageFeatures] = []
    for start in range(0, len(gaps), 100):
        query = Q(pk__in=[])
        for first, last, _seen in gaps[start:start + 100]:
            part = Q(id__gte=int(first), id__lte=int(last))
            query |= part
        found += list(ImageFeatures.objects.filter(query).select_related("image")
                      .order_by("id"))
    found_ids = {row.pk for row in found}
    remaining: list[list[float]] = []
    for first, last, seen in gaps:
        a, b = int(first), int(last)
        inside = sorted(i for i in found_ids if a <= i <= b)
        for i in inside:
            if i > a:
                remaining.append([a, i - 1, seen])
            a = i + 1
        if a <= b:
            remaining.append([a, b, seen])
    loaded.state.gaps = remaining
    ids, vectors = vectors_of(found)
    _add(loaded.index, ids, vectors)
    return len(ids)


def _add(index: ObjectIndex, ids: list[int], vectors: list[Any]) -> None:
    """Add the vectors of images; an image the index has already (its features were read
    again into a new row, or a save was interrupted before its state) is replaced."""
    if not ids:
        return
    wanted = np.array(ids, dtype=np.int64)
    held = getattr(index, "_images", None)  # the image ids it holds (sorted)
    known = wanted[np.isin(wanted, held)] if held is not None else wanted
    if known.size:
        index.remove(known)
    index.add(wanted, vectors)


def catch_up(loaded: Kept, vectors_of: VectorsOf, *, limit: int | None = None
             ) -> tuple[int, bool]:
    """Add the images of the rows past the watermark (at most ``limit`` rows) and of the
    rows that turned up in the gaps; returns how many images were added and whether rows
    are left past the new watermark."""
    now = time.time()
    added = _fill_gaps(loaded, vectors_of, now)
    watermark = max(0, loaded.index.watermark)
    read = 0
    while limit is None or read < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - read)
        rows = list(ImageFeatures.objects.filter(id__gt=watermark).select_related("image")
                    .order_by("id")[:size])
        if not rows:
            return added, False
        expected = watermark + 1
        for row in rows:
            if row.pk > expected:
                loaded.state.gaps.append([expected, row.pk - 1, now])
            expected = row.pk + 1
        ids, vectors = vectors_of(rows)
        _add(loaded.index, ids, vectors)
        added += len(ids)
        watermark = rows[-1].pk
        loaded.index.watermark = watermark
        read += len(rows)
    loaded.state.gaps = _expire(loaded.state.gaps, now)
    return added, ImageFeatures.objects.filter(id__gt=watermark).exists()


# --------------------------------------------------------------------------- building


def _sample() -> tuple[np.ndarray, list[LocalFeatures]]:
    """RootSIFT descriptors and pictures' features of a random sample of the indexable
    images, found by probing random ids (no read of the whole table)."""
    bounds = _indexable().aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    if low is None or high is None:
        return np.zeros((0, 128), np.float32), []
    rng = random.Random(0)  # noqa: S311  (a sample, not a secret)
    span = high - low + 1
    rows: dict[int, ImageFeatures] = {}
    for _attempt in range(8):
        if len(rows) >= SAMPLE_PICTURES:
            break
        want = SAMPLE_PICTURES - len(rows)
        if span <= 3 * want:
            probes = list(range(low, high + 1))
        else:
            probes = rng.sample(range(low, high + 1), min(span, 3 * want))
        for start in range(0, len(probes), 1000):
            for row in _indexable().filter(id__in=probes[start:start + 1000]) \
                    .select_related("image"):
                rows.setdefault(row.pk, row)
        if span <= 3 * want:
            break
    chosen = sorted(rows.values(), key=lambda r: r.pk)[:SAMPLE_PICTURES]
    pictures, parts = [], []
    np_rng = np.random.default_rng(0)
    for row in chosen:
        assert row.image is not None
        read = image_features_read(image=row.image, row=row, have_row=True)
        if read.features is None or not len(read.features):
            continue
        pictures.append(read.features)
        descriptors = rootsift(read.features.descriptors)
        if descriptors.shape[0] > SAMPLE_PER_PICTURE:
            keep = np_rng.choice(descriptors.shape[0], SAMPLE_PER_PICTURE, replace=False)
            descriptors = descriptors[keep]
        parts.append(descriptors)
    sample = np.concatenate(parts) if parts else np.zeros((0, 128), np.float32)
    return sample.astype(np.float32), pictures


class NotEnoughFeatures(ValueError):
    """Too few evidence images have features to learn a codebook yet."""


def _new_generation(codebook: Codebook | None) -> LoadedIndex:
    """A new generation folder with a codebook (learned now from a sample, or ``codebook``
    kept) and an empty index; written under a name no other generation has."""
    state = IndexState(created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    if codebook is None:
        images = _indexable().count()
        least = settings.OBJECT_INDEX_MIN_IMAGES
        if images < least:
            raise NotEnoughFeatures(f"{images} evidence images have local features; "
                                    f"a codebook needs at least {least}")
        sample, pictures = _sample()
        words = settings.OBJECT_INDEX_WORDS
        try:
            codebook = train_codebook(sample, words=words, pictures=pictures)
        except ValueError as error:
            raise NotEnoughFeatures(str(error)) from error
        state.sample_pictures, state.sample_descriptors = len(pictures), int(sample.shape[0])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"g-{stamp}-{secrets.token_hex(4)}"
    folder = _root() / f"{BUILDING}{name}"  # renamed to `name` when it is swapped in
    folder.mkdir(parents=True)
    codebook.save(folder / CODEBOOK_FILE)
    index = ObjectIndex(codebook.dims, codebook_key=codebook.key,
                        pq_bytes=_pq_bytes(codebook.dims))
    return LoadedIndex(name, folder, codebook, index, state)


def _pq_bytes(dims: int) -> int:
    """Product-quantisation code bytes per vector: 32, or the largest divisor of ``dims``
    below it (the codebook's dimension can be lowered by a small training sample)."""
    return max(b for b in range(1, min(32, dims) + 1) if dims % b == 0)


def _swap(loaded: LoadedIndex, *, outgoing_readable: bool) -> None:
    """Make ``loaded`` (built and saved) the generation in use, under the writers' lock:
    its folder takes its name, ``CURRENT`` names it, ``PREVIOUS`` the one it replaces (when
    that one could be read; else the previous one stays), and the other generations go
    (readers that hold one in memory keep it). A rebuild in steps that another generation
    overtook is dropped; folders other rebuilds are still writing are left, unless a day
    old (a rebuild that was killed)."""
    root = _root()
    outgoing = _current_name()
    previous = outgoing if outgoing_readable and outgoing != loaded.name else _pointer(PREVIOUS)
    target = root / loaded.name
    if loaded.folder != target:
        os.rename(loaded.folder, target)
        loaded.folder = target
    _write_json_text(root / CURRENT, loaded.name)
    if previous is not None and previous != loaded.name and (root / previous).is_dir():
        _write_json_text(root / PREVIOUS, previous)
    else:
        previous = None
        (root / PREVIOUS).unlink(missing_ok=True)
    _drop_rebuild(keep=loaded.name)
    for other in root.glob("g-*"):
        if other.name not in (loaded.name, previous) and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
    for stale in root.glob(f"{BUILDING}g-*"):
        if stale.is_dir() and time.time() - stale.stat().st_mtime > 86_400:
            shutil.rmtree(stale, ignore_errors=True)


def _write_json_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class SyncResult:
    added: int  # images added to the index
    trained: bool = False  # a new generation (codebook) was made
    more: bool = False  # rows are left past the watermark (a limited catch-up)
    reason: str = ""  # why there is no index yet


def _drop_rebuild(*, keep: str = "") -> None:
    """Forget the rebuild in steps under way (its folder goes too), unless it is ``keep``."""
    name = _pointer(REBUILD)
    (_root() / REBUILD).unlink(missing_ok=True)
    if name is not None and name != keep:
        shutil.rmtree(_root() / f"{BUILDING}{name}", ignore_errors=True)


def _resume_rebuild() -> LoadedIndex | None:
    """The generation a rebuild in steps is writing (``REBUILD``), read back; None when
    there is none, or it cannot be read or is of older features (it starts again)."""
    name = _pointer(REBUILD)
    if name is None:
        return None
    folder = _root() / f"{BUILDING}{name}"
    try:
        loaded = _load(name, folder)
    except (OSError, IndexFileError) as error:
        logger.warning("object index rebuild %s is unreadable (%s); it starts again", name,
                       error)
        _drop_rebuild()
        return None
    if loaded.state.features_version != FEATURES_VERSION:
        _drop_rebuild()
        return None
    return loaded


def _rebuild_step(*, limit: int | None, outgoing_readable: bool) -> SyncResult:
    """One step of building a generation when there is no usable one (none yet, damaged, or
    of older features), under the writers' lock: the generation under way (``REBUILD``) or a
    new one (its codebook kept when it can still be read) takes in at most ``limit`` rows
    and is saved; once it has caught up it is swapped in. ``more``: steps are left."""
    fresh = _resume_rebuild()
    trained = False
    if fresh is None:
        kept = _kept_codebook()
        try:
            fresh = _new_generation(kept)
        except NotEnoughFeatures as error:
            return SyncResult(0, reason=str(error))
        trained = kept is None
        try:
            fresh.save()
            _write_json_text(_root() / REBUILD, fresh.name)
        except BaseException:
            shutil.rmtree(fresh.folder, ignore_errors=True)
            raise
    added, more = catch_up(fresh, _local_vectors(fresh), limit=limit)
    fresh.save()  # what a step took in is kept even if the next one fails
    if more:
        return SyncResult(added, trained=trained, more=True)
    _swap(fresh, outgoing_readable=outgoing_readable)
    return SyncResult(added, trained=trained)


def object_index_sync(*, limit: int | None = None) -> SyncResult:
    """Catch the index up with the database (rows past the watermark, at most ``limit``);
    with no usable generation (none yet, damaged, older features), build one in steps of at
    most ``limit`` rows when enough images have features (searches meanwhile use the previous
    generation). Queues the next catch-up itself when rows are left (``limit``)."""
    with exclusive():
        loaded = _load_current()
        if loaded is None or loaded.state.features_version != FEATURES_VERSION:
            result = _rebuild_step(limit=limit, outgoing_readable=loaded is not None)
        else:
            if _pointer(REBUILD) is not None:  # overtaken by a generation swapped in
                _drop_rebuild()
            before = (loaded.index.watermark, len(loaded.state.gaps))
            added, more = catch_up(loaded, _local_vectors(loaded), limit=limit)
            if added or (loaded.index.watermark, len(loaded.state.gaps)) != before:
                loaded.save()
            result = SyncResult(added, more=more)
    if result.more:  # the next part now (not through the window, which this run may hold)
        from traceobject.evidence.tasks import object_index_sync_task

        transaction.on_commit(object_index_sync_task.enqueue, robust=True)
    return result


def object_index_rebuild(*, retrain: bool = True) -> SyncResult:
    """A new generation from the database: a codebook learned again from a new sample
    (``retrain``) or the current one kept, every indexable image added, then swapped in.
    The long part runs without the writers' lock (catch-ups go on meanwhile on the old
    generation); the new one is caught up under the lock just before the swap."""
    codebook = None
    if not retrain:
        current = _load_current()
        codebook = current.codebook if current is not None else None
    fresh = _new_generation(codebook)
    try:
        added, _more = catch_up(fresh, _local_vectors(fresh))
        with exclusive():
            more_added, _more = catch_up(fresh, _local_vectors(fresh))
            fresh.save()
            _swap(fresh, outgoing_readable=_load_current() is not None)
    except BaseException:
        shutil.rmtree(fresh.folder, ignore_errors=True)
        raise
    return SyncResult(added + more_added, trained=True)


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class ObjectIndexStatus:
    folder: Path
    generation: str | None
    created_at: str
    images: int  # in the index
    vectors: int
    kind: str  # "flat" or "ivfpq"
    bytes_per_image: float
    words: int
    dims: int
    watermark: int
    pending: int  # feature rows past the watermark
    gaps: int
    with_features: int  # evidence images with local features (the database)
    without_features: int  # evidence images not read yet (or unreadable)
    needs: int  # images with features a first codebook needs (OBJECT_INDEX_MIN_IMAGES)
    sample_pictures: int
    sample_descriptors: int
    previous: str | None = None  # the generation searches fall back to while one is rebuilt
    rebuilding: str | None = None  # a generation being built in steps
    rebuild_watermark: int = 0  # how far it has read
    unreadable: str | None = None  # the generation CURRENT names when it cannot be read


def _rebuild_watermark(name: str | None) -> int:
    if name is None:
        return 0
    try:
        meta = json.loads((_root() / f"{BUILDING}{name}" / INDEX_FOLDER / "meta.json")
                          .read_text())
        return max(0, int(meta["watermark"]))
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def object_index_status() -> ObjectIndexStatus:
    from traceobject.evidence.models import EvidenceImage

    loaded = _load_current()
    watermark = loaded.index.watermark if loaded else 0
    with_features = _indexable().count()
    stats = loaded.index.stats() if loaded else {}
    return ObjectIndexStatus(
        folder=_root(), generation=loaded.name if loaded else None,
        created_at=loaded.state.created_at if loaded else "",
        images=len(loaded.index) if loaded else 0, vectors=int(stats.get("vectors", 0)),
        kind=str(stats.get("kind", "")), bytes_per_image=float(stats.get("bytes_per_image", 0)),
        words=loaded.codebook.n_words if loaded else 0,
        dims=loaded.codebook.dims if loaded else 0, watermark=max(0, watermark),
        pending=ImageFeatures.objects.filter(id__gt=max(0, watermark)).count(),
        gaps=sum(int(b) - int(a) + 1 for a, b, _t in loaded.state.gaps) if loaded else 0,
        with_features=with_features,
        without_features=EvidenceImage.objects.filter(features__isnull=True).count(),
        needs=settings.OBJECT_INDEX_MIN_IMAGES,
        sample_pictures=loaded.state.sample_pictures if loaded else 0,
        sample_descriptors=loaded.state.sample_descriptors if loaded else 0,
        previous=_pointer(PREVIOUS), rebuilding=_pointer(REBUILD),
        rebuild_watermark=_rebuild_watermark(_pointer(REBUILD)),
        unreadable=_current_name() if loaded is None else None)
