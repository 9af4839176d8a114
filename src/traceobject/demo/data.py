"""The idempotent demo-data loader: campaigns, objects with generated pictures, authorities and
staff users. `demo_load()` does nothing when the demo campaign already exists.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image

from traceobject.accounts.roles import INVESTIGATOR, REVIEWER, has_role
from traceobject.catalog import services as catalog
from traceobject.catalog.models import Campaign, TracedObject
from traceobject.core.errors import ServiceError
from traceobject.core.reference import EEA_EXTRA, EU_COUNTRIES, country_name
from traceobject.demo.content import CAMPAIGNS, LANGUAGES, QUESTIONS, THANK_YOU, DemoObject
from traceobject.demo.content_objects import OBJECTS
from traceobject.demo.images import detail_crop, draw_object
from traceobject.routing.models import Authority
from traceobject.routing.services import authority_upsert

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "trace-demo-2026"  # noqa: S105 - the published password of the demo accounts
# (user name, roles, country of the liaison officer's authority, description)
DEMO_STAFF: list[tuple[str, tuple[str, ...], str, str]] = [
    ("admin", ("administrator",), "", "administrator"),
    ("investigator", ("investigator",), "", "investigator"),
    ("investigator2", ("investigator",), "", "second investigator"),
    ("reviewer", ("reviewer",), "", "reviewer (approves publications)"),
    ("liaison-pl", ("liaison",), "PL", "liaison officer, Poland"),
    ("liaison-de", ("liaison",), "DE", "liaison officer, Germany"),
    ("auditor", ("auditor",), "", "auditor (reads the audit log)"),
]
DEMO_USERS: list[tuple[str, str]] = [(name, text) for name, _r, _c, text in DEMO_STAFF]


def demo_totp_key(username: str) -> str:
    """The demo account's TOTP key (hex, 20 bytes): derived from the name, so it is the same
    on every demo installation and `traceobject demo` can print it. Demo accounts only."""
    return hashlib.sha256(f"traceobject-demo-totp:{username}".encode()).hexdigest()[:40]


DEMO_CAMPAIGN = "demo-europe"
AUTHORITY_COUNTRIES = (*EU_COUNTRIES, *EEA_EXTRA, "AU")


def demo_load(*, image_size: tuple[int, int] = (1200, 900)) -> bool:
    """Load the demo data in one transaction; False (and nothing done) if it is already there."""
    if Campaign.objects.filter(slug=DEMO_CAMPAIGN).exists():
        return False
    started = time.perf_counter()
    with transaction.atomic():
        if Campaign.objects.select_for_update().filter(slug=DEMO_CAMPAIGN).exists():
            return False
        _load_authorities()
        _load_users()
        campaigns = _load_campaigns()
        now = timezone.now()
        staff = _demo_staff()
        pictures = _drawn_ahead(image_size)
        for position, item in enumerate(OBJECTS):
            _load_object(item, campaigns[item.campaign], position, now, next(pictures), staff)
    from traceobject.demo.activity import demo_activity_load

    demo_activity_load()
    logger.info("Demo data loaded in %.1f s.", time.perf_counter() - started)
    return True


def _load_users() -> None:
    """Staff users with the demo password and a known second factor, made by the same service
    as real accounts. An existing account of the same name is left alone."""
    from traceobject.accounts.services import staff_create

    user_model: Any = get_user_model()
    for username, roles, country, description in DEMO_STAFF:
        if user_model.objects.filter(username=username).exists():
            continue
        authority = None
        if country:
            authority = Authority.objects.filter(country=country).first() or authority_upsert(
                user=None, country=country,
                name=f"National contact point ({country_name(country, 'en')})",
                email=f"tips-{country.lower()}@authority.example")
        user = staff_create(username=username, password=DEMO_PASSWORD, roles=roles,
                            authority=authority, totp_key_hex=demo_totp_key(username))
        user.first_name, user.last_name = "Demo", description[:150]
        user.email = f"{username}@traceobject.example"
        # The demo administrator may also use the Django admin's model pages.
        user.is_staff = user.is_superuser = username == "admin"
        user.save(update_fields=["first_name", "last_name", "email", "is_staff",
                                 "is_superuser"])


def _demo_staff() -> tuple[Any, Any]:
    """The demo objects' author (an investigator) and their approver (a reviewer): demo
    objects go through the same four-eyes workflow as real ones."""
    user_model: Any = get_user_model()
    author = user_model.objects.get(username="investigator")
    approver = user_model.objects.get(username="reviewer")
    if not has_role(author, INVESTIGATOR) or not has_role(approver, REVIEWER):
        raise ServiceError("invalid", "The demo accounts 'investigator' and 'reviewer' must "
                                      "hold those roles.")
    return author, approver


def _load_authorities() -> None:
    """An invented contact point for every EU/EEA country and Australia, where none is set up."""
    existing = set(Authority.objects.values_list("country", flat=True))
    for code in AUTHORITY_COUNTRIES:
        if code in existing:
            continue
        low = code.lower()
        authority_upsert(
            user=None, country=code,
            name=f"National contact point ({country_name(code, 'en')})",
            email=f"tips-{low}@authority.example",
            referral_email=f"report-{low}@referral.example",
            referral_url=f"https://referral.example/{low}/",
        )


def _load_campaigns() -> dict[str, Campaign]:
    return {
        item.slug: catalog.campaign_create(
            slug=item.slug, names=item.names, descriptions=item.descriptions,
            launched_on=date.fromisoformat(item.launched_on), position=item.position,
            is_public=True,
        )
        for item in CAMPAIGNS
    }


def _object_texts(item: DemoObject) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = {}
    for language in LANGUAGES:
        fields: dict[str, object] = {
            "title": item.title[language],
            "description": item.description[language],
            "questions": [QUESTIONS[key][language] for key in item.questions],
        }
        if item.identified:
            fields["thank_you"] = THANK_YOU[language]
        result[language] = fields
    return result


def _pictures(item: DemoObject, size: tuple[int, int]) -> list[Image.Image]:
    pictures: list[Image.Image] = []
    for kind, seed in item.images:
        if kind == "detail":
            pictures.append(detail_crop(pictures[0], seed))
        else:
            pictures.append(draw_object(kind, seed, size))
    return pictures


def _drawn_ahead(size: tuple[int, int], ahead: int = 2) -> Iterator[list[Image.Image]]:
    """The pictures of each object in order, drawn in a thread a few objects ahead.

    Drawing (Pillow, numpy) and the catalogue's encoding both release the GIL, so on two cores
    the next object is drawn while the current one is encoded and stored.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-draw") as pool:
        pending: deque[Future[list[Image.Image]]] = deque()
        items = iter(OBJECTS)
        for item in items:
            pending.append(pool.submit(_pictures, item, size))
            if len(pending) > ahead:
                break
        while pending:
            result = pending.popleft().result()
            following = next(items, None)
            if following is not None:
                pending.append(pool.submit(_pictures, following, size))
            yield result


def _load_object(item: DemoObject, campaign: Campaign, position: int, now: Any,
                 pictures: list[Image.Image], staff: tuple[Any, Any]) -> TracedObject:
    author, approver = staff
    obj = catalog.object_create(
        user=author, category=item.category, texts=_object_texts(item), campaign=campaign,
        year=item.year, position=position,
    )
    for index, picture in enumerate(pictures):
        catalog.object_image_add(obj=obj, image=picture, position=index)
    catalog.object_submit(obj=obj, user=author)
    catalog.object_approve(obj=obj, user=approver, comment="Demo data.",
                           checklist=catalog.REVIEW_CHECK_NAMES, english_fallback=True)
    # Spread publication over the past weeks so "new" and "older" objects exist.
    obj.published_at = now - timedelta(days=3 + position * 4, hours=position)
    TracedObject.objects.filter(pk=obj.pk).update(published_at=obj.published_at)
    if item.identified:
        catalog.object_mark_identified(obj=obj, user=author, country=item.identified)
    return obj
