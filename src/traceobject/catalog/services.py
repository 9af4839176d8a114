"""Writes to the catalogue: editing, images, campaigns and the publication workflow.

Workflow (four-eyes)::

    draft --submit--> in_review --approve--> published --mark_identified--> identified
      ^                   |                      |                              |
      +------reject-------+                      +-----------withdraw-----------+--> withdrawn

* ``object_submit`` (an investigator): the object needs an English title, at least one image,
  and every crop it was made from must have passed the safety gate or been overridden by a
  reviewer.
* ``object_approve`` (a reviewer): never by the object's author, by whoever submitted it, by
  whoever added one of its images or made the crop it came from; this holds for
  administrators and superusers too. The submission checks are made again.
* ``object_reject`` (a reviewer, with a comment) sends it back to draft.
* ``object_withdraw`` (an investigator or reviewer, with a reason) takes a published or
  identified object off the public site; its pictures are no longer served. Withdrawn is
  final: a withdrawn object cannot be edited.
* ``object_mark_identified`` (an investigator or reviewer): shown as identified, with the
  thank-you note, and counted in the statistics.

Editing rules: texts, category, campaign and position may be edited in every state but
withdrawn (on a published object the change is live at once, audited and in the review
history; on an object in review a text change restarts the review with the editor as the
submitter, so they cannot approve their own wording). Adding or removing an image of a
published object sends it back to review (it leaves the public site until a second person
approves it again); on an object in review it
restarts the review with the editor as the submitter (so they cannot approve it). Images of
identified or withdrawn objects cannot be changed. Reordering images needs no new review
(no new pixels).

Campaigns (administrators): created hidden, launched (public, ``launched_on``), ended
(``ends_on``: from that day the campaign is no longer offered in the gallery's campaign filter;
its objects stay visible, so links keep working), reordered (``position``).

Every change is audited (``audit_record``) in the transaction that makes it, and
``catalog_changed()`` moves the public page cache on. Refused input changes nothing.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from traceobject.accounts.roles import ADMINISTRATOR, INVESTIGATOR, REVIEWER, has_role
from traceobject.audit.services import audit_record
from traceobject.catalog import selectors, staff_selectors
from traceobject.catalog.models import (
    SLUG_RE,
    Campaign,
    Category,
    ObjectImage,
    ObjectReview,
    ObjectStatus,
    ObjectText,
    PublicFigure,
    ReviewAction,
    TracedObject,
    rendition_names,
)
from traceobject.core.cdn import cdn_purge, purge_paths
from traceobject.core.errors import ServiceError
from traceobject.core.pagecache import catalog_changed
from traceobject.core.reference import country_codes, ui_language_codes
from traceobject.core.text import clean_line, clean_text
from traceobject.vision.gate_context import gate_verdict

RENDITION_WIDTHS = (320, 640, 1024, 1600)
MAX_LONG_SIDE = 1600

# Who may do what (a superuser holds every role, but four-eyes still applies).
EDITOR_ROLES = (INVESTIGATOR,)
REVIEWER_ROLES = (REVIEWER,)
WITHDRAW_ROLES = (INVESTIGATOR, REVIEWER)
IDENTIFY_ROLES = (INVESTIGATOR, REVIEWER)
CAMPAIGN_ROLES = (ADMINISTRATOR,)

# The review checklist: every line must be ticked to approve (the page shows the labels).
REVIEW_CHECKS = {  # name: (short label, what the reviewer confirms)
    "people": (gettext_lazy("People"),
               gettext_lazy("Nothing of a person is visible in any picture.")),
    "identifying_text": (gettext_lazy("Identifying text"),
                         gettext_lazy("No readable text could identify a victim, a person or "
                                      "a place (names, addresses, numbers, labels).")),
    "metadata": (gettext_lazy("Metadata"),
                 gettext_lazy("Texts, category and campaign give no detail of the case.")),
    "languages": (gettext_lazy("Languages"),
                  gettext_lazy("Every language is present, or knowingly left to English.")),
}

REVIEW_CHECK_NAMES = tuple(REVIEW_CHECKS)

# Text limits (the public pages are laid out for them).
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_QUESTIONS = 10
MAX_QUESTION = 500
MAX_THANK_YOU = 2000
MIN_COMMENT = 10
MAX_COMMENT = 2000
MAX_CAMPAIGN_NAME = 200
MAX_CAMPAIGN_DESCRIPTION = 2000
MAX_POSITION = 1_000_000

# Uploads in the back office.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000
MAX_UPLOAD_FRAMES = 100
MIN_IMAGE_SIDE = 16
MAX_IMAGES = 12

# Texts, category and campaign can be edited in these states; pictures in the second set.
EDITABLE_STATES = (ObjectStatus.DRAFT, ObjectStatus.IN_REVIEW, ObjectStatus.PUBLISHED,
                   ObjectStatus.IDENTIFIED)
IMAGE_EDITABLE_STATES = (ObjectStatus.DRAFT, ObjectStatus.IN_REVIEW, ObjectStatus.PUBLISHED)


class GateRefused(ServiceError):
    """An uploaded picture failed the safety gate; `findings` say what it saw."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        kinds = ", ".join(sorted({str(f.get("kind")) for f in findings})) or "unknown"
        super().__init__("gate_failed", _("The safety gate refused this picture (%(kinds)s). "
                                          "Nothing of a person may be published.")
                         % {"kinds": kinds})
        self.findings = findings


