"""Reading the triage store: the tip inbox and what a tip page shows.

The inbox is ordered by an index (tips_obj_score, tips_state_score, ... in tips.models), so its
first page costs the same with a hundred tips on an object or a hundred thousand; related rows
come in the same query (select_related), never one query per tip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from traceobject.catalog.models import TracedObject
from traceobject.tips.models import CLOSED_STATES, Tip, TipCluster, TipState, TipTranslation

ORDERS: dict[str, tuple[str, ...]] = {
    "score": ("-score", "-id"),  # triage score, highest first
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
}
PAGE_SIZE = 50
QUERY_MAX = 200
# Pseudo-states for the filter: every open tip, every closed one.
OPEN = "open"
CLOSED = "closed_all"

# The columns an inbox row shows (and nothing heavier: contact_sealed stays in the table).
_ROW_FIELDS = (
    "id", "object__id", "object__ref", "text", "country", "place", "seen_when", "language",
    "detected_language", "state", "score", "received_at", "entities", "cluster__id",
    "cluster__size", "assigned_to__id", "assigned_to__username", "intake_id",
)


def _start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


def inbox(*, obj: TracedObject | None = None, state: str | None = None,
          country: str | None = None, language: str | None = None,
          since: date | datetime | None = None, until: date | datetime | None = None,
          query: str | None = None, assignee: Any = None, cluster: TipCluster | int | None = None,
          order: str = "score") -> QuerySet[Tip]:
    """Tips matching the filters, in ``order`` ("score", "newest", "oldest").

    ``state``: a TipState value, or "open" / "closed_all"; ``since``/``until``: received on
    or after / on or before (a date includes the whole day); ``query``: words the text or the
    place contains (case-insensitive); ``assignee``: a user, a user id, or "none" for tips
    nobody has. Unknown orders fall back to "score".
    """
    tips = Tip.objects.all()
    if obj is not None:
        tips = tips.filter(object=obj)
    if state == OPEN:
        tips = tips.exclude(state__in=CLOSED_STATES)
    elif state == CLOSED:
        tips = tips.filter(state__in=CLOSED_STATES)
    elif state:
        tips = tips.filter(state=state)
    if country:
        tips = tips.filter(country=country.upper())
    if language:
        tips = tips.filter(Q(detected_language=language)
                           | Q(detected_language="", language=language))
    if since is not None:
        tips = tips.filter(received_at__gte=_start(since))
    if isinstance(until, datetime):
        tips = tips.filter(received_at__lte=_start(until))
    elif until is not None:
        tips = tips.filter(received_at__lt=_start(until + timedelta(days=1)))
    if query:
        for word in query.split()[:10]:
            tips = tips.filter(Q(text__icontains=word) | Q(place__icontains=word))
    if assignee == "none":
        tips = tips.filter(assigned_to__isnull=True)
    elif assignee is not None:
        tips = tips.filter(assigned_to=assignee)
    if cluster is not None:
        tips = tips.filter(cluster=cluster)
    return tips.select_related("object", "cluster", "assigned_to").order_by(
        *ORDERS.get(order, ORDERS["score"]))


class _CountedPaginator(Paginator):
    """A paginator told how many rows there are (the state counts already said so)."""

    def __init__(self, object_list: Any, per_page: int, *, known_count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        return self.known_count


def inbox_page(*, page: int | str | None = 1, per_page: int = PAGE_SIZE,
               count: int | None = None, **filters: Any) -> Page[Tip]:
    """One page of the inbox (an out-of-range page number gives the last page).

    ``count``: how many tips match, if the caller knows it (state_total of the state
    counts): it saves a second pass over the matching tips, which a full-text search makes
    costly.
    """
    tips = inbox(**filters).only(*_ROW_FIELDS)
    paginator = (Paginator(tips, per_page) if count is None
                 else _CountedPaginator(tips, per_page, known_count=count))
    return paginator.get_page(page)


def state_total(counts: dict[str, int], state: str | None) -> int:
    """How many tips of inbox_state_counts(...) match the state filter ``state``."""
    if state == OPEN:
        return sum(n for s, n in counts.items() if s not in CLOSED_STATES)
    if state == CLOSED:
        return sum(n for s, n in counts.items() if s in CLOSED_STATES)
    if state:
        return counts.get(state, 0)
    return sum(counts.values())


def inbox_state_counts(**filters: Any) -> dict[str, int]:
    """How many tips match the filters (other than state) in each state; every state is
    listed, with 0 where there is none."""
    filters.pop("state", None)
    filters.pop("order", None)
    rows = (inbox(**filters).order_by().values("state").annotate(n=Count("id"))
            .values_list("state", "n"))
    counts = dict.fromkeys(TipState.values, 0)
    counts.update(dict(rows))
    return counts


def tip_get(*, pk: Any) -> Tip | None:
    """One tip with its object, cluster and assignee, or None for anything that is not the
    id of a tip."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    if key <= 0 or key > 2**63 - 1:
        return None
    return Tip.objects.select_related("object", "cluster", "assigned_to").filter(pk=key).first()


