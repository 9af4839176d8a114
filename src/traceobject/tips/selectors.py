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
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from traceobject.catalog.models import ObjectImage, TracedObject
from traceobject.tips import analysis
from traceobject.tips.models import (
    CLOSED_STATES,
    Direction,
    Tip,
    TipCluster,
    TipMessage,
    TipReadMark,
    TipState,
    TipTranslation,
)

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
          new_answers_for: Any = None, order: str = "score") -> QuerySet[Tip]:
    """Tips matching the filters, in ``order`` ("score", "newest", "oldest").

    ``state``: a TipState value, or "open" / "closed_all"; ``since``/``until``: received on
    or after / on or before (a date includes the whole day); ``query``: words the text or the
    place contains (case-insensitive); ``assignee``: a user, a user id, or "none" for tips
    nobody has; ``new_answers_for``: a user: only tips with an answer from the tipster that
    this person has not seen (see unseen_answers). Unknown orders fall back to "score".
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
    if new_answers_for is not None:
        tips = tips.filter(unseen_answers(user=new_answers_for))
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


def _answers_unseen_by(user: Any) -> QuerySet[TipMessage]:
    """The tipsters' answers ``user`` has not seen: newer than their read mark on the tip
    (every answer of a tip they never opened)."""
    seen = TipReadMark.objects.filter(tip=OuterRef("tip"), user=user).values(
        "seen_message_id")[:1]
    return TipMessage.objects.filter(direction=Direction.FROM_TIPSTER).filter(
        id__gt=Coalesce(Subquery(seen), Value(0)))


def unseen_answers(*, user: Any) -> Exists:
    """A condition on Tip: it has an answer from the tipster that ``user`` has not seen since
    it arrived. False for anyone not signed in."""
    if not getattr(user, "is_authenticated", False):
        return Exists(TipMessage.objects.none())
    return Exists(_answers_unseen_by(user).filter(tip=OuterRef("pk")))


def new_answer_count(*, user: Any) -> int:
    """How many tips have an answer from the tipster that ``user`` has not seen."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return _answers_unseen_by(user).values("tip_id").distinct().count()


