"""Local features of evidence images and crops for same-object search (``vision.features``:
SIFT keypoints and descriptors), read by tasks on ingest and when a crop is made, kept as
compact files in the evidence store (``features_to_bytes``, about 140 bytes a keypoint) with
one :class:`ImageFeatures` row each.

A feature file that is missing, damaged or of an older version is read again from its
picture when it is next needed (logged as a warning); a picture that cannot be decoded gives
a row with ``count`` 0 and the reason, never an exception out of a task or a search.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import PurePosixPath
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from traceobject.core.scheduling import schedule_once_on_commit
from traceobject.evidence.models import Crop, EvidenceImage, ImageFeatures
from traceobject.evidence.storage import (
    EvidenceStoreError,
    evidence_delete,
    evidence_put,
    evidence_read,
)
from traceobject.vision.decode import DecodeError, decode_for_hashing
from traceobject.vision.features import (
    FEATURES_VERSION,
    MAX_SIDE,
    FeatureFileError,
    LocalFeatures,
    extract,
    features_from_bytes,
    features_to_bytes,
)

logger = logging.getLogger(__name__)

#: Evidence images read in one task (about 0.1-0.3 s each).
FEATURES_BATCH = 20
#: The object index catches up at most this often (seconds) while features keep coming.
INDEX_SYNC_WINDOW = 30
#: The periodic sweep leaves an image this long to the task its ingest queued.
SWEEP_AFTER = timedelta(minutes=15)


def _scaled(features: LocalFeatures, width: int, height: int) -> LocalFeatures:
    """``features`` of a reduced copy, in the pixels of the ``width`` x ``height`` original
    (pixel centres as ``vision.features.extract`` maps them)."""
    if (features.width, features.height) == (width, height) or not features.width:
        return features
    sx, sy = width / features.width, height / features.height
    xy = (features.xy.astype(np.float64) + 0.5) * np.array([sx, sy]) - 0.5
    xy = np.clip(xy, -0.5, [width - 0.5, height - 0.5])
    size = features.size.astype(np.float64) * (sx + sy) / 2
    return LocalFeatures(xy=xy.astype(np.float32), size=size.astype(np.float32),
                         angle=features.angle, descriptors=features.descriptors,
                         width=width, height=height)


def picture_features(picture: Image.Image | npt.NDArray[np.uint8]) -> LocalFeatures:
    """The local features of a decoded picture (a crop, a region), in its own pixels."""
    return extract(picture)


def file_features(data: bytes) -> LocalFeatures:
    """The local features of an image file, in the pixels of the full image as displayed
    (orientation applied): decoded at reduced size (no larger than extraction uses) and
    scaled back. DecodeError for a file that is not a safe picture."""
    decoded = decode_for_hashing(data, max_side=MAX_SIDE)
    return _scaled(extract(decoded.pixels), decoded.width, decoded.height)


def _image_key(image: EvidenceImage) -> str:
    sha = image.sha256
    return f"features/v{FEATURES_VERSION}/{sha[:2]}/{sha[2:4]}/{sha}.sift"


def _crop_key(crop: Crop) -> str:
    # a crop's picture is stored under a random key; its features follow that key, so a
    # crop whose picture is replaced (text blacked out) gets a new feature file
    stem = PurePosixPath(crop.storage_key).stem
    return f"features/v{FEATURES_VERSION}/crops/{crop.pk}-{stem}.sift"


def _store(key: str, features: LocalFeatures, *, replace: bool) -> None:
    if replace:
        evidence_delete(key=key)  # a damaged file of the same size would be kept otherwise
    evidence_put(key=key, data=features_to_bytes(features))


def _record(*, image: EvidenceImage | None = None, crop: Crop | None = None,
            features: LocalFeatures | None, source_key: str, key: str,
            error: str = "") -> ImageFeatures:
    """Create or update the row of ``image`` or ``crop`` (its id stays: the object index
    keeps what it has of it)."""
    anchor: dict[str, Any] = {"image": image} if image is not None else {"crop": crop}
    values = {"storage_key": key if features is not None else "", "source_key": source_key,
              "count": len(features) if features is not None else 0,
              "version": FEATURES_VERSION, "error": error[:200],
              "extracted_at": timezone.now()}
    try:
        with transaction.atomic():
            row, _created = ImageFeatures.objects.update_or_create(**anchor, defaults=values)
    except IntegrityError:  # another worker recorded it at the same moment
        row = ImageFeatures.objects.get(**anchor)
    return row


def features_extract_for_image(*, image: EvidenceImage, replace: bool = False) -> ImageFeatures:
    """Read the local features of an evidence image from its stored file and keep them.
    An unreadable picture gives a row with the reason (count 0); a store that fails raises
    EvidenceStoreError (the task is retried later)."""
    key = _image_key(image)
    try:
        features = file_features(evidence_read(key=image.storage_key))
    except EvidenceStoreError:
        raise
    except (OSError, DecodeError, ValueError) as error:
        reason = getattr(error, "reason_code", type(error).__name__)
        logger.warning("evidence %s: no local features: %s", image.pk, reason)
        return _record(image=image, features=None, source_key=image.storage_key, key=key,
                       error=f"unreadable: {reason}")
    _store(key, features, replace=replace)
    return _record(image=image, features=features, source_key=image.storage_key, key=key)


def features_extract_for_images(*, image_ids: Sequence[int]) -> int:
    """Read the local features of evidence images that have none of this version yet (what
    ingest queues); the object index then catches up. Returns how many were read."""
    ids = [int(i) for i in image_ids]
    done = set(ImageFeatures.objects.filter(image_id__in=ids, version=FEATURES_VERSION)
               .values_list("image_id", flat=True))
    read = 0
    for image in EvidenceImage.objects.filter(pk__in=[i for i in ids if i not in done]):
        features_extract_for_image(image=image)
        read += 1
    if read:
        object_index_sync_schedule()
    return read


def features_extract_for_crop(*, crop: Crop, replace: bool = False) -> ImageFeatures:
    """Read the local features of a crop (its stored, redacted picture) and keep them."""
    from traceobject.evidence.crops import crop_pixels

    key = _crop_key(crop)
    # The features of the crop's previous picture (before text was blacked out) go once
    # the new ones are recorded: they were read from a picture that no longer exists.
    previous = (ImageFeatures.objects.filter(crop=crop).exclude(storage_key__in=("", key))
                .values_list("storage_key", flat=True).first())
    try:
        features = picture_features(np.asarray(crop_pixels(crop), dtype=np.uint8))
    except EvidenceStoreError:
        raise
    except (OSError, ValueError) as error:
        logger.warning("crop %s: no local features: %s", crop.pk, type(error).__name__)
        row = _record(crop=crop, features=None, source_key=crop.storage_key, key=key,
                      error=f"unreadable: {type(error).__name__}")
    else:
        _store(key, features, replace=replace)
        row = _record(crop=crop, features=features, source_key=crop.storage_key, key=key)
    if previous:
        evidence_delete(key=previous)
    return row


@dataclass(frozen=True)
class FeaturesRead:
    """Features read back for a search: None when the picture has none (unreadable);
    ``repaired``: the stored file was missing, damaged or old and was read again."""

    features: LocalFeatures | None
    repaired: bool = False
    problem: str = ""


def _read_row(row: ImageFeatures | None, source_key: str) -> tuple[LocalFeatures | None, str]:
    """The stored features of ``row`` if they are current; else None and why not."""
    if row is None:
        return None, "missing"
    if row.version != FEATURES_VERSION or row.source_key != source_key:
        return None, "outdated"
    if not row.storage_key:
        return None, row.error or "unreadable"
    try:
        return features_from_bytes(evidence_read(key=row.storage_key)), ""
    except FileNotFoundError:
        return None, "file missing"
    except FeatureFileError as error:
        return None, f"damaged: {error}"


def image_features_read(*, image: EvidenceImage, row: ImageFeatures | None = None,
                        have_row: bool = False) -> FeaturesRead:
    """The stored local features of an evidence image, read again from the picture when
    the file is missing, damaged or outdated (a warning is logged). ``row``/``have_row``:
    the caller already looked the row up (None: there is none)."""
    if not have_row:
        row = ImageFeatures.objects.filter(image=image).first()
    features, problem = _read_row(row, image.storage_key)
    if features is not None:
        return FeaturesRead(features)
    if row is not None and row.error and not row.storage_key \
            and row.version == FEATURES_VERSION and row.source_key == image.storage_key:
        return FeaturesRead(None, problem=row.error)  # read before: the picture is unreadable
    if problem not in ("missing", "outdated"):
        logger.warning("evidence %s: stored features %s; reading them again", image.pk, problem)
    fresh = features_extract_for_image(image=image, replace=True)
    features, again = _read_row(fresh, image.storage_key)
    return FeaturesRead(features, repaired=features is not None
                        and problem not in ("missing", "outdated"), problem=again or problem)


def crop_features_read(*, crop: Crop) -> FeaturesRead:
    """The stored local features of a crop (read now if the task has not yet)."""
    row = ImageFeatures.objects.filter(crop=crop).first()
    features, problem = _read_row(row, crop.storage_key)
    if features is not None:
        return FeaturesRead(features)
    if problem not in ("missing", "outdated"):
        logger.warning("crop %s: stored features %s; reading them again", crop.pk, problem)
    fresh = features_extract_for_crop(crop=crop, replace=True)
    features, again = _read_row(fresh, crop.storage_key)
    return FeaturesRead(features, repaired=features is not None
                        and problem not in ("missing", "outdated"), problem=again or problem)


def features_extract_missing(*, stream: TextIO | None = None) -> int:
    """Read the local features of every evidence image that has none (images ingested before
    same-object search, or whose task was lost), in id order; returns how many. The command
    line's (``traceobject objects-index --extract``); ingest queues tasks instead."""
    last, done = 0, 0
    while True:
        batch = list(EvidenceImage.objects.filter(pk__gt=last, features__isnull=True)
                     .order_by("pk")[:FEATURES_BATCH * 10])
        if not batch:
            return done
        for image in batch:
            features_extract_for_image(image=image)
            done += 1
        last = batch[-1].pk
        if stream is not None:
            print(f"{done} images read", file=stream, flush=True)


