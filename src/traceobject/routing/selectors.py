"""Reads of the routing tables: who may see which forwarding, authority suggestions, totals."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Length
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from traceobject.accounts.roles import ADMINISTRATOR, AUDITOR, INVESTIGATOR, LIAISON, has_role
from traceobject.core.errors import NotFound
from traceobject.core.reference import country_name
from traceobject.routing.models import (
    TO_LIAISON,
    Authority,
    Forwarding,
    ForwardingMessage,
    MessageKind,
    Outcome,
    is_forwarding_ref,
)

# How many countries of the object's estimate are offered after those the tips name.
ESTIMATE_SUGGESTIONS = 3
# Never suggested below this (1 %, geo's least listed share; the clues area lists only the
# countries its clues lift clearly above the rest, so a country without evidence or shown
# as 0 % is never offered).
ESTIMATE_MIN = 0.01


def liaison_authority_id(user: Any) -> int | None:
    """The Authority a liaison officer is bound to (None if unbound)."""
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    return profile.authority_id if profile is not None else None


def forwardings_visible_to(user: Any) -> QuerySet[Forwarding]:
    """Investigators, administrators and auditors see every forwarding; a liaison officer only
    those of their own Authority; anyone else none."""
    forwardings = Forwarding.objects.select_related("authority", "object", "created_by")
    if has_role(user, ADMINISTRATOR, INVESTIGATOR, AUDITOR):
        return forwardings
    if has_role(user, LIAISON):
        authority_id = liaison_authority_id(user)
        if authority_id is not None:
            return forwardings.filter(authority_id=authority_id)
    return forwardings.none()


def forwarding_get(*, user: Any, ref: str) -> Forwarding:
    """One forwarding by reference, if `user` may see it; otherwise not found (a liaison
    officer of another country cannot tell an existing reference from an unknown one)."""
    forwarding = (forwardings_visible_to(user).filter(ref=ref).first()
                  if is_forwarding_ref(ref) else None)
    if forwarding is None:
        raise NotFound("not_found", _("No such forwarding."))
    return forwarding


def forwarding_ref_next(*, year: int) -> str:
    """The next free FWD-YYYY-NNNN (the caller retries when a concurrent writer took it)."""
    prefix = f"FWD-{year}-"
    last = (  # by length first: FWD-2027-10000 comes after FWD-2027-9999
        Forwarding.objects.filter(ref__startswith=prefix)
        .order_by(Length("ref").desc(), "-ref").values_list("ref", flat=True).first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _latest_outcomes() -> QuerySet[Outcome]:
    """The latest outcome of each forwarding (by report time, then id): a correction replaces
    the report before it instead of adding to it."""
    latest = (Outcome.objects.filter(forwarding=OuterRef("forwarding"))
              .order_by("-reported_at", "-id").values("id")[:1])
    return Outcome.objects.filter(id=Subquery(latest))


def outcome_totals() -> dict[str, int]:
    """The public aggregate figures, over the latest outcome of every forwarding:
    leads_confirmed = forwardings whose latest outcome says the lead was useful;
    children_safeguarded, offenders_arrested = sums of the latest outcomes' numbers."""
    totals = _latest_outcomes().aggregate(
        leads=Count("id", filter=Q(lead_useful=True)),
        children=Sum("children_safeguarded"), offenders=Sum("offenders_arrested"))
    return {"leads_confirmed": int(totals["leads"] or 0),
            "children_safeguarded": int(totals["children"] or 0),
            "offenders_arrested": int(totals["offenders"] or 0)}


def outcome_latest(*, forwarding: Forwarding) -> Outcome | None:
    return forwarding.outcomes.select_related("reported_by").order_by("-reported_at", "-id").first()


def _country(code: str) -> str:
    return country_name(code, (get_language() or "en").split("-")[0])


def _ranking_function() -> Callable[[Any], list[tuple[str, float]]] | None:
    """clues.selectors.object_country_ranking, if that area provides it."""
    try:
        module = importlib.import_module("traceobject.clues.selectors")
        function: Callable[[Any], list[tuple[str, float]]] = module.object_country_ranking
    except (ImportError, AttributeError):
        return None
    return function