def seen_message_id(*, tip: Tip, user: Any) -> int:
    """The last message of ``tip`` that ``user`` had when they last opened it (0: never)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    found = TipReadMark.objects.filter(tip=tip, user=user).values_list(
        "seen_message_id", flat=True).first()
    return found or 0


def inbox_page(*, page: int | str | None = 1, per_page: int = PAGE_SIZE,
               count: int | None = None, reader: Any = None, **filters: Any) -> Page[Tip]:
    """One page of the inbox (an out-of-range page number gives the last page).

    ``count``: how many tips match, if the caller knows it (state_total of the state
    counts): it saves a second pass over the matching tips, which a full-text search makes
    costly. ``reader``: the person reading; each tip then says (``new_answer``) whether it has
    an answer from the tipster they have not seen, in the same query.
    """
    tips = inbox(**filters).only(*_ROW_FIELDS)
    if reader is not None:
        tips = tips.annotate(new_answer=unseen_answers(user=reader))
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
    # The conversation in the order it was written down here (id), not by time: a tipster's
    # times are kept only to the hour, so by time an answer could come before its question.
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


# --------------------------------------------------------------------------- the tip page


def object_thumbnails(*, object_ids: set[int]) -> dict[int, ObjectImage]:
    """The first picture of each object (by position), in one query for any number of
    objects: {object id: image}. Objects without a picture are left out."""
    if not object_ids:
        return {}
    first = ObjectImage.objects.filter(object_id=OuterRef("object_id")).order_by(
        "position", "id").values("id")[:1]
    images = ObjectImage.objects.filter(object_id__in=object_ids, id=Subquery(first)).only(
        "id", "object_id", "width", "height", "widths")
    return {image.object_id: image for image in images}


@dataclass(frozen=True)
class Neighbours:
    previous: int | None  # the tip before this one in the inbox's order and filters
    next: int | None


def tip_neighbours(*, tip: Tip, order: str = "score", **filters: Any) -> Neighbours:
    """The tips just before and after ``tip`` in the inbox with these filters and order
    (inbox()'s keyword arguments), found from the tip's own sort key: two indexed queries
    whatever the tip's place, and right even if the tip itself no longer matches the filters
    (its state changed, its answer was read)."""
    keys = ORDERS.get(order, ORDERS["score"])
    field = keys[0].lstrip("-")
    descending = keys[0].startswith("-")
    value = getattr(tip, field)
    matching = inbox(order=order, **filters).exclude(pk=tip.pk)
    later = (Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": tip.pk})
             if descending else
             Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": tip.pk}))
    earlier = (Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": tip.pk})
               if descending else
               Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": tip.pk}))
    reverse = tuple(k[1:] if k.startswith("-") else f"-{k}" for k in keys)
    following = matching.filter(later).order_by(*keys).values_list("pk", flat=True).first()
    preceding = matching.filter(earlier).order_by(*reverse).values_list("pk", flat=True).first()
    return Neighbours(previous=preceding, next=following)


SCORE_EXPLANATIONS: dict[str, tuple[Promise, Promise]] = {
    "entity": (gettext_lazy("Concrete details"),
               gettext_lazy("Each distinct phone number, shop or brand, city or region counts, "
                            "and web or e-mail addresses count once (at most %(n)d).")),
    "country": (gettext_lazy("Country"),
                gettext_lazy("A country was chosen in the form or is named in the text.")),
    "place": (gettext_lazy("Where"), gettext_lazy("The tipster said where they saw it.")),
    "when": (gettext_lazy("When"), gettext_lazy("The tipster said when they saw it.")),
    "length": (gettext_lazy("Length"),
               gettext_lazy("Words with content; full points from %(words)d words.")),
    "gibberish": (gettext_lazy("Not language"),
                  gettext_lazy("The text does not read like language and names nothing "
                               "concrete.")),
    "links_only": (gettext_lazy("Links only"),
                   gettext_lazy("Little more than web or e-mail addresses.")),
    "many_links": (gettext_lazy("Many links"),
                   gettext_lazy("More than %(links)d web addresses, as in advertising.")),
    "shouting": (gettext_lazy("Capitals"), gettext_lazy("Written mostly in capital letters.")),
}


@dataclass(frozen=True)
class ScorePart:
    reason: str
    points: float
    label: str
    explanation: str


@dataclass(frozen=True)
class ScoreBreakdown:
    parts: list[ScorePart]  # the reasons that count for this tip, in SCORE_WEIGHTS' order
    total: float  # their sum, as the analysis works it out today
    stored: float  # the score the tip is sorted by (worked out when it was opened or
    # last re-analysed)

    @property
    def differs(self) -> bool:
        return abs(self.total - self.stored) >= 0.05


def _entities(stored: Any) -> list[analysis.Entity]:
    found = []
    for item in stored if isinstance(stored, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            found.append(analysis.Entity(
                kind=str(item["kind"]), start=int(item["start"]), end=int(item["end"]),
                value=str(item.get("value", "")), key=str(item.get("key", "")),
                country=str(item.get("country") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def score_breakdown(*, tip: Tip) -> ScoreBreakdown:
    """What the tip's triage score is made of: each reason of tips.analysis.score_reasons
    with its points and a one-line explanation, from the tip's text, fields and stored
    entities."""
    reasons = analysis.score_reasons(analysis.TipText(
        text=tip.text, country=tip.country, place=tip.place, seen_when=tip.seen_when),
        _entities(tip.entities))
    numbers = {"n": analysis.MAX_SCORED_ENTITIES, "words": analysis.FULL_LENGTH_WORDS,
               "links": analysis.MANY_LINKS}
    parts = []
    for reason in analysis.SCORE_WEIGHTS:
        if reason not in reasons:
            continue
        label, explanation = SCORE_EXPLANATIONS.get(reason, (reason, ""))
        parts.append(ScorePart(reason=reason, points=round(reasons[reason], 2),
                               label=str(label), explanation=str(explanation) % numbers
                               if "%(" in str(explanation) else str(explanation)))
    return ScoreBreakdown(parts=parts, total=round(sum(reasons.values()), 3),
                          stored=tip.score)
