"""What routing does when triage announces something (tips.signals)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from traceobject.tips.signals import tip_answer_opened, tip_messages_purged


@receiver(tip_answer_opened, dispatch_uid="routing.tipster_answer")
def _tipster_answer(sender: Any, message: Any, **kwargs: Any) -> None:
    """A tipster's answer to a forwarded tip goes to the packages the tip is in."""
    from traceobject.routing.services import forwarding_tipster_answer_add

    forwarding_tipster_answer_add(message=message)


@receiver(tip_messages_purged, dispatch_uid="routing.tipster_answers_purged")
def _tipster_answers_purged(sender: Any, tip_ids: list[int], **kwargs: Any) -> None:
    """The retention purge emptied these tips' conversations: the copies of the tipsters'
    answers in packages go with them."""
    from traceobject.routing.services import forwarding_tipster_answers_purge

    forwarding_tipster_answers_purge(tip_ids=tip_ids)