def _score(value: float) -> str:
    return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.2f}"


def authority_suggest(*, obj: Any, tips: Iterable[Any]) -> list[tuple[Authority, str]]:
    """Active authorities to forward to, best first, each with a reason: first the countries
    the tips name (most votes first), then the object's country estimate (if the clues area
    provides one; only the countries it lists, never one under 1 % or without evidence)."""
    tips = list(tips)
    active = {a.country: a for a in Authority.objects.filter(active=True)}
    votes = Counter(tip.country.upper() for tip in tips if tip.country)
    suggestions: list[tuple[Authority, str]] = []
    for code, n in sorted(votes.items(), key=lambda item: (-item[1], item[0])):
        if code in active:
            suggestions.append((active.pop(code), ngettext(
                "%(n)d of %(total)d tips names %(country)s",
                "%(n)d of %(total)d tips name %(country)s", n,
            ) % {"n": n, "total": len(tips), "country": _country(code)}))
    ranking = _ranking_function()
    if ranking is not None:
        offered = 0
        for code, score in ranking(obj):
            code = str(code).upper()
            try:
                value = float(score)
            except (TypeError, ValueError):
                continue
            if not value >= ESTIMATE_MIN:  # also refuses NaN
                continue
            if code in active and offered < ESTIMATE_SUGGESTIONS:
                offered += 1
                suggestions.append((active.pop(code), _(
                    "Country estimate of the object: %(country)s (%(score)s)"
                ) % {"country": _country(code), "score": _score(value)}))
    return suggestions


# Messages on forwardings


def forwarding_messages(*, forwarding: Forwarding) -> QuerySet[ForwardingMessage]:
    """Everything after sending, oldest first: tipsters' later answers, questions, answers."""
    return forwarding.messages.select_related("author").order_by("created_at", "id")


def liaison_new_counts(*, user: Any) -> dict[int, int]:
    """Forwarding id -> how many messages are new for the liaison officer's authority."""
    authority_id = liaison_authority_id(user) if has_role(user, LIAISON) else None
    if authority_id is None:
        return {}
    rows = (ForwardingMessage.objects.filter(forwarding__authority_id=authority_id,
                                             kind__in=TO_LIAISON, seen_at__isnull=True)
            .values("forwarding_id").annotate(n=Count("id")))
    return {row["forwarding_id"]: row["n"] for row in rows}


def _open_questions() -> QuerySet[ForwardingMessage]:
    return ForwardingMessage.objects.filter(kind=MessageKind.LIAISON_QUESTION,
                                            seen_at__isnull=True)


def open_question_forwarding_ids() -> QuerySet[Any]:
    """The ids of the forwardings with an unanswered question (a subquery)."""
    return _open_questions().values("forwarding_id")


def open_question_count() -> int:
    """Forwardings with a liaison officer's question no investigator has answered yet."""
    return _open_questions().values("forwarding_id").distinct().count()


def open_question_tip_ids(*, tip_ids: Iterable[int] | None = None) -> set[int]:
    """The tips (of `tip_ids`, or all) in a forwarding with an unanswered question."""
    through = Forwarding.tips.through.objects.filter(
        forwarding_id__in=_open_questions().values("forwarding_id"))
    if tip_ids is not None:
        through = through.filter(tip_id__in=list(tip_ids))
    return set(through.values_list("tip_id", flat=True))


def tip_liaison_threads(*, tip: Any) -> list[dict[str, Any]]:
    """For the investigators' tip page: each forwarding of the tip that has messages, with the
    messages (oldest first) and whether a question waits for an answer."""
    threads = []
    for forwarding in (Forwarding.objects.filter(tips=tip).select_related("authority")
                       .order_by("created_at", "id")):
        messages = [m for m in forwarding_messages(forwarding=forwarding)
                    if m.kind != MessageKind.TIPSTER_ANSWER]  # the tip page shows those
        if not messages:
            continue
        threads.append({"forwarding": forwarding, "messages": messages, "open": any(
            m.kind == MessageKind.LIAISON_QUESTION and m.seen_at is None for m in messages)})
    return threads
