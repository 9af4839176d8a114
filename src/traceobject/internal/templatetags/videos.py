"""Times in a video as the frame viewer writes them (``{% load videos %}``,
``{{ seconds|timecode }}``: 1:05.040, or 1:02:03.500 past an hour)."""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()


@register.filter
def timecode(seconds: Any) -> str:
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(value) or value < 0:
        return ""
    millis = round(value * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{millis:03d}"
    return f"{minutes}:{secs:02d}.{millis:03d}"