# --------------------------------------------------------------------------- helpers


# What a role check and a state check refuse (translated when they are raised).
MAY_NOT = {
    "manage campaigns": gettext_lazy("You may not manage campaigns."),
    "create objects": gettext_lazy("You may not create objects."),
    "edit objects": gettext_lazy("You may not edit objects."),
    "submit objects for review": gettext_lazy("You may not submit objects for review."),
    "approve objects": gettext_lazy("You may not approve objects."),
    "review objects": gettext_lazy("You may not review objects."),
    "withdraw objects": gettext_lazy("You may not withdraw objects."),
    "mark objects identified": gettext_lazy("You may not mark objects identified."),
}
CANNOT = {  # %(state)s: the object's state, as the back office names it
    "edit it": gettext_lazy("Cannot edit it: the object is %(state)s."),
    "add a picture": gettext_lazy("Cannot add a picture: the object is %(state)s."),
    "change its pictures": gettext_lazy("Cannot change its pictures: the object is %(state)s."),
    "reorder its pictures": gettext_lazy("Cannot reorder its pictures: the object is "
                                         "%(state)s."),
    "submit it for review": gettext_lazy("Cannot submit it for review: the object is "
                                         "%(state)s."),
    "approve it": gettext_lazy("Cannot approve it: the object is %(state)s."),
    "send it back": gettext_lazy("Cannot send it back: the object is %(state)s."),
    "withdraw it": gettext_lazy("Cannot withdraw it: the object is %(state)s."),
    "mark it identified": gettext_lazy("Cannot mark it identified: the object is %(state)s."),
}


def _require(user: Any, roles: Sequence[str], what: str) -> None:
    """Refused (403) unless `user` holds one of `roles`; `what` is a key of MAY_NOT."""
    if not has_role(user, *roles):
        raise ServiceError("forbidden", str(MAY_NOT[what]), status=403)


def _state(obj: TracedObject, allowed: Sequence[str], what: str) -> None:
    """Refused (409) unless the object is in one of `allowed`; `what` is a key of CANNOT."""
    if obj.status not in allowed:
        state = str(ObjectStatus(obj.status).label).lower()
        raise ServiceError("invalid_state", str(CANNOT[what]) % {"state": state}, status=409)


def _locked(obj: TracedObject) -> TracedObject:
    """The object's row, re-read and locked for the rest of the transaction."""
    return TracedObject.objects.select_for_update().get(pk=obj.pk)


def _log(obj: TracedObject, user: Any, action: str, comment: str = "",
         checklist: dict[str, Any] | None = None) -> None:
    ObjectReview.objects.create(object=obj, user=user if getattr(user, "pk", None) else None,
                                action=action, comment=comment, checklist=checklist or {})


def _audit(user: Any, action: str, obj: TracedObject, **data: Any) -> None:
    audit_record(actor=user, action=action, target=obj.ref, data=data)


LABELS = {  # the text fields as the messages name them
    "title": gettext_lazy("Title"), "description": gettext_lazy("Description"),
    "questions": gettext_lazy("A question"), "thank_you": gettext_lazy("The thank-you note"),
    "comment": gettext_lazy("The comment"), "name": gettext_lazy("Name"),
}


def _text(value: Any, field: str, limit: int, *, multiline: bool = False,
          required: bool = False) -> str:
    """A text field of the catalogue, through the one text cleaner (code "invalid")."""
    clean = clean_text if multiline else clean_line
    return clean(value, field=field, max_length=limit, required=required, code="invalid",
                 label=LABELS.get(field))


def _comment(value: Any, *, required: bool) -> str:
    comment = _text(value, "comment", MAX_COMMENT, multiline=True)
    if required and len(comment) < MIN_COMMENT:
        raise ServiceError("comment_required",
                           _("Give a reason of %(min)d to %(max)d characters.")
                           % {"min": MIN_COMMENT, "max": MAX_COMMENT},
                           fields={"comment": "required"})
    return comment


def _language(code: Any) -> str:
    if not isinstance(code, str) or code not in ui_language_codes():
        raise ServiceError("invalid",
                           _("Unknown language %(code)s.") % {"code": repr(str(code)[:20])},
                           fields={"language": "unknown language"})
    return code


