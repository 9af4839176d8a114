"""Schemathesis over the three APIs, each with the callers it has: the public API (anonymous,
with and without a receipt in X-Receipt), the internal and the liaison API (a personal token
of every role, of a user without a role, and no valid token). Requests go through the whole
WSGI application (middleware included) into the real database, with cases valid and invalid
per the documents; real references and ids are mixed into the generated ones so that answers
other than 404 are checked too. Every answer must be documented (status code, content type,
headers) and match its documented body, none may be a 5xx, and a case the document says is
invalid must be refused.

FUZZ_EXAMPLES (default 4) is the number of cases per operation, caller and mode (valid,
invalid): `make fuzz` sets it high; the figures (requests per API and caller, answers, server
errors, schema violations) are printed at the end of the run (tests/api/conftest.py).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.auths import AuthStorage
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from traceobject.accounts.services import api_token_create
from traceobject.catalog import services as catalog
from traceobject.evidence.models import Case as EvidenceCase
from traceobject.tips import intake
from traceobject.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 4)
PUBLIC_DOC = "/api/v1/openapi.json"
INTERNAL_DOC = "/api/internal/v1/openapi.json"
LIAISON_PREFIX = "/api/internal/v1/liaison/"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@dataclass
class Figures:
    """What the fuzzing did, for `make fuzz`'s report (tests/api/conftest.py prints it)."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)  # (api, caller)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (api, status)
    server_errors: int = 0
    violations: int = 0
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)  # first of a kind


FIGURES = Figures()


@pytest.fixture
def wsgi_requests() -> Iterator[None]:
    """The WSGI application in the test's transaction: like Django's test client, requests do
    not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def no_rate_limits(settings: Any) -> None:
    """Rate limits would turn nearly every case into a 429 (which is documented, and still
    checked where a case meets one): lifted, so the fuzzing reaches the endpoints."""
    settings.RATE_LIMITS = {scope: (10**9, window)
                            for scope, (_limit, window) in settings.RATE_LIMITS.items()}


@dataclass
class World:
    """Real references and ids the generated cases borrow from."""

    path_values: dict[str, dict[str, list[Any]]]  # per document
    tokens: dict[str, str]
    receipt: str


@pytest.fixture
def world(users: dict[str, Any], make_object: Callable[..., Any], published: Any,
          submit_tips: Callable[..., Any], authorities: Any, forward: Callable[..., Any],
          forwarding_de: Any, forwarding_fr: Any) -> World:
    draft = make_object(title="Draft carton", publish=False)
    in_review = make_object(title="Green towel", publish=False)
    catalog.object_submit(obj=in_review, user=users["investigator"])
    tips = submit_tips(published, {"text": "Sold in Kraków at a market.", "country": "PL"},
                       {"text": "Bought in Kraków, market stall.", "country": "PL"})
    case = EvidenceCase.objects.create(ref="CASE-FUZZ-1", title="Fuzz case")
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate(
        {"text": "My tip, with a mailbox."}))
    tokens = {role: api_token_create(user=user, name="fuzz")[1] for role, user in users.items()
              if role != "investigator2"}
    identified = make_object(title="Yellow mug", identified="PL")
    return World(
        path_values={
            PUBLIC_DOC: {"ref": [published.ref, identified.ref, draft.ref]},
            INTERNAL_DOC: {
                "ref": [published.ref, draft.ref, in_review.ref, forwarding_de.ref,
                        forwarding_fr.ref, case.ref],
                "tip_id": [t.pk for t in [*tips, *forwarding_de.tips.all()]],
            },
        },
        tokens=tokens, receipt=receipt)


def _api_of(path: str, document: str) -> str:
    if document == PUBLIC_DOC:
        return "public"
    return "liaison" if path.startswith(LIAISON_PREFIX) else "internal"


class BearerToken:
    """Schemathesis's auth provider for a personal API token. Given to schemathesis (not
    added to every request afterwards), so a negative case that drops or breaks the
    Authorization header is sent so, and expected to be refused."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get(self, case: Any, context: Any) -> str:
        return self.token

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _fuzz(schema: Any, *, document: str, caller: str, world: World, token: str | None = None,
          headers: dict[str, str] | None = None) -> None:
    """Every operation of `schema`, EXAMPLES cases in each mode, as `caller`."""
    auth = None
    if token is not None:
        auth = AuthStorage()
        auth.providers.append(BearerToken(token))
    for result in schema.get_all_operations():
        _fuzz_operation(result.ok(), document=document, caller=caller, world=world, auth=auth,
                        headers=headers)


