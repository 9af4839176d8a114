"""What the back office's start page shows each role: the work waiting for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from traceobject.accounts.roles import INVESTIGATOR, LIAISON, REVIEWER, user_roles
from traceobject.catalog.models import ObjectStatus, TracedObject
from traceobject.evidence.models import Case, Crop
from traceobject.routing.models import ForwardingState
from traceobject.routing.selectors import (
    forwardings_visible_to,
    liaison_new_counts,
    open_question_count,
)
from traceobject.tips.models import Tip, TipState
from traceobject.tips.selectors import new_answer_count


@dataclass
class HomeSummary:
    new_tips: int = 0
    my_tips: int = 0
    in_review: int = 0
    drafts: int = 0
    unacknowledged: int = 0
    new_answers: int = 0  # tips with an answer from the tipster this person has not seen
    liaison_questions: int = 0  # forwardings with a question the investigators have not answered
    liaison_updates: int = 0  # packages with something new for the liaison officer
    cases: list[Any] = field(default_factory=list)
    crops: list[Any] = field(default_factory=list)


def home_summary(*, user: Any) -> HomeSummary:
    roles = user_roles(user)
    summary = HomeSummary()
    if INVESTIGATOR in roles:
        summary.new_tips = Tip.objects.filter(state=TipState.NEW).count()
        summary.my_tips = Tip.objects.filter(assigned_to=user).exclude(
            state__in=(TipState.CLOSED, TipState.SPAM)).count()
        summary.new_answers = new_answer_count(user=user)
        summary.drafts = TracedObject.objects.filter(status=ObjectStatus.DRAFT).count()
        summary.liaison_questions = open_question_count()
        summary.cases = list(Case.objects.annotate(n=Count("files"))
                             .order_by("-created_at")[:10])
    if roles & {INVESTIGATOR, REVIEWER}:
        summary.in_review = TracedObject.objects.filter(status=ObjectStatus.IN_REVIEW).count()
        summary.crops = list(Crop.objects.select_related("image").order_by("-created_at")[:10])
    if LIAISON in roles:
        summary.unacknowledged = forwardings_visible_to(user).filter(
            state=ForwardingState.SENT).count()
        summary.liaison_updates = len(liaison_new_counts(user=user))
    return summary
