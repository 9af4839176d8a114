"""The back office in a sample of languages: with each person's language set, the pages of a
working day (investigator, reviewer, auditor, liaison officer) render with no message of the
catalogue left in English, and every back-office message has its translation."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import staff_login
from tests.core.locales import english_fragments, read_catalog, untranslated
from tests.evidence.conftest import crop_make, write_jpeg
from tests.videogen import Scene, make_video
from traceobject.accounts import services as accounts
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage, EvidenceVideo
from traceobject.routing import services as routing
from traceobject.routing.models import Authority
from traceobject.tips import intake
from traceobject.tips import services as tip_services
from traceobject.tips.models import Tip

SAMPLE = ["de", "fr", "pl", "el"]


@pytest.mark.parametrize("language", SAMPLE)
def test_every_message_is_translated(language: str) -> None:
    assert untranslated(read_catalog(language)) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("use_compiled_locales")
@pytest.mark.parametrize("language", SAMPLE)
def test_no_english_left_on_the_back_office(client, users, published, tmp_path: Path,
                                            language: str) -> None:
    fragments = english_fragments(read_catalog(language))
    assert len(fragments) > 400, "too few strings to check: is the catalogue read?"
    for user in users.values():
        accounts.staff_language_set(user=user, language=language)
    for text in ("Sold at the Kaufhof in Krakau.", "My aunt has this bag."):
        intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
            {"text": text, "country": "DE"}))
    tip_services.sealed_tips_open()
    tip, other = Tip.objects.filter(object=published).order_by("pk")
    forwarding = routing.forwarding_create(
        tips=[tip], authority=Authority.objects.get(country="DE"), summary="A shop.",
        user=users["investigator"])
    write_jpeg(tmp_path / "case" / "IMG_0001.jpg", seed=5, size=(640, 480))
    make_video(tmp_path / "case" / "VID_0001.mp4", width=160, height=120,
               scenes=[Scene(3, 1.0), Scene(4, 1.0)])
    ingest([tmp_path / "case"], case_ref="CASE-LANG")
    image = EvidenceImage.objects.get(files__isnull=False)
    video = EvidenceVideo.objects.get()
    crop = crop_make(image, {"x": 20, "y": 20, "w": 200, "h": 150},
                     user=users["investigator"])
    pages: dict[str, tuple[str, str]] = {
        "home": ("investigator", reverse("internal:home")),
        "inbox": ("investigator", reverse("internal:tips")),
        "object inbox": ("investigator", reverse("internal:object-tips", args=[published.ref])),
        "tip": ("investigator", reverse("internal:tip", args=[tip.pk])),
        "cases": ("investigator", reverse("internal:cases")),
        "case grid": ("investigator", reverse("internal:case", args=["CASE-LANG"])),
        "evidence": ("investigator", reverse("internal:evidence", args=[image.pk])),
        "crop": ("investigator", reverse("internal:crop", args=[crop.pk])),
        "video": ("investigator", reverse("internal:video", args=[video.pk]) + "?frame=30"),
        "objects": ("investigator", reverse("internal:objects")),
        "object": ("investigator", reverse("internal:object", args=[published.ref])),
        "forwardings": ("investigator", reverse("internal:forwardings")),
        "forward": ("investigator", reverse("internal:forwarding-new") + f"?tip={other.pk}"),
        "forwarding": ("investigator", reverse("internal:forwarding", args=[forwarding.ref])),
        "settings": ("investigator", reverse("internal:account-settings")),
        "review queue": ("reviewer", reverse("internal:review-queue")),
        "audit": ("auditor", reverse("internal:audit")),
        "liaison": ("liaison", reverse("internal:liaison")),
        "package": ("liaison", reverse("internal:liaison-forwarding", args=[forwarding.ref])),
        "users": ("administrator", reverse("internal:users")),
    }
    left: dict[str, Any] = {}
    for name, (role, url) in pages.items():
        staff_login(client, users[role])
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        body = html.unescape(response.content.decode())
        assert f'lang="{language}"' in body, name
        found = sorted(f for f in fragments if f in body)
        if found:
            left[name] = found
    assert left == {}
