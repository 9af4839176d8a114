"""Same-object search (reads): find the evidence images that show the object of a crop, of a
traced object or of a region of an evidence image.

1. The query's local features (``vision.features``): the crop's stored ones, the object's
   crop's, or read now from the region (no file is written for a region).
2. Candidates: the first-stage index (``evidence.object_index``: aggregated vectors, FAISS),
   plus every image whose features the index has not caught up with yet, plus, when a global
   embedding model is configured (``vision.embedding``), that model's nearest images. With no
   index yet (too few images for a codebook) every image with features is a candidate.
3. Geometric verification (``search.verify``: RANSAC homography or affine) of the best
   ``OBJECT_SEARCH_VERIFY`` candidates; what verifies is listed by inlier count, grouped by
   the cases the images were found in.

A stored feature file that is damaged is read again from its picture (a warning is logged
and the page says how many); an image that cannot be read at all is skipped, also counted.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import Crop, EvidenceImage, ImageFeatures
from traceobject.evidence.object_features import (
    crop_features_read,
    image_features_read,
    picture_features,
)
from traceobject.evidence.selectors import image_cases
from traceobject.evidence.storage import EvidenceStoreError, evidence_read
from traceobject.search.verify import Verification, draw_match, verify
from traceobject.vision.decode import DecodeError, decode_image
from traceobject.vision.features import LocalFeatures

logger = logging.getLogger(__name__)

#: A region (and a crop) is at least this many pixels a side, like a crop.
MIN_REGION_SIDE = 16
#: Largest coordinate accepted before it is compared with the image (a typo, not a size).
MAX_COORDINATE = 1_000_000
#: Candidates asked of the first stage.
FIRST_STAGE_K = 200
#: With no index yet, every image with features is compared, up to this many (the newest).
EXHAUSTIVE_MAX = 500
#: Fewer features than this in the query: nothing could verify.
MIN_QUERY_FEATURES = 8
#: Regions searched lately whose picture and features a process keeps (match pictures and
#: links of one results page need the same region again; a region of a whole 6-megapixel
#: picture holds 18 MB).
REGION_CACHE = 4


@dataclass(frozen=True)
class ObjectQuery:
    """What is searched for: a crop, a traced object (its crop), or a region (x, y, w, h in
    the evidence image's displayed full-resolution pixels) of an evidence image."""

    kind: str  # "crop", "object" or "region"
    crop: Crop | None = None
    obj: TracedObject | None = None
    image: EvidenceImage | None = None  # the image the crop or region is part of
    rect: tuple[int, int, int, int] | None = None

    @property
    def params(self) -> dict[str, str]:
        """The query in a URL's parameters (the results page, the match pictures)."""
        if self.kind == "crop" and self.crop is not None:
            return {"crop": str(self.crop.pk)}
        if self.kind == "object" and self.obj is not None:
            return {"object": self.obj.ref}
        assert self.image is not None and self.rect is not None
        x, y, w, h = self.rect
        return {"image": str(self.image.pk), "x": str(x), "y": str(y), "w": str(w),
                "h": str(h)}

    @property
    def traced_object(self) -> TracedObject | None:
        """The object a match can be linked to without naming one."""
        if self.obj is not None:
            return self.obj
        if self.crop is not None and self.crop.traced_object_id:
            return self.crop.traced_object
        return None

    @property
    def target(self) -> str:
        """How the audit log names the query."""
        if self.kind == "crop" and self.crop is not None:
            return f"crop {self.crop.pk}"
        if self.kind == "object" and self.obj is not None:
            return self.obj.ref
        assert self.image is not None and self.rect is not None
        return f"evidence {self.image.pk} region {','.join(str(v) for v in self.rect)}"


def _whole(value: Any, name: str) -> int:
    """A coordinate from a form or the address: a whole number, 0 or more, not absurd."""
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
        raise ServiceError("invalid_region",
                           _("%(name)s must be a whole number of pixels.") % {"name": name},
                           fields={name: "invalid"})
    number = int(digits)
    if negative and number:
        raise ServiceError("invalid_region", _("%(name)s cannot be negative.") % {"name": name},
                           fields={name: "negative"})
    if number > MAX_COORDINATE:
        raise ServiceError("invalid_region", _("%(name)s is out of range.") % {"name": name},
                           fields={name: "too large"})
    return number


def region_rect(*, image: EvidenceImage, values: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """x, y, w, h of a region of ``image`` from a form or an address, checked: whole numbers,
    inside the image, at least MIN_REGION_SIDE pixels a side. ServiceError otherwise."""
    x, y, w, h = (_whole(values.get(k), k) for k in ("x", "y", "w", "h"))
    if w < MIN_REGION_SIDE or h < MIN_REGION_SIDE:
        raise ServiceError("invalid_region", _("A region is at least %(n)d pixels a side.")
                           % {"n": MIN_REGION_SIDE}, fields={"w": "too small"})
    if x + w > image.width or y + h > image.height:
        raise ServiceError("invalid_region", _(
            "The region must lie inside the image (%(width)d x %(height)d pixels).")
            % {"width": image.width, "height": image.height}, fields={"x": "outside"})
    return x, y, w, h


def object_query(*, crop: Crop | None = None, obj: TracedObject | None = None,
                 image: EvidenceImage | None = None,
                 region: Mapping[str, Any] | None = None) -> ObjectQuery:
    """The query for one of: a crop, a traced object (made from a crop), or a region of an
    evidence image (``region``: x, y, w, h). ServiceError for a region that does not fit or
    an object with no crop."""
    if crop is not None:
        return ObjectQuery("crop", crop=crop, image=crop.image)
    if obj is not None:
        source = Crop.objects.filter(traced_object=obj).select_related("image").first()
        if source is None:
            raise ServiceError("no_crop", _(
                "This object was not made from an evidence crop: search from a region of an "
                "evidence image instead."))
        return ObjectQuery("object", crop=source, obj=obj, image=source.image)
    if image is None:
        raise ServiceError("invalid_query", _("Choose a crop, an object or a region."))
    return ObjectQuery("region", image=image, rect=region_rect(image=image, values=region or {}))


def _evidence_picture(image: EvidenceImage) -> Image.Image:
    try:
        return decode_image(evidence_read(key=image.storage_key)).to_pil()
    except (EvidenceStoreError, OSError, DecodeError) as error:
        # The details (a storage path, the store's answer) go to the log, not the page.
        logger.warning("evidence image %s cannot be read for a search: %s", image.pk, error)
        raise ServiceError("evidence_unreadable", _(
            "Evidence image %(id)s cannot be read from the evidence store just now; try "
            "again later.") % {"id": image.pk}) from error


def _region(image: EvidenceImage, rect: tuple[int, int, int, int]
            ) -> tuple[Image.Image, LocalFeatures]:
    """A region of an evidence image and its local features, kept for the process's next
    requests: a results page's match pictures each verify and draw the same region again."""
    return _region_read(image.pk, image.storage_key, rect)


@lru_cache(maxsize=REGION_CACHE)
def _region_read(image_id: int, storage_key: str, rect: tuple[int, int, int, int]
                 ) -> tuple[Image.Image, LocalFeatures]:
    # Keyed by the storage key too, a content address: the same key, the same pixels.
    x, y, w, h = rect
    image = EvidenceImage(pk=image_id, storage_key=storage_key)
    picture = _evidence_picture(image).crop((x, y, x + w, y + h))
    picture.load()
    return picture, picture_features(np.asarray(picture, dtype=np.uint8))


def query_picture(query: ObjectQuery) -> Image.Image:
    """The query's picture (the crop as stored, or the region cut from the evidence)."""
    if query.crop is not None:
        from traceobject.evidence.crops import crop_pixels

        return crop_pixels(query.crop)
    assert query.image is not None and query.rect is not None
    return _region(query.image, query.rect)[0].copy()


def query_features(query: ObjectQuery) -> LocalFeatures:
    """The query's local features (a crop's are kept, a region's read once per process)."""
    if query.crop is not None:
        read = crop_features_read(crop=query.crop)
        if read.features is None:
            raise ServiceError("evidence_unreadable",
                               _("The crop's picture cannot be read."))
        return read.features
    assert query.image is not None and query.rect is not None
    return _region(query.image, query.rect)[1]


@dataclass(frozen=True)
class ObjectMatch:
    image: EvidenceImage
    verification: Verification
    cases: list[str]

    @property
    def inliers(self) -> int:
        return self.verification.inliers


@dataclass(frozen=True)
class CaseMatches:
    ref: str  # "" for images found in no case (keyframes of videos of no case)
    matches: list[ObjectMatch]

    @property
    def best(self) -> int:
        return max((m.inliers for m in self.matches), default=0)


@dataclass(frozen=True)
class ObjectResults:
    matches: list[ObjectMatch]  # verified, most inliers first
    by_case: list[CaseMatches]  # the case with the best match first
    candidates: int  # images compared geometrically
    query_features: int
    indexed: bool  # the first-stage index answered (False: every image was compared)
    index_state: str = "current"  # object_index.SearchIndex.state
    repaired: int = 0  # images whose damaged feature file was read again
    skipped: int = 0  # images that could not be compared (unreadable)
    embedding: bool = False  # a configured embedding model added candidates
    notes: list[str] = field(default_factory=list)


def _embedding_candidates(query_image: Image.Image | None, k: int) -> list[int]:
    """The nearest images by the configured global embedding, if there is one."""
    from traceobject.evidence.object_embeddings import embedding_candidates

    if query_image is None:
        return []
    return embedding_candidates(picture=query_image, k=k)


def _candidates(features: LocalFeatures, *, exclude: Collection[int], verify_top: int
                ) -> tuple[list[int], bool, str]:
    """Image ids to verify, best first, whether an index answered (without it, the newest
    EXHAUSTIVE_MAX images with features) and which (``object_index.SearchIndex.state``)."""
    # FAISS is loaded by the first search, not by every process that imports this module
    from traceobject.evidence.object_index import search_index
    from traceobject.search.objects import describe_query

    found = search_index()
    loaded = found.loaded
    rows = ImageFeatures.objects.filter(image__isnull=False, count__gt=0)
    ranked: list[int] = []
    if loaded is not None and len(loaded.index):
        query = describe_query(loaded.codebook, features)
        hits = loaded.index.search(query, k=max(FIRST_STAGE_K, verify_top * 2))
        ranked = [i for i, _score in hits if i not in exclude][:verify_top]
        # what the index has not caught up with yet is compared too (new images)
        tail = list(rows.filter(id__gt=max(0, loaded.index.watermark))
                    .order_by("-id").values_list("image_id", flat=True)[:verify_top])
        return list(dict.fromkeys(ranked + [i for i in tail
                                            if i is not None and i not in exclude])), True, \
            found.state
    every = rows.order_by("-id").values_list("image_id", flat=True)[:EXHAUSTIVE_MAX]
    return [i for i in every if i is not None and i not in exclude], False, found.state


def find_object(*, features: LocalFeatures, picture: Image.Image | None = None,
                exclude: Collection[int] = (), verify_top: int | None = None) -> ObjectResults:
    """Evidence images showing the object whose local features are ``features`` (of
    ``picture``, used by a configured embedding model), verified geometrically; images in
    ``exclude`` (the query's own) are left out."""
    verify_top = verify_top or settings.OBJECT_SEARCH_VERIFY
    excluded = {int(i) for i in exclude}
    if len(features) < MIN_QUERY_FEATURES:
        return ObjectResults([], [], 0, len(features), indexed=False, notes=[
            _("The picture has too few distinct details to be found elsewhere (%(n)d "
              "keypoints): choose a larger or sharper region.") % {"n": len(features)}])
    ids, indexed, index_state = _candidates(features, exclude=excluded, verify_top=verify_top)
    notes = []
    if index_state == "previous":
        notes.append(_("The object index is being rebuilt: its previous version answered, "
                       "and images it does not hold may be missed."))
    elif not indexed and index_state == "rebuilding" and len(ids) >= EXHAUSTIVE_MAX:
        notes.append(_("The object index is being rebuilt: only the %(n)d newest images "
                       "were compared.") % {"n": len(ids)})
    elif not indexed and len(ids) >= EXHAUSTIVE_MAX:
        notes.append(_("The object index is not built yet: only the %(n)d newest images were "
                       "compared.") % {"n": len(ids)})
    extra = [i for i in _embedding_candidates(picture, verify_top)
             if i not in excluded and i not in ids]
    ids += extra
    images = EvidenceImage.objects.in_bulk(ids)
    rows = {r.image_id: r for r in ImageFeatures.objects.filter(image_id__in=ids)}
    verified: list[tuple[EvidenceImage, Verification]] = []
    repaired = skipped = 0
    for pk in ids:
        image = images.get(pk)
        if image is None:
            continue
        read = image_features_read(image=image, row=rows.get(pk), have_row=True)
        repaired += read.repaired
        if read.features is None:
            skipped += 1
            continue
        result = verify(features, read.features)
        if result.verified:
            verified.append((image, result))
    verified.sort(key=lambda item: (-item[1].inliers, item[0].pk))
    cases = image_cases(image_ids=[image.pk for image, _v in verified])
    matches = [ObjectMatch(image, v, cases.get(image.pk, [])) for image, v in verified]
    return ObjectResults(matches, _by_case(matches), candidates=len(ids),
                         query_features=len(features), indexed=indexed, repaired=repaired,
                         skipped=skipped, embedding=bool(extra), notes=notes,
                         index_state=index_state)


def _by_case(matches: list[ObjectMatch]) -> list[CaseMatches]:
    groups: dict[str, list[ObjectMatch]] = {}
    for match in matches:
        for ref in match.cases or [""]:
            groups.setdefault(ref, []).append(match)
    found = [CaseMatches(ref, items) for ref, items in groups.items()]
    return sorted(found, key=lambda c: (-c.best, c.ref == "", c.ref))


def object_search(*, query: ObjectQuery, verify_top: int | None = None) -> ObjectResults:
    """:func:`find_object` for a query (its own evidence image left out)."""
    features = query_features(query)
    picture = None
    from traceobject.evidence.object_embeddings import embedding_configured

    if embedding_configured():
        picture = query_picture(query)
    exclude = [query.image.pk] if query.image is not None else []
    return find_object(features=features, picture=picture, exclude=exclude,
                       verify_top=verify_top)


def object_match_verify(*, query: ObjectQuery, image: EvidenceImage) -> Verification:
    """Verify the query against one evidence image again (the match picture, a link)."""
    read = image_features_read(image=image)
    if read.features is None:
        raise ServiceError("evidence_unreadable", _("The evidence file cannot be read."))
    return verify(query_features(query), read.features)


def object_match_jpeg(*, query: ObjectQuery, image: EvidenceImage, max_side: int = 640
                      ) -> bytes:
    """Both pictures side by side, the matched region outlined on each and the inlier
    pairs joined (``search.verify.draw_match``), as JPEG."""
    verification = object_match_verify(query=query, image=image)
    drawn = draw_match(query_picture(query), _evidence_picture(image), verification,
                       max_side=max_side)
    buffer = io.BytesIO()
    drawn.convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
