from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from traceobject.accounts.roles import user_roles
from traceobject.audit.models import AuditEvent
from traceobject.audit.services import audit_verify
from traceobject.catalog.models import (
    PUBLIC_STATUSES,
    Campaign,
    Category,
    ObjectImage,
    ObjectStatus,
    ObjectText,
    TracedObject,
)
from traceobject.catalog.selectors import statistics
from traceobject.core.errors import ServiceError
from traceobject.core.reference import EEA_EXTRA, EU_COUNTRIES
from traceobject.demo.data import DEMO_PASSWORD, DEMO_USERS, demo_load, demo_totp_key
from traceobject.routing.models import Authority, Forwarding
from traceobject.routing.services import authority_upsert
from traceobject.tips.models import Tip, TipCluster, TipMessage, TipState

LANGUAGES = ("en", "de", "fr", "pl", "es", "it", "nl")


def _counts() -> dict[str, int]:
    return {
        "campaigns": Campaign.objects.count(),
        "objects": TracedObject.objects.count(),
        "texts": ObjectText.objects.count(),
        "images": ObjectImage.objects.count(),
        "authorities": Authority.objects.count(),
        "users": get_user_model().objects.count(),
        "groups": Group.objects.count(),
    }


@pytest.mark.django_db
def test_demo_load_creates_the_demo_catalogue(media_root: Path) -> None:
    assert demo_load(image_size=(320, 240)) is True

    campaigns = Campaign.objects.filter(is_public=True)
    assert set(campaigns.values_list("slug", flat=True)) == {"demo-europe", "demo-asia-pacific"}
    assert Campaign.objects.get(slug="demo-europe").names["en"] == "Trace an Object: Europe"

    public = TracedObject.objects.filter(status__in=PUBLIC_STATUSES)
    assert public.count() >= 24
    assert set(public.values_list("category", flat=True)) == set(Category.values)
    assert not public.filter(campaign__isnull=True).exists()

    for obj in public.prefetch_related("texts", "images"):
        texts = {t.language: t for t in obj.texts.all()}
        assert set(LANGUAGES) <= set(texts)
        english = texts["en"]
        assert english.title and english.description
        assert 2 <= len(english.questions) <= 4
        for language in LANGUAGES:
            assert len(texts[language].questions) == len(english.questions)
        assert texts["de"].title != english.title
        images = list(obj.images.all())
        assert 1 <= len(images) <= 3
        for image in images:
            assert (image.width, image.height) == (320, 240)
            assert (media_root / image.folder / "320.webp").is_file()
            assert (media_root / image.folder / "320.jpg").is_file()

    identified = TracedObject.objects.filter(status=ObjectStatus.IDENTIFIED)
    assert identified.count() >= 4
    for obj in identified:
        assert obj.identified_country
        assert obj.identified_at is not None
        assert obj.texts.get(language="en").thank_you

    countries = set(Authority.objects.values_list("country", flat=True))
    assert set(EU_COUNTRIES) | set(EEA_EXTRA) | {"AU"} <= countries
    poland = Authority.objects.get(country="PL")
    assert poland.name == "National contact point (Poland)"
    assert poland.email == "tips-pl@authority.example"
    assert all(a.email.endswith(".example") for a in Authority.objects.all())

    users = get_user_model().objects
    for username, _role in DEMO_USERS:
        user = users.get(username=username)
        assert user.is_active and user.check_password(DEMO_PASSWORD)
        # A confirmed second factor with the published demo key.
        assert TOTPDevice.objects.get(user=user, confirmed=True).key == demo_totp_key(username)
    assert users.get(username="admin").is_superuser
    assert not users.get(username="investigator").is_superuser
    for username, role in (("investigator", "investigator"), ("investigator2", "investigator"),
                           ("reviewer", "reviewer"), ("auditor", "auditor")):
        assert user_roles(users.get(username=username)) == {role}
    for username, country in (("liaison-pl", "PL"), ("liaison-de", "DE")):
        user = users.get(username=username)
        assert user_roles(user) == {"liaison"}
        assert user.staff_profile.authority.country == country


@pytest.mark.django_db
def test_demo_activity_covers_the_back_office(media_root: Path) -> None:
    """A newcomer finds tips in every state, clusters, an answered question, forwarded
    packages with an outcome, public figures and an audit trail that verifies."""
    assert demo_load(image_size=(320, 240)) is True
    assert set(Tip.objects.values_list("state", flat=True)) == set(TipState.values)
    assert TipCluster.objects.filter(size__gte=3).exists()
    assert TipMessage.objects.filter(direction="to_tipster").exists()
    assert TipMessage.objects.filter(direction="from_tipster").exclude(text="").exists()
    assert Forwarding.objects.filter(state="outcome_reported").exists()
    assert Forwarding.objects.filter(state="sent").exists()
    assert statistics().children_safeguarded > 0
    assert TracedObject.objects.filter(status=ObjectStatus.PUBLISHED,
                                       approved_by__isnull=False).exists()
    assert AuditEvent.objects.filter(action="object.approve").exists()
    assert AuditEvent.objects.filter(action="tip.state_set").exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_demo_load_twice_creates_nothing_new(media_root: Path) -> None:
    assert demo_load(image_size=(320, 240)) is True
    before = _counts()
    files = sorted(p for p in media_root.rglob("*") if p.is_file())
    assert demo_load(image_size=(320, 240)) is False
    assert _counts() == before
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files