@dataclass(frozen=True)
class TipDetail:
    tip: Tip
    notes: list[Any]
    messages: list[Any]
    similar: list[Tip]  # other members of its cluster (the first few)
    similar_more: int  # and how many more


SIMILAR_SHOWN = 20


def tip_detail(*, tip: Tip) -> TipDetail:
    notes = list(tip.notes.select_related("author").order_by("created_at", "id"))
    messages = list(tip.messages.select_related("author").order_by("id"))
    similar: list[Tip] = []
    more = 0
    if tip.cluster_id is not None:
        members = Tip.objects.filter(cluster_id=tip.cluster_id).exclude(pk=tip.pk)
        similar = list(members.select_related("object").order_by("-score", "-id")
                       .only(*_ROW_FIELDS)[:SIMILAR_SHOWN])
        more = max(0, (tip.cluster.size if tip.cluster else 0) - 1 - len(similar))
    return TipDetail(tip=tip, notes=notes, messages=messages, similar=similar,
                     similar_more=more)


@dataclass(frozen=True)
class TranslationView:
    """What the tip page shows about a machine translation: `state` is "shown" (with
    `row`), "available" (a model takes the tip's language: it can be asked for), "same"
    (the tip is in the model's language), "unsupported" (no model for its language, or
    the language is unknown), "none" (no model configured) or "broken" (`problem` says why)."""

    state: str
    row: Any = None
    problem: str = ""


def tip_translation(*, tip: Tip) -> TranslationView:
    from django.conf import settings

    from traceobject.core import translation

    row = TipTranslation.objects.filter(tip=tip).first()
    if row is not None:
        return TranslationView(state="shown", row=row)
    path = getattr(settings, "TRANSLATION_MODEL", "")
    if not path:
        return TranslationView(state="none")
    try:
        translator = translation.load(path)
    except translation.TranslationModelError as error:
        return TranslationView(state="broken", problem=str(error))
    source = tip.detected_language or tip.language
    if source and source.split("-")[0] == translator.target:
        return TranslationView(state="same")
    if not source or translator.package_for(source) is None:
        return TranslationView(state="unsupported")
    return TranslationView(state="available")


def investigators() -> QuerySet[Any]:
    """Active users who can be assigned tips: investigators (and superusers)."""
    from traceobject.accounts.roles import INVESTIGATOR

    user_model = get_user_model()
    return (user_model.objects.filter(is_active=True)
            .filter(Q(groups__name=INVESTIGATOR) | Q(is_superuser=True))
            .distinct().order_by("username"))


def cluster_member_ids(*, tips: list[int]) -> list[int]:
    """The ids of ``tips`` and of every member of their clusters, sorted."""
    clusters = Tip.objects.filter(pk__in=tips, cluster__isnull=False).values("cluster_id")
    return sorted(Tip.objects.filter(Q(pk__in=tips) | Q(cluster_id__in=clusters))
                  .values_list("id", flat=True))


def cluster_get(*, pk: Any) -> TipCluster | None:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    if key <= 0 or key > 2**63 - 1:
        return None
    return TipCluster.objects.select_related("object").filter(pk=key).first()
