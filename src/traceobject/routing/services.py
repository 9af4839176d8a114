"""Writes to the routing tables: the national authorities, forwardings of tips to them, and
the outcomes they report back (which feed the public aggregate figures)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traceobject.accounts.roles import INVESTIGATOR, LIAISON, has_role
from traceobject.audit.services import audit_record
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.reference import country_codes
from traceobject.core.text import clean_line, clean_text
from traceobject.routing import package as packages
from traceobject.routing.models import (
    TO_LIAISON,
    Authority,
    Forwarding,
    ForwardingMessage,
    ForwardingState,
    MessageKind,
    Outcome,
)
from traceobject.routing.selectors import forwarding_ref_next, outcome_totals

SUMMARY_MAX = 10_000
MESSAGE_MAX = 5_000  # a liaison officer's question, an investigator's answer
OUTCOME_TEXT_MAX = 10_000
# At most this many tips in one forwarding (a cluster is forwarded as a whole).
TIPS_MAX = 500
# Sane upper bound for the numbers one outcome reports (a typo like 10000 is refused).
OUTCOME_COUNT_MAX = 1_000
# Serialises outcome reports on PostgreSQL so the recomputed totals see every committed outcome.
_FIGURES_LOCK = 7406212
NAME_MAX = 200  # Authority.name
EMAIL_MAX = 254  # Authority.email, referral_email
URL_MAX = 200  # Authority.referral_url (URLField)
LABELS = {
    "country": gettext_lazy("Country"), "name": gettext_lazy("Name"),
    "email": gettext_lazy("E-mail address"), "referral_email": gettext_lazy("Referral e-mail"),
    "referral_url": gettext_lazy("Referral web address"), "summary": gettext_lazy("Summary"),
    "text": gettext_lazy("Text"), "question": gettext_lazy("Question"),
    "answer": gettext_lazy("Answer"),
}


def _check_email(value: Any, field: str, *, required: bool) -> str:
    value = clean_line(value, field=field, max_length=EMAIL_MAX, required=required,
                       code="invalid", label=LABELS[field])
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ServiceError("invalid", _("Not a valid e-mail address: %(value)s.")
                           % {"value": repr(value)}, fields={field: "invalid"})
    return value


# Authorities

AUTHORITY_FIELDS = ("country", "name", "email", "referral_email", "referral_url", "active")


def authority_validate(*, country: str, name: str, email: str, referral_email: str = "",
                       referral_url: str = "", authority_id: int | None = None,
                       ) -> dict[str, str]:
    """The cleaned values of an authority (new, or the one with `authority_id`); refused with
    a ServiceError when one is not valid or another authority has the country. Writes
    nothing: :func:`authority_save` checks the same before it writes."""
    code = clean_line(country, field="country", max_length=2, code="invalid",
                      label=LABELS["country"]).upper()
    if code not in country_codes():
        raise ServiceError("invalid", _("Unknown country code %(code)s.") % {"code": repr(country)},
                           fields={"country": "invalid"})
    name = clean_line(name, field="name", max_length=NAME_MAX, code="invalid",
                      label=LABELS["name"])
    email = _check_email(email, "email", required=True)
    referral_email = _check_email(referral_email, "referral_email", required=False)
    referral_url = clean_line(referral_url, field="referral_url", max_length=URL_MAX,
                              required=False, code="invalid", label=LABELS["referral_url"])
    if referral_url:
        try:
            URLValidator(schemes=["https", "http"])(referral_url)
        except ValidationError:
            raise ServiceError("invalid", _("Not a valid URL: %(value)s.")
                               % {"value": repr(referral_url)}, fields={"referral_url": "invalid"})
    others = Authority.objects.filter(country=code)
    if authority_id is not None:
        others = others.exclude(pk=authority_id)
    if others.exists():
        raise ServiceError("exists", _("There is an authority for %(country)s already.")
                           % {"country": code}, status=409, fields={"country": "taken"})
    return {"country": code, "name": name, "email": email, "referral_email": referral_email,
            "referral_url": referral_url}


def authority_save(*, user: Any, country: str, name: str, email: str,
                   referral_email: str = "", referral_url: str = "", active: bool = True,
                   authority_id: int | None = None) -> Authority:
    """Create an authority (`authority_id` None) or change the one with `authority_id`; every
    change is audited (`routing.authority_save`, with the fields that changed), and saving
    the same values again changes and records nothing. `user` is who acts (None: the
    command line or the demo). There is no delete: an authority that no longer receives
    forwardings is made inactive, its forwardings keep pointing at it."""
    values: dict[str, Any] = authority_validate(
        country=country, name=name, email=email, referral_email=referral_email,
        referral_url=referral_url, authority_id=authority_id)
    values["active"] = bool(active)
    with transaction.atomic():
        if authority_id is None:
            authority = Authority(**values)
            changed = list(AUTHORITY_FIELDS)
        else:
            found = Authority.objects.select_for_update().filter(pk=authority_id).first()
            if found is None:
                raise NotFound("not_found", _("No such authority."))
            authority = found
            changed = [f for f in AUTHORITY_FIELDS if getattr(authority, f) != values[f]]
            if not changed:
                return authority
            for field in changed:
                setattr(authority, field, values[field])
        try:
            with transaction.atomic():
                authority.save()
        except IntegrityError:  # another writer took the country meanwhile
            raise ServiceError("exists", _("There is an authority for %(country)s already.")
                               % {"country": values["country"]}, status=409,
                               fields={"country": "taken"}) from None
        audit_record(actor=user, action="routing.authority_save",
                     target=f"authority {authority.country}",
                     data={"created": authority_id is None, "fields": changed})
    return authority


def authority_upsert(*, user: Any, country: str, name: str, email: str,
                     referral_email: str = "", referral_url: str = "",
                     active: bool | None = None) -> Authority:
    """Create or update the authority of one country (one per country), through
    :func:`authority_save`; `active` None keeps an existing authority's (a new one is
    active)."""
    given = country.strip().upper() if isinstance(country, str) else ""
    current = Authority.objects.filter(country=given).first() if given else None
    if active is None:
        active = current.active if current is not None else True
    return authority_save(user=user, country=country, name=name, email=email,
                          referral_email=referral_email, referral_url=referral_url,
                          active=active, authority_id=current.pk if current else None)


def _clean_text(value: Any, *, field: str, limit: int, required: bool) -> str:
    """Text in lines through the one text cleaner: control characters are refused."""
    return clean_text(value, field=field, max_length=limit, required=required, code="invalid",
                      label=LABELS[field])


# Forwarding


def _tips_for_forwarding(tips: Iterable[Any]) -> list[Any]:
    """The tips, reloaded and locked; refused unless they are one object's open tips."""
    from traceobject.tips.models import CLOSED_STATES, Tip

    given = list(tips)
    if not given:
        raise ServiceError("no_tips", _("Select at least one tip to forward."),
                           fields={"tips": "required"})
    if len(given) > TIPS_MAX:
        raise ServiceError("too_many_tips", _("At most %(n)d tips go into one forwarding.")
                           % {"n": TIPS_MAX},
                           fields={"tips": "too many"})
    if not all(isinstance(tip, Tip) and tip.pk for tip in given):
        raise ServiceError("invalid", _("Only opened tips can be forwarded."),
                           fields={"tips": "invalid"})
    ids = {tip.pk for tip in given}
    loaded = list(Tip.objects.select_for_update().filter(pk__in=ids)
                  .order_by("received_at", "id"))
    if len(loaded) != len(ids):
        raise NotFound("not_found", _("A selected tip does not exist (any more)."))
    if len({tip.object_id for tip in loaded}) != 1:
        raise ServiceError("mixed_objects", _("All tips of a forwarding must be about the same "
                                              "object."), fields={"tips": "mixed objects"})
    closed = sorted(tip.pk for tip in loaded if tip.state in CLOSED_STATES)
    if closed:
        raise ServiceError("closed_tips", _("Closed tips cannot be forwarded (reopen them "
                                            "first): %(tips)s.") % {"tips": _tip_list(closed)},
                           fields={"tips": "closed"})
    return loaded


