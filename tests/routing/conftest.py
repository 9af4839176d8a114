"""Tips submitted through the sealed intake and opened, authorities, forwardings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.core.locales import compiled_locales, use_compiled_locales  # noqa: F401
from traceobject.catalog.models import TracedObject
from traceobject.routing import services as routing
from traceobject.routing.models import Authority, Forwarding
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip


@pytest.fixture
def submit_tips(db: Any) -> Callable[..., list[Tip]]:
    """submit_tips(obj, {"text": ..., "country": ...}, ...): tips sealed at intake, then
    opened into the triage store; returned in the order given (texts must differ)."""

    def submit(obj: TracedObject, *specs: dict[str, Any]) -> list[Tip]:
        texts = []
        for n, spec in enumerate(specs):
            data = {"text": f"Tip number {n} about {obj.ref}.", **spec}
            texts.append(intake.tip_validate(data).text)
            intake.tip_submit(ref=obj.ref, tip=intake.tip_validate(data))
        tip_services.sealed_tips_open()
        by_text = {tip.text: tip for tip in Tip.objects.filter(object=obj, text__in=texts)}
        return [by_text[text] for text in texts]

    return submit


@pytest.fixture
def authorities(users: dict[str, Any]) -> dict[str, Authority]:
    """DE and FR (bound to the liaison fixtures), PL and AT active, IT inactive."""
    result = {a.country: a for a in Authority.objects.filter(country__in=["DE", "FR"])}
    for code, name in (("PL", "Policja"), ("AT", "Bundeskriminalamt"), ("IT", "Polizia")):
        result[code] = routing.authority_upsert(user=None, country=code, name=name,
                                                email=f"contact@{code.lower()}.example",
                                                active=code != "IT")
    return result


@pytest.fixture
def forward(users: dict[str, Any]) -> Callable[..., Forwarding]:
    def make(tips: list[Tip], authority: Authority, summary: str = "Three tips name a shop.",
             user: Any = None) -> Forwarding:
        return routing.forwarding_create(tips=tips, authority=authority, summary=summary,
                                         user=user or users["investigator"])

    return make


@pytest.fixture
def forwarding_de(published: TracedObject, submit_tips: Callable[..., list[Tip]],
                  authorities: dict[str, Authority],
                  forward: Callable[..., Forwarding]) -> Forwarding:
    tips = submit_tips(published, {"text": "Sold at a Rewe in Köln.", "country": "DE"},
                       {"text": "Seen in Berlin, 2022.", "country": "DE"})
    return forward(tips, authorities["DE"])


@pytest.fixture
def forwarding_fr(make_object: Callable[..., TracedObject],
                  submit_tips: Callable[..., list[Tip]], authorities: dict[str, Authority],
                  forward: Callable[..., Forwarding]) -> Forwarding:
    obj = make_object(title="Red carton")
    tips = submit_tips(obj, {"text": "Un carton de Carrefour.", "country": "FR"})
    return forward(tips, authorities["FR"])
