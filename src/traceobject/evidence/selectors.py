"""Reads of the evidence store."""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from traceobject.core.errors import ServiceError
from traceobject.evidence.index import pdq_index, video_hash_index
from traceobject.evidence.models import (
    Case,
    Crop,
    EvidenceFile,
    EvidenceImage,
    EvidenceVideo,
    EvidenceVideoFile,
    EvidenceView,
    KnownHash,
    VideoFrame,
    VideoHash,
)
from traceobject.evidence.storage import EvidenceStoreError, evidence_read
from traceobject.search.vpdq_match import vpdq_match
from traceobject.vision.hashing import hex_to_array

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Places:
    """Where an image or a video was found: its cases and paths (in the order recorded)."""

    cases: list[str]
    paths: list[str]


_NOWHERE = Places([], [])


def _places(files: QuerySet[Any], owner: str, ids: Collection[int]) -> dict[int, Places]:
    """Per image or video id, where it was found: `files` is EvidenceFile or EvidenceVideoFile
    rows, `owner` their field naming the image or the video ("image_id", "video_id")."""
    found: dict[int, list[tuple[str, str]]] = {}
    for owner_id, case_ref, path in (files.filter(**{f"{owner}__in": list(ids)}).order_by("id")
                                     .values_list(owner, "case__ref", "path")):
        found.setdefault(owner_id, []).append((case_ref, path))
    return {i: Places(cases=sorted({c for c, _p in rows}), paths=[p for _c, p in rows])
            for i, rows in found.items()}


def _image_places(image_ids: Collection[int]) -> dict[int, Places]:
    return _places(EvidenceFile.objects.all(), "image_id", image_ids)


def image_places(*, image_ids: Collection[int]) -> dict[int, Places]:
    """Where evidence images were found (cases and paths), per image id."""
    return _image_places(image_ids)


def _video_places(video_ids: Collection[int]) -> dict[int, Places]:
    return _places(EvidenceVideoFile.objects.all(), "video_id", video_ids)


def image_cases(*, image_ids: Collection[int]) -> dict[int, list[str]]:
    """Per evidence image, the refs of the cases it was found in, sorted: as a file, or as a
    frame of a video found in the case."""
    ids = list(image_ids)
    found: dict[int, set[str]] = {}
    for image_id, ref in (EvidenceFile.objects.filter(image_id__in=ids)
                          .values_list("image_id", "case__ref")):
        found.setdefault(image_id, set()).add(ref)
    for image_id, ref in (VideoFrame.objects.filter(image_id__in=ids)
                          .values_list("image_id", "video__files__case__ref")):
        if ref:
            found.setdefault(image_id, set()).add(ref)
    return {i: sorted(refs) for i, refs in found.items()}


@dataclass(frozen=True)
class SimilarImage:
    distance: int
    image: EvidenceImage
    cases: list[str]
    paths: list[str]


def similar_images(*, pdq: str, quality: int | None = None, threshold: int | None = None,
                   exclude_id: int | None = None, limit: int = 200) -> list[SimilarImage]:
    """Evidence images whose PDQ is within `threshold` of `pdq`, nearest first."""
    threshold = settings.PDQ_THRESHOLD if threshold is None else threshold
    hits = pdq_index().search(hex_to_array(pdq), threshold, quality=quality,
                              min_quality=settings.PDQ_MIN_QUALITY)
    hits = [(i, d) for i, d in hits if i != exclude_id][:limit]
    images = EvidenceImage.objects.in_bulk([i for i, _d in hits])
    places = _image_places(list(images))
    return [
        SimilarImage(distance=d, image=images[i], cases=places.get(i, _NOWHERE).cases,
                     paths=places.get(i, _NOWHERE).paths)
        for i, d in hits if i in images
    ]


#: vPDQ's rule (the reference's): a video matches another when at least this share (percent)
#: of its features of quality >= PDQ_MIN_QUALITY lie within PDQ_THRESHOLD of the other's.
VIDEO_MATCH_PERCENT = 80.0


