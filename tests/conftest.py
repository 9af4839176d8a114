from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw

from traceobject.accounts.models import StaffProfile
from traceobject.accounts.roles import ROLES
from traceobject.catalog import services as catalog
from traceobject.catalog.models import Campaign, TracedObject

#: Fixtures through which a test reaches the database under test (directly, or, for
#: make_node, by creating databases of its own on the same server).
DATABASE_FIXTURES = frozenset({
    "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
    "live_server", "make_node",
})


def pytest_configure(config: pytest.Config) -> None:
    """On SQLite the test database is a file (one a test process: pytest-django adds the
    worker's suffix), not Django's shared in-memory database. In memory, the live server's
    request threads and the test share one connection, and the browser's parallel requests
    (a page's lazily loaded pictures) failed now and then ("cannot open savepoint - SQL
    statements in progress", "database table is locked"). On a file each thread has a
    connection of its own, in WAL mode with a busy timeout, as in production."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folder = Path(os.environ.get("TRACEOBJECT_HOME", "var/test")) / "test-databases"
        folder.mkdir(parents=True, exist_ok=True)
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


def uses_database(item: pytest.Item) -> bool:
    """Does this test touch the database (pytest-django's marker or fixtures, ours too)?"""
    if item.get_closest_marker("django_db") or item.get_closest_marker("database"):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """TRACEOBJECT_TEST_DB_ONLY=1 (`make test-postgres`): only the tests that touch the
    database. The others (vision, search, geo, subprocesses on their own SQLite...) behave
    the same on any database and already ran in `make test`; running them again on
    PostgreSQL doubled their time for nothing."""
    if os.environ.get("TRACEOBJECT_TEST_DB_ONLY", "") not in ("1", "true", "yes"):
        return
    keep = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters must not leak from one test into the next."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Test users sign in with throw-away passwords: a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _picture(seed: int, size: tuple[int, int] = (160, 120)) -> Image.Image:
    """An object's picture. Small: every object a test publishes passes the safety gate,
    whose work grows with the picture (0.11 CPU-seconds at 160 x 120, 0.42 at 400 x 300)."""
    image = Image.new("RGB", size, (40 + seed * 37 % 200, 90, 160))
    draw = ImageDraw.Draw(image)
    inset = min(size) // 8
    draw.rectangle((inset, inset, size[0] - inset, size[1] - inset), outline=(255, 255, 255),
                   width=max(2, inset // 6))
    draw.text((inset + 8, inset + 8), f"OBJECT {seed}", fill=(255, 255, 0))
    return image


@pytest.fixture
def campaign(db: Any) -> Campaign:
    return catalog.campaign_create(
        slug="test-campaign", names={"en": "Test campaign", "de": "Testkampagne"}
    )


@pytest.fixture
def make_object(db: Any, campaign: Campaign, users: dict[str, User]
                ) -> Callable[..., TracedObject]:
    """make_object(...): an object written by users["investigator"]; published through the
    four-eyes workflow (submitted by its author, approved by users["reviewer"])."""
    from django.utils import timezone

    from traceobject.catalog.models import ObjectStatus
    from traceobject.core.pagecache import catalog_changed

    counter = {"n": 0}
    author, approver = users["investigator"], users["reviewer"]

    def make(*, title: str = "Blue shop bag", category: str = "packaging",
             publish: bool = True, texts: dict[str, dict[str, Any]] | None = None,
             image: bool = True, identified: str | None = None) -> TracedObject:
        counter["n"] += 1
        obj = catalog.object_create(
            user=author, category=category, campaign=campaign,
            texts=texts or {"en": {"title": title, "description": "Seen in several images.",
                                   "questions": ["Where is this bag sold?"]}},
        )
        if image:
            catalog.object_image_add(obj=obj, image=_picture(counter["n"]))
        if publish and image:
            catalog.object_submit(obj=obj, user=author)
            catalog.object_approve(obj=obj, user=approver, checklist=catalog.REVIEW_CHECK_NAMES,
                                   english_fallback=True)
        elif publish:
            # The workflow refuses an object without a picture; tests of pages that must
            # cope with one set the state directly.
            TracedObject.objects.filter(pk=obj.pk).update(
                status=ObjectStatus.PUBLISHED, published_at=timezone.now())
            obj.refresh_from_db()
            catalog_changed()
        if identified:
            catalog.object_mark_identified(obj=obj, user=author, country=identified)
        return obj

    return make


@pytest.fixture
def published(make_object: Callable[..., TracedObject]) -> TracedObject:
    return make_object(texts={
        "en": {"title": "Blue shop bag", "description": "A plastic bag.",
               "questions": ["Where is this bag sold?"]},
        "de": {"title": "Blaue Einkaufstüte", "description": "Eine Plastiktüte.",
               "questions": ["Wo wird diese Tüte verkauft?"]},
    })


@pytest.fixture
def evidence_store(settings: Any, tmp_path: Any) -> Iterator[Any]:
    """A private evidence store and PDQ index under tmp_path (the storage is re-created)."""
    from django.core.files.storage import storages

    settings.INDEX_DIR = tmp_path / "index"
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence")},
    }}
    storages._storages.pop("evidence", None)
    yield tmp_path / "evidence"
    storages._storages.pop("evidence", None)


STAFF_PASSWORD = "correct horse battery staple"


def make_staff(username: str, *roles: str, country: str = "") -> User:
    """A staff user with the given roles and a confirmed TOTP device; a liaison officer is
    bound to the Authority of `country`."""
    from traceobject.routing.models import Authority

    assert set(roles) <= set(ROLES), roles
    user = User.objects.create_user(username, password=STAFF_PASSWORD)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    if country:
        authority, _ = Authority.objects.get_or_create(
            country=country, defaults={"name": f"Police {country}",
                                       "email": f"contact@police-{country.lower()}.example"})
        StaffProfile.objects.create(user=user, authority=authority)
    return user


@pytest.fixture
def users(db: Any) -> dict[str, User]:
    """One user per role (healthchecks' alice/bob/charlie), liaison officers for two
    countries, and an outsider with no role."""
    return {
        "administrator": make_staff("adam", "administrator"),
        "investigator": make_staff("ivy", "investigator"),
        "investigator2": make_staff("ian", "investigator"),
        "reviewer": make_staff("rita", "reviewer"),
        "liaison": make_staff("lars", "liaison", country="DE"),
        "liaison_fr": make_staff("louise", "liaison", country="FR"),
        "auditor": make_staff("aude", "auditor"),
        "outsider": make_staff("otto"),
    }


def staff_login(client: Any, user: User) -> None:
    """Sign a test client in fully: password and second factor (the session carries the
    verified TOTP device, as after a real sign-in)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None, f"{user} has no TOTP device"
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["traceobject_reauth_at"] = time.time()  # a sign-in is a fresh authentication
    session.save()


@pytest.fixture
def login(client: Any) -> Callable[[User], None]:
    """login(user): the test client is signed in as `user` with both factors."""
    return lambda user: staff_login(client, user)
