"""Crops: cut an object out of an evidence image, redact, re-encode, run the safety gate
and read the crop's text for anything that identifies someone (an address, a name, a phone
number, a plate...: ``vision.idtext``), and (only if the gate passed and no identifying
text is left unredacted, or a reviewer overrode it in writing) make a draft object."""

from __future__ import annotations

import io
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from traceobject.accounts.roles import INVESTIGATOR, REVIEWER, has_role
from traceobject.audit.services import audit_record
from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line, clean_text
from traceobject.evidence.models import Crop, EvidenceImage
from traceobject.evidence.signals import crop_created, crop_made_object
from traceobject.evidence.storage import evidence_delete, evidence_put, evidence_read
from traceobject.vision.decode import DecodeError, decode_image
from traceobject.vision.gate_context import gate_in_context, gate_verdict
from traceobject.vision.idtext import identifying_text

MAX_LONG_SIDE = catalog.MAX_LONG_SIDE  # what the public side publishes at most
MIN_SIDE = 16
MAX_REDACTIONS = 100
MIN_OVERRIDE_REASON = 20
MAX_OVERRIDE_REASON = 2000


def _int(value: Any, name: str) -> int:
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ServiceError("invalid_crop", _("%(name)s must be a whole number.") % {"name": name})
    if number < 0 or number > 1_000_000:
        raise ServiceError("invalid_crop", _("%(name)s is out of range.") % {"name": name})
    return number


def _rect(values: Mapping[str, Any], width: int, height: int, what: str) -> tuple[int, ...]:
    x, y, w, h = (_int(values.get(k), f"{what} {k}") for k in ("x", "y", "w", "h"))
    if w < 1 or h < 1 or x + w > width or y + h > height:
        raise ServiceError("invalid_crop", _("%(what)s must lie inside the image (%(width)d x "
                                             "%(height)d pixels).")
                           % {"what": what, "width": width, "height": height})
    return x, y, w, h