# --------------------------------------------------------------------------- campaigns


def _campaign_texts(names: Mapping[str, str], descriptions: Mapping[str, str] | None,
                    ) -> tuple[dict[str, str], dict[str, str]]:
    if not isinstance(names, Mapping):
        raise ServiceError("invalid", _("Campaign names must map languages to text."))
    clean_names = {_language(k): _text(v, "name", MAX_CAMPAIGN_NAME) for k, v in names.items()}
    if not clean_names.get("en"):
        raise ServiceError("invalid", _("A campaign needs an English name."),
                           fields={"name": "English name required"})
    clean_descriptions = {
        _language(k): _text(v, "description", MAX_CAMPAIGN_DESCRIPTION, multiline=True)
        for k, v in (descriptions or {}).items()
    }
    return ({k: v for k, v in clean_names.items() if v},
            {k: v for k, v in clean_descriptions.items() if v})


def campaign_create(
    *, slug: str, names: Mapping[str, str], descriptions: Mapping[str, str] | None = None,
    launched_on: date | None = None, position: int = 0, is_public: bool = True,
    user: Any = None,
) -> Campaign:
    """A campaign. From the back office (`user` given: an administrator) it starts hidden
    (is_public=False) until launched; `user=None` is the system itself (demo, tests)."""
    if user is not None:
        _require(user, CAMPAIGN_ROLES, "manage campaigns")
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or slug == "new":
        raise ServiceError("invalid", _("A campaign's short name is 1 to 64 letters, digits, "
                                        "'-' or '_'."), fields={"slug": "invalid"})
    clean_names, clean_descriptions = _campaign_texts(names, descriptions)
    if Campaign.objects.filter(slug=slug).exists():
        raise ServiceError("conflict", _("A campaign %(slug)s exists already.")
                           % {"slug": repr(slug)}, status=409, fields={"slug": "taken"})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            slug=slug, names=clean_names, descriptions=clean_descriptions,
            launched_on=launched_on, position=position, is_public=is_public,
        )
        audit_record(actor=user, action="campaign.create", target=f"campaign {slug}",
                     data={"names": clean_names, "is_public": is_public})
    catalog_changed()
    return campaign


def campaign_update(*, campaign: Campaign, user: Any, names: Mapping[str, str],
                    descriptions: Mapping[str, str] | None = None) -> Campaign:
    """New names and descriptions (the short name stays: links use it)."""
    _require(user, CAMPAIGN_ROLES, "manage campaigns")
    clean_names, clean_descriptions = _campaign_texts(names, descriptions)
    with transaction.atomic():
        campaign.names, campaign.descriptions = clean_names, clean_descriptions
        campaign.save(update_fields=["names", "descriptions"])
        audit_record(actor=user, action="campaign.update", target=f"campaign {campaign.slug}",
                     data={"names": clean_names})
    catalog_changed()
    return campaign


def campaign_launch(*, campaign: Campaign, user: Any, on: date | None = None) -> Campaign:
    """Make a campaign public (its published objects appear). Launching an ended campaign
    starts it again."""
    _require(user, CAMPAIGN_ROLES, "manage campaigns")
    if campaign.is_public and not selectors.campaign_has_ended(campaign):
        raise ServiceError("invalid_state", _("The campaign is running already."), status=409)
    with transaction.atomic():
        campaign.is_public = True
        campaign.launched_on = on or campaign.launched_on or timezone.localdate()
        campaign.ends_on = None
        campaign.save(update_fields=["is_public", "launched_on", "ends_on"])
        audit_record(actor=user, action="campaign.launch", target=f"campaign {campaign.slug}",
                     data={"launched_on": campaign.launched_on})
    catalog_changed()
    return campaign


def campaign_end(*, campaign: Campaign, user: Any, on: date | None = None) -> Campaign:
    """End a running campaign on `on` (default today): from that day it is no longer offered
    in the gallery's campaign filter; its objects stay visible."""
    _require(user, CAMPAIGN_ROLES, "manage campaigns")
    if not campaign.is_public:
        raise ServiceError("invalid_state", _("The campaign was not launched."), status=409)
    ends_on = on or timezone.localdate()
    if campaign.launched_on and ends_on < campaign.launched_on:
        raise ServiceError("invalid", _("A campaign cannot end before it was launched."),
                           fields={"ends_on": "before the launch"})
    with transaction.atomic():
        campaign.ends_on = ends_on
        campaign.save(update_fields=["ends_on"])
        audit_record(actor=user, action="campaign.end", target=f"campaign {campaign.slug}",
                     data={"ends_on": ends_on})
    catalog_changed()
    return campaign


