"""What routing does when triage announces something (tips.signals)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from traceobject.tips.signals import tip_answer_opened


@receiver(tip_answer_opened, dispatch_uid="routing.tipster_answer")
def _tipster_answer(sender: Any, message: Any, **kwargs: Any) -> None:
    """A tipster's answer to a forwarded tip goes to the packages the tip is in."""
    from traceobject.routing.services import forwarding_tipster_answer_add

    forwarding_tipster_answer_add(message=message)
