"""Demo activity: tips sent through the public intake, opened and triaged, a question answered
through the mailbox, forwardings with an outcome, investigator clues. Everything goes through
the same services the site and the back office use, so the audit trail is real too.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model

from traceobject.catalog.models import TracedObject
from traceobject.core.errors import ServiceError
from traceobject.demo.content_objects import OBJECTS
from traceobject.demo.content_tips import ANSWER, FORWARDINGS, QUESTION, TIPS, DemoTip
from traceobject.routing import services as routing
from traceobject.routing.models import Authority
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip, TipState

logger = logging.getLogger(__name__)


def _objects() -> list[TracedObject]:
    """The demo objects in the order of demo.content_objects.OBJECTS."""
    return list(TracedObject.objects.order_by("position", "id")[:len(OBJECTS)])


def _submit(obj: TracedObject, item: DemoTip) -> str:
    data: dict[str, Any] = {"text": item.text, "language": item.language}
    if item.country:
        data["country"] = item.country
    if item.place:
        data["place"] = item.place
    if item.contact_email:
        data["contact_email"] = item.contact_email
    return intake.tip_submit(ref=obj.ref, tip=intake.tip_validate(data))


def demo_activity_load() -> dict[str, int]:
    """Tips in every state, clusters, a mailbox conversation, forwardings and an outcome.
    Call once, after demo_load(); returns counts for the log."""
    users: Any = get_user_model().objects
    investigator = users.get(username="investigator")
    liaison = users.get(username="liaison-pl")
    objects = _objects()
    assert objects, "the demo catalogue is loaded first"

    receipts: dict[int, str] = {}
    for index, item in enumerate(TIPS):
        receipts[index] = _submit(objects[item.object_index], item)
    tip_services.sealed_tips_open()
    tips = {t.text: t for t in Tip.objects.filter(text__in=[i.text for i in TIPS])}

    # Triage, each state set by the investigator as in the back office.
    by_state: dict[str, list[Tip]] = {}
    for item in TIPS:
        if item.state not in (TipState.NEW, TipState.OFF_TOPIC):
            by_state.setdefault(item.state, []).append(tips[item.text])
    for state, chosen in by_state.items():
        tip_services.tip_state_set(tips=chosen, state=state, user=investigator)
    for item in TIPS:
        if item.state == TipState.OFF_TOPIC:
            try:
                tip_services.tip_refer(tip=tips[item.text], user=investigator)
            except ServiceError:  # an authority set up without a referral channel
                tip_services.tip_state_set(tips=[tips[item.text]], state=TipState.OFF_TOPIC,
                                           user=investigator)
    first_new = next(tips[i.text] for i in TIPS if i.state == TipState.NEW)
    tip_services.tip_assign(tips=[first_new], assignee=investigator, user=investigator)
    tip_services.tip_note_add(tip=first_new, user=investigator,
                              text="Check the chain's website for this bag design.")

    # A question to a tipster, answered through the mailbox with their receipt.
    object_index, question = QUESTION
    asked_index = next(n for n, i in enumerate(TIPS) if i.object_index == object_index)
    asked = tips[TIPS[asked_index].text]
    tip_services.tip_question_ask(tip=asked, user=investigator, text=question)
    intake.mailbox_reply(receipt=receipts[asked_index], text=ANSWER)
    tip_services.mailbox_replies_open()

    # Forwardings: useful tips of an object to the authority of its country.
    forwarded = 0
    for object_index, country, summary, outcome in FORWARDINGS:
        chosen = [tips[i.text] for i in TIPS
                  if i.object_index == object_index and i.state == TipState.USEFUL]
        authority = Authority.objects.get(country=country)
        forwarding = routing.forwarding_create(tips=chosen, authority=authority,
                                               summary=summary, user=investigator)
        forwarded += 1
        if outcome is not None:
            routing.forwarding_acknowledge(forwarding=forwarding, user=liaison)
            routing.outcome_report(forwarding=forwarding, user=liaison, **outcome)
    counts = {"tips": len(TIPS), "forwardings": forwarded}
    logger.info("Demo activity: %s", counts)
    return counts
