"""Back-office pages of video evidence (investigators): a case's videos, a video's metadata
and keyframes, the frame viewer, and keeping a frame to crop from."""

from __future__ import annotations

import math
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from traceobject.accounts.roles import INVESTIGATOR, role_required
from traceobject.audit.services import audit_view_of_request
from traceobject.core.errors import ServiceError
from traceobject.evidence.models import EvidenceVideo
from traceobject.evidence.selectors import (
    video_frame_index,
    video_frame_jpeg,
    video_keyframes,
    video_known_label,
    video_links,
    video_places,
)
from traceobject.evidence.video_services import video_frame_capture

_NUMBER = re.compile(r"\d{1,9}")
#: A time asked for in the address: seconds, at most ten days.
_MAX_SECONDS = 864_000.0


def _frame_param(raw: str | None) -> int | None:
    """A frame number from the address or a form; None if it is not a whole number >= 0."""
    raw = (raw or "").strip()
    return int(raw) if _NUMBER.fullmatch(raw) else None


def _seconds_param(raw: str) -> float | None:
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= _MAX_SECONDS else None


def _warning_sentence(raw: Any) -> str:
    """One of the warnings ingest recorded (``code: English text with numbers``) as a
    translated sentence with its numbers."""
    text = str(raw)
    code = text.split(":", 1)[0].strip()
    numbers = [int(n) for n in re.findall(r"\d{1,12}", text.split(":", 1)[-1])]
    if code == "decode_errors" and len(numbers) >= 2:
        return _("%(bad)d of the video's %(packets)d packets could not be decoded: those "
                 "frames are missing or damaged.") % {"bad": numbers[0], "packets": numbers[1]}
    if code == "keyframes_capped" and numbers:
        return _("Only the first %(n)d scene changes were kept as keyframes.") % {
            "n": numbers[0]}
    if code == "size_changes":
        return _("The frame size changes within the video.")
    if code == "keyframe_gap" and len(numbers) >= 2:
        return _("Up to %(gap)d frames lie between two keyframes: frames more than %(limit)d "
                 "after a keyframe cannot be shown here.") % {"gap": numbers[0],
                                                               "limit": numbers[1]}
    return _("Ingest noted something unusual about this video.")


def _asked_frame(request: HttpRequest, index: Any) -> tuple[int, str]:
    """The frame the address asks for (?frame=N or ?t=seconds) and an error ("" if none)."""
    count = index.frame_count
    if "frame" in request.GET:
        number = _frame_param(request.GET.get("frame"))
        if number is None:
            return 0, _("A frame number is a whole number from 0.")
        if number >= count:
            return count - 1, _("This video has frames 0 to %(last)d.") % {"last": count - 1}
        return number, ""
    if "t" in request.GET:
        seconds = _seconds_param(request.GET.get("t", ""))
        if seconds is None:
            return 0, _("A time is a number of seconds from 0.")
        return index.frame_at(seconds), ""
    return 0, ""


def _steps(index: Any, number: int, keyframes: list[Any]) -> dict[str, int | None]:
    """Where each button of the viewer goes (None: it does not go anywhere from here)."""
    last = index.frame_count - 1
    time = index.time_of(number)
    back = index.frame_at(max(0.0, time - 1.0))
    forward = index.frame_at(time + 1.0)
    before = [k.frame_number for k in keyframes if k.frame_number < number]
    after = [k.frame_number for k in keyframes if k.frame_number > number]
    return {
        "previous": number - 1 if number > 0 else None,
        "next": number + 1 if number < last else None,
        "back": back if back < number else None,
        "forward": forward if forward > number else None,
        "previous_key": before[-1] if before else None,
        "next_key": after[0] if after else None,
    }


def _video_page(request: HttpRequest, video: EvidenceVideo, *, error: str = "",
                status: int = 200, number: int | None = None) -> HttpResponse:
    keyframes = video_keyframes(video=video)
    links = video_links(video=video)
    context: dict[str, Any] = {
        "video": video, "places": video_places(video=video), "keyframes": keyframes,
        "known_label": video_known_label(video=video), "error": error, "index": None,
        "links": links,
        "warnings": [_warning_sentence(w) for w in (video.warnings or [])[:20]],
    }
    try:
        index = video_frame_index(video=video)
    except ServiceError as unavailable:
        context["error"], status = unavailable.message, unavailable.status
    else:
        asked, asked_error = _asked_frame(request, index)
        if number is None:
            number = asked
            if asked_error and not error:
                context["error"], status = asked_error, 400
        number = min(max(number, 0), index.frame_count - 1)
        context.update({
            "index": index, "frame": number, "time": index.time_of(number),
            "last_frame": index.frame_count - 1,
            "end_time": index.time_of(index.frame_count - 1),
            "steps": _steps(index, number, keyframes),
            "is_keyframe": any(k.frame_number == number for k in keyframes),
        })
    response = render(request, "internal/video.html", context, status=status)
    # the thumbnails on the page: the keyframes, the copies' and the images like its frames
    # (the frame itself is recorded when sent)
    audit_view_of_request(request, what="video", target=f"video {video.pk}",
                          images=[k.image_id for k in keyframes] + links.image_ids)
    return response


@never_cache
@role_required(INVESTIGATOR)
def video_detail(request: HttpRequest, pk: int) -> HttpResponse:
    video = get_object_or_404(EvidenceVideo, pk=pk)
    return _video_page(request, video)


@require_safe
@role_required(INVESTIGATOR)
def video_frame(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One frame of the video as a JPEG (private, not kept by the browser); a frame that
    cannot be shown is the error's status with its message as text."""
    video = get_object_or_404(EvidenceVideo, pk=pk)
    try:
        data = video_frame_jpeg(video=video, frame_number=number)
    except ServiceError as error:
        refused = HttpResponse(error.message, status=error.status,
                               content_type="text/plain; charset=utf-8")
        refused["Cache-Control"] = "private, no-store"
        return refused
    audit_view_of_request(request, what="video_frame", target=f"video {video.pk} frame {number}")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(INVESTIGATOR)
def video_capture(request: HttpRequest, pk: int) -> HttpResponse:
    """"Crop from this frame": the frame kept as an evidence image, then its page (where
    the crop tool is)."""
    video = get_object_or_404(EvidenceVideo, pk=pk)
    number = _frame_param(request.POST.get("frame"))
    if number is None:
        return _video_page(request, video, error=_("A frame number is a whole number from 0."),
                           status=400, number=0)
    try:
        image = video_frame_capture(user=request.user, video=video, frame_number=number)
    except ServiceError as exc:
        return _video_page(request, video, error=exc.message, status=exc.status, number=number)
    return redirect("internal:evidence", pk=image.pk)