def _fuzz_operation(operation: Any, *, document: str, caller: str, world: World,
                    auth: AuthStorage | None, headers: dict[str, str] | None) -> None:
    api = _api_of(operation.path, document)
    label = f"{operation.method.upper()} {operation.path}"
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, auth_storage=auth,
                                     headers=headers)
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, auth_storage=auth,
                                     headers=headers)
    if auth is not None:  # a caller with a token: invalid input, not a missing token (the
        # caller "no token" has that covered)
        schema = operation.schema
        negative = negative.filter(lambda case: not schema.is_security_param_negated(case))

    @settings(max_examples=EXAMPLES * 2, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(positive, negative), data=st.data())
    def run(case: Any, data: Any) -> None:
        for name in list(case.path_parameters or {}):
            known = world.path_values[document].get(name)
            if known and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(known))
        cache.clear()
        response = case.call()
        FIGURES.requests[(api, caller)] += 1
        FIGURES.statuses[(api, response.status_code)] += 1
        if response.status_code >= 500:
            FIGURES.server_errors += 1
        checks = list(CHECKS)
        if (case.meta is not None and case.meta.generation.mode is GenerationMode.NEGATIVE
                and response.status_code != 413):  # refused as too large: refused too
            checks.append(negative_data_rejection)
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            for failure in group.exceptions:
                if response.status_code < 500:
                    FIGURES.violations += 1
                kind = "server error" if response.status_code >= 500 else "violation"
                FIGURES.failures.setdefault((api, label, failure.title), (
                    f"{kind} as {caller}: {failure.title}\n{failure.message[:2000]}\n"
                    f"{case.as_curl_command()[:2000]}"))

    run()


@pytest.mark.parametrize("caller", ["anonymous", "with a receipt"])
def test_public_api(caller, world, wsgi_requests, no_rate_limits):
    schema = schemathesis.openapi.from_wsgi(PUBLIC_DOC, application)
    headers = {"X-Receipt": world.receipt} if caller == "with a receipt" else {}
    before = dict(FIGURES.failures)
    _fuzz(schema, document=PUBLIC_DOC, caller=caller, headers=headers or None, world=world)
    _assert_no_new_failures(before)


@pytest.mark.parametrize("caller", ["investigator", "reviewer", "liaison", "liaison_fr",
                                    "administrator", "auditor", "outsider", "no token"])
def test_internal_and_liaison_api(caller, world, wsgi_requests, no_rate_limits):
    document_token = world.tokens["investigator"]
    schema = schemathesis.openapi.from_wsgi(
        INTERNAL_DOC, application, headers={"Authorization": f"Bearer {document_token}"})
    before = dict(FIGURES.failures)
    _fuzz(schema, document=INTERNAL_DOC, caller=caller, world=world,
          token=world.tokens.get(caller))
    _assert_no_new_failures(before)


def _assert_no_new_failures(before: dict[tuple[str, str, str], str]) -> None:
    new = {key: text for key, text in FIGURES.failures.items() if key not in before}
    assert not new, "\n\n".join(f"{' '.join(key)}\n{text}" for key, text in new.items())


def figures_report() -> str:
    lines = [f"cases per operation, caller and mode: {EXAMPLES}",
             f"{'API':<10}{'caller':<18}{'requests':>9}"]
    for (api, caller), count in sorted(FIGURES.requests.items()):
        lines.append(f"{api:<10}{caller:<18}{count:>9}")
    lines.append(f"{'total':<28}{sum(FIGURES.requests.values()):>9}")
    for api in sorted({api for api, _ in FIGURES.statuses}):
        answers = ", ".join(f"{status}: {count}" for (a, status), count
                            in sorted(FIGURES.statuses.items()) if a == api)
        lines.append(f"answers ({api}): {answers}")
    lines.append(f"server errors: {FIGURES.server_errors}")
    lines.append(f"schema violations: {FIGURES.violations}")
    for (api, operation, _title), text in sorted(FIGURES.failures.items()):
        lines.append(f"  {api} {operation}: {text.splitlines()[0]}")
    return "\n".join(lines)