@dataclass(frozen=True)
class VideoWithImage:
    """A video with sampled frames near a still: the nearest distance and when they are."""

    video: EvidenceVideo
    distance: int
    times: list[float]  # seconds from the start, of the frames at that distance
    cases: list[str]
    paths: list[str]
    frame_numbers: list[int] = field(default_factory=list)  # of those frames (the viewer's)


def videos_containing_image(*, pdq: str, quality: int | None = None,
                            threshold: int | None = None, limit: int = 200
                            ) -> list[VideoWithImage]:
    """Videos with a vPDQ feature (a frame sampled at ingest) within `threshold` of the
    still's PDQ, nearest first."""
    threshold = settings.PDQ_THRESHOLD if threshold is None else threshold
    hits = video_hash_index().search(hex_to_array(pdq), threshold, quality=quality,
                                     min_quality=settings.PDQ_MIN_QUALITY)
    distance_of = dict(hits)
    nearest: dict[int, tuple[int, list[float], list[int]]] = {}
    for hash_id, video_id, time, number in (
            VideoHash.objects.filter(id__in=list(distance_of)).order_by("view_time")
            .values_list("id", "video_id", "view_time", "view_frame")):
        d = distance_of[hash_id]
        best = nearest.get(video_id)
        if best is None or d < best[0]:
            nearest[video_id] = (d, [time], [number])
        elif d == best[0]:
            best[1].append(time)
            best[2].append(number)
    order = sorted(nearest, key=lambda v: (nearest[v][0], v))[:limit]
    videos = EvidenceVideo.objects.in_bulk(order)
    places = _video_places(order)
    return [
        VideoWithImage(video=videos[v], distance=nearest[v][0], times=nearest[v][1],
                       cases=places.get(v, _NOWHERE).cases, paths=places.get(v, _NOWHERE).paths,
                       frame_numbers=nearest[v][2])
        for v in order if v in videos
    ]


@dataclass(frozen=True)
class SimilarVideo:
    """Another video sharing frames with the query: the percent of the query's features
    found in it and of its features found in the query."""

    video: EvidenceVideo
    query_percent: float
    target_percent: float
    cases: list[str]
    paths: list[str]


def _features_of(video_ids: Collection[int]) -> dict[int, list[VideoHash]]:
    rows: dict[int, list[VideoHash]] = {}
    for row in VideoHash.objects.filter(video_id__in=list(video_ids)).order_by("video_id",
                                                                                "frame_number"):
        rows.setdefault(row.video_id, []).append(row)
    return rows


def videos_like_video(*, features: Sequence[Any], limit: int = 50,
                      candidates: int = 200) -> list[SimilarVideo]:
    """Other videos that match the query's vPDQ `features` (objects with pdq and quality),
    best first. The index finds the videos with any frame near one of the query's; each
    is then compared whole (search.vpdq_match, per-feature distance PDQ_THRESHOLD, quality
    PDQ_MIN_QUALITY). A video matches when VIDEO_MATCH_PERCENT of the query's features are
    found in it (the reference's rule: a re-encoded or resized copy, or a longer video the
    query was cut from), or as much of its own are found in the query (a clip cut from the
    query's video)."""
    usable = [f for f in features if f.quality >= settings.PDQ_MIN_QUALITY]
    if not usable:
        return []
    found = video_hash_index().search_many([f.pdq for f in usable], settings.PDQ_THRESHOLD)
    hash_ids = {hash_id for hits in found for hash_id, _d in hits}
    shared: dict[int, int] = {}
    ids = sorted(hash_ids)
    for start in range(0, len(ids), 5000):  # the database's limit on query parameters
        for video_id in (VideoHash.objects.filter(id__in=ids[start:start + 5000])
                         .values_list("video_id", flat=True)):
            shared[video_id] = shared.get(video_id, 0) + 1
    chosen = sorted(shared, key=lambda v: (-shared[v], v))[:candidates]
    targets = _features_of(chosen)
    matched: list[tuple[float, float, int]] = []
    for video_id in chosen:
        query_percent, target_percent = vpdq_match(
            usable, targets.get(video_id, []), distance=settings.PDQ_THRESHOLD,
            quality=settings.PDQ_MIN_QUALITY)
        if max(query_percent, target_percent) >= VIDEO_MATCH_PERCENT:
            matched.append((query_percent, target_percent, video_id))
    matched.sort(key=lambda m: (-m[0], -m[1], m[2]))
    matched = matched[:limit]
    videos = EvidenceVideo.objects.in_bulk([m[2] for m in matched])
    places = _video_places(list(videos))
    return [
        SimilarVideo(video=videos[v], query_percent=round(q, 1), target_percent=round(t, 1),
                     cases=places.get(v, _NOWHERE).cases, paths=places.get(v, _NOWHERE).paths)
        for q, t, v in matched if v in videos
    ]


