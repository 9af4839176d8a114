"""Reads of the public catalogue, in one language with English fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from traceobject.catalog.models import (
    PUBLIC_STATUSES,
    SLUG_RE,
    Campaign,
    Category,
    ObjectImage,
    ObjectStatus,
    ObjectText,
    PublicFigure,
    TracedObject,
    is_object_ref,
)
from traceobject.core.errors import NotFound
from traceobject.core.reference import country_name

PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Rendition:
    width: int
    jpeg: str
    webp: str


@dataclass(frozen=True)
class ImageView:
    width: int
    height: int
    renditions: list[Rendition]

    @property
    def full(self) -> Rendition:
        return self.renditions[-1]

    def srcset(self, kind: str) -> str:
        return ", ".join(f"{getattr(r, kind)} {r.width}w" for r in self.renditions)

    @property
    def jpeg_srcset(self) -> str:
        return self.srcset("jpeg")

    @property
    def webp_srcset(self) -> str:
        return self.srcset("webp")

    def fallback(self, width: int = 640) -> Rendition:
        fitting = [r for r in self.renditions if r.width <= width]
        return fitting[-1] if fitting else self.renditions[0]

    @property
    def small(self) -> Rendition:
        return self.fallback(640)


@dataclass(frozen=True)
class ObjectView:
    ref: str
    title: str
    description: str
    questions: list[str]
    thank_you: str
    category: str
    category_label: str
    status: str
    campaign_slug: str | None
    campaign_name: str | None
    language: str  # the language the texts are actually in
    images: list[ImageView] = field(default_factory=list)
    published_at: datetime | None = None
    identified_at: datetime | None = None
    identified_country: str = ""
    identified_country_name: str = ""
    # The texts shown in English because the page's language lacks them ("title",
    # "description", "questions", "thank_you"); empty when fully translated.
    english_fields: tuple[str, ...] = ()

    @property
    def is_identified(self) -> bool:
        return self.status == ObjectStatus.IDENTIFIED

    @property
    def title_in_english(self) -> bool:
        return "title" in self.english_fields

    @property
    def description_in_english(self) -> bool:
        return "description" in self.english_fields

    @property
    def questions_in_english(self) -> bool:
        return "questions" in self.english_fields

    @property
    def thank_you_in_english(self) -> bool:
        return "thank_you" in self.english_fields


@dataclass(frozen=True)
class Page:
    items: list[ObjectView]
    count: int
    number: int
    num_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class CampaignView:
    slug: str
    name: str
    description: str


def _media(path: str) -> str:
    return f"/media/{path}"


def image_view(image: ObjectImage) -> ImageView:
    return ImageView(
        width=image.width, height=image.height,
        renditions=[
            Rendition(width=w, jpeg=_media(f"{image.folder}/{w}.jpg"),
                      webp=_media(f"{image.folder}/{w}.webp"))
            for w in image.widths
        ],
    )


def _localized(values: dict[str, str], language: str) -> str:
    return values.get(language) or values.get("en") or next(iter(values.values()), "")


def visible_objects() -> QuerySet[TracedObject]:
    """Objects the public may see: published or identified, not in a hidden campaign."""
    return TracedObject.objects.filter(status__in=PUBLIC_STATUSES).filter(
        Q(campaign__isnull=True) | Q(campaign__is_public=True)
    )


def _public_objects(language: str) -> QuerySet[TracedObject]:
    return (
        visible_objects()
        .select_related("campaign")
        .prefetch_related(
            Prefetch("texts", queryset=ObjectText.objects.filter(language__in={language, "en"}),
                     to_attr="_texts"),
            Prefetch("images", to_attr="_images"),
        )
    )


def _object_view(obj: TracedObject, language: str) -> ObjectView:
    """The object's public texts in `language`, field by field: a field the translation
    lacks (or every field, without a translation) is the English one, and is named in
    `english_fields` so that the page can mark it as shown in English."""
    texts = {t.language: t for t in obj._texts}  # type: ignore[attr-defined]
    own, english = texts.get(language), texts.get("en")
    text = own or english
    fields: dict[str, object] = {}
    in_english: list[str] = []
    for name in ("title", "description", "questions", "thank_you"):
        value = getattr(own, name) if own is not None else None
        if not value and english is not None and getattr(english, name) and language != "en":
            value = getattr(english, name)
            in_english.append(name)
        fields[name] = value or (None if name == "title" else "")
    campaign = obj.campaign
    return ObjectView(
        ref=obj.ref,
        title=str(fields["title"] or obj.ref),
        description=str(fields["description"]),
        questions=list(fields["questions"] or []),  # type: ignore[call-overload]
        thank_you=str(fields["thank_you"]),
        category=obj.category,
        category_label=str(Category(obj.category).label),
        status=obj.status,
        campaign_slug=campaign.slug if campaign else None,
        campaign_name=_localized(campaign.names, language) if campaign else None,
        language=text.language if text else "en",
        images=[image_view(i) for i in obj._images],  # type: ignore[attr-defined]
        published_at=obj.published_at,
        identified_at=obj.identified_at,
        identified_country=obj.identified_country,
        identified_country_name=(
            country_name(obj.identified_country, language) if obj.identified_country else ""
        ),
        english_fields=tuple(in_english),
    )


def object_list(
    *, language: str, category: str | None = None, campaign: str | None = None,
    status: str | None = None, page: int = 1, per_page: int = PAGE_SIZE,
) -> Page:
    """Published (and identified) objects, newest campaign order first, one page of them."""
    qs = _public_objects(language)
    if category:
        qs = qs.filter(category=category)
    if campaign:
        qs = qs.filter(campaign__slug=campaign if SLUG_RE.match(campaign) else "")
    if status:
        qs = qs.filter(status=status)
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    paginator = Paginator(qs.order_by("position", "-published_at", "id"), per_page)
    page_obj = paginator.get_page(page)
    return Page(
        items=[_object_view(o, language) for o in page_obj.object_list],
        count=paginator.count, number=page_obj.number, num_pages=paginator.num_pages,
    )


def object_get(*, ref: str, language: str) -> ObjectView:
    obj = None
    if is_object_ref(ref):
        obj = _public_objects(language).filter(ref=ref.upper()).first()
    if obj is None:
        raise NotFound("unknown_object", _("There is no published object with this reference."))
    return _object_view(obj, language)


def campaign_list(*, language: str) -> list[CampaignView]:
    """Running campaigns (launched, not ended) for the gallery's filter. Objects of an ended
    campaign stay visible; the campaign is just no longer offered as a filter."""
    return [
        CampaignView(slug=c.slug, name=_localized(c.names, language),
                     description=_localized(c.descriptions, language))
        for c in Campaign.objects.filter(is_public=True).exclude(
            ends_on__lte=timezone.localdate())
    ]


def campaign_has_ended(campaign: Campaign) -> bool:
    return campaign.ends_on is not None and campaign.ends_on <= timezone.localdate()


@dataclass(frozen=True)
class Statistics:
    objects_published: int
    tips_received: int
    objects_identified: int
    countries_found: int
    leads_confirmed: int = 0
    children_safeguarded: int = 0
    offenders_arrested: int = 0


def statistics() -> Statistics:
    public = TracedObject.objects.filter(status__in=PUBLIC_STATUSES)
    identified = public.filter(status=ObjectStatus.IDENTIFIED)
    return Statistics(
        objects_published=public.count(),
        # every sealed tip is about an object: counted through the objects' relation (tips
        # build on the catalogue, which does not import them)
        tips_received=TracedObject.objects.aggregate(n=Count("sealed_tips"))["n"],
        objects_identified=identified.count(),
        countries_found=identified.exclude(identified_country="")
        .values("identified_country").distinct().count(),
        **{row["name"]: int(row["total"] or 0) for row in
           PublicFigure.objects.values("name").annotate(total=Sum("value")).order_by()},
    )


def image_folder_is_public(*, folder: str) -> bool:
    """Whether a rendition folder belongs to a published (or identified) object."""
    from django.core.cache import cache

    from traceobject.core.pagecache import catalog_version

    key = f"pubfolder:{catalog_version()}:{folder[:200]}"
    cached = cache.get(key)
    if cached is None:
        cached = _public_objects("en").filter(images__folder=folder).exists()
        cache.set(key, cached, 300)
    return bool(cached)


@dataclass(frozen=True)
class FeedEntry:
    """One piece of news for the feed: an object was published, or it was identified."""

    object: ObjectView
    event: str  # "published" or "identified"
    at: datetime


FEED_SIZE = 50


def object_feed(*, language: str, limit: int = FEED_SIZE) -> list[FeedEntry]:
    """The newest publications and identifications of visible objects, newest first."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    objects = _public_objects(language)
    published = list(objects.filter(published_at__isnull=False)
                     .order_by("-published_at", "-id")[:limit])
    identified = list(objects.filter(status=ObjectStatus.IDENTIFIED, identified_at__isnull=False)
                      .order_by("-identified_at", "-id")[:limit])
    views = {o.pk: _object_view(o, language) for o in [*published, *identified]}
    entries = [FeedEntry(views[o.pk], "published", o.published_at) for o in published
               if o.published_at is not None]
    entries += [FeedEntry(views[o.pk], "identified", o.identified_at) for o in identified
                if o.identified_at is not None]
    entries.sort(key=lambda e: (e.at, e.event == "identified"), reverse=True)
    return entries[:limit]