def campaign_reorder(*, user: Any, order: Sequence[int]) -> None:
    """Positions of all campaigns: `order` lists every campaign id once, first first."""
    _require(user, CAMPAIGN_ROLES, "manage campaigns")
    with transaction.atomic():
        ids = set(Campaign.objects.select_for_update().values_list("id", flat=True))
        if len(order) != len(ids) or set(order) != ids:
            raise ServiceError("invalid", _("The order must list every campaign once."))
        for position, pk in enumerate(order):
            Campaign.objects.filter(pk=pk).update(position=position)
        audit_record(actor=user, action="campaign.reorder", target="campaigns",
                     data={"order": list(order)})
    catalog_changed()


def campaign_move(*, campaign: Campaign, user: Any, offset: int) -> None:
    """Move a campaign up (-1) or down (+1) in the order."""
    order = list(Campaign.objects.order_by("position", "id").values_list("id", flat=True))
    campaign_reorder(user=user, order=_moved(order, campaign.pk, offset))


def _moved(order: list[int], pk: int, offset: int) -> list[int]:
    if offset not in (-1, 1) or pk not in order:
        raise ServiceError("invalid", _("Move by one place up or down."))
    index = order.index(pk)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return order


# --------------------------------------------------------------------------- objects


def _next_ref(year: int) -> str:
    prefix = f"TAO-{year}-"
    last = (  # by length first: TAO-2027-10000 comes after TAO-2027-9999
        TracedObject.objects.filter(ref__startswith=prefix).order_by(Length("ref").desc(), "-ref")
        .values_list("ref", flat=True).first()
    )
    # Cores publishing to one edge number their objects in separate ranges (REF_FIRST).
    number = max(int(last.rsplit("-", 1)[1]) + 1 if last else 1, settings.REF_FIRST)
    return f"{prefix}{number:04d}"


def _clean_fields(language: str, fields: Any) -> dict[str, Any] | None:
    """One language's texts, validated; None when every field is empty (remove it)."""
    if not isinstance(fields, Mapping):
        raise ServiceError("invalid", _("The texts in %(language)s must be a mapping.")
                           % {"language": language})
    questions = fields.get("questions") or []
    if isinstance(questions, str) or not isinstance(questions, Sequence):
        raise ServiceError("invalid", _("Questions must be a list."),
                           fields={"questions": "list"})
    clean_questions = [q for q in (_text(q, "questions", MAX_QUESTION) for q in questions) if q]
    if len(clean_questions) > MAX_QUESTIONS:
        raise ServiceError("invalid", _("At most %(n)s questions.") % {"n": MAX_QUESTIONS},
                           fields={"questions": f"at most {MAX_QUESTIONS}"})
    clean = {
        "title": _text(fields.get("title"), "title", MAX_TITLE),
        "description": _text(fields.get("description"), "description", MAX_DESCRIPTION,
                             multiline=True),
        "questions": clean_questions,
        "thank_you": _text(fields.get("thank_you"), "thank_you", MAX_THANK_YOU, multiline=True),
    }
    if not any(clean.values()):
        if language == "en":
            raise ServiceError("invalid", _("An object needs an English title."),
                               fields={"title": "English title required"})
        return None
    if not clean["title"]:
        raise ServiceError("invalid", _("The texts in %(language)s need a title.")
                           % {"language": language},
                           fields={"title": "required"})
    return clean


def _category(category: Any) -> None:
    if category not in Category.values:
        raise ServiceError("invalid", _("Unknown category %(category)s.")
                           % {"category": repr(str(category)[:40])}, fields={"category": "unknown"})


def _clean_texts(texts: Any) -> dict[str, dict[str, Any] | None]:
    if not isinstance(texts, Mapping) or not texts:
        raise ServiceError("invalid", _("No texts given."))
    return {_language(code): _clean_fields(code, fields) for code, fields in texts.items()}


def _write_texts(obj: TracedObject, texts: Mapping[str, dict[str, Any] | None]) -> None:
    for language, fields in texts.items():
        if fields is None:
            ObjectText.objects.filter(object=obj, language=language).delete()
        else:
            ObjectText.objects.update_or_create(object=obj, language=language, defaults=fields)


def object_create(
    *, user: Any, category: str, texts: Mapping[str, Mapping[str, Any]],
    campaign: Campaign | None = None, year: int | None = None, position: int = 0,
) -> TracedObject:
    """A draft traced object written by `user` (an investigator). `texts` maps language ->
    {title, description, questions, thank_you}; English with a title is required."""
    _require(user, EDITOR_ROLES, "create objects")
    _category(category)
    clean = _clean_texts(texts)
    if not (clean.get("en") or {}).get("title"):
        raise ServiceError("invalid", _("An object needs an English title."),
                           fields={"title": "English title required"})
    year = year or timezone.now().year
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    obj = TracedObject.objects.create(
                        ref=_next_ref(year), campaign=campaign, category=category,
                        position=position, created_by=user,
                    )
                    break
            except IntegrityError:  # another writer took the same number
                continue
        else:
            raise ServiceError("conflict", _("Could not allocate a reference; try again."),
                               status=409)
        _write_texts(obj, clean)
        _log(obj, user, ReviewAction.CREATED)
        _audit(user, "object.create", obj, category=category, languages=sorted(clean))
    catalog_changed()
    return obj


