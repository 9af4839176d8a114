"""`check --deploy` where the public site is served in production: example operator details,
no public address, no embedding origin."""

from __future__ import annotations

import pytest

from traceobject.core.checks import check_public_site

REAL = {
    "name": "Landespolizei Musterland", "address": "Hauptstr. 1, 12345 Musterstadt",
    "email": "hinweise@polizei.musterland.de", "phone": "", "website": "https://polizei.musterland.de/",
    "imprint": "", "dpo_email": "datenschutz@polizei.musterland.de",
    "supervisor": "Landesdatenschutzbeauftragte", "supervisor_url": "https://www.ldi.musterland.de/",
    "legal_basis": "law-enforcement", "legal_basis_law": "",
}


@pytest.fixture
def edge_in_production(settings):
    settings.PRODUCTION = True
    settings.ROLE = "edge"
    settings.OPERATOR = dict(REAL)
    settings.OPERATOR_IS_EXAMPLE = False
    settings.PUBLIC_BASE_URL = "https://tips.polizei.musterland.de"
    settings.EMBED_ORIGINS = ["https://news.example"]
    return settings


def _ids() -> list[str]:
    return sorted(str(m.id) for m in check_public_site(None))


def test_real_details_pass(edge_in_production) -> None:
    assert _ids() == []


def test_the_example_operator_is_warned_about(edge_in_production) -> None:
    edge_in_production.OPERATOR_IS_EXAMPLE = True
    messages = check_public_site(None)
    assert [m.id for m in messages] == ["traceobject.W020"]
    assert "TRACEOBJECT_OPERATOR_NAME" in messages[0].msg


@pytest.mark.parametrize("key, value", [
    ("email", "contact@example.org"), ("website", "https://www.example.com/"),
    ("supervisor_url", "https://dpa.example.org/"), ("dpo_email", "dpo@mail.example.net"),
])
def test_an_example_address_among_real_details_is_named(edge_in_production, key, value) -> None:
    edge_in_production.OPERATOR = {**REAL, key: value}
    messages = check_public_site(None)
    assert [m.id for m in messages] == ["traceobject.W020"]
    assert f"TRACEOBJECT_OPERATOR_{key.upper()} ({value})" in messages[0].msg


def test_a_missing_public_address_and_embedding_origins_are_reported(edge_in_production) -> None:
    edge_in_production.PUBLIC_BASE_URL = ""
    edge_in_production.EMBED_ORIGINS = []
    assert _ids() == ["traceobject.I020", "traceobject.W021"]


@pytest.mark.parametrize("production, role", [(False, "edge"), (True, "core")])
def test_no_public_site_in_production_no_warning(edge_in_production, production, role) -> None:
    edge_in_production.PRODUCTION = production
    edge_in_production.ROLE = role
    edge_in_production.OPERATOR_IS_EXAMPLE = True
    edge_in_production.PUBLIC_BASE_URL = ""
    assert _ids() == []
