"""The safety gate on a crop together with the picture it was cut from.

A face cut off by the crop's edge is hard to recognise in the crop alone (without its
eyes); seen with a margin of the (redacted) evidence picture around it, it is a whole
face. :func:`gate_in_context` runs the gate on the crop widened by
:data:`CONTEXT_MARGIN` on each side and keeps the faces, hands and bodies that reach
into the crop (what lies almost wholly inside the crop is left to the gate on the crop
alone: :data:`CONTEXT_INSIDE_MAX`). The crop workflow (``traceobject.evidence.crops``)
fails a crop if the gate fails it alone or if anything reaches into it from around;
``bench/bench_gate.py`` measures both.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from PIL import Image

__all__ = [
    "CONTEXT_INSIDE_MAX",
    "CONTEXT_MARGIN",
    "CONTEXT_MAX_SIDE",
    "findings_around",
    "gate_in_context",
    "gate_verdict",
]

#: Margin of the picture around the crop that the gate looks at, as a share of the
#: crop's width and height, on each side.
CONTEXT_MARGIN: Final = 0.5
#: A finding with at least this share of its box inside the crop is not one the crop's
#: edge cuts: what lies inside the crop is judged by the gate on the crop alone, at the
#: crop's own resolution. On training crops (faces 0-49 on backgrounds from seed 50000,
#: surroundings from seed 500000; object seeds 10000-10599 in surroundings from seed
#: 610000), faces the crop's edge cuts have 40-64 % of their box inside it, and every
#: value from 0.7 to 0.95 gives the same result: crops with a face blocked 0.995 -> 0.993,
#: object crops blocked 4.2 % -> 3.7 %.
CONTEXT_INSIDE_MAX: Final = 0.9
#: The widened crop is reduced to at most this many pixels on its long side.
CONTEXT_MAX_SIDE: Final = 1600
#: Findings with a place that can reach into the crop from around it.
_LOCATED_KINDS: Final = ("face", "hand", "pose")


def gate_verdict(pixels: np.ndarray) -> tuple[str, list[dict[str, Any]]]:
    """The safety gate's verdict and findings (as dictionaries) for RGB ``pixels``;
    if the gate cannot run, the answer is ``"fail"``."""
    try:
        # Imported here: the gate's detectors load only when a crop is checked, not when
        # the crop workflow's module is imported (and an import error fails closed too).
        from traceobject.vision.gate import gate_check

        verdict = gate_check(pixels).to_dict()
        return str(verdict["verdict"]), list(verdict["findings"])
    except Exception as error:  # fail closed
        detail = f"the safety gate could not run: {type(error).__name__}"
        return "fail", [{"kind": "error", "score": 1.0, "box": None, "detail": detail}]


def findings_around(
    picture: Image.Image, box: tuple[int, int, int, int]
) -> list[tuple[dict[str, Any], tuple[float, float, float, float] | None, float]]:
    """The gate's findings on the crop ``box`` (x, y, w, h in ``picture``'s pixels)
    widened by :data:`CONTEXT_MARGIN`: for each face, hand or body that overlaps the
    crop, (finding, the overlap as x, y, w, h in the crop's pixels, the share of the
    finding's box inside the crop); for an error of the gate, (finding, None, 0.0). An
    empty list when the gate passes or when nothing of the picture lies around the crop.
    """
    x, y, w, h = box
    mx, my = int(w * CONTEXT_MARGIN), int(h * CONTEXT_MARGIN)
    cx0, cy0 = max(0, x - mx), max(0, y - my)
    cx1, cy1 = min(picture.width, x + w + mx), min(picture.height, y + h + my)
    if (cx0, cy0, cx1, cy1) == (x, y, x + w, y + h):
        return []  # the crop is the whole picture: nothing around it
    context = picture.crop((cx0, cy0, cx1, cy1))
    scale = min(1.0, CONTEXT_MAX_SIDE / max(context.size))
    if scale < 1.0:
        context = context.resize(
            (max(1, round(context.width * scale)), max(1, round(context.height * scale))),
            Image.Resampling.BILINEAR,
        )
    verdict, findings = gate_verdict(np.asarray(context.convert("RGB"), dtype=np.uint8))
    if verdict == "pass":
        return []
    found: list[tuple[dict[str, Any], tuple[float, float, float, float] | None, float]] = []
    for finding in findings:
        if finding.get("kind") == "error":
            found.append((finding, None, 0.0))
            continue
        if finding.get("kind") not in _LOCATED_KINDS or not finding.get("box"):
            continue
        bx, by, bw, bh = (float(v) / scale for v in finding["box"])
        bx, by = bx + cx0, by + cy0  # in the picture's pixels
        ix0, iy0 = max(bx, x), max(by, y)
        ix1, iy1 = min(bx + bw, x + w), min(by + bh, y + h)
        if ix1 <= ix0 or iy1 <= iy0:
            continue  # wholly outside the crop
        share = (ix1 - ix0) * (iy1 - iy0) / (bw * bh)
        found.append((finding, (ix0 - x, iy0 - y, ix1 - ix0, iy1 - iy0), share))
    return found


def gate_in_context(
    picture: Image.Image, box: tuple[int, int, int, int], out_size: tuple[int, int]
) -> list[dict[str, Any]]:
    """Faces, hands and bodies around the crop ``box`` (x, y, w, h in ``picture``'s
    pixels) that reach into it, with their boxes in the crop's output pixels
    (``out_size``: the crop's width and height once cut and reduced). An error of the
    gate is a finding too (fail closed); an empty list means nothing reaches in. Findings
    with :data:`CONTEXT_INSIDE_MAX` or more of their box inside the crop are left out."""
    fx, fy = out_size[0] / box[2], out_size[1] / box[3]
    reaching = []
    for finding, part, share in findings_around(picture, box):
        if part is None:  # the gate could not run: fail closed
            reaching.append({**finding, "detail": f"in context: {finding.get('detail', '')}"})
            continue
        if share >= CONTEXT_INSIDE_MAX:
            continue  # (almost) wholly inside: the gate on the crop alone judged it
        px, py, pw, ph = part
        reaching.append(
            {
                **finding,
                "box": [round(px * fx), round(py * fy), round(pw * fx), round(ph * fy)],
                "detail": (
                    "reaches into the crop from around it"
                    + (f"; {finding['detail']}" if finding.get("detail") else "")
                ),
            }
        )
    return reaching