@dataclass(frozen=True)
class ImageInVideo:
    """An evidence image near one of a video's frames: the nearest distance and the
    times (in the query video) of the frames at that distance."""

    image: EvidenceImage
    distance: int
    times: list[float]
    cases: list[str]
    paths: list[str]
    video_frames: list[tuple[int, float]]  # (video id, time) when it is a video's frame
    frame_numbers: list[int] = field(default_factory=list)  # of `times`, in the query video


def _view_place(feature: Any) -> tuple[int, float]:
    """A vPDQ feature's frame number and time as the viewer has them (a VideoHash row's or
    an analysed VpdqFeature's), else the reference's (a parsed .vpdq file)."""
    number = getattr(feature, "view_frame", None)
    time = getattr(feature, "view_time", None)
    if number is None or time is None:
        return int(getattr(feature, "frame_number", -1)), float(feature.time)
    return int(number), float(time)


def images_like_video_frames(*, features: Sequence[Any], limit: int = 200
                             ) -> list[ImageInVideo]:
    """Evidence images within PDQ_THRESHOLD of any of the video's `features`, nearest
    first (the video's own keyframes, when it is in evidence, among them)."""
    usable = [f for f in features if f.quality >= settings.PDQ_MIN_QUALITY]
    if not usable:
        return []
    found = pdq_index().search_many([f.pdq for f in usable], settings.PDQ_THRESHOLD)
    nearest: dict[int, tuple[int, list[float], list[int]]] = {}
    for feature, hits in zip(usable, found, strict=True):
        number, time = _view_place(feature)
        for image_id, d in hits:
            best = nearest.get(image_id)
            if best is None or d < best[0]:
                nearest[image_id] = (d, [time], [number])
            elif d == best[0]:
                best[1].append(time)
                best[2].append(number)
    order = sorted(nearest, key=lambda i: (nearest[i][0], i))[:limit]
    images = EvidenceImage.objects.in_bulk(order)
    places = _image_places(order)
    frames: dict[int, list[tuple[int, float]]] = {}
    for image_id, video_id, time in (VideoFrame.objects.filter(image_id__in=order)
                                     .values_list("image_id", "video_id", "time")):
        frames.setdefault(image_id, []).append((video_id, time))
    return [
        ImageInVideo(image=images[i], distance=nearest[i][0], times=nearest[i][1],
                     cases=places.get(i, _NOWHERE).cases, paths=places.get(i, _NOWHERE).paths,
                     video_frames=frames.get(i, []),
                     frame_numbers=nearest[i][2])
        for i in order if i in images
    ]


def evidence_display_jpeg(*, image: EvidenceImage) -> bytes | None:
    """The evidence image as displayed (orientation applied), re-encoded for the crop tool;
    None if the stored file is missing or cannot be decoded. A store that fails (S3 endpoint
    down, access refused) raises EvidenceStoreError: that is not a missing image."""
    import io

    from traceobject.vision.decode import DecodeError, decode_image

    try:
        decoded = decode_image(evidence_read(key=image.storage_key))
    except EvidenceStoreError:
        raise
    except (OSError, DecodeError):
        return None
    buffer = io.BytesIO()
    decoded.to_pil().save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


