"""Crops: cut an object out of an evidence image, redact, re-encode, run the safety gate,
and (only if the gate passed or a reviewer overrode it in writing) make a draft object."""

from __future__ import annotations

import io
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFilter

from traceobject.accounts.roles import INVESTIGATOR, REVIEWER, has_role
from traceobject.audit.services import audit_record
from traceobject.catalog import services as catalog
from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.core.text import clean_line, clean_text
from traceobject.evidence.models import Crop, EvidenceImage
from traceobject.evidence.signals import crop_created, crop_made_object
from traceobject.evidence.storage import evidence_put, evidence_read
from traceobject.vision.decode import DecodeError, decode_image
from traceobject.vision.gate_context import gate_in_context, gate_verdict

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
    clean_image = Image.fromarray(pixels, mode="RGB")  # pixels only: no EXIF/XMP/ICC/comment
    buffer = io.BytesIO()
    clean_image.save(buffer, "PNG", optimize=False)
    key = f"crops/{secrets.token_hex(16)}.png"
    try:
        evidence_put(key=key, data=buffer.getvalue())
    except OSError as error:
        raise ServiceError("evidence_unwritable", _("The crop cannot be stored: %(error)s")
                           % {"error": error}, status=503)
    with transaction.atomic():
        crop = Crop.objects.create(
            image=image, x=x, y=y, w=w, h=h, redactions=clean, storage_key=key,
            width=clean_image.width, height=clean_image.height, created_by=user,
            gate_verdict=verdict, gate_findings=findings,
        )
        audit_record(actor=user, action="crop.create", target=f"crop {crop.pk}",
                     data={"evidence": image.pk, "rect": [x, y, w, h], "redactions": clean,
                           "verdict": verdict, "findings": len(findings)})
        crop_created.send(sender=Crop, crop_id=crop.pk)  # clues: read it (a task)
    return crop


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
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def crop_override(*, crop: Crop, user: Any, reason: str) -> Crop:
    """A reviewer lets a failed crop through, in writing."""
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
    if crop.gate_verdict == Crop.Verdict.PASS:
        raise ServiceError("invalid_state", _("The crop passed the gate; nothing to override."))
    with transaction.atomic():
        crop.override_by = user
        crop.override_reason = reason
        crop.override_at = timezone.now()
        crop.save(update_fields=["override_by", "override_reason", "override_at"])
        audit_record(actor=user, action="crop.gate_override", target=f"crop {crop.pk}",
                     data={"reason": reason, "findings": crop.gate_findings})
    return crop


def crop_to_object(*, crop: Crop, user: Any, category: str, title: str,
                   description: str = "", questions: Sequence[str] = ()) -> TracedObject:
    """A draft traced object from a crop that passed the gate (or was overridden)."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators create objects."), status=403)
    if not crop.may_be_published:
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