def _redact(picture: Image.Image, redactions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    clean: list[dict[str, Any]] = []
    for item in redactions:
        mode = item.get("mode")
        if mode not in ("black", "blur"):
            raise ServiceError("invalid_crop", _("A redaction is 'black' or 'blur'."))
        x, y, w, h = _rect(item, picture.width, picture.height, "redaction")
        box = (x, y, x + w, y + h)
        if mode == "black":
            picture.paste((0, 0, 0), box)
        else:
            region = picture.crop(box)
            # Pixelate first, then blur: nothing of the original detail survives.
            small = region.resize((max(1, w // 24), max(1, h // 24)), Image.Resampling.BOX)
            region = small.resize((w, h), Image.Resampling.NEAREST).filter(
                ImageFilter.GaussianBlur(radius=max(4, min(w, h) // 10)))
            picture.paste(region, box)
        clean.append({"x": x, "y": y, "w": w, "h": h, "mode": mode})
    return clean


def crop_create(*, image: EvidenceImage, rect: Mapping[str, Any],
                redactions: Sequence[Mapping[str, Any]] = (), user: Any) -> Crop:
    """Cut `rect` (displayed full-resolution pixels) out of `image`, apply `redactions`
    (same coordinates), limit to 1,600 px, re-encode without metadata, run the gate."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators create crops."), status=403)
    if not isinstance(redactions, Sequence) or len(redactions) > MAX_REDACTIONS:
        raise ServiceError("invalid_crop", _("At most %(n)d redactions.") % {"n": MAX_REDACTIONS})
    x, y, w, h = _rect(rect, image.width, image.height, "the crop")
    if w < MIN_SIDE or h < MIN_SIDE:
        raise ServiceError("invalid_crop", _("A crop is at least %(n)d pixels a side.")
                           % {"n": MIN_SIDE})
    try:
        decoded = decode_image(evidence_read(key=image.storage_key))
    except (OSError, DecodeError) as error:
        raise ServiceError("evidence_unreadable", _("The evidence file cannot be read: "
                                                    "%(error)s") % {"error": error})
    picture = decoded.to_pil()
    if picture.size != (image.width, image.height):
        raise ServiceError("evidence_unreadable",
                           _("The stored file does not match its record."))
    clean = _redact(picture, redactions)
    cut = picture.crop((x, y, x + w, y + h))
    if max(cut.size) > MAX_LONG_SIDE:
        cut.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(cut.convert("RGB"), dtype=np.uint8)
    verdict, findings = gate_verdict(pixels)
    around = gate_in_context(picture, (x, y, w, h), cut.size)
    if around:
        verdict, findings = "fail", findings + around
    text = identifying_text(pixels)  # what is redacted above is not read
    clean_image = Image.fromarray(pixels, mode="RGB")  # pixels only: no EXIF/XMP/ICC/comment
    key = _store(clean_image)
    with transaction.atomic():
        crop = Crop.objects.create(
            image=image, x=x, y=y, w=w, h=h, redactions=clean, storage_key=key,
            width=clean_image.width, height=clean_image.height, created_by=user,
            gate_verdict=verdict, gate_findings=findings, text_findings=text,
        )
        audit_record(actor=user, action="crop.create", target=f"crop {crop.pk}",
                     data={"evidence": image.pk, "rect": [x, y, w, h], "redactions": clean,
                           "verdict": verdict, "findings": len(findings),
                           "identifying_text": [f.get("what") for f in text]})
        crop_created.send(sender=Crop, crop_id=crop.pk)  # clues: read it (a task)
    return crop


def _store(picture: Image.Image) -> str:
    """Write ``picture`` as a PNG under a new key of the evidence store; the key."""
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=False)
    key = f"crops/{secrets.token_hex(16)}.png"
    try:
        evidence_put(key=key, data=buffer.getvalue())
    except OSError as error:
        raise ServiceError("evidence_unwritable", _("The crop cannot be stored: %(error)s")
                           % {"error": error}, status=503)
    return key


def crop_pixels(crop: Crop) -> Image.Image:
    return Image.open(io.BytesIO(evidence_read(key=crop.storage_key))).convert("RGB")


def crop_png(crop: Crop, *, annotated: bool) -> bytes:
    """The crop as PNG; annotated: with the safety gate's findings outlined for the reviewer."""
    picture = crop_pixels(crop)
    if annotated:
        draw = ImageDraw.Draw(picture)
        for finding in crop.gate_findings:
            box = finding.get("box")
            if box:
                x, y, w, h = (int(v) for v in box)
                draw.rectangle((x, y, x + w, y + h), outline=(255, 0, 0), width=4)
                draw.text((x + 4, y + 4), str(finding.get("kind")), fill=(255, 0, 0))
        for n, finding in enumerate(crop.text_findings or [], start=1):
            _draw_text_finding(draw, picture.size, n, finding)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def _draw_text_finding(draw: ImageDraw.ImageDraw, size: tuple[int, int], n: int,
                       finding: Mapping[str, Any]) -> None:
    """Outline identifying text (orange; grey once redacted) with its number, what it looks
    like and the text read, on a label above the box (below it at the top edge)."""
    box = finding.get("box")
    if not box:
        return
    x, y, w, h = (int(v) for v in box)
    colour = (150, 150, 150) if finding.get("redacted") else (255, 140, 0)
    draw.rectangle((x, y, x + w, y + h), outline=colour, width=3)
    label = f"{n} {finding.get('what', '')}: {str(finding.get('text', ''))[:60]}"
    font = ImageFont.load_default(size=max(12, min(28, size[1] // 30)))
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    tw, th = right - left, bottom - top
    ly = y - th - 6 if y - th - 6 >= 0 else min(size[1] - th - 4, y + h + 2)
    lx = max(0, min(x, size[0] - tw - 6))
    draw.rectangle((lx, ly, lx + tw + 6, ly + th + 4), fill=colour)
    draw.text((lx + 3, ly + 2 - top), label, fill=(0, 0, 0), font=font)


def crop_text_redact(*, crop: Crop, user: Any, finding: Any) -> Crop:
    """Black out identifying text finding number ``finding`` (1, 2, ...) of ``crop``: the
    stored crop is replaced by one with its box (and a margin) black, the redaction is
    recorded in the evidence picture's coordinates with the others, and the finding is
    marked redacted. Only before the crop becomes an object."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators redact crops."), status=403)
    findings = list(crop.text_findings or [])
    number = finding if isinstance(finding, int) and not isinstance(finding, bool) else None
    if number is None or not 1 <= number <= len(findings):
        raise ServiceError("invalid_finding", _("There is no such finding in this crop."),
                           fields={"finding": "unknown"})
    with transaction.atomic():
        fresh = Crop.objects.select_for_update().get(pk=crop.pk)
        if fresh.traced_object_id:
            raise ServiceError("invalid_state",
                               _("This crop is already an object: make a new crop instead."))
        findings = list(fresh.text_findings or [])
        item = dict(findings[number - 1])
        if item.get("redacted"):
            raise ServiceError("invalid_state", _("This finding is already redacted."))
        box = item.get("box") or [0, 0, fresh.width, fresh.height]
        margin = 3
        x0 = max(0, int(box[0]) - margin)
        y0 = max(0, int(box[1]) - margin)
        x1 = min(fresh.width, int(box[0]) + int(box[2]) + margin)
        y1 = min(fresh.height, int(box[1]) + int(box[3]) + margin)
        if x1 <= x0 or y1 <= y0:
            x0, y0, x1, y1 = 0, 0, fresh.width, fresh.height
        picture = crop_pixels(fresh)
        picture.paste((0, 0, 0), (x0, y0, x1, y1))
        old_key = fresh.storage_key
        fresh.storage_key = _store(picture)
        # the same rectangle in the evidence picture's (displayed, full-resolution) pixels
        fx, fy = fresh.w / fresh.width, fresh.h / fresh.height
        ex0, ey0 = fresh.x + int(x0 * fx), fresh.y + int(y0 * fy)
        ex1 = min(fresh.x + fresh.w, fresh.x + int(np.ceil(x1 * fx)))
        ey1 = min(fresh.y + fresh.h, fresh.y + int(np.ceil(y1 * fy)))
        redaction = {"x": ex0, "y": ey0, "w": ex1 - ex0, "h": ey1 - ey0, "mode": "black"}
        item["redacted"] = True
        findings[number - 1] = item
        fresh.text_findings = findings
        fresh.redactions = [*fresh.redactions, redaction]
        fresh.save(update_fields=["storage_key", "text_findings", "redactions"])
        audit_record(actor=user, action="crop.text_redact", target=f"crop {fresh.pk}",
                     data={"finding": number, "what": item.get("what"),
                           "box": [x0, y0, x1 - x0, y1 - y0], "redaction": redaction,
                           "stored": fresh.storage_key})
        # the picture with the text still readable goes once the new one is in place, and
        # the local features read from it with it (read again from the new picture)
        transaction.on_commit(lambda: evidence_delete(key=old_key), robust=True)
        from traceobject.evidence.object_features import crop_features_schedule

        crop_features_schedule(crop_id=fresh.pk)
    crop.refresh_from_db()
    return crop


def crop_override(*, crop: Crop, user: Any, reason: str) -> Crop:
    """A reviewer lets a crop through in writing: one the safety gate failed, or one with
    identifying text left in it (every finding shown to them is let through)."""
    if not has_role(user, REVIEWER):
        raise ServiceError("forbidden", _("Only a reviewer can override the safety gate."),
                           status=403)
    if crop.created_by_id == user.pk:
        raise ServiceError("four_eyes",
                           _("The author of a crop cannot override its gate verdict."),
                           status=403)
    reason = clean_text(reason, field="reason", max_length=MAX_OVERRIDE_REASON,
                        code="reason_required", label=_("The reason"))
    if len(reason) < MIN_OVERRIDE_REASON:
        raise ServiceError("reason_required", _("Give a reason of %(min)d to %(max)d characters.")
                           % {"min": MIN_OVERRIDE_REASON, "max": MAX_OVERRIDE_REASON},
                           fields={"reason": "too short"})
    if not crop.needs_override:
        raise ServiceError("invalid_state", _("The crop passed the gate; nothing to override."))
    with transaction.atomic():
        crop.override_by = user
        crop.override_reason = reason
        crop.override_at = timezone.now()
        crop.save(update_fields=["override_by", "override_reason", "override_at"])
        audit_record(actor=user, action="crop.gate_override", target=f"crop {crop.pk}",
                     data={"reason": reason, "findings": crop.gate_findings,
                           # what and where only: the log is kept for good, the text read
                           # from the evidence (a name, an address) is not written into it
                           "identifying_text": [
                               {k: f.get(k) for k in ("what", "box", "score")}
                               for f in crop.text_open if isinstance(f, dict)]})
    return crop


def crop_to_object(*, crop: Crop, user: Any, category: str, title: str,
                   description: str = "", questions: Sequence[str] = ()) -> TracedObject:
    """A draft traced object from a crop that passed the gate (or was overridden)."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators create objects."), status=403)
    if not crop.may_be_published:
        if crop.gate_verdict == Crop.Verdict.PASS:
            raise ServiceError("identifying_text", _(
                "This crop shows text that may identify someone: redact it or ask a "
                "reviewer to override."))
        raise ServiceError("gate_failed", _("This crop failed the safety gate and cannot become "
                                            "an object unless a reviewer overrides it."))
    if crop.traced_object_id:
        raise ServiceError("invalid_state", _("This crop is already an object."))
    title = clean_line(title, field="title", max_length=catalog.MAX_TITLE, code="invalid_object",
                       label=catalog.LABELS["title"])
    with transaction.atomic():  # the catalogue cleans the description and questions
        obj = catalog.object_create(user=user, category=category, texts={"en": {
            "title": title, "description": description, "questions": list(questions),
        }})
        catalog.object_image_add(obj=obj, image=crop_pixels(crop), origin="crop",
                                 added_by=user)
        crop.traced_object = obj
        crop.save(update_fields=["traced_object"])
        audit_record(actor=user, action="object.create_from_crop", target=obj.ref,
                     data={"crop": crop.pk})
        crop_made_object.send(sender=Crop, crop_id=crop.pk, object_id=obj.pk)
    return obj
