from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from traceobject.accounts.roles import ROLES
from traceobject.evidence.ingest import ingest
from traceobject.evidence.models import EvidenceImage

from ..evidence.conftest import write_jpeg


@pytest.fixture(autouse=True)
def _private_dirs(evidence_store: Path) -> None:
    """Every test here gets its own evidence store and index."""


def _user(username: str, *roles: str) -> User:
    user = User.objects.create_user(username, password="correct horse battery staple")
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def users(db) -> dict[str, User]:
    assert "investigator" in ROLES
    return {
        "investigator": _user("ivy", "investigator"),
        "investigator2": _user("ian", "investigator"),
        "reviewer": _user("rita", "reviewer"),
        "liaison": _user("lars", "liaison"),
        "auditor": _user("aude", "auditor"),
        "outsider": _user("otto"),
    }


@pytest.fixture
def evidence_image(db, tmp_path: Path) -> EvidenceImage:
    write_jpeg(tmp_path / "seized" / "IMG_0001.jpg", seed=11, size=(900, 600))
    ingest([tmp_path / "seized"], case_ref="CASE-9")
    return EvidenceImage.objects.get()