def _tip_list(ids: Iterable[int]) -> str:
    return ", ".join(_("tip %(id)d") % {"id": pk} for pk in ids)


def _authority_for_forwarding(authority: Any) -> Authority:
    if not isinstance(authority, Authority) or not authority.pk:
        raise ServiceError("invalid", _("Choose an authority."), fields={"authority": "required"})
    current = Authority.objects.filter(pk=authority.pk).first()
    if current is None or not current.active:
        raise ServiceError("inactive_authority",
                           _("This authority does not receive forwardings."),
                           fields={"authority": "inactive"})
    return current


def _create_with_ref(*, make: Any) -> Forwarding:
    """Allocate the next FWD-YYYY-NNNN; a writer that took the same number makes us retry."""
    year = timezone.now().year
    for _attempt in range(5):
        try:
            with transaction.atomic():
                forwarding: Forwarding = make(forwarding_ref_next(year=year))
                return forwarding
        except IntegrityError:
            continue
    raise ServiceError("conflict", _("Could not allocate a reference; try again."), status=409)


def forwarding_create(*, tips: Iterable[Any], authority: Authority, summary: str,
                      user: Any, public_base: str = "") -> Forwarding:
    """Forward tips about one object to one authority: freeze the package (public object data,
    the summary, the tips' texts, the handling marking and contact point; nothing from cases
    or evidence, no tipster contact address), mark the tips forwarded, audit. `public_base`:
    the public site's address when TRACEOBJECT_PUBLIC_BASE_URL is not set (where this process
    serves the public site itself)."""
    from traceobject.tips import services as tip_services
    from traceobject.tips.models import TipState

    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators forward tips."), status=403)
    summary = _clean_text(summary, field="summary", limit=SUMMARY_MAX, required=True)
    with transaction.atomic():
        loaded = _tips_for_forwarding(tips)
        target = _authority_for_forwarding(authority)
        already = sorted(set(Forwarding.tips.through.objects
                             .filter(forwarding__authority=target, tip__in=loaded)
                             .values_list("tip_id", flat=True)))
        if already:
            raise ServiceError(
                "already_forwarded",
                _("Already forwarded to %(authority)s: %(tips)s.")
                % {"authority": target.name, "tips": _tip_list(already)},
                status=409, fields={"tips": "already forwarded"})
        obj = loaded[0].object
        now = timezone.now()

        def make(ref: str) -> Forwarding:
            return Forwarding.objects.create(
                ref=ref, authority=target, object=obj, summary=summary, created_by=user,
                created_at=now, state=ForwardingState.SENT,
                package=packages.package_build(ref=ref, created_at=now, authority=target,
                                               obj=obj, summary=summary, tips=loaded,
                                               investigator=user, base=public_base))

        forwarding = _create_with_ref(make=make)
        forwarding.tips.set(loaded)
        to_mark = [tip for tip in loaded if tip.state != TipState.FORWARDED]
        if to_mark:
            tip_services.tips_mark_forwarded(tips=to_mark, user=user)
        audit_record(actor=user, action="routing.forward", target=f"forwarding {forwarding.ref}",
                     data={"authority": target.country, "object": obj.ref,
                           "tips": [tip.pk for tip in loaded]})
    return forwarding


