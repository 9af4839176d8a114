"""Writes about video evidence made by investigators: a frame kept to crop from."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from traceobject.accounts.roles import INVESTIGATOR, has_role
from traceobject.audit.services import audit_record
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import EvidenceImage, EvidenceVideo, VideoFrame
from traceobject.evidence.selectors import video_frame_read
from traceobject.evidence.video_frames import video_frame_record


def video_frame_capture(*, user: Any, video: EvidenceVideo, frame_number: Any) -> EvidenceImage:
    """Frame ``frame_number`` of ``video`` kept as an evidence image (lossless, with its
    provenance: a VideoFrame row of kind "captured"), so the crop tool works on it like on
    any image. A frame kept before (captured, or a keyframe chosen at ingest) is reused.
    Every capture is in the audit log. Nothing is written for a refused frame."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators keep frames of videos."),
                           status=403)
    if isinstance(frame_number, bool) or not isinstance(frame_number, int) or frame_number < 0:
        raise ServiceError("invalid_frame", _("A frame number is a whole number from 0."))
    existing = (VideoFrame.objects.select_related("image")
                .filter(video=video, frame_number=frame_number).first())
    if existing is not None:
        audit_record(actor=user, action="video.frame_capture",
                     target=f"evidence {existing.image_id}",
                     data={"video": video.pk, "frame": frame_number, "time": existing.time,
                           "kind": existing.kind, "reused": True})
        return existing.image
    # ServiceError (missing, undecodable, out of range, too far from a keyframe) as is
    result = video_frame_read(video=video, frame_number=frame_number)
    with transaction.atomic():
        frame = video_frame_record(video=video, rgb=result.rgb, frame_number=frame_number,
                                   time=result.time, kind=VideoFrame.Kind.CAPTURED)
        audit_record(actor=user, action="video.frame_capture", target=f"evidence {frame.image_id}",
                     data={"video": video.pk, "sha256": video.sha256, "frame": frame_number,
                           "time": frame.time, "kind": frame.kind, "reused": False})
    return frame.image
