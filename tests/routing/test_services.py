"""routing.services: forwarding, acknowledgement, outcomes, public figures; refusals change
nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from traceobject.audit.models import AuditEvent
from traceobject.audit.services import audit_verify
from traceobject.catalog.models import PublicFigure
from traceobject.catalog.selectors import statistics
from traceobject.core.errors import ServiceError
from traceobject.routing import selectors
from traceobject.routing import services as routing
from traceobject.routing.models import Authority, Forwarding, ForwardingState, Outcome
from traceobject.tips.models import PublicStatus, SealedTip, Tip

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """Everything a refused call must leave as it was."""
    return {
        "forwardings": sorted(Forwarding.objects.values_list(
            "ref", "state", "acknowledged_by", "acknowledged_at")),
        "links": sorted(Forwarding.tips.through.objects.values_list("forwarding_id", "tip_id")),
        "outcomes": Outcome.objects.count(),
        "audit": AuditEvent.objects.count(),
        "tips": sorted(Tip.objects.values_list("id", "state", "state_changed_at")),
        "sealed": sorted(SealedTip.objects.values_list("id", "public_status")),
        "figures": sorted(PublicFigure.objects.values_list("name", "value")),
    }


def refused(call: Any, code: str | None = None, status: int | None = None) -> ServiceError:
    before = snapshot()
    with pytest.raises(ServiceError) as info:
        call()
    assert snapshot() == before
    if code:
        assert info.value.code == code, info.value.message
    if status:
        assert info.value.status == status
    return info.value


# Forwarding


def test_forwarding_freezes_the_package_marks_tips_and_audits(published, submit_tips,
                                                             authorities, users) -> None:
    tips = submit_tips(published, {"text": "Biedronka, Kraków.", "country": "PL",
                                   "place": "Kraków", "seen_when": "2023", "language": "pl"},
                       {"text": "Lidl in Gdańsk.", "country": "PL"})
    forwarding = routing.forwarding_create(tips=tips, authority=authorities["PL"],
                                           summary="  Two tips name Polish shops.\r\n ",
                                           user=users["investigator"])
    year = timezone.now().year
    assert re.fullmatch(rf"FWD-{year}-\d{{4}}", forwarding.ref)
    assert forwarding.state == ForwardingState.SENT
    assert forwarding.object == published and forwarding.authority == authorities["PL"]
    assert forwarding.summary == "Two tips name Polish shops."
    assert set(forwarding.tips.all()) == set(tips)
    assert {tip.state for tip in Tip.objects.filter(pk__in=[t.pk for t in tips])} == {"forwarded"}
    assert set(SealedTip.objects.filter(pk__in=[t.intake_id for t in tips])
               .values_list("public_status", flat=True)) == {PublicStatus.PASSED_ON}
    package = forwarding.package
    assert package["ref"] == forwarding.ref
    assert package["object"]["ref"] == published.ref
    assert package["object"]["title"] == "Blue shop bag"
    assert package["object"]["category"] == "packaging"
    assert package["object"]["images"] and package["object"]["images"][0]["url"].endswith(".jpg")
    assert package["summary"] == "Two tips name Polish shops."
    first = next(t for t in package["tips"] if t["id"] == tips[0].pk)
    assert first == {"id": tips[0].pk, "text": "Biedronka, Kraków.", "country": "PL",
                     "place": "Kraków", "seen_when": "2023", "language": "pl",
                     "received_at": first["received_at"]}
    assert first["received_at"].endswith(":00:00Z")  # to the hour
    event = AuditEvent.objects.get(action="routing.forward")
    assert event.actor == users["investigator"].username
    assert event.target == f"forwarding {forwarding.ref}"
    assert sorted(event.data["tips"]) == sorted(t.pk for t in tips)
    assert audit_verify().ok


def test_references_count_up_per_year_past_9999(published, submit_tips, authorities,
                                               forward, users) -> None:
    a, b, c = submit_tips(published, {"text": "one"}, {"text": "two"}, {"text": "three"})
    first = forward([a], authorities["PL"])
    second = forward([b], authorities["PL"])
    number = int(first.ref.rsplit("-", 1)[1])
    assert int(second.ref.rsplit("-", 1)[1]) == number + 1
    year = timezone.now().year
    Forwarding.objects.filter(pk=second.pk).update(ref=f"FWD-{year}-9999")
    assert forward([c], authorities["PL"]).ref == f"FWD-{year}-10000"


def test_a_reference_taken_meanwhile_is_retried(published, submit_tips, authorities, forward,
                                               monkeypatch) -> None:
    a, b = submit_tips(published, {"text": "one"}, {"text": "two"})
    taken = forward([a], authorities["PL"]).ref
    year = timezone.now().year
    answers = iter([taken, f"FWD-{year}-0777"])
    monkeypatch.setattr(routing, "forwarding_ref_next", lambda *, year: next(answers))
    assert forward([b], authorities["PL"]).ref == f"FWD-{year}-0777"


def test_the_same_tips_may_go_to_another_authority(published, submit_tips, authorities,
                                                  forward) -> None:
    tips = submit_tips(published, {"text": "Near a border.", "country": "AT"})
    forward(tips, authorities["AT"])
    again = forward(tips, authorities["DE"])
    assert again.state == ForwardingState.SENT
    assert Tip.objects.get(pk=tips[0].pk).forwardings.count() == 2


def test_refusals_change_nothing(published, make_object, submit_tips, authorities, forward,
                                 users) -> None:
    tips = submit_tips(published, {"text": "Tip A here"}, {"text": "Tip B here"},
                       {"text": "Tip C here"})
    other = submit_tips(make_object(title="Other"), {"text": "Elsewhere"})
    forward([tips[2]], authorities["PL"])
    inv = users["investigator"]

    def create(**kwargs: Any) -> Any:
        arguments = {"tips": tips[:2], "authority": authorities["PL"],
                     "summary": "A summary.", "user": inv, **kwargs}
        return lambda: routing.forwarding_create(**arguments)

    refused(create(tips=[]), "no_tips")
    refused(create(tips=Tip.objects.none()), "no_tips")
    refused(create(tips=[tips[0], other[0]]), "mixed_objects")
    refused(create(authority=authorities["IT"]), "inactive_authority")
    refused(create(tips=[tips[0], tips[2]]), "already_forwarded", 409)
    refused(create(summary=""), "invalid")
    refused(create(summary=" \n\t "), "invalid")
    refused(create(summary="x" * (routing.SUMMARY_MAX + 1)), "invalid")
    refused(create(summary=None), "invalid")
    refused(create(summary=["not", "text"]), "invalid")
    refused(create(tips=[Tip(text="unsaved")]), "invalid")
    refused(create(tips=["1", "2"]), "invalid")
    refused(create(tips=tips[:1] * (routing.TIPS_MAX + 1)), "too_many_tips")
    refused(create(authority=None), "invalid")
    for role in ("reviewer", "liaison", "auditor", "administrator", "outsider"):
        refused(create(user=users[role]), "forbidden", 403)
    # a tip removed meanwhile
    ghost = Tip.objects.get(pk=tips[1].pk)
    ghost.pk = 10**12
    refused(create(tips=[tips[0], ghost]), "not_found", 404)
    # a closed tip must be reopened first
    Tip.objects.filter(pk=tips[0].pk).update(state="spam")
    refused(create(tips=[Tip.objects.get(pk=tips[0].pk)]), "closed_tips")


def test_summary_at_the_limit_is_accepted_and_control_characters_refused(
        published, submit_tips, authorities, forward) -> None:
    """Control characters are refused (they used to be dropped silently): nothing changes."""
    tips = submit_tips(published, {"text": "Tip A here"})
    for summary in ("a\x00b", "bell\x07", "\u202eevil", "a\ud800"):
        refused(lambda summary=summary: forward(tips, authorities["PL"], summary=summary),
                "invalid")
    assert not Forwarding.objects.exists()
    assert Tip.objects.get(pk=tips[0].pk).state == "new"
    forwarding = forward(tips, authorities["PL"], summary="abc\r\n" + "x" * (
        routing.SUMMARY_MAX - 4))
    assert forwarding.summary.startswith("abc\nx")
    assert len(forwarding.summary) == routing.SUMMARY_MAX
    assert forwarding.package["summary"] == forwarding.summary


def test_package_holds_no_case_or_tipster_data(published, submit_tips, authorities, users,
                                               evidence_store, settings) -> None:
    """Case, evidence, crop, file names, contact address and receipt are never in it (the
    agency's own contact point is, on another domain than the tipster's address)."""
    settings.FORWARDING_CONTACT = "Unit 7, unit7@agency.test"
    from traceobject.evidence.models import Case, Crop, EvidenceFile, EvidenceImage
    from traceobject.routing import package as packages
    from traceobject.tips import intake

    case = Case.objects.create(ref="CASE-SECRET-4711", title="Operation Nightjar")
    image = EvidenceImage.objects.create(
        sha256="ab" * 32, md5="cd" * 16, pdq="ef" * 32, width=900, height=600, format="JPEG",
        file_size=12345, camera_model="SecretCam X100", software="StegoSuite",
        storage_key="aa/bb/secret-storage-key", thumb_key="aa/bb/secret-thumb-key",
        gps_lat=52.123456, gps_lon=13.654321)
    EvidenceFile.objects.create(image=image, case=case, path="/seized/disk2/IMG_SECRET_0001.JPG",
                                size=12345, mtime_ns=1)
    Crop.objects.create(image=image, x=11, y=22, w=333, h=444, storage_key="crops/secret-crop",
                        width=333, height=444, created_by=users["investigator"],
                        gate_verdict="pass", traced_object=published)
    receipt = intake.tip_submit(ref=published.ref, tip=intake.tip_validate({
        "text": "Bought in Wrocław.", "country": "PL", "contact_email": "anna.secret@example.org"}))
    from traceobject.tips import services as tip_services

    tip_services.sealed_tips_open()
    tip = Tip.objects.get(object=published)
    forwarding = routing.forwarding_create(tips=[tip], authority=authorities["PL"],
                                           summary="One tip from Wrocław.",
                                           user=users["investigator"])
    renderings = {
        "json": packages.package_json(forwarding.package).decode(),
        "html": packages.package_html(forwarding.package),
        "stored": str(forwarding.package),
    }
    secrets = [case.ref, case.title, image.sha256, image.md5, image.pdq, "SecretCam",
               "StegoSuite", "secret-storage-key", "secret-thumb-key", "IMG_SECRET_0001",
               "/seized/", "secret-crop", "52.123456", "13.654321", "anna.secret",
               "example.org", receipt, receipt.replace("-", ""), bytes(tip.contact_sealed).hex()]
    for name, text in renderings.items():
        for secret in secrets:
            assert secret.lower() not in text.lower(), (name, secret)

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    forbidden = {"case", "evidence", "evidence_id", "image_id", "crop", "file", "path",
                 "contact", "contact_email", "email", "receipt", "intake_id", "sha256", "pdq"}
    assert not keys(forwarding.package) & forbidden
    assert forwarding.package["tips"][0]["id"] == tip.pk
    assert forwarding.package["tips"][0]["text"] == "Bought in Wrocław."


# Acknowledgement


def test_acknowledge_by_the_authoritys_liaison_only(forwarding_de, users) -> None:
    refused(lambda: routing.forwarding_acknowledge(forwarding=forwarding_de,
                                                   user=users["liaison_fr"]), "not_found", 404)
    for role in ("investigator", "administrator", "auditor", "reviewer", "outsider"):
        refused(lambda role=role: routing.forwarding_acknowledge(
            forwarding=forwarding_de, user=users[role]), "forbidden", 403)
    routing.forwarding_acknowledge(forwarding=forwarding_de, user=users["liaison"])
    forwarding_de.refresh_from_db()
    assert forwarding_de.state == ForwardingState.ACKNOWLEDGED
    assert forwarding_de.acknowledged_by == users["liaison"]
    assert forwarding_de.acknowledged_at is not None
    assert AuditEvent.objects.filter(action="routing.acknowledge",
                                     target=f"forwarding {forwarding_de.ref}").count() == 1
    refused(lambda: routing.forwarding_acknowledge(forwarding=forwarding_de,
                                                   user=users["liaison"]), "invalid_state", 409)


def test_a_liaison_without_authority_sees_and_does_nothing(forwarding_de, users) -> None:
    from tests.conftest import make_staff

    unbound = make_staff("ulf", "liaison")
    assert not selectors.forwardings_visible_to(unbound).exists()
    refused(lambda: routing.forwarding_acknowledge(forwarding=forwarding_de, user=unbound),
            "not_found")


# Outcomes


def report(forwarding: Forwarding, user: Any, **overrides: Any) -> Outcome:
    values: dict[str, Any] = {"lead_useful": True, "location_found": True,
                              "country_confirmed": True, "children_safeguarded": 2,
                              "offenders_arrested": 1, "text": "Shop found; two children safe."}
    values.update(overrides)
    return routing.outcome_report(forwarding=forwarding, user=user, **values)


@pytest.mark.parametrize("field, value", [
    ("children_safeguarded", -1), ("children_safeguarded", routing.OUTCOME_COUNT_MAX + 1),
    ("children_safeguarded", 2.0), ("children_safeguarded", "2"), ("children_safeguarded", True),
    ("children_safeguarded", None), ("offenders_arrested", -5), ("offenders_arrested", 10**9),
    ("lead_useful", "yes"), ("lead_useful", 1), ("location_found", None),
    ("country_confirmed", "true"), ("text", "x" * (routing.OUTCOME_TEXT_MAX + 1)),
    ("text", 42),
])
def test_outcome_refuses_bad_values(forwarding_de, users, field, value) -> None:
    error = refused(lambda: report(forwarding_de, users["liaison"], **{field: value}), "invalid")
    assert field in error.fields


def test_outcome_only_by_the_authoritys_liaison(forwarding_de, users) -> None:
    refused(lambda: report(forwarding_de, users["liaison_fr"]), "not_found", 404)
    for role in ("investigator", "administrator", "auditor", "reviewer", "outsider"):
        refused(lambda role=role: report(forwarding_de, users[role]), "forbidden", 403)


def test_outcome_records_acknowledges_audits_and_updates_the_figures(forwarding_de,
                                                                     users) -> None:
    refused(lambda: report(forwarding_de, users["liaison"], text="Found.\x00"), "invalid")
    assert not Outcome.objects.exists()  # refused: nothing stored, no figures
    outcome = report(forwarding_de, users["liaison"], text="  Found. ")
    forwarding_de.refresh_from_db()
    assert forwarding_de.state == ForwardingState.OUTCOME_REPORTED
    assert forwarding_de.acknowledged_by == users["liaison"]  # an outcome implies receipt
    assert outcome.text == "Found." and outcome.reported_by == users["liaison"]
    assert AuditEvent.objects.filter(action="routing.outcome").count() == 1
    assert dict(PublicFigure.objects.values_list("name", "value")) == {
        "leads_confirmed": 1, "children_safeguarded": 2, "offenders_arrested": 1}
    assert audit_verify().ok


def test_totals_count_the_latest_outcome_of_each_forwarding(forwarding_de, forwarding_fr,
                                                            users) -> None:
    report(forwarding_de, users["liaison"], children_safeguarded=2, offenders_arrested=1)
    report(forwarding_fr, users["liaison_fr"], children_safeguarded=3, offenders_arrested=0)
    assert selectors.outcome_totals() == {"leads_confirmed": 2, "children_safeguarded": 5,
                                          "offenders_arrested": 1}
    # DE corrects its report: it replaces the earlier one, it does not add to it
    report(forwarding_de, users["liaison"], lead_useful=False, children_safeguarded=1,
           offenders_arrested=4)
    expected = {"leads_confirmed": 1, "children_safeguarded": 4, "offenders_arrested": 4}
    assert selectors.outcome_totals() == expected
    assert dict(PublicFigure.objects.values_list("name", "value")) == expected
    stats = statistics()
    assert (stats.leads_confirmed, stats.children_safeguarded, stats.offenders_arrested) == (
        1, 4, 4)
    assert forwarding_de.outcomes.count() == 2  # the history is kept
    latest = selectors.outcome_latest(forwarding=forwarding_de)
    assert latest is not None and latest.offenders_arrested == 4
    # "not known yet" does not count as a confirmed lead
    report(forwarding_fr, users["liaison_fr"], lead_useful=None, children_safeguarded=0)
    assert selectors.outcome_totals()["leads_confirmed"] == 0


def test_reports_with_the_same_time_are_ordered_by_id(forwarding_de, users) -> None:
    first = report(forwarding_de, users["liaison"], children_safeguarded=7)
    second = report(forwarding_de, users["liaison"], children_safeguarded=1)
    Outcome.objects.filter(pk__in=[first.pk, second.pk]).update(reported_at=first.reported_at)
    assert selectors.outcome_totals()["children_safeguarded"] == 1


# Authorities


def _authorities() -> list[tuple[Any, ...]]:
    return sorted(Authority.objects.values_list(
        "pk", "country", "name", "email", "referral_email", "referral_url", "active"))


def test_authority_save_creates_changes_and_audits(users) -> None:
    admin = users["administrator"]
    made = routing.authority_save(user=admin, country=" be ", name=" Police fédérale ",
                                  email="tips@police.example")
    assert (made.country, made.name, made.active) == ("BE", "Police fédérale", True)
    event = AuditEvent.objects.get(action="routing.authority_save")
    assert (event.actor, event.target) == (admin.username, "authority BE")
    assert event.data == {"created": True, "fields": list(routing.AUTHORITY_FIELDS)}

    changed = routing.authority_save(user=admin, authority_id=made.pk, country="BE",
                                     name="Police fédérale", email="tips@police.example",
                                     referral_url="https://referral.example/be/", active=False)
    assert changed.pk == made.pk and not changed.active
    latest = AuditEvent.objects.filter(action="routing.authority_save").order_by("-seq")[0]
    assert latest.data == {"created": False, "fields": ["referral_url", "active"]}
    # the same values again: nothing changes, nothing is recorded
    before = AuditEvent.objects.count()
    routing.authority_save(user=admin, authority_id=made.pk, country="BE",
                           name="Police fédérale", email="tips@police.example",
                           referral_url="https://referral.example/be/", active=False)
    assert AuditEvent.objects.count() == before
    assert audit_verify().ok


@pytest.mark.parametrize("values, code, field", [
    ({"country": "XX"}, "invalid", "country"),
    ({"country": "DE"}, "exists", "country"),  # another authority's country
    ({"name": " "}, "invalid", "name"),
    ({"name": "n" * 201}, "invalid", "name"),
    ({"email": "not-an-address"}, "invalid", "email"),
    ({"email": "a" * 250 + "@x.example"}, "invalid", "email"),
    ({"referral_email": "nope"}, "invalid", "referral_email"),
    ({"referral_url": "ftp://x.example/"}, "invalid", "referral_url"),
    ({"referral_url": "https://x.example/" + "p" * 200}, "invalid", "referral_url"),
])
def test_authority_save_refuses_bad_values_and_changes_nothing(authorities, values, code,
                                                               field) -> None:
    pl = authorities["PL"]
    given = {"country": "PL", "name": "Policja", "email": "contact@pl.example", **values}
    before = (_authorities(), AuditEvent.objects.count())
    for authority_id in (pl.pk, None):  # a change of PL, and a new authority
        if authority_id is None and given["country"] == "PL":
            given["country"] = "SE"
        with pytest.raises(ServiceError) as info:
            routing.authority_save(user=None, authority_id=authority_id, **given)
        assert (info.value.code, list(info.value.fields)) == (code, [field])
        assert (_authorities(), AuditEvent.objects.count()) == before


def test_authority_save_of_a_missing_authority_is_not_found(users) -> None:
    with pytest.raises(ServiceError) as info:
        routing.authority_save(user=users["administrator"], authority_id=10**9, country="BE",
                               name="Police", email="tips@police.example")
    assert info.value.status == 404 and not Authority.objects.filter(country="BE").exists()