def packages_export_record(*, user: Any, forwardings: Iterable[Forwarding], via: str) -> None:
    """Packages taken out of the system count as an export, one audit record (`routing.export`)
    for those taken out together: `via` is the download's format (html, pdf, json) or "api".
    The caller has checked that `user` may see them (routing.selectors)."""
    refs = [forwarding.ref for forwarding in forwardings]
    if not refs:
        return
    target = (f"forwarding {refs[0]}" if len(refs) == 1
              else f"forwardings {', '.join(refs)}")[:200]
    with transaction.atomic():
        audit_record(actor=user, action="routing.export", target=target,
                     data={"via": via, "refs": refs})


# Liaison officers: acknowledgement and outcomes


LIAISON_ONLY = {  # what _liaison_check refuses to others than liaison officers
    "acknowledge forwardings": gettext_lazy("Only liaison officers acknowledge forwardings."),
    "report outcomes": gettext_lazy("Only liaison officers report outcomes."),
}


def _no_such_forwarding() -> NotFound:
    return NotFound("not_found", _("No such forwarding."))


def _liaison_check(*, forwarding: Forwarding, user: Any, action: str) -> None:
    """Only a liaison officer of the forwarding's authority; another country's officer learns
    nothing about the forwarding's existence (not found). `action` is a key of LIAISON_ONLY."""
    if not has_role(user, LIAISON):
        raise ServiceError("forbidden", str(LIAISON_ONLY[action]), status=403)
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.authority_id != forwarding.authority_id:
        raise _no_such_forwarding()


def _locked(forwarding: Forwarding) -> Forwarding:
    if not isinstance(forwarding, Forwarding) or not forwarding.pk:
        raise _no_such_forwarding()
    current = Forwarding.objects.select_for_update().filter(pk=forwarding.pk).first()
    if current is None:
        raise _no_such_forwarding()
    return current