@pytest.mark.django_db
def test_demo_load_keeps_existing_accounts_and_authorities(media_root: Path) -> None:
    user_model: Any = get_user_model()
    user_model.objects.create_user("admin", "real@example.org", "a-real-password")
    authority_upsert(user=None, country="DE", name="Real contact", email="real@bka.example")

    assert demo_load(image_size=(160, 120)) is True

    admin = user_model.objects.get(username="admin")
    assert admin.check_password("a-real-password")
    assert not admin.is_superuser
    assert Authority.objects.get(country="DE").name == "Real contact"


@pytest.mark.django_db
def test_authority_upsert_updates_and_validates() -> None:
    first = authority_upsert(user=None, country="pl", name="Contact point",
                             email="a@authority.example")
    assert first.country == "PL"
    second = authority_upsert(user=None, country="PL", name="New name",
                              email="b@authority.example",
                              referral_url="https://referral.example/pl/")
    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.name, second.email) == ("New name", "b@authority.example")
    assert Authority.objects.count() == 1

    for bad in (
        {"country": "XX", "name": "N", "email": "a@authority.example"},
        {"country": "EU", "name": "N", "email": "a@authority.example"},
        {"country": "PL", "name": "", "email": "a@authority.example"},
        {"country": "PL", "name": "N", "email": "not-an-address"},
        {"country": "PL", "name": "N", "email": "a@authority.example", "referral_url": "nope"},
        {"country": "PL", "name": "Contact\x00point", "email": "a@authority.example"},
        {"country": "PL", "name": "Contact \u202epoint", "email": "a@authority.example"},
        {"country": "PL", "name": "Contact\npoint", "email": "a@authority.example"},
        {"country": "PL", "name": 42, "email": "a@authority.example"},
        {"country": None, "name": "N", "email": "a@authority.example"},
        {"country": "PL", "name": "N", "email": "a@authority.example\x07"},
    ):
        with pytest.raises(ServiceError):
            authority_upsert(user=None, **bad)
    assert Authority.objects.count() == 1


@pytest.fixture
def evidence_store(tmp_path, settings):
    """The evidence store and the indexes in the test's own folder."""
    from django.core.files.storage import storages

    settings.INDEX_DIR = tmp_path / "index"
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence")}}}
    storages._storages.pop("evidence", None)
    yield
    storages._storages.pop("evidence", None)


@pytest.mark.django_db(transaction=True)
def test_demo_evidence_case_with_near_duplicates(tmp_path, evidence_store):
    from traceobject.demo.evidence import DEMO_CASE, demo_evidence_load
    from traceobject.evidence.models import EvidenceImage
    from traceobject.evidence.selectors import similar_images

    summary = demo_evidence_load(folder=tmp_path / "scenes", count=8, videos=False)
    assert summary is not None and summary.ingested == 10 and not summary.rejected
    assert demo_evidence_load(folder=tmp_path / "scenes", count=8) is None
    original = EvidenceImage.objects.get(files__path__endswith="IMG_0004.jpg")
    matches = similar_images(pdq=original.pdq, quality=original.pdq_quality,
                             exclude_id=original.pk)
    assert [m.paths[0].rsplit("/", 1)[1] for m in matches] == ["shared_0004.jpg"]
    assert matches[0].cases == [DEMO_CASE]


@pytest.mark.django_db(transaction=True)
def test_demo_videos_are_ingested_with_their_copy(tmp_path, evidence_store):
    from traceobject.demo.evidence import demo_evidence_load
    from traceobject.evidence.models import EvidenceVideo, VideoFrame, VideoHash
    from traceobject.evidence.selectors import videos_like_video

    summary = demo_evidence_load(folder=tmp_path / "scenes", count=1)
    assert summary is not None and summary.videos == 3 and not summary.rejected
    first = EvidenceVideo.objects.get(files__path__endswith="VID_0001.mp4")
    assert (first.width, first.height, round(first.duration)) == (640, 360, 9)
    # One keyframe per scene: the cuts of the three panned scenes.
    assert VideoFrame.objects.filter(video=first, kind="keyframe").count() == 3
    matches = videos_like_video(features=list(VideoHash.objects.filter(video=first)))
    names = {m.paths[0].rsplit("/", 1)[1] for m in matches if m.video.pk != first.pk}
    assert names == {"clip_shared.webm"}