@dataclass(frozen=True)
class SweepResult:
    read: int  # images whose features were read (unreadable pictures included)
    unreadable: int  # of them, pictures that could not be read (recorded with the reason)
    more: bool  # images without features are left for the next run
    store_error: str = ""  # the evidence store failed: the run stopped there


def features_sweep(*, limit: int | None = None, now: datetime | None = None) -> SweepResult:
    """The periodic sweep: read the local features of evidence images that have none although
    they were ingested more than SWEEP_AFTER ago (their task was lost, or they came before
    same-object search), at most ``limit`` (``OBJECT_FEATURES_SWEEP``) a run, oldest first;
    the object index then catches up. A picture that cannot be read, or that breaks the
    reader, gets a row with the reason (count 0) and is not taken again; a store that fails
    ends the run (the next run tries again)."""
    limit = settings.OBJECT_FEATURES_SWEEP if limit is None else limit
    if limit <= 0:
        return SweepResult(0, 0, more=False)
    cutoff = (now or timezone.now()) - SWEEP_AFTER
    waiting = EvidenceImage.objects.filter(features__isnull=True, ingested_at__lte=cutoff)
    batch = list(waiting.order_by("pk")[:limit])
    read = unreadable = 0
    problem = ""
    for image in batch:
        try:
            row = features_extract_for_image(image=image)
        except EvidenceStoreError as error:
            logger.warning("features sweep: the evidence store failed at evidence %s: %s",
                           image.pk, error)
            problem = str(error)[:200]
            break
        except Exception as error:  # a picture that breaks the reader is not taken again
            logger.exception("features sweep: evidence %s could not be read", image.pk)
            row = _record(image=image, features=None, source_key=image.storage_key,
                          key=_image_key(image), error=f"failed: {type(error).__name__}")
        read += 1
        unreadable += not row.count
    if read > unreadable:
        object_index_sync_schedule()
    if read:
        logger.info("features sweep: %d evidence images read (%d unreadable)", read,
                    unreadable)
    more = not problem and len(batch) == limit and waiting.exists()
    return SweepResult(read, unreadable, more=more, store_error=problem)


# --------------------------------------------------------------------------- queueing


def features_schedule(*, image_ids: Iterable[int]) -> int:
    """Queue reading the local features of evidence images in batches of FEATURES_BATCH
    (after the current transaction commits); returns the number of tasks queued."""
    from traceobject.evidence.tasks import image_features_task

    ids = [int(i) for i in image_ids]
    batches = [ids[i:i + FEATURES_BATCH] for i in range(0, len(ids), FEATURES_BATCH)]
    for batch in batches:
        transaction.on_commit(partial(image_features_task.enqueue, batch), robust=True)
    return len(batches)


def crop_features_schedule(*, crop_id: int) -> None:
    """Queue reading a new crop's local features (after the current transaction commits)."""
    from traceobject.evidence.tasks import crop_features_task

    transaction.on_commit(partial(crop_features_task.enqueue, int(crop_id)), robust=True)


def object_index_sync_schedule() -> None:
    """Queue the object index's catch-up (at most one pending per window)."""
    from traceobject.evidence.tasks import object_index_sync_task

    schedule_once_on_commit(key="evidence:object-index-sync", window=INDEX_SYNC_WINDOW,
                            task=object_index_sync_task)