def forwarding_acknowledge(*, forwarding: Forwarding, user: Any) -> Forwarding:
    """The authority confirms it received the package (once)."""
    with transaction.atomic():
        current = _locked(forwarding)
        _liaison_check(forwarding=current, user=user, action="acknowledge forwardings")
        if current.state != ForwardingState.SENT:
            raise ServiceError("invalid_state", _("This forwarding was already acknowledged."),
                               status=409)
        current.state = ForwardingState.ACKNOWLEDGED
        current.acknowledged_by = user
        current.acknowledged_at = timezone.now()
        current.save(update_fields=["state", "acknowledged_by", "acknowledged_at"])
        audit_record(actor=user, action="routing.acknowledge",
                     target=f"forwarding {current.ref}",
                     data={"authority": current.authority.country})
    forwarding.refresh_from_db()
    return current


def _flag(value: Any, field: str, *, nullable: bool = False) -> bool | None:
    if value is None and nullable:
        return None
    if not isinstance(value, bool):
        raise ServiceError("invalid", _("%(field)s must be yes or no.") % {"field": field},
                           fields={field: "invalid"})
    return value


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError("invalid", _("%(field)s must be a whole number.") % {"field": field},
                           fields={field: "invalid"})
    if not 0 <= value <= OUTCOME_COUNT_MAX:
        raise ServiceError("invalid", _("%(field)s must be between 0 and %(max)d.")
                           % {"field": field, "max": OUTCOME_COUNT_MAX},
                           fields={field: f"0 to {OUTCOME_COUNT_MAX}"})
    return value


def outcome_report(*, forwarding: Forwarding, user: Any, lead_useful: bool | None,
                   location_found: bool, country_confirmed: bool, children_safeguarded: int,
                   offenders_arrested: int, text: str = "") -> Outcome:
    """The authority reports what came of a forwarding. A later report corrects an earlier one
    (only the latest outcome of a forwarding counts); the public figures are recomputed."""
    values = {
        "lead_useful": _flag(lead_useful, "lead_useful", nullable=True),
        "location_found": _flag(location_found, "location_found"),
        "country_confirmed": _flag(country_confirmed, "country_confirmed"),
        "children_safeguarded": _count(children_safeguarded, "children_safeguarded"),
        "offenders_arrested": _count(offenders_arrested, "offenders_arrested"),
        "text": _clean_text(text, field="text", limit=OUTCOME_TEXT_MAX, required=False),
    }
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FIGURES_LOCK])
        current = _locked(forwarding)
        _liaison_check(forwarding=current, user=user, action="report outcomes")
        now = timezone.now()
        outcome = Outcome.objects.create(forwarding=current, reported_by=user, reported_at=now,
                                         **values)
        fields = ["state"]
        if current.acknowledged_at is None:  # an outcome implies the package arrived
            current.acknowledged_by, current.acknowledged_at = user, now
            fields += ["acknowledged_by", "acknowledged_at"]
        current.state = ForwardingState.OUTCOME_REPORTED
        current.save(update_fields=fields)
        audit_record(actor=user, action="routing.outcome", target=f"forwarding {current.ref}",
                     data={"outcome": outcome.pk, **values})
        public_figures_refresh()
    forwarding.refresh_from_db()
    return outcome


def public_figures_refresh() -> dict[str, int]:
    """Recompute the public aggregate figures from the latest outcome of every forwarding and
    hand them to the catalogue (the public side sees only these totals)."""
    from traceobject.catalog.services import public_figures_set

    totals = outcome_totals()
    public_figures_set(**totals)
    return totals


# After sending: the tipster's later answers, the liaison officer's questions


def forwarding_tipster_answer_add(*, message: Any) -> list[ForwardingMessage]:
    """A tipster's answer opened after its tip was forwarded: appended to each package the tip
    is in (its "updates"; what was sent stays as it was) and kept as a new message for the
    authority's liaison officers. Called when the answer is opened (tips.signals); an answer
    already added is not added twice. Returns what was added."""
    from traceobject.tips.models import Direction

    if getattr(message, "direction", None) != Direction.FROM_TIPSTER or not message.pk:
        return []
    added = []
    with transaction.atomic():
        forwardings = list(Forwarding.objects.select_for_update()
                           .filter(tips=message.tip_id).order_by("id"))
        for forwarding in forwardings:
            if forwarding.messages.filter(tip_message_id=message.pk).exists():
                continue
            # The answer's own time: to the hour, as a tipster's every time is (not when it
            # was opened, which follows its arrival by seconds).
            stamp = message.created_at
            added.append(ForwardingMessage.objects.create(
                forwarding=forwarding, kind=MessageKind.TIPSTER_ANSWER, text=message.text,
                tip_id=message.tip_id, tip_message_id=message.pk, created_at=stamp))
            forwarding.package = packages.package_update(
                forwarding.package, kind=MessageKind.TIPSTER_ANSWER, text=message.text,
                added_at=stamp, tip=message.tip_id)
            forwarding.save(update_fields=["package"])
            audit_record(actor=None, action="routing.package_update",
                         target=f"forwarding {forwarding.ref}",
                         data={"kind": MessageKind.TIPSTER_ANSWER.value, "tip": message.tip_id,
                               "authority": forwarding.authority.country})
    return added