#: The grid's orders: name (the file's path in the case), date taken (images without one
#: last), date ingested, file size; each way round.
GRID_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("path", "pk"), "-name": ("-path", "-pk"),
    "taken": ("undated", "captured_at", "pk"), "-taken": ("undated", "-captured_at", "-pk"),
    "ingested": ("ingested_at", "pk"), "-ingested": ("-ingested_at", "-pk"),
    "size": ("file_size", "pk"), "-size": ("-file_size", "-pk"),
}
#: The grid's filters (all chosen must hold).
GRID_FILTERS = ("duplicate", "near", "known", "cropped", "unviewed")


@dataclass(frozen=True)
class GridImage:
    image: EvidenceImage
    path: str  # where it was found in this case (the first path, by name)
    name: str  # the file name of that path
    copies: int  # files holding this image, in every case
    near: int  # other images within the PDQ threshold
    known: str  # the label of a known-hash list it matches, or ""
    cropped: bool
    viewed: bool  # by the person looking


def _near_counts(rows: Sequence[tuple[int, str, int | None]]) -> dict[int, int]:
    """For each (id, pdq, quality): how many other evidence images lie within the PDQ
    threshold (the index's work, no database query)."""
    rows = [r for r in rows if r[1]]
    if not rows:
        return {}
    index = pdq_index()
    if not len(index):
        return {}
    found = index.search_many([r[1] for r in rows], settings.PDQ_THRESHOLD,
                              qualities=[r[2] or 0 for r in rows],
                              min_quality=settings.PDQ_MIN_QUALITY)
    counts = {}
    for (image_id, _pdq, _quality), hits in zip(rows, found, strict=True):
        n = sum(1 for other, _d in hits if other != image_id)
        if n:
            counts[image_id] = n
    return counts


def _case_images(case: Case, user: Any, *, members: bool = True
                 ) -> Any:  # annotated: a QuerySet of EvidenceImage
    here = EvidenceFile.objects.filter(image=OuterRef("pk"), case=case).order_by("path")
    copies = (EvidenceFile.objects.filter(image=OuterRef("pk")).order_by()
              .values("image").annotate(n=Count("id")).values("n")[:1])
    known = KnownHash.objects.filter(
        Q(kind="sha256", value=OuterRef("sha256")) | Q(kind="md5", value=OuterRef("md5"))
    ).order_by("id").values("label")[:1]
    images = EvidenceImage.objects.all()
    if members:  # (else the caller chose the images of the case)
        images = images.filter(pk__in=EvidenceFile.objects.filter(case=case).values("image_id"))
    return (
        images
        .annotate(
            path=Subquery(here.values("path")[:1]),
            copies=Subquery(copies, output_field=IntegerField()),
            known_list=Subquery(known),
            cropped=Exists(Crop.objects.filter(image=OuterRef("pk"))),
            viewed=Exists(EvidenceView.objects.filter(image=OuterRef("pk"), user=user)),
            undated=SqlCase(When(captured_at="", then=Value(1)), default=Value(0),
                          output_field=IntegerField()),
        )
    )


class _CaseImagesPaginator(Paginator):
    """A Paginator whose count is given by another query (cheaper than counting the page
    query's rows)."""

    def __init__(self, object_list: Any, per_page: int, counted: Any) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return int(self.counted.count())


