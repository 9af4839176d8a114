"""Videos brought in by ingest: the file, its vPDQ features and its keyframes.

The worker processes analyse a video (vision.video); here, in the one writing process, the
video file (streamed from disk), its vPDQ file and its keyframes' pictures go to the evidence
store first, outside any transaction; then one transaction per video writes the video row,
its VideoHash rows, its keyframes (evidence images with their VideoFrame rows) and where it
was found. A run killed at any point leaves either all of a video's rows or none, and at most
content-addressed objects the next run finds in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction

from traceobject.core.text import strip_controls
from traceobject.evidence.ingest import MAX_PATH
from traceobject.evidence.known import KnownMatcher
from traceobject.evidence.models import (
    Case,
    EvidenceFile,
    EvidenceVideo,
    EvidenceVideoFile,
    VideoHash,
)
from traceobject.evidence.signals import images_recorded
from traceobject.evidence.storage import EvidenceFileChanged, evidence_put, evidence_put_file
from traceobject.evidence.video_frames import frame_pictures_put, video_frame_rows
from traceobject.vision.analyse import FileAnalysis
from traceobject.vision.frames import frame_analysis
from traceobject.vision.video import Keyframe, VideoAnalysis, vpdq_format

if TYPE_CHECKING:
    from traceobject.evidence.ingest import IngestSummary

#: Container tags kept: this many, each name and value cut to these lengths.
MAX_TAGS, MAX_TAG_NAME, MAX_TAG_VALUE = 64, 64, 512


def video_key(sha256: str) -> str:
    return f"videos/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def vpdq_key(sha256: str) -> str:
    return f"vpdq/{sha256[:2]}/{sha256[2:4]}/{sha256}.vpdq"


def _store(result: VideoAnalysis, summary: IngestSummary
           ) -> list[tuple[Keyframe, FileAnalysis]] | None:
    """Put the video, its vPDQ file and its keyframes' pictures into the store; the
    keyframes with their analyses, or None if the file changed since it was analysed."""
    try:
        evidence_put_file(key=video_key(result.sha256), path=result.path, sha256=result.sha256)
    except EvidenceFileChanged:
        summary.rejected.append((result.path, "changed_during_ingest",
                                 "the file changed while it was being read"))
        return None
    evidence_put(key=vpdq_key(result.sha256), data=vpdq_format(result.features).encode())
    # the pictures the worker made (ingest gives it vision.frames.keyframe_picture), else
    # made here
    frames = [
        (keyframe, keyframe.picture if keyframe.picture is not None else frame_analysis(
            keyframe.rgb, name=f"video {result.sha256}@frame {keyframe.frame_number}"))
        for keyframe in result.keyframes
    ]
    frame_pictures_put([picture for _keyframe, picture in frames])
    return [(keyframe, analysis) for keyframe, (analysis, _data) in frames]


def _fields(result: VideoAnalysis, label: str) -> dict[str, object]:
    metadata = {
        strip_controls(str(name))[:MAX_TAG_NAME]: strip_controls(str(value))[:MAX_TAG_VALUE]
        for name, value in list(result.metadata.items())[:MAX_TAGS]
    }
    return {
        "md5": result.md5, "file_size": result.size,
        "container": strip_controls(result.container)[:32],
        "video_codec": strip_controls(result.video_codec)[:32],
        "audio_codec": strip_controls(result.audio_codec)[:32],
        "width": result.width, "height": result.height, "fps": result.fps,
        "duration": result.duration, "frame_count": result.frame_count,
        "created_meta": strip_controls(result.created_meta)[:40], "metadata": metadata,
        "storage_key": video_key(result.sha256), "vpdq_key": vpdq_key(result.sha256),
        "known_label": label, "warnings": list(result.warnings),
    }


def video_ingest_one(case: Case, result: VideoAnalysis, summary: IngestSummary,
                     known: KnownMatcher, *, within: Callable[[], None] | None = None) -> None:
    """Store and record one analysed video found at `result.path` in `case`. `within` is
    called inside the transaction that records it, after its rows (a queued ingest's batch
    moves its position there); not when the video is refused before."""
    if len(result.path) > MAX_PATH:
        summary.rejected.append((result.path, "path_too_long",
                                 f"paths are recorded up to {MAX_PATH} characters"))
        return
    frames: list[tuple[Keyframe, FileAnalysis]] = []
    stored = False
    if not EvidenceVideo.objects.filter(sha256=result.sha256).exists():
        kept = _store(result, summary)
        if kept is None:
            return
        frames, stored = kept, True
    with transaction.atomic():
        video = EvidenceVideo.objects.filter(sha256=result.sha256).first()
        created = False
        if video is None and stored:
            label = known.match_video(sha256=result.sha256, md5=result.md5,
                                      features=result.features)
            video, created = EvidenceVideo.objects.get_or_create(
                sha256=result.sha256, defaults=_fields(result, label))
            if created:
                summary.known_videos += bool(label)
                VideoHash.objects.bulk_create([
                    VideoHash(video=video, frame_number=f.frame_number, time=f.time, pdq=f.pdq,
                              quality=f.quality,
                              view_frame=f.frame_number if f.view_frame is None else f.view_frame,
                              view_time=f.time if f.view_time is None else f.view_time)
                    for f in result.features
                ], batch_size=1000)
                new_images = []
                for keyframe, analysis in frames:
                    frame = video_frame_rows(video=video, analysis=analysis,
                                             frame_number=keyframe.frame_number,
                                             time=keyframe.time, kind="keyframe")
                    new_images.append(frame.image_id)
                images_recorded.send(sender=Case, case_id=case.pk, image_ids=new_images)
                summary.videos += 1
                summary.keyframes += len(frames)
                summary.video_hashes += len(result.features)
        if video is None:
            # Recorded when this run began, gone before its rows were written: store again.
            transaction.set_rollback(True)
        else:
            summary.video_duplicates += not created
            # A file that changed at the same path (an image before) is now this video.
            EvidenceFile.objects.filter(case=case, path=result.path).delete()
            EvidenceVideoFile.objects.update_or_create(
                case=case, path=result.path,
                defaults={"video": video, "size": result.size, "mtime_ns": result.mtime_ns})
            if within is not None:
                within()
    if video is None:
        video_ingest_one(case, result, summary, known, within=within)