def object_update(*, obj: TracedObject, user: Any, category: str,
                  campaign: Campaign | None, position: int) -> TracedObject:
    """Category, campaign and gallery position (any state but withdrawn)."""
    _require(user, EDITOR_ROLES, "edit objects")
    _category(category)
    if isinstance(position, bool) or not isinstance(position, int) or not (
            0 <= position <= MAX_POSITION):
        raise ServiceError("invalid", _("The position is a number from 0 to %(max)d.")
                           % {"max": MAX_POSITION},
                           fields={"position": "out of range"})
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, EDITABLE_STATES, "edit it")
        before = {"category": fresh.category, "campaign": fresh.campaign_id,
                  "position": fresh.position}
        fresh.category, fresh.campaign, fresh.position = category, campaign, position
        fresh.save(update_fields=["category", "campaign", "position"])
        _audit(user, "object.update", fresh, before=before,
               after={"category": category, "campaign": campaign.pk if campaign else None,
                      "position": position})
    obj.refresh_from_db()
    catalog_changed()
    return obj


def object_texts_set(*, obj: TracedObject, user: Any,
                     texts: Mapping[str, Mapping[str, Any]]) -> None:
    """Replace the texts of the given languages (title, description, questions, thank_you).

    A language whose fields are all empty is removed (not English). Allowed in every state
    but withdrawn; on a published object the change is live at once (audited, and noted in
    the review history)."""
    _require(user, EDITOR_ROLES, "edit objects")
    clean = _clean_texts(texts)
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, EDITABLE_STATES, "edit it")
        _write_texts(fresh, clean)
        if fresh.status == ObjectStatus.IN_REVIEW:
            # Like a picture change: the review restarts with the editor as the submitter,
            # so whoever rewrote the texts cannot also approve them (four-eyes).
            fresh.submitted_by, fresh.submitted_at = user, timezone.now()
            fresh.save(update_fields=["submitted_by", "submitted_at"])
        if fresh.status != ObjectStatus.DRAFT:
            _log(fresh, user, ReviewAction.TEXTS_CHANGED, ", ".join(sorted(clean)))
        _audit(user, "object.texts_set", fresh, status=fresh.status,
               languages=sorted(clean), removed=sorted(k for k, v in clean.items() if v is None))
    catalog_changed()


# --------------------------------------------------------------------------- images


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    else:
        image.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def object_image_add(*, obj: TracedObject, image: Image.Image, position: int = 0,
                     origin: str = "", added_by: Any = None) -> ObjectImage:
    """Store a picture as renditions (WebP and JPEG) of several widths.

    Only pixels are kept: the image is rebuilt from its RGB data, so no EXIF, XMP, ICC profile
    or comment survives. The primitive under crops and uploads: only on a draft or an object
    in review (a published object's pictures change through `object_image_upload`, which
    sends it back to review). The caller has checked the pixels (safety gate).
    """
    _state(obj, (ObjectStatus.DRAFT, ObjectStatus.IN_REVIEW), "add a picture")
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
        origin=origin, added_by=added_by if getattr(added_by, "pk", None) else None,
    )
    catalog_changed()
    return image_row


