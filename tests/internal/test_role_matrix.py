"""Every back-office URL against every role (and anonymous): the one table of who may do what.

The test walks the URL configuration, so a new back-office URL without a row here fails it.
GET rows say who may read a page; POST rows who may act (an empty POST: an allowed role gets
a form error, a redirect or a conflict, never 403; a refused role gets 403, or 404 where even
the existence of the thing must not show: a liaison officer and another country's package).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import staff_login
from traceobject.accounts.services import api_token_create
from traceobject.audit.models import AuditEvent
from traceobject.clues import brands as clue_brands
from traceobject.clues import investigators as clue_investigators
from traceobject.evidence.models import ObjectSighting
from traceobject.exports import services as export_services
from traceobject.routing import services as routing
from traceobject.routing.models import Authority
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip

from ..evidence.conftest import crop_make, video_make

ROLES = ["administrator", "investigator", "reviewer", "liaison", "liaison_fr", "auditor",
         "outsider"]
ALL = {"administrator", "investigator", "reviewer", "liaison", "liaison_fr", "auditor"}
INV = {"investigator"}
REV = {"reviewer"}
ADM = {"administrator"}
INV_REV = INV | REV
AUD_ADM = {"auditor", "administrator"}
INV_ADM = INV | ADM
STAFF_FWD = {"investigator", "administrator", "auditor"}  # who sees every forwarding
DE = {"liaison"}  # the forwarding in the fixture goes to Germany

# name -> (roles that may GET it or None for POST-only, roles that may POST or None)
MATRIX: dict[str, tuple[set[str] | None, set[str] | None]] = {
    "home": (ALL, None),
    "cases": (INV, None), "case": (INV, None), "case-mark-viewed": (None, INV),
    "case-sequence": (None, INV),
    "evidence": (INV, None),
    "evidence-thumb": (INV, None), "evidence-display": (INV, None),
    "crop-create": (None, INV), "crop": (INV_REV, None), "crop-image": (INV_REV, None),
    "crop-override": (None, REV), "crop-object": (None, INV),
    "crop-text-redact": (None, INV),
    "video": (INV, None), "video-frame": (INV, None), "video-capture": (None, INV),
    "account-settings": (ALL, ALL), "account-evidence-view": (None, ALL),
    "account-tokens": (ALL, None), "account-token-create": (None, ALL),
    "account-token-revoke": (None, ALL),
    "users": (ADM, None), "user-create": (ADM, ADM), "user": (ADM, None),
    "user-roles": (None, ADM), "user-second-factor-reset": (None, ADM),
    "user-unlock": (None, ADM), "user-active": (None, ADM), "user-password": (None, ADM),
    "objects": (INV_REV, None), "object-new": (INV, INV), "object": (INV_REV, None),
    "object-texts": (None, INV), "object-settings": (None, INV),
    "object-image-upload": (None, INV), "object-image": (INV_REV, None),
    "object-image-remove": (None, INV), "object-image-move": (None, INV),
    "object-submit": (None, INV), "object-approve": (None, REV),
    "object-reject": (None, REV), "object-withdraw": (None, INV_REV),
    "object-identified": (None, INV_REV), "review-queue": (REV, None),
    "campaigns": (ADM, None), "campaign-new": (ADM, ADM), "campaign": (ADM, ADM),
    "campaign-launch": (None, ADM), "campaign-end": (None, ADM), "campaign-move": (None, ADM),
    "tips": (INV, None), "tips-bulk": (None, INV), "tip": (INV, None),
    "tip-state": (None, INV), "tip-assign": (None, INV), "tip-note": (None, INV),
    "tip-ask": (None, INV), "tip-refer": (None, INV), "tip-reveal": (None, INV),
    "tip-translate": (None, INV),
    "tip-cluster": (INV, None), "tip-cluster-state": (None, INV), "object-tips": (INV, None),
    "forwardings": (STAFF_FWD, None), "forwarding-new": (INV, INV),
    "forwarding": (STAFF_FWD, None), "forwarding-package": (STAFF_FWD | DE, None),
    "forwarding-answer": (None, INV),
    "liaison": ({"liaison", "liaison_fr"}, None), "liaison-forwarding": (DE, None),
    "liaison-acknowledge": (None, DE), "liaison-outcome": (None, DE),
    "liaison-question": (None, DE),
    "audit": (AUD_ADM, None), "audit-verify": (AUD_ADM, AUD_ADM), "audit-entry": (AUD_ADM, None),
    "audit-export": (AUD_ADM, None),
    "exports": (INV_ADM, INV), "export": (INV_ADM, None), "export-status": (INV_ADM, None),
    "export-download": (INV_ADM, None), "edges": (INV_ADM, INV_ADM),
    "object-country": (INV, None), "object-country-tag": (None, INV),
    "object-country-note": (None, INV), "object-country-refresh": (None, INV),
    "object-country-delete": (None, INV),
    "case-country": (INV, None), "case-country-tag": (None, INV),
    "case-country-note": (None, INV), "case-country-refresh": (None, INV),
    "case-country-delete": (None, INV),
    "brands": (INV, None), "brand-add": (None, INV), "brand-remove": (None, INV),
    "object-find": (INV, None), "object-query-picture": (INV, None),
    "object-match": (INV, None), "object-link": (None, INV),
    "object-sighting-unlink": (None, INV),
}
# The sign-in flow itself is for everybody (tests/accounts covers it).
SIGN_IN = {"login", "login-code", "login-enrol", "logout", "reauth"}
# Reached only by a liaison of the package's country; others get 404, not 403.
HIDDEN_BY_404 = {"liaison-forwarding", "liaison-acknowledge", "liaison-outcome",
                 "liaison-question", "forwarding-package"}


def _internal_names() -> set[str]:
    def walk(patterns: list[Any], namespace: str = "") -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                names |= walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "internal" and pattern.name:
                names.add(pattern.name)
        return names

    return walk(get_resolver().url_patterns)


def test_every_back_office_url_has_a_row():
    assert _internal_names() - SIGN_IN == set(MATRIX)


@pytest.fixture
def world(users, evidence_image, published, campaign) -> dict[str, str]:
    """One of everything, and the URL of each named route for it."""
    investigator = users["investigator"]
    crop = crop_make(evidence_image, {"x": 10, "y": 10, "w": 300, "h": 200}, user=investigator)
    for text in ("Bought in Köln at a KAUFHOF store.", "KAUFHOF in Köln sells this bag.",
                 "Seen in Lyon."):
        intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
            {"text": text, "country": "DE"}))
    tip_services.sealed_tips_open()
    tip = Tip.objects.filter(cluster__isnull=False).first()
    assert tip is not None
    forwarding = routing.forwarding_create(tips=[tip], authority=Authority.objects.get(
        country="DE"), summary="Two tips name Köln.", user=investigator)
    export = export_services.export_start(user=investigator, fmt="csv", obj=published)
    token, _ = api_token_create(user=users["outsider"], name="t")
    object_clue = clue_investigators.clue_note_add(user=investigator, country="DE", stance="for",
                                                   because="Shop sign in German.", obj=published)
    case = evidence_image.files.first().case
    case_clue = clue_investigators.clue_note_add(user=investigator, country="DE", stance="for",
                                                 because="Plug type F.", case=case)
    brand = clue_brands.brand_link_add(user=investigator, name="KAUFHOF", country="DE")
    video = video_make(case, "phone/VID_0001.mp4")
    sighting = ObjectSighting.objects.create(traced_object=published, image=evidence_image,
                                             inliers=25, linked_by=investigator)
    image = published.images.first()
    ref, pk = published.ref, evidence_image.pk
    args: dict[str, dict[str, Any]] = {
        "case": {"ref": case.ref}, "case-mark-viewed": {"ref": case.ref},
        "case-sequence": {"ref": case.ref},
        "evidence": {"pk": pk}, "evidence-thumb": {"pk": pk},
        "evidence-display": {"pk": pk}, "crop-create": {"pk": pk},
        "crop": {"pk": crop.pk}, "crop-image": {"pk": crop.pk, "kind": "plain"},
        "crop-override": {"pk": crop.pk}, "crop-object": {"pk": crop.pk},
        "crop-text-redact": {"pk": crop.pk},
        "video": {"pk": video.pk}, "video-frame": {"pk": video.pk, "number": 3},
        "video-capture": {"pk": video.pk},
        "account-token-revoke": {"pk": token.pk},
        "object-image": {"ref": ref, "pk": image.pk, "width": image.widths[0]},
        "object-image-remove": {"ref": ref, "pk": image.pk},
        "object-image-move": {"ref": ref, "pk": image.pk},
        "tip": {"pk": tip.pk}, "tip-state": {"pk": tip.pk}, "tip-assign": {"pk": tip.pk},
        "tip-note": {"pk": tip.pk}, "tip-ask": {"pk": tip.pk}, "tip-refer": {"pk": tip.pk},
        "tip-reveal": {"pk": tip.pk}, "tip-translate": {"pk": tip.pk},
        "tip-cluster": {"pk": tip.cluster_id},
        "tip-cluster-state": {"pk": tip.cluster_id},
        "forwarding": {"ref": forwarding.ref},
        "forwarding-package": {"ref": forwarding.ref, "fmt": "json"},
        "liaison-forwarding": {"ref": forwarding.ref},
        "liaison-acknowledge": {"ref": forwarding.ref},
        "liaison-outcome": {"ref": forwarding.ref},
        "liaison-question": {"ref": forwarding.ref},
        "forwarding-answer": {"ref": forwarding.ref},
        "audit-entry": {"seq": AuditEvent.objects.order_by("seq").first().seq},
        "audit-export": {"fmt": "csv"},
        "export": {"pk": export.pk}, "export-status": {"pk": export.pk},
        "export-download": {"pk": export.pk},
        "object-country-delete": {"ref": ref, "pk": object_clue.pk},
        "case-country-delete": {"ref": case.ref, "pk": case_clue.pk},
        "brand-remove": {"pk": brand.pk},
        "object-find": {}, "object-query-picture": {}, "object-link": {},
        "object-match": {"pk": pk}, "object-sighting-unlink": {"pk": sighting.pk},
    }
    urls = {}
    for name in MATRIX:
        kwargs = args.get(name)
        if kwargs is None:
            if name.startswith("user"):
                kwargs = {"pk": users["outsider"].pk} if name not in ("users", "user-create") \
                    else {}
            elif name.startswith("campaign") and name not in ("campaigns", "campaign-new"):
                kwargs = {"slug": campaign.slug}
            elif name.startswith("case-country"):
                kwargs = {"ref": case.ref}
            elif name.startswith("object") and name not in ("objects", "object-new"):
                kwargs = {"ref": ref}
            else:
                kwargs = {}
        urls[name] = reverse(f"internal:{name}", kwargs=kwargs)
    return urls


def _refused(status: int, name: str) -> bool:
    return status == 403 or (status == 404 and name in HIDDEN_BY_404)


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_role_matrix(client, users, world, role):
    if role != "anonymous":
        staff_login(client, users[role])
    problems = []
    for name, (get_roles, post_roles) in MATRIX.items():
        url = world[name]
        for method, allowed in (("get", get_roles), ("post", post_roles)):
            if allowed is None:
                continue
            status = getattr(client, method)(url).status_code
            if role == "anonymous":
                ok = status == 302
            elif role in allowed:
                ok = status not in (401, 403) and status < 500
            else:
                ok = _refused(status, name)
            if not ok:
                problems.append((method.upper(), name, url, status))
    assert not problems, f"{role}: {problems}"


def test_anonymous_is_sent_to_sign_in(client, world):
    for name, (get_roles, _post) in MATRIX.items():
        if get_roles:
            response = client.get(world[name])
            assert response.status_code == 302, name
            assert response["Location"].startswith("/internal/login/"), name