def _grid_order(case: Case, user: Any, sort: str, filters: Collection[str]) -> Any:
    """The ids of the case's images the grid shows, sorted and filtered: each image's first
    file in the case (by path), its sort key read from the image by primary key, the
    filters as index probes. The marks (copies, a known-hash label, crops, views) are
    subqueries only for the page's images, so a page costs the case's files, not a subquery
    per image before it, and no query reads the whole evidence table."""
    rows: QuerySet[Any] = EvidenceFile.objects.filter(case=case).exclude(Exists(
        EvidenceFile.objects.filter(case=case, image=OuterRef("image"),
                                    path__lt=OuterRef("path"))))
    order = []
    for name in GRID_SORTS[sort]:
        bare = name.lstrip("-")
        column = {"pk": "image_id", "path": "path", "undated": "undated"}.get(
            bare, f"image__{bare}")
        order.append(("-" if name.startswith("-") else "") + column)
    if sort.lstrip("-") == "taken":
        rows = rows.annotate(undated=SqlCase(When(image__captured_at="", then=Value(1)),
                                             default=Value(0), output_field=IntegerField()))
    rows = rows.order_by(*order)
    if "duplicate" in filters:
        rows = rows.filter(Exists(EvidenceFile.objects.filter(image=OuterRef("image_id"))
                                  .order_by().values("image").annotate(n=Count("id"))
                                  .filter(n__gt=1)))
    if "known" in filters:
        rows = rows.filter(~Q(image__known_label="") | Exists(KnownHash.objects.filter(
            Q(kind="sha256", value=OuterRef("image__sha256"))
            | Q(kind="md5", value=OuterRef("image__md5")))))
    if "cropped" in filters:
        rows = rows.filter(Exists(Crop.objects.filter(image=OuterRef("image_id"))))
    if "unviewed" in filters:
        rows = rows.exclude(Exists(EvidenceView.objects.filter(image=OuterRef("image_id"),
                                                               user=user)))
    if "near" in filters:
        hashes = {image_id: (image_id, pdq, quality) for image_id, pdq, quality in
                  EvidenceFile.objects.filter(case=case).exclude(image__pdq="")
                  .values_list("image_id", "image__pdq", "image__pdq_quality")}
        rows = rows.filter(image_id__in=list(_near_counts(list(hashes.values()))))
    return rows.values_list("image_id", flat=True)


def case_grid(*, case: Case, user: Any, sort: str = "name", filters: Collection[str] = (),
              page: Any = 1, per_page: int = 60) -> tuple[Page[Any], list[GridImage]]:
    """One page of a case's images for ``user``, sorted and filtered, with what marks each:
    its file name, copies, near-duplicates, a known-hash match, crops, whether ``user`` has
    viewed it. Two queries whatever the page size (the count; the page with its marks,
    worked out for the page's images only)."""
    if sort not in GRID_SORTS or not set(filters) <= set(GRID_FILTERS):
        raise ValueError("unknown sort or filter")
    ids_query = _grid_order(case, user, sort, filters)
    # unfiltered, the count is of the case's distinct images on the (case, image, path) index
    counted = ids_query if filters else (EvidenceFile.objects.filter(case=case)
                                         .values("image_id").distinct())
    chosen = _CaseImagesPaginator(ids_query, per_page, counted).get_page(page)
    count = chosen.paginator.count
    bottom = (chosen.number - 1) * per_page
    top = min(bottom + per_page, count)
    if bottom > count - top:  # nearer the end: walk the order from there (it is total)
        page_ids = ids_query.reverse()[count - top:count - bottom]
    else:
        page_ids = ids_query[bottom:top]
    # one query: the page's ids as a subquery, the marks worked out for those images only,
    # in the same order (the page's sort keys are those of the order above)
    listed = (list(_case_images(case, user, members=False).filter(pk__in=page_ids)
                   .order_by(*GRID_SORTS[sort])) if count else [])
    chosen.object_list = listed
    near = _near_counts([(i.pk, i.pdq, i.pdq_quality) for i in listed])
    rows = [
        GridImage(image=i, path=i.path or "", name=posixpath.basename(
            (i.path or "").replace("\\", "/")) or str(i.pk),
                  copies=i.copies or 1, near=near.get(i.pk, 0),
                  known=i.known_label or i.known_list or "", cropped=i.cropped, viewed=i.viewed)
        for i in listed
    ]
    return chosen, rows


