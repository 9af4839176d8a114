"""Writes to the catalogue. Publication with four-eyes approval comes with the back office;
these are the primitives it (and the demo) build on."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable, Mapping
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from PIL import Image

from traceobject.catalog.models import (
    Campaign,
    Category,
    ObjectImage,
    ObjectStatus,
    ObjectText,
    PublicFigure,
    TracedObject,
)
from traceobject.core.errors import ServiceError
from traceobject.core.pagecache import catalog_changed

RENDITION_WIDTHS = (320, 640, 1024, 1600)
MAX_LONG_SIDE = 1600


def campaign_create(
    *, slug: str, names: Mapping[str, str], descriptions: Mapping[str, str] | None = None,
    launched_on: date | None = None, position: int = 0, is_public: bool = True,
) -> Campaign:
    if not names.get("en"):
        raise ServiceError("invalid", "A campaign needs an English name.")
    campaign = Campaign.objects.create(
        slug=slug, names=dict(names), descriptions=dict(descriptions or {}),
        launched_on=launched_on, position=position, is_public=is_public,
    )
    catalog_changed()
    return campaign


def _next_ref(year: int) -> str:
    prefix = f"TAO-{year}-"
    last = (  # by length first: TAO-2027-10000 comes after TAO-2027-9999
        TracedObject.objects.filter(ref__startswith=prefix).order_by(Length("ref").desc(), "-ref")
        .values_list("ref", flat=True).first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def object_create(
    *, category: str, texts: Mapping[str, Mapping[str, object]], campaign: Campaign | None = None,
    year: int | None = None, position: int = 0,
) -> TracedObject:
    """A draft traced object. `texts` maps language -> {title, description, questions}."""
    if category not in Category.values:
        raise ServiceError("invalid", f"Unknown category {category!r}.")
    if "en" not in texts or not texts["en"].get("title"):
        raise ServiceError("invalid", "An object needs an English title.")
    year = year or timezone.now().year
    for _attempt in range(5):
        try:
            with transaction.atomic():
                obj = TracedObject.objects.create(
                    ref=_next_ref(year), campaign=campaign, category=category, position=position,
                )
                break
        except IntegrityError:  # another writer took the same number
            continue
    else:
        raise ServiceError("conflict", "Could not allocate a reference; try again.", status=409)
    object_texts_set(obj=obj, texts=texts)
    return obj


def object_texts_set(*, obj: TracedObject, texts: Mapping[str, Mapping[str, object]]) -> None:
    for language, fields in texts.items():
        questions = fields.get("questions") or []
        ObjectText.objects.update_or_create(
            object=obj, language=language,
            defaults={
                "title": str(fields.get("title", "")),
                "description": str(fields.get("description", "")),
                "questions": [str(q) for q in questions] if isinstance(questions, Iterable) else [],
                "thank_you": str(fields.get("thank_you", "")),
            },
        )
    catalog_changed()


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    else:
        image.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def object_image_add(*, obj: TracedObject, image: Image.Image, position: int = 0) -> ObjectImage:
    """Store a picture as renditions (WebP and JPEG) of several widths.

    Only pixels are kept: the image is rebuilt from its RGB data, so no EXIF, XMP, ICC profile
    or comment survives.
    """
    rgb = image.convert("RGB")
    if max(rgb.size) > MAX_LONG_SIDE:
        rgb.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    width, height = clean.size
    widths = sorted({w for w in RENDITION_WIDTHS if w < width} | {width})
    folder = f"objects/{obj.ref}/{secrets.token_hex(6)}"
    for w in widths:
        scaled = clean if w == width else clean.resize(
            (w, max(1, round(height * w / width))), Image.Resampling.LANCZOS
        )
        for fmt, ext in (("JPEG", "jpg"), ("WEBP", "webp")):
            default_storage.save(f"{folder}/{w}.{ext}", ContentFile(_encode(scaled, fmt)))
    image_row = ObjectImage.objects.create(
        object=obj, position=position, folder=folder, width=width, height=height, widths=widths,
    )
    catalog_changed()
    return image_row


def object_publish(*, obj: TracedObject) -> TracedObject:
    obj.status = ObjectStatus.PUBLISHED
    obj.published_at = obj.published_at or timezone.now()
    obj.save(update_fields=["status", "published_at"])
    catalog_changed()
    return obj


def object_mark_identified(*, obj: TracedObject, country: str = "") -> TracedObject:
    if obj.status not in (ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED):
        raise ServiceError("invalid_state", "Only a published object can be marked identified.")
    obj.status = ObjectStatus.IDENTIFIED
    obj.identified_at = obj.identified_at or timezone.now()
    obj.identified_country = country.upper()
    obj.save(update_fields=["status", "identified_at", "identified_country"])
    catalog_changed()
    return obj


PUBLIC_FIGURES = ("leads_confirmed", "children_safeguarded", "offenders_arrested")


def public_figures_set(**values: int) -> None:
    """Replace aggregate figures shown on the public statistics page (totals only)."""
    unknown = set(values) - set(PUBLIC_FIGURES)
    if unknown:
        raise ServiceError("invalid", f"Unknown public figures: {sorted(unknown)}.")
    for name, value in values.items():
        if not isinstance(value, int) or value < 0:
            raise ServiceError("invalid", f"{name} must be a whole number >= 0.")
    with transaction.atomic():
        for name, value in values.items():
            PublicFigure.objects.update_or_create(name=name, defaults={"value": value})
    catalog_changed()
