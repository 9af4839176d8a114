"""Shop and brand names investigators link to a country (:func:`brand_link_add`,
:func:`brand_link_remove`): every tip is read with them; a change makes the tips that name
the brand be read again."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from traceobject.audit.services import audit_record
from traceobject.clues._input import _require_investigator, _text
from traceobject.clues.estimates import object_estimate_schedule
from traceobject.clues.models import BrandLink, ClueRecord, ClueScan, Source
from traceobject.clues.selectors import BRAND_REASON
from traceobject.clues.tip_clues import TIP_BATCH
from traceobject.core.errors import NotFound, ServiceError
from traceobject.geo._text import fold, words
from traceobject.geo.countries import is_country
from traceobject.tips.models import Tip

BRAND_NAME_MIN = 2
BRAND_NAME_MAX = 80
BRAND_KEY_MAX = 200  # the folded name (BrandLink.key); folding may lengthen a name
BRAND_NOTE_MAX = 500


def brand_key(name: str) -> str:
    """The name as tips are matched against it: words only, case- and accent-folded
    ("Żabka" and "ZABKA" are one name, so are "Media-Markt" and "Media Markt")."""
    return " ".join(fold(w) for w, _s, _e in words(name))


def _brand_name(value: object) -> tuple[str, str]:
    """(name, key) of a shop or brand name; refused when it is not text, holds control
    characters, is too short or too long, or could never be found in a tip."""
    if not isinstance(value, str):
        raise ServiceError("invalid_brand", _("The name must be text."),
                           fields={"name": _("not text")})
    if any(unicodedata.category(ch)[0] == "C" for ch in value):
        raise ServiceError("invalid_brand", _("The name contains control characters."),
                           fields={"name": _("control characters")})
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if len(name) < BRAND_NAME_MIN:
        raise ServiceError("invalid_brand",
                           _("The name needs at least %(min)d characters.")
                           % {"min": BRAND_NAME_MIN},
                           fields={"name": _("too short") if name else _("required")})
    if len(name) > BRAND_NAME_MAX:
        raise ServiceError("invalid_brand",
                           _("The name is longer than %(max)d characters.")
                           % {"max": BRAND_NAME_MAX},
                           fields={"name": _("at most %(max)d characters")
                                   % {"max": BRAND_NAME_MAX}})
    key = brand_key(name)
    if len(key) < 3 or len(key) > BRAND_KEY_MAX:
        raise ServiceError("invalid_brand",
                           _("The name needs at least three letters to be found in tips."),
                           fields={"name": _("too few letters")})
    return name, key


def _brand_country(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if not is_country(code):  # the one country list: the estimate's countries
        raise ServiceError("invalid_country", _("Choose a country (ISO 3166 alpha-2 code)."),
                           fields={"country": _("unknown country")})
    return code


def _name_fragments(name: str) -> set[str]:
    """Text that a tip naming ``name`` contains, for a case-insensitive search in the
    database: the longest word less a possible inflection ending ("Biedronk|i"), reduced
    to its longest run of ASCII letters when there is one of 3 or more (SQLite compares
    only ASCII case-insensitively, and tipsters often leave out accents: "Zabka")."""
    longest = max((w for w, _s, _e in words(name)), key=len, default=name)
    stem = longest[:-2] if len(longest) >= 6 else longest[:-1] if len(longest) >= 5 \
        else longest
    ascii_run = max(re.findall(r"[A-Za-z]+", stem), key=len, default="")
    if len(ascii_run) >= 3:
        return {ascii_run}
    if len(stem) >= 3:
        return {stem, stem.lower(), stem.upper(), stem.capitalize()}
    return {name, name.lower(), name.upper(), brand_key(name)}


def _tips_naming(name: str) -> set[int]:
    """Ids of the tips already read that may name ``name`` (more rather than fewer: a tip
    read again gives the same clues) or hold a brand clue for it."""
    query = Q()
    for fragment in _name_fragments(name):
        query |= Q(text__icontains=fragment) | Q(place__icontains=fragment)
    ids = set(Tip.objects.filter(query, clue_scan__isnull=False).values_list("id", flat=True))
    stored = ClueRecord.objects.filter(
        source=Source.TIP, payload__reason__startswith=f"{BRAND_REASON}{name} -> ",
    ).values_list("tip_id", flat=True).distinct()
    return ids | {tip_id for tip_id in stored if tip_id is not None}


def _tips_reread(tip_ids: set[int]) -> int:
    """Forget what the tips gave and queue their objects' estimates, whose recompute
    reads the tips again (with the brand links as they are then). Returns the objects."""
    ordered = sorted(tip_ids)
    objects: set[int] = set()
    for start in range(0, len(ordered), TIP_BATCH):
        chunk = ordered[start:start + TIP_BATCH]
        ClueRecord.objects.filter(source=Source.TIP, tip_id__in=chunk).delete()
        ClueScan.objects.filter(tip_id__in=chunk).delete()
        objects.update(Tip.objects.filter(pk__in=chunk).values_list("object_id", flat=True))
    for object_id in sorted(objects):
        object_estimate_schedule(object_id=object_id)
    return len(objects)


def brand_link_add(*, user: Any, name: str, country: str, note: str = "") -> BrandLink:
    """Link a shop or brand name to a country: tips naming it become clues for that
    country. The tips already read that name it are read again (their objects' estimates
    are queued). A name linked already (in any case or accents) is refused with 409."""
    _require_investigator(user)
    name, key = _brand_name(name)
    code = _brand_country(country)
    why = _text(note, field="note", maximum=BRAND_NOTE_MAX, required=False,
                code="invalid_brand")
    duplicate = ServiceError("duplicate_brand",
                             _("%(name)s is linked to a country already.")
                             % {"name": repr(name)},
                             status=409, fields={"name": _("linked already")})
    with transaction.atomic():
        if BrandLink.objects.filter(key=key).exists():
            raise duplicate
        try:
            with transaction.atomic():
                link = BrandLink.objects.create(name=name, key=key, country=code, note=why,
                                                created_by=user)
        except IntegrityError:  # linked at the same moment by someone else
            raise duplicate from None
        tips = _tips_naming(name)
        objects = _tips_reread(tips)
        audit_record(actor=user, action="clue.brand_add", target=f"brand link {link.pk}",
                     data={"name": name, "country": code, "note": why,
                           "tips_reread": len(tips), "objects": objects})
    return link


def brand_link_remove(*, user: Any, link: BrandLink) -> None:
    """Remove a brand link; the tips that named it are read again without it."""
    _require_investigator(user)
    with transaction.atomic():
        deleted, _rows = BrandLink.objects.filter(pk=link.pk).delete()
        if not deleted:
            raise NotFound("not_found", _("This brand link was removed already."))
        tips = _tips_naming(link.name)
        objects = _tips_reread(tips)
        audit_record(actor=user, action="clue.brand_remove", target=f"brand link {link.pk}",
                     data={"name": link.name, "country": link.country,
                           "tips_reread": len(tips), "objects": objects})