def _upload_pixels(data: bytes, filename: str | None) -> Image.Image:
    """Decode an uploaded file safely and bring it to the published size."""
    from traceobject.vision.decode import DecodeError, decode_image

    if not isinstance(data, bytes | bytearray) or not data:
        raise ServiceError("invalid_image", _("The file is empty."), fields={"image": "empty"})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError("too_large", _("A picture may have at most %(mib)d MiB.")
                           % {"mib": MAX_UPLOAD_BYTES // (1024 * 1024)},
                           status=413, fields={"image": "too large"})
    try:
        decoded = decode_image(bytes(data), max_pixels=MAX_UPLOAD_PIXELS,
                               max_bytes=MAX_UPLOAD_BYTES, max_frames=MAX_UPLOAD_FRAMES,
                               background=(255, 255, 255), filename=filename)
    except DecodeError as error:
        raise ServiceError("invalid_image", _("The file was refused (%(reason)s): %(detail)s")
                           % {"reason": error.reason_code, "detail": error.message},
                           fields={"image": error.reason_code})
    picture = decoded.to_pil()
    if min(picture.size) < MIN_IMAGE_SIDE:
        raise ServiceError("invalid_image", _("A picture is at least %(n)d pixels a side.")
                           % {"n": MIN_IMAGE_SIDE}, fields={"image": "too small"})
    if max(picture.size) > MAX_LONG_SIDE:
        picture.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    return picture


def _images_changed(obj: TracedObject, user: Any, what: str) -> bool:
    """After adding or removing a picture (obj locked): a published object goes back to
    review, an object in review restarts it with `user` as the submitter. True if the
    object left the public site."""
    if obj.status == ObjectStatus.DRAFT:
        return False
    left_public = obj.status == ObjectStatus.PUBLISHED
    obj.status = ObjectStatus.IN_REVIEW
    obj.submitted_by, obj.submitted_at = user, timezone.now()
    obj.approved_by, obj.approved_at = None, None
    obj.save(update_fields=["status", "submitted_by", "submitted_at", "approved_by",
                            "approved_at"])
    _log(obj, user, ReviewAction.IMAGES_CHANGED,
         what + ("; back to review" if left_public else "; review restarted"))
    return left_public


def _too_many_images() -> ServiceError:
    return ServiceError("too_many", _("An object has at most %(n)d pictures.") % {"n": MAX_IMAGES})


def object_image_upload(*, obj: TracedObject, user: Any, data: bytes,
                        filename: str | None = None) -> ObjectImage:
    """Add an uploaded picture: decoded safely (size, format, pixel and frame limits, no
    polyglots), re-encoded from its pixels, and checked by the safety gate; a picture the
    gate fails is refused (GateRefused, with the findings) and nothing is stored."""
    _require(user, EDITOR_ROLES, "edit objects")
    _state(obj, IMAGE_EDITABLE_STATES, "change its pictures")  # before the costly work
    if obj.images.count() >= MAX_IMAGES:
        raise _too_many_images()
    picture = _upload_pixels(data, filename)
    verdict, findings = gate_verdict(np.asarray(picture.convert("RGB"), dtype=np.uint8))
    if verdict != "pass":
        raise GateRefused(findings)
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, IMAGE_EDITABLE_STATES, "change its pictures")
        if fresh.images.count() >= MAX_IMAGES:
            raise _too_many_images()
        left_public = _images_changed(fresh, user, "picture added")
        last = fresh.images.aggregate(m=Max("position"))["m"]
        image = object_image_add(obj=fresh, image=picture, origin="upload", added_by=user,
                                 position=0 if last is None else last + 1)
        _audit(user, "object.image_upload", fresh, image=image.pk, folder=image.folder,
               size=[image.width, image.height], gate="pass", back_to_review=left_public)
    obj.refresh_from_db()
    return image


def object_image_remove(*, obj: TracedObject, user: Any, image: ObjectImage) -> None:
    """Remove a picture (its files go once the change is committed)."""
    _require(user, EDITOR_ROLES, "edit objects")
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, IMAGE_EDITABLE_STATES, "change its pictures")
        row = ObjectImage.objects.filter(pk=image.pk, object=fresh).first()
        if row is None:
            raise ServiceError("not_found", _("This picture does not belong to the object."),
                               status=404)
        folder, widths = row.folder, list(row.widths)
        row.delete()
        left_public = _images_changed(fresh, user, "picture removed")
        _audit(user, "object.image_remove", fresh, image=image.pk, folder=folder,
               back_to_review=left_public)
        transaction.on_commit(lambda: _delete_renditions(folder, widths))
        transaction.on_commit(lambda: _cdn_forget(fresh.ref, [(folder, widths)]))
    obj.refresh_from_db()
    catalog_changed()


def _delete_renditions(folder: str, widths: Sequence[int]) -> None:
    for name in rendition_names(list(widths)):
        default_storage.delete(f"{folder}/{name}")


def _cdn_forget(ref: str, folders: Sequence[tuple[str, Sequence[int]]]) -> None:
    """A CDN in front of the public site forgets these pictures and the object's pages."""
    pictures = [f"{folder}/{name}" for folder, widths in folders
                for name in rendition_names(list(widths))]
    cdn_purge(paths=purge_paths(ref=ref, pictures=pictures))


def object_images_reorder(*, obj: TracedObject, user: Any, order: Sequence[int]) -> None:
    """New picture order (`order` lists each of the object's image ids once). No new pixels:
    a published object stays published."""
    _require(user, EDITOR_ROLES, "edit objects")
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, EDITABLE_STATES, "reorder its pictures")
        ids = set(fresh.images.values_list("id", flat=True))
        if len(order) != len(ids) or set(order) != ids:
            raise ServiceError("invalid",
                               _("The order must list every picture of the object once."))
        for position, pk in enumerate(order):
            ObjectImage.objects.filter(pk=pk).update(position=position)
        _audit(user, "object.images_reorder", fresh, order=list(order))
    catalog_changed()