@dataclass(frozen=True)
class GateFinding:
    """One finding of the safety gate as the crop page shows it."""

    number: int
    kind: str  # face, pose, hand, person, skin, error
    score: float | None
    threshold: float | None
    box: tuple[int, int, int, int] | None  # x, y, w, h in the crop's pixels
    detail: str
    around: bool  # reaches into the crop from the picture around it


def crop_findings(*, crop: Crop) -> list[GateFinding]:
    """The gate's findings on ``crop``: what, where (a box inside the crop), how sure (the
    score and the threshold it crossed)."""
    # Imported here: the gate's module loads its image libraries; only this page needs it.
    from traceobject.vision.gate import finding_threshold

    shown: list[GateFinding] = []
    for number, finding in enumerate(crop.gate_findings or [], start=1):
        if not isinstance(finding, dict):
            continue
        box = finding.get("box")
        clean_box = None
        if isinstance(box, list | tuple) and len(box) == 4:
            try:
                x, y, w, h = (max(0, int(v)) for v in box)
            except (TypeError, ValueError):
                x = y = w = h = 0
            x, y = min(x, crop.width), min(y, crop.height)
            w, h = min(w, crop.width - x), min(h, crop.height - y)
            clean_box = (x, y, w, h) if w > 0 and h > 0 else None
        try:
            score: float | None = float(finding.get("score"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            score = None
        detail = str(finding.get("detail") or "")
        shown.append(GateFinding(
            number=number, kind=str(finding.get("kind") or "error"), score=score,
            threshold=finding_threshold(finding), box=clean_box, detail=detail,
            around="reaches into the crop" in detail))
    return shown


def case_images_chosen(*, case: Case, image_ids: Sequence[int]) -> list[int]:
    """``image_ids`` in their order if every one is an image of ``case``, else []."""
    ids = list(dict.fromkeys(image_ids))
    found = set(EvidenceFile.objects.filter(case=case, image_id__in=ids)
                .values_list("image_id", flat=True))
    return ids if ids and found == set(ids) else []


# Videos --------------------------------------------------------------------------------------

#: Keyframes shown in a video's strip on the case page (the video page shows them all).
CASE_STRIP_KEYFRAMES = 12
#: How long a video's frame index is kept in the cache (stepping through one video).
VIDEO_INDEX_SECONDS = 3600


@dataclass(frozen=True)
class CaseVideo:
    video: EvidenceVideo
    path: str  # where it was found in this case (the first path, by name)
    keyframes: list[VideoFrame]  # the first CASE_STRIP_KEYFRAMES, in order
    more_keyframes: int  # how many more there are


def case_videos(*, case: Case, page: Any = 1, per_page: int = 20
                ) -> tuple[Page[Any], list[CaseVideo]]:
    """One page of the videos found in ``case`` (by path), each with the start of its
    keyframe strip. Four queries whatever the page size."""
    here = EvidenceVideoFile.objects.filter(video=OuterRef("pk"), case=case).order_by("path")
    videos = (EvidenceVideo.objects
              .filter(pk__in=EvidenceVideoFile.objects.filter(case=case).values("video_id"))
              .annotate(path=Subquery(here.values("path")[:1]))
              .order_by("path", "pk"))
    chosen = Paginator(videos, per_page).get_page(page)
    listed = list(chosen.object_list)
    frames: dict[int, list[VideoFrame]] = {}
    for frame in (VideoFrame.objects.filter(video__in=listed, kind=VideoFrame.Kind.KEYFRAME)
                  .order_by("video_id", "frame_number")):
        frames.setdefault(frame.video_id, []).append(frame)
    rows = []
    for video in listed:
        kept = frames.get(video.pk, [])
        rows.append(CaseVideo(video=video, path=video.path or "",
                              keyframes=kept[:CASE_STRIP_KEYFRAMES],
                              more_keyframes=max(0, len(kept) - CASE_STRIP_KEYFRAMES)))
    return chosen, rows


def video_keyframes(*, video: EvidenceVideo) -> list[VideoFrame]:
    """The keyframes chosen at ingest (scene starts), in order."""
    return list(video.frames.filter(kind=VideoFrame.Kind.KEYFRAME).order_by("frame_number"))


def video_places(*, video: EvidenceVideo) -> list[EvidenceVideoFile]:
    """Where the video was found: every case and path."""
    return list(video.files.select_related("case").order_by("case__ref", "path"))


def video_known_label(*, video: EvidenceVideo) -> str:
    """The label of a known-hash list the video's SHA-256 or MD5 matches, or ""."""
    if video.known_label:
        return video.known_label
    found = (KnownHash.objects
             .filter(Q(kind="sha256", value=video.sha256) | Q(kind="md5", value=video.md5))
             .order_by("id").values_list("label", flat=True).first())
    return found or ""


@dataclass(frozen=True)
class VideoProvenance:
    """A picture that is a frame of a video: which video, which frame, where it was found."""

    video_id: int
    frame_number: int
    time: float
    kind: str
    places: list[tuple[str, str]]  # (case ref, path)


def image_video_provenance(*, image: EvidenceImage) -> list[VideoProvenance]:
    """The videos ``image`` is a frame of (usually one), with the frame and the case paths."""
    frames = list(image.video_frames.order_by("video_id", "frame_number")[:10])
    places: dict[int, list[tuple[str, str]]] = {}
    for video_id, ref, path in (EvidenceVideoFile.objects
                                .filter(video_id__in={f.video_id for f in frames})
                                .order_by("case__ref", "path")
                                .values_list("video_id", "case__ref", "path")):
        places.setdefault(video_id, []).append((ref, path))
    return [VideoProvenance(video_id=f.video_id, frame_number=f.frame_number, time=f.time,
                            kind=f.kind, places=places.get(f.video_id, []))
            for f in frames]


def video_thumbnails(*, frames: Mapping[int, int]) -> dict[int, VideoFrame]:
    """For each video id, the keyframe that stands for frame ``frames[id]`` of it: the last
    keyframe at or before it, else the video's first (none for a video without one)."""
    shown: dict[int, VideoFrame] = {}
    for frame in (VideoFrame.objects.filter(video_id__in=list(frames),
                                            kind=VideoFrame.Kind.KEYFRAME)
                  .order_by("video_id", "frame_number")):
        if frame.video_id not in shown or frame.frame_number <= frames[frame.video_id]:
            shown[frame.video_id] = frame
    return shown


def _video_features(video: EvidenceVideo) -> list[VideoHash]:
    return list(video.hashes.order_by("frame_number"))


@dataclass(frozen=True)
class VideoLinks:
    """What the video page links to: other copies of the video and evidence images like
    its frames (not its own), each with the keyframe shown for it."""

    copies: list[SimilarVideo]
    images: list[ImageInVideo]
    thumbnails: dict[int, VideoFrame]  # video id -> keyframe shown for a copy

    @property
    def copy_rows(self) -> list[tuple[SimilarVideo, VideoFrame | None]]:
        """Each copy with the keyframe shown for it (None: it has none)."""
        return [(c, self.thumbnails.get(c.video.pk)) for c in self.copies]

    @property
    def image_ids(self) -> list[int]:
        """Every evidence image whose thumbnail the lists show."""
        return ([self.thumbnails[c.video.pk].image_id for c in self.copies
                 if c.video.pk in self.thumbnails] + [i.image.pk for i in self.images])


def video_links(*, video: EvidenceVideo, limit: int = 24) -> VideoLinks:
    """Other videos matching ``video``'s stored vPDQ features (re-encoded, resized, cut:
    videos_like_video) and the evidence images near its frames (images_like_video_frames),
    leaving out the video itself and its own frames."""
    features = _video_features(video)
    copies = [c for c in videos_like_video(features=features, limit=limit + 1)
              if c.video.pk != video.pk][:limit]
    own = set(video.frames.values_list("image_id", flat=True))
    images = [i for i in images_like_video_frames(features=features, limit=limit + len(own))
              if i.image.pk not in own][:limit]
    return VideoLinks(copies=copies, images=images,
                      thumbnails=video_thumbnails(frames={c.video.pk: 0 for c in copies}))


def _unreadable(what: str, error: BaseException | str) -> ServiceError:
    """The error an investigator sees for a stored video that cannot be read; what went
    wrong (FFmpeg's text, which names the store's path) goes to the log only."""
    logger.warning("video %s: %s", what, error)
    return ServiceError("video_unreadable", _("The stored video cannot be decoded."),
                        status=422)


def _missing() -> ServiceError:
    return ServiceError("video_missing", _("The stored video file is missing."), status=404)


@contextmanager
def _video_file(video: EvidenceVideo) -> Iterator[str]:
    """The stored video as a local path (evidence.video_cache), its failures as
    ServiceError (video_missing, video_unreadable); EvidenceStoreError if the store fails."""
    from traceobject.evidence.video_cache import VideoCacheMismatch, video_local_file

    try:
        with video_local_file(key=video.storage_key, sha256=video.sha256) as path:
            yield path
    except FileNotFoundError as error:
        raise _missing() from error
    except VideoCacheMismatch as error:
        raise _unreadable(video.sha256, "the stored file is not the video's SHA-256"
                          ) from error
    except EvidenceStoreError:
        raise
    except OSError as error:
        raise _unreadable(video.sha256, error) from error


def video_frame_index(*, video: EvidenceVideo) -> Any:
    """The video's frame index (vision.video_seek.FrameIndex), read from the stored file
    once and kept in the cache while someone steps through it. ServiceError
    (video_missing, video_unreadable) if the file is missing or unreadable;
    EvidenceStoreError if the store fails."""
    from django.core.cache import cache

    from traceobject.vision.video_seek import frame_index

    key = f"video-index:{video.sha256}"
    index = cache.get(key)
    if index is not None:
        return index
    with _video_file(video) as path:
        try:
            index = frame_index(path)
        except ValueError as error:
            raise _unreadable(video.sha256, error) from error
    if index.frame_count == 0:
        raise _unreadable(video.sha256, "no frames")
    cache.set(key, index, VIDEO_INDEX_SECONDS)
    return index


def video_frame_read(*, video: EvidenceVideo, frame_number: int) -> Any:
    """Frame ``frame_number`` of the stored video (vision.video_seek.SeekResult).
    ServiceError: invalid_frame (out of range, 400), frame_too_far (more to decode than a
    read may, 422), frame_unreadable (its data is damaged, 422), and as video_frame_index."""
    from traceobject.vision.video_seek import FrameTooFar, read_frame

    index = video_frame_index(video=video)
    if not 0 <= frame_number < index.frame_count:
        raise ServiceError("invalid_frame", _("This video has no frame %(n)d.")
                           % {"n": frame_number})
    with _video_file(video) as path:
        try:
            return read_frame(path, frame_number, index=index)
        except FrameTooFar as error:
            raise ServiceError("frame_too_far", _(
                "This frame lies too far from a keyframe to be shown quickly; the frames "
                "nearer the keyframe before it can be shown."), status=422) from error
        except ValueError as error:
            logger.warning("video %s frame %d: %s", video.sha256, frame_number, error)
            raise ServiceError("frame_unreadable", _(
                "This frame cannot be decoded: its data in the video is damaged."),
                status=422) from error


def video_frame_jpeg(*, video: EvidenceVideo, frame_number: int) -> bytes:
    """The frame as a JPEG for the frame viewer (errors as video_frame_read; a frame the
    encoder refuses is video_unreadable)."""
    import io

    from PIL import Image

    result = video_frame_read(video=video, frame_number=frame_number)
    buffer = io.BytesIO()
    try:
        Image.fromarray(result.rgb, "RGB").save(buffer, "JPEG", quality=88)
    except (OSError, ValueError) as error:
        raise _unreadable(f"{video.sha256} frame {frame_number} as JPEG", error) from error
    return buffer.getvalue()