def forwarding_tipster_answers_purge(*, tip_ids: list[int]) -> int:
    """Empty the copies of these tips' tipster answers (messages and package updates), as the
    retention purge empties the answers themselves; return how many were emptied. What was
    sent when forwarding stays as it was."""
    if not tip_ids:
        return 0
    emptied = 0
    with transaction.atomic():
        copies = ForwardingMessage.objects.filter(
            kind=MessageKind.TIPSTER_ANSWER, tip_id__in=tip_ids).exclude(text="")
        forwarding_ids = set(copies.values_list("forwarding_id", flat=True))
        emptied = copies.update(text="")
        wanted = set(tip_ids)
        for forwarding in Forwarding.objects.select_for_update().filter(pk__in=forwarding_ids):
            forwarding.package = packages.package_updates_emptied(
                forwarding.package, kind=MessageKind.TIPSTER_ANSWER, tips=wanted)
            forwarding.save(update_fields=["package"])
    return emptied


def liaison_question_ask(*, forwarding: Forwarding, user: Any, text: str) -> ForwardingMessage:
    """A liaison officer asks the investigators about a package of their own authority."""
    if not has_role(user, LIAISON):
        raise ServiceError("forbidden", _("Only liaison officers ask about a package."),
                           status=403)
    text = _clean_text(text, field="question", limit=MESSAGE_MAX, required=True)
    with transaction.atomic():
        current = _locked(forwarding)
        profile = getattr(user, "staff_profile", None)
        if profile is None or profile.authority_id != current.authority_id:
            raise _no_such_forwarding()
        question = ForwardingMessage.objects.create(
            forwarding=current, kind=MessageKind.LIAISON_QUESTION, text=text, author=user,
            created_at=timezone.now())
        audit_record(actor=user, action="routing.liaison_question",
                     target=f"forwarding {current.ref}",
                     data={"message": question.pk, "authority": current.authority.country})
    return question


def investigator_answer(*, forwarding: Forwarding, user: Any, text: str) -> ForwardingMessage:
    """The investigators answer the liaison officers' open questions on a forwarding (the
    answer closes every question asked before it)."""
    if not has_role(user, INVESTIGATOR):
        raise ServiceError("forbidden", _("Only investigators answer liaison officers."),
                           status=403)
    text = _clean_text(text, field="answer", limit=MESSAGE_MAX, required=True)
    with transaction.atomic():
        current = _locked(forwarding)
        open_questions = current.messages.filter(kind=MessageKind.LIAISON_QUESTION,
                                                 seen_at__isnull=True)
        if not open_questions.exists():
            raise ServiceError("no_question", _("There is no open question to answer on "
                                                "this forwarding."), status=409)
        now = timezone.now()
        answered = list(open_questions.values_list("id", flat=True))
        open_questions.update(seen_at=now)
        answer = ForwardingMessage.objects.create(
            forwarding=current, kind=MessageKind.INVESTIGATOR_ANSWER, text=text, author=user,
            created_at=now)
        audit_record(actor=user, action="routing.investigator_answer",
                     target=f"forwarding {current.ref}",
                     data={"message": answer.pk, "answers": answered,
                           "authority": current.authority.country})
    return answer


def liaison_messages_seen(*, forwarding: Forwarding, user: Any) -> int:
    """A liaison officer of the authority viewed the package: what was new for them (later
    answers of the tipster, the investigators' answers) is no longer marked new. Returns how
    many were marked (0: nothing new, nothing recorded)."""
    profile = getattr(user, "staff_profile", None)
    if (not has_role(user, LIAISON) or profile is None
            or profile.authority_id != forwarding.authority_id):
        return 0
    with transaction.atomic():
        fresh = ForwardingMessage.objects.filter(forwarding=forwarding, kind__in=TO_LIAISON,
                                                 seen_at__isnull=True)
        ids = list(fresh.values_list("id", flat=True))
        if not ids:
            return 0
        ForwardingMessage.objects.filter(id__in=ids).update(seen_at=timezone.now())
        audit_record(actor=user, action="routing.messages_seen",
                     target=f"forwarding {forwarding.ref}", data={"messages": ids})
    return len(ids)