def object_image_move(*, obj: TracedObject, user: Any, image: ObjectImage, offset: int) -> None:
    """Move one picture up (-1) or down (+1)."""
    order = list(obj.images.order_by("position", "id").values_list("id", flat=True))
    object_images_reorder(obj=obj, user=user, order=_moved(order, image.pk, offset))


# --------------------------------------------------------------------------- workflow


def object_submit(*, obj: TracedObject, user: Any) -> TracedObject:
    """draft -> in_review. Refused (with the reasons) unless the object has an English title,
    a picture, and every crop it came from passed the safety gate or was overridden."""
    _require(user, EDITOR_ROLES, "submit objects for review")
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, (ObjectStatus.DRAFT,), "submit it for review")
        problems = staff_selectors.object_problems(obj=fresh)
        if problems:
            raise ServiceError("not_ready", " ".join(problems))
        fresh.status = ObjectStatus.IN_REVIEW
        fresh.submitted_by, fresh.submitted_at = user, timezone.now()
        fresh.save(update_fields=["status", "submitted_by", "submitted_at"])
        _log(fresh, user, ReviewAction.SUBMITTED)
        _audit(user, "object.submit", fresh)
    obj.refresh_from_db()
    catalog_changed()
    return obj


def _checklist(checklist: Any) -> set[str]:
    """The ticked lines of the review checklist, validated: a list of REVIEW_CHECKS names."""
    if isinstance(checklist, str | bytes | Mapping) or not isinstance(checklist, Collection) or len(
            checklist) > 2 * len(REVIEW_CHECKS):
        raise ServiceError("invalid", _("The checklist must list the ticked lines."),
                           fields={"checklist": "list"})
    ticked = set()
    for item in checklist:
        if not isinstance(item, str) or item not in REVIEW_CHECKS:
            raise ServiceError("invalid", _("Unknown checklist line."),
                               fields={"checklist": "unknown line"})
        ticked.add(item)
    return ticked


def object_approve(*, obj: TracedObject, user: Any, comment: str = "",
                   checklist: Collection[str] = (), english_fallback: bool = False,
                   ) -> TracedObject:
    """in_review -> published, by a reviewer who neither wrote, submitted nor supplied
    pictures of the object (four-eyes; also for administrators and superusers).

    The reviewer ticks every line of the review checklist (`checklist` lists REVIEW_CHECKS);
    where part of the public text is missing in one of the site's languages, the object is
    published only with `english_fallback` (the public page then shows the English text
    there, marked "shown in English"). Both are audited and kept in the review history."""
    _require(user, REVIEWER_ROLES, "approve objects")
    comment = _comment(comment, required=False)
    ticked = _checklist(checklist)
    if not isinstance(english_fallback, bool):
        raise ServiceError("invalid", _("The choice about missing translations must be yes "
                                        "or no."), fields={"english_fallback": "boolean"})
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, (ObjectStatus.IN_REVIEW,), "approve it")
        conflict = staff_selectors.approval_conflict(obj=fresh, user=user)
        if conflict:
            raise ServiceError("four_eyes", _("You cannot approve this object: %(why)s. "
                                              "A second person must approve it.")
                               % {"why": conflict}, status=403)
        problems = staff_selectors.object_problems(obj=fresh)
        if problems:
            raise ServiceError("not_ready", " ".join(problems))
        unticked = [name for name in REVIEW_CHECKS if name not in ticked]
        if unticked:
            raise ServiceError(
                "checklist_incomplete",
                _("Tick every line of the review checklist before approving. Not ticked: "
                  "%(lines)s.") % {"lines": ", ".join(str(REVIEW_CHECKS[n][0]) for n in unticked)},
                fields={"checklist": ", ".join(unticked)})
        missing = staff_selectors.untranslated(obj=fresh)
        if missing and not english_fallback:
            raise ServiceError(
                "not_translated",
                _("Part of the public text is not translated into %(n)d of the site's "
                  "languages (%(languages)s). Translate it, or choose to publish and show "
                  "English where the translation is missing.")
                % {"n": len(missing), "languages": ", ".join(sorted(missing))},
                fields={"english_fallback": "required"})
        record = {"checked": [n for n in REVIEW_CHECKS if n in ticked],
                  "english_fallback": sorted(missing)}
        now = timezone.now()
        fresh.status = ObjectStatus.PUBLISHED
        fresh.approved_by, fresh.approved_at = user, now
        fresh.published_at = fresh.published_at or now
        fresh.save(update_fields=["status", "approved_by", "approved_at", "published_at"])
        _log(fresh, user, ReviewAction.APPROVED, comment, checklist=record)
        _audit(user, "object.approve", fresh, comment=comment,
               submitted_by=str(fresh.submitted_by or ""), created_by=str(fresh.created_by or ""),
               checklist=record["checked"], english_fallback=record["english_fallback"])
    obj.refresh_from_db()
    catalog_changed()
    return obj


