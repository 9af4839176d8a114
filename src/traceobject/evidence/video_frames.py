"""A video's frame kept as an evidence image, with its provenance (video, frame, time).

Keyframes chosen at ingest and frames an investigator opens to crop from both come here: the
frame becomes an ordinary EvidenceImage (lossless PNG, stored content-addressed like any
image, PDQ-indexed on the next index catch-up) and a VideoFrame row says where it came from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from django.db import transaction

from traceobject.evidence.ingest import evidence_key, thumb_key
from traceobject.evidence.models import EvidenceImage, EvidenceVideo, VideoFrame
from traceobject.evidence.storage import evidence_put
from traceobject.vision.analyse import FileAnalysis
from traceobject.vision.frames import frame_analysis


def video_frame_record(*, video: EvidenceVideo, rgb: npt.NDArray[np.uint8], frame_number: int,
                       time: float, kind: str) -> VideoFrame:
    """The frame's row (created, or the one recorded before for this frame number). The
    picture is stored before the rows are written (a killed run leaves at most an unused
    content-addressed object, which the next run finds in place)."""
    existing = VideoFrame.objects.filter(video=video, frame_number=frame_number).first()
    if existing is not None:
        return existing
    analysis, data = frame_analysis(rgb, name=f"video {video.sha256}@frame {frame_number}")
    frame_pictures_put([(analysis, data)])
    return video_frame_rows(video=video, analysis=analysis, frame_number=frame_number,
                            time=time, kind=kind)


def frame_pictures_put(pictures: Sequence[tuple[FileAnalysis, bytes]]) -> None:
    """Store each frame's picture (PNG) and thumbnail, unless an evidence image with its
    SHA-256 is recorded already (one query for all of them)."""
    present = set(EvidenceImage.objects.filter(
        sha256__in={a.sha256 for a, _d in pictures}).values_list("sha256", flat=True))
    for analysis, data in pictures:
        if analysis.sha256 not in present:
            evidence_put(key=evidence_key(analysis.sha256), data=data)
            evidence_put(key=thumb_key(analysis.sha256), data=analysis.thumbnail)
            present.add(analysis.sha256)


def video_frame_rows(*, video: EvidenceVideo, analysis: FileAnalysis, frame_number: int,
                     time: float, kind: str) -> VideoFrame:
    """The rows of a frame whose picture is already in the store (the image, found or
    created, and the VideoFrame row), in one transaction (a savepoint in the caller's)."""
    with transaction.atomic():
        image, _created = EvidenceImage.objects.get_or_create(sha256=analysis.sha256, defaults={
            "md5": analysis.md5, "pdq": analysis.pdq, "pdq_quality": analysis.pdq_quality,
            "width": analysis.width, "height": analysis.height, "format": analysis.format,
            "mode": analysis.mode, "frame_count": 1, "file_size": analysis.size,
            "storage_key": evidence_key(analysis.sha256),
            "thumb_key": thumb_key(analysis.sha256),
        })
        frame, _created = VideoFrame.objects.get_or_create(
            video=video, frame_number=frame_number,
            defaults={"image": image, "time": time, "kind": kind})
    return frame