def object_reject(*, obj: TracedObject, user: Any, comment: str) -> TracedObject:
    """in_review -> draft, with a comment for the author."""
    _require(user, REVIEWER_ROLES, "review objects")
    comment = _comment(comment, required=True)
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, (ObjectStatus.IN_REVIEW,), "send it back")
        fresh.status = ObjectStatus.DRAFT
        fresh.submitted_by, fresh.submitted_at = None, None
        fresh.save(update_fields=["status", "submitted_by", "submitted_at"])
        _log(fresh, user, ReviewAction.REJECTED, comment)
        _audit(user, "object.reject", fresh, comment=comment)
    obj.refresh_from_db()
    catalog_changed()
    return obj


def object_withdraw(*, obj: TracedObject, user: Any, reason: str) -> TracedObject:
    """published/identified -> withdrawn: off the public site, pictures no longer served."""
    _require(user, WITHDRAW_ROLES, "withdraw objects")
    reason = _comment(reason, required=True)
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, (ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED), "withdraw it")
        before = fresh.status
        fresh.status = ObjectStatus.WITHDRAWN
        fresh.withdrawn_at = timezone.now()
        fresh.save(update_fields=["status", "withdrawn_at"])
        _log(fresh, user, ReviewAction.WITHDRAWN, reason)
        _audit(user, "object.withdraw", fresh, reason=reason, was=before)
        folders = [(i.folder, list(i.widths)) for i in fresh.images.all()]
        transaction.on_commit(lambda: _cdn_forget(fresh.ref, folders))
    obj.refresh_from_db()
    catalog_changed()
    return obj


def object_mark_identified(*, obj: TracedObject, user: Any, country: str = "",
                           thank_you: Mapping[str, str] | None = None) -> TracedObject:
    """published -> identified (or correct an identified object's country and note): the
    public site shows it as identified with the thank-you note (per language; a language
    needs texts first) and the statistics count it."""
    _require(user, IDENTIFY_ROLES, "mark objects identified")
    country = (country or "").strip().upper() if isinstance(country, str) else "?"
    if country and country not in country_codes():
        raise ServiceError("invalid", _("Unknown country."), fields={"country": "unknown"})
    if thank_you is not None and not isinstance(thank_you, Mapping):
        raise ServiceError("invalid", _("The thank-you notes must map languages to text."))
    notes = {_language(k): _text(v, "thank_you", MAX_THANK_YOU, multiline=True)
             for k, v in (thank_you or {}).items()}
    with transaction.atomic():
        fresh = _locked(obj)
        _state(fresh, (ObjectStatus.PUBLISHED, ObjectStatus.IDENTIFIED), "mark it identified")
        have = set(fresh.texts.values_list("language", flat=True))
        missing = sorted(set(notes) - have)
        if missing:
            raise ServiceError("invalid", _("Write the object's texts in %(languages)s before "
                                            "a thank-you note in that language.")
                               % {"languages": ", ".join(missing)},
                               fields={"thank_you": "no texts in " + ", ".join(missing)})
        for language, note in notes.items():
            ObjectText.objects.filter(object=fresh, language=language).update(thank_you=note)
        fresh.status = ObjectStatus.IDENTIFIED
        fresh.identified_at = fresh.identified_at or timezone.now()
        fresh.identified_country = country
        fresh.save(update_fields=["status", "identified_at", "identified_country"])
        _log(fresh, user, ReviewAction.IDENTIFIED, country)
        _audit(user, "object.identified", fresh, country=country, thank_you=sorted(notes))
    obj.refresh_from_db()
    catalog_changed()
    return obj


# --------------------------------------------------------------------------- figures


PUBLIC_FIGURES = ("leads_confirmed", "children_safeguarded", "offenders_arrested")


def public_figures_set(**values: int) -> None:
    """Replace aggregate figures shown on the public statistics page (totals only)."""
    unknown = set(values) - set(PUBLIC_FIGURES)
    if unknown:
        raise ServiceError("invalid", _("Unknown public figures: %(names)s.")
                           % {"names": ", ".join(sorted(unknown))})
    for name, value in values.items():
        if not isinstance(value, int) or value < 0:
            raise ServiceError("invalid", _("%(name)s must be a whole number >= 0.")
                               % {"name": name})
    with transaction.atomic():
        for name, value in values.items():
            PublicFigure.objects.update_or_create(origin="", name=name,
                                                  defaults={"value": value})
    catalog_changed()
