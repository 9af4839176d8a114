"""Internal side of tips: opening sealed tips into the triage store, triage, follow-up."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.exceptions import CryptoError

from traceobject.catalog.models import TracedObject
from traceobject.core import crypto
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.keys import intake_private_key, intake_public_key
from traceobject.core.text import clean_text
from traceobject.tips import analysis, clustering
from traceobject.tips.models import (
    CLOSED_STATES,
    Direction,
    MailboxMessage,
    NoteKind,
    PublicStatus,
    SealedTip,
    Tip,
    TipMessage,
    TipNote,
    TipReadMark,
    TipState,
    TipTranslation,
)
from traceobject.tips.signals import tip_answer_opened, tips_changed

logger = logging.getLogger(__name__)


def _payload_tip(payload: Any) -> tuple[dict[str, str], str]:
    """The fields of a sealed tip's payload, and the contact address."""
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        raise ValueError("not a tip payload")
    fields = {
        "text": payload["text"],
        "country": str(payload.get("country", ""))[:2],
        "place": str(payload.get("place", ""))[:200],
        "seen_when": str(payload.get("seen_when", ""))[:100],
        "language": str(payload.get("language", ""))[:8],
    }
    return fields, str(payload.get("contact_email") or "")


def _open_one(sealed_id: int, private_key: Any) -> bool:
    """Open one sealed tip; True if it was opened here.

    The tip is read and analysed (entities, score, language: slow the first time in a
    process) before the transaction; the transaction claims it with a conditional UPDATE,
    stores it, puts it in a cluster and drops the ciphertext.
    """
    row = (SealedTip.objects.filter(id=sealed_id, opened_at__isnull=True)
           .values_list("sealed", "object_id", "received_at").first())
    if row is None:
        return False
    sealed, object_id, received_at = row
    fields, email = _payload_tip(json.loads(crypto.unseal(private_key, bytes(sealed))))
    found = analysis.analyse(analysis.TipText(
        text=fields["text"], country=fields["country"], place=fields["place"],
        seen_when=fields["seen_when"]), language_hint=fields["language"])
    contact = crypto.seal(intake_public_key(), email.encode()) if email else None
    with transaction.atomic():
        now = timezone.now()
        claimed = SealedTip.objects.filter(id=sealed_id, opened_at__isnull=True).update(
            opened_at=now)
        if not claimed:
            return False
        tip = Tip.objects.create(
            intake_id=sealed_id, object_id=object_id, **fields, contact_sealed=contact,
            received_at=received_at, opened_at=now,
            entities=[entity.as_dict() for entity in found.entities],
            fingerprint=found.fingerprint, score=found.score,
            detected_language=found.language,
        )
        clustering.tip_cluster_assign(tip=tip)
        SealedTip.objects.filter(id=sealed_id).update(sealed=b"")
        _estimate_later({object_id})
    return True


def _estimate_later(object_ids: Iterable[int]) -> None:
    """The objects' country estimates take tips into account: say that their tips changed
    (the clues app recomputes them after commit, once per object and window)."""
    tips_changed.send(sender=Tip, object_ids=set(object_ids))


def sealed_tips_open(*, batch: int = 500, max_batches: int = 1000) -> int:
    """Open every waiting sealed tip into the triage store; return how many were opened.

    Each sealed tip is claimed with a conditional UPDATE, so several workers can run at once
    and a tip is opened exactly once; the ciphertext is then dropped from the public table.
    A tip that cannot be opened is marked (open_error) and skipped, never retried in a loop.
    On opening a tip gets its entities, triage score, detected language and cluster.
    """
    private_key = intake_private_key()
    opened = 0
    for _batch in range(max_batches):
        ids = list(
            SealedTip.objects.filter(opened_at__isnull=True, open_error="").order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        for sealed_id in ids:
            try:
                was_opened = _open_one(sealed_id, private_key)
                opened += was_opened
            except (CryptoError, ValueError, KeyError, TypeError, IntegrityError) as error:
                SealedTip.objects.filter(id=sealed_id).update(
                    open_error=f"{type(error).__name__}"[:200])
                logger.error("sealed tip %s could not be opened: %s", sealed_id,
                             type(error).__name__)
            else:
                if was_opened:
                    _translate_opened(sealed_id)
    return opened


# Machine translation (a local model: TRACEOBJECT_TRANSLATION_MODEL)


def translation_model() -> Any:
    """The configured translator (traceobject.core.translation.Translator), None when no
    model is configured; ServiceError (503) when the configured one cannot be used."""
    from django.conf import settings

    from traceobject.core import translation

    path = getattr(settings, "TRANSLATION_MODEL", "")
    if not path:
        return None
    try:
        return translation.load(path)
    except translation.TranslationModelError as error:
        raise ServiceError("translation_model", _("The translation model cannot be used: "
                                                  "%(why)s") % {"why": error}, status=503)


def tip_translate(*, tip: Tip, user: Any = None) -> TipTranslation:
    """The machine translation of `tip` into the model's language, made once with the local
    model and kept (the stored one is returned after that). Refused with a reason when no
    model is configured, the model cannot be used, the tip's language is unknown or already
    the model's, or no model takes it. Asked for by a person (`user`), it is audited."""
    from traceobject.core import translation

    existing = TipTranslation.objects.filter(tip=tip).first()
    if existing is not None:
        return existing
    translator = translation_model()
    if translator is None:
        raise ServiceError("no_translation_model",
                           _("No translation model is configured."), status=409)
    source = tip.detected_language or tip.language
    if not source:
        raise ServiceError("unknown_language", _("The tip's language is not known."))
    if source.split("-")[0] == translator.target:
        raise ServiceError("same_language", _("The tip is already in the model's language."))
    if translator.package_for(source) is None:
        raise ServiceError("no_model_for_language", _("The translation model does not "
                                                      "translate this language."))
    try:
        text, name = translator.translate(tip.text, source)
    except translation.TranslationModelError as error:
        raise ServiceError("translation_model", _("The translation model cannot be used: "
                                                  "%(why)s") % {"why": error}, status=503)
    try:
        with transaction.atomic():
            row = TipTranslation.objects.create(
                tip=tip, text=text, source_language=source, target_language=translator.target,
                model_name=name, created_at=timezone.now())
    except IntegrityError:  # made at the same moment by another worker or page
        return TipTranslation.objects.get(tip=tip)
    if user is not None:
        _audit(actor=user, action="tip.translate", target=f"tip {tip.pk}",
               data={"model": name, "from": source, "to": translator.target})
    return row


def _translate_opened(sealed_id: int) -> None:
    """After opening: translate the tip when a model is configured and takes its language.
    A failure is logged and leaves the tip untranslated (it can be asked for again)."""
    from django.conf import settings

    if not getattr(settings, "TRANSLATION_MODEL", ""):
        return
    tip = Tip.objects.filter(intake_id=sealed_id).first()
    if tip is None:
        return
    try:
        tip_translate(tip=tip)
    except ServiceError as error:
        if error.code in ("translation_model",):
            logger.error("tip %s was not translated: %s", tip.pk, error.message)
        else:
            logger.info("tip %s was not translated: %s", tip.pk, error.code)


def _reply_open(message_id: int, private_key: Any) -> bool:
    """Open one tipster's answer into the conversation of its tip; True if opened here."""
    row = (MailboxMessage.objects.filter(id=message_id, opened_at__isnull=True)
           .values_list("sealed", "sealed_tip_id", "created_at").first())
    if row is None:
        return False
    sealed, sealed_tip_id, created_at = row
    tip_id = (Tip.objects.filter(intake_id=sealed_tip_id).values_list("id", flat=True).first()
              if sealed_tip_id is not None else None)
    if tip_id is None and sealed_tip_id is not None and SealedTip.objects.filter(
            id=sealed_tip_id, opened_at__isnull=True, open_error="").exists():
        return False  # its tip is still waiting to be opened: next time
    text = crypto.unseal(private_key, bytes(sealed)).decode()
    with transaction.atomic():
        claimed = MailboxMessage.objects.filter(id=message_id, opened_at__isnull=True).update(
            opened_at=timezone.now())
        if not claimed:
            return False
        if tip_id is None:
            logger.warning("answer %s has no tip to go with", message_id)
            return False
        message = TipMessage.objects.create(
            tip_id=tip_id, direction=Direction.FROM_TIPSTER, text=text, created_at=created_at,
            mailbox_message_id=message_id)
        try:
            with transaction.atomic():  # what listens fails alone (its own savepoint)
                tip_answer_opened.send(sender=TipMessage, message=message)
        except Exception:  # noqa: BLE001  (the answer is opened whatever a listener does)
            logger.exception("answer %s was opened; adding it to its forwardings failed",
                             message_id)
    return True


def mailbox_replies_open(*, batch: int = 500) -> int:
    """Open the tipsters' answers into the triage store (TipMessage); return how many.

    Claimed like sealed tips; an answer whose tip is not opened yet waits for the next run,
    one that cannot be opened is marked opened (and logged) so it cannot block the queue.
    """
    private_key = intake_private_key()
    opened = 0
    last = 0
    while True:
        ids = list(MailboxMessage.objects.filter(
            direction=Direction.FROM_TIPSTER, opened_at__isnull=True, id__gt=last)
            .order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            break
        last = ids[-1]
        for message_id in ids:
            try:
                opened += _reply_open(message_id, private_key)
            except (CryptoError, ValueError, UnicodeDecodeError) as error:
                MailboxMessage.objects.filter(id=message_id).update(opened_at=timezone.now())
                logger.error("answer %s could not be opened: %s", message_id,
                             type(error).__name__)
    return opened


def tip_contact_reveal(*, tip: Tip, user: Any) -> str:
    """The tipster's contact address; every reveal is written to the audit log."""
    from traceobject.audit.services import audit_record

    if not tip.contact_sealed:
        return ""
    address = crypto.unseal(intake_private_key(), bytes(tip.contact_sealed)).decode()
    audit_record(actor=user, action="tip.contact_reveal", target=f"tip {tip.pk}")
    return address


def mailbox_reply_read(*, message: MailboxMessage) -> str:
    """A tipster's answer, readable only with the intake private key."""
    return crypto.unseal(intake_private_key(), bytes(message.sealed)).decode()


# Triage


def _audit(**kwargs: Any) -> None:
    from traceobject.audit.services import audit_record

    audit_record(**kwargs)


def _tips_target(ids: list[int]) -> str:
    return f"tip {ids[0]}" if len(ids) == 1 else f"tips ({len(ids)})"


def _selected(tips: Iterable[Tip | int], *, whole_cluster: bool) -> QuerySet[Tip]:
    ids = {tip if isinstance(tip, int) else tip.pk for tip in tips}
    chosen = Tip.objects.filter(pk__in=ids)
    if not whole_cluster:
        return chosen
    clusters = Tip.objects.filter(pk__in=ids, cluster__isnull=False).values("cluster_id")
    return Tip.objects.filter(Q(pk__in=ids) | Q(cluster_id__in=clusters))


def _public_status_sync(tips: QuerySet[Tip], state: str) -> None:
    """The tipster sees a coarse status: checking once triaged, passed on once forwarded
    (never back: what was passed on stays passed on)."""
    sealed = SealedTip.objects.filter(id__in=tips.values("intake_id"))
    if state == TipState.FORWARDED:
        sealed.exclude(public_status=PublicStatus.PASSED_ON).update(
            public_status=PublicStatus.PASSED_ON, status_pushed=False)
    elif state != TipState.NEW:
        sealed.filter(public_status=PublicStatus.RECEIVED).update(
            public_status=PublicStatus.CHECKING, status_pushed=False)


# The states a person sets by hand. "forwarded" is not one of them: a tip becomes forwarded
# only by being forwarded to an authority (routing.services.forwarding_create, which calls
# tips_mark_forwarded), so that the state always means a package went out.
SETTABLE_STATES = tuple(state for state in TipState.values if state != TipState.FORWARDED)


def settable_state_choices() -> list[tuple[str, Any]]:
    """(value, label) of the states a person may set by hand, in TipState's order."""
    return [(value, label) for value, label in TipState.choices if value in SETTABLE_STATES]


def tip_state_set(*, tips: Iterable[Tip | int], state: str, user: Any,
                  whole_cluster: bool = False) -> int:
    """Set the triage state of `tips` (with whole_cluster: of every member of their clusters);
    return how many tips changed state.

    closed_at is set when a tip enters one of CLOSED_STATES (kept while it moves between
    them) and cleared when it leaves them; the tipster's public status follows; one audit
    entry lists every changed tip. "forwarded" is refused (code "forward_to_set"): only
    forwarding sets it.
    """
    if state == TipState.FORWARDED:
        message = _("A tip becomes “Forwarded” only by forwarding it to an authority: use "
                    "Forward.")
        raise ServiceError("forward_to_set", message, status=422, fields={"state": message})
    if state not in TipState.values:
        raise ServiceError("invalid_state", _("Unknown tip state."), status=422,
                           fields={"state": _("Unknown tip state.")})
    return _state_apply(tips=tips, state=state, user=user, whole_cluster=whole_cluster)


def tips_mark_forwarded(*, tips: Iterable[Tip | int], user: Any) -> int:
    """Set `tips` to "forwarded": for the forwarding service only, inside the transaction
    that records the forwarding (audited like any change of state)."""
    return _state_apply(tips=tips, state=TipState.FORWARDED, user=user, whole_cluster=False)


def _state_apply(*, tips: Iterable[Tip | int], state: str, user: Any,
                 whole_cluster: bool) -> int:
    with transaction.atomic():
        selected = _selected(tips, whole_cluster=whole_cluster)
        changing = selected.exclude(state=state)
        before = dict(changing.values_list("id", "state"))
        now = timezone.now()
        if before:
            Tip.objects.filter(pk__in=list(before)).update(
                state=state, state_changed_at=now,
                closed_at=Coalesce(F("closed_at"), now) if state in CLOSED_STATES else None,
            )
        _public_status_sync(selected, state)
        if before:
            ids = sorted(before)
            _audit(actor=user, action="tip.state_set", target=_tips_target(ids),
                   data={"state": state, "whole_cluster": whole_cluster, "tips": ids,
                         "from": {str(k): v for k, v in sorted(before.items())}})
            _estimate_later(Tip.objects.filter(pk__in=ids).values_list("object_id", flat=True))
    return len(before)


def tip_seen(*, tip: Tip, user: Any, message_id: int) -> None:
    """``user`` has read ``tip``'s conversation up to the message ``message_id`` (the last
    one the page showed them): the tipster's answers up to it are no longer new to them.
    The mark only moves forward. It is the person's own reading state, like a read mark in
    a mail program, and is not written to the audit log (opening a tip is not either)."""
    if not getattr(user, "is_authenticated", False):
        return
    now = timezone.now()
    marks = TipReadMark.objects.filter(user=user, tip=tip)
    if marks.filter(seen_message_id__lt=message_id).update(seen_message_id=message_id,
                                                           seen_at=now):
        return
    if marks.exists():
        return
    try:
        with transaction.atomic():
            TipReadMark.objects.create(user=user, tip=tip, seen_message_id=message_id,
                                       seen_at=now)
    except IntegrityError:  # the same person's other tab made it first
        marks.filter(seen_message_id__lt=message_id).update(seen_message_id=message_id,
                                                            seen_at=now)


# Follow-up with the anonymous tipster

QUESTION_MAX = 5000


def _clean_message(text: Any, *, maximum: int, code: str) -> str:
    """A question or note through the one text cleaner (core.text); refused with 422."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise ServiceError(code, _("A message needs text."), status=422,
                           fields={"text": _("A message needs text.")})
    try:
        return clean_text(text, field="text", max_length=maximum, code=code)
    except ServiceError as error:
        error.status = 422
        raise


def tip_question_ask(*, tip: Tip, user: Any, text: str, language: str = "") -> TipMessage:
    """Ask the tipster a question: sealed to their receipt's mailbox key on the public side,
    with the readable copy kept in the triage store. The question carries its language (the
    mailbox says so when it is not the page's): `language` (one of the site's), else the one
    recognised in the text (the tip's language decides between close candidates)."""
    from traceobject.core.reference import ui_language_codes
    from traceobject.tips import intake

    text = _clean_message(text, maximum=QUESTION_MAX, code="invalid_message")
    if language and language not in ui_language_codes():
        raise ServiceError("invalid_language", _("Unknown language."), status=422,
                           fields={"language": _("Unknown language.")})
    language = language or analysis.detect_language(text, hint=tip.language)
    with transaction.atomic():
        if not SealedTip.objects.filter(id=tip.intake_id).exists():
            raise NotFound("no_mailbox", _("The tipster's mailbox no longer exists."))
        sealed = intake.mailbox_message_to_tipster(sealed_tip_id=tip.intake_id, text=text,
                                                   language=language)
        message = TipMessage.objects.create(
            tip=tip, direction=Direction.TO_TIPSTER, text=text, author=user,
            created_at=sealed.created_at, mailbox_message=sealed,
        )
        _audit(actor=user, action="tip.question_ask", target=f"tip {tip.pk}",
               data={"message": message.pk, "length": len(text)})
    return message


def tip_assign(*, tips: Iterable[Tip | int], assignee: Any, user: Any,
               whole_cluster: bool = False) -> int:
    """Assign tips to an investigator (None: unassign); return how many changed hands."""
    from traceobject.accounts.roles import INVESTIGATOR, has_role

    if assignee is not None and not (getattr(assignee, "is_active", False)
                                     and has_role(assignee, INVESTIGATOR)):
        raise ServiceError("not_an_investigator", _("Tips can only be assigned to an "
                                                    "investigator."), status=422,
                           fields={"assignee": _("Choose an investigator.")})
    assignee_id = assignee.pk if assignee is not None else None
    with transaction.atomic():
        selected = _selected(tips, whole_cluster=whole_cluster)
        changing = (selected.exclude(assigned_to_id=assignee_id) if assignee_id is not None
                    else selected.filter(assigned_to__isnull=False))
        ids = sorted(changing.values_list("id", flat=True))
        if ids:
            Tip.objects.filter(pk__in=ids).update(assigned_to_id=assignee_id)
            _audit(actor=user, action="tip.assign", target=_tips_target(ids),
                   data={"tips": ids, "assignee": getattr(assignee, "username", None),
                         "whole_cluster": whole_cluster})
    return len(ids)


NOTE_MAX = 5000


def tip_note_add(*, tip: Tip, user: Any, text: str) -> TipNote:
    """An investigator's note on a tip (the text is not copied to the audit log)."""
    text = _clean_message(text, maximum=NOTE_MAX, code="invalid_note")
    with transaction.atomic():
        note = TipNote.objects.create(tip=tip, author=user, text=text, created_at=timezone.now())
        _audit(actor=user, action="tip.note_add", target=f"tip {tip.pk}",
               data={"note": note.pk, "length": len(text)})
    return note


@dataclass(frozen=True)
class Referral:
    country: str
    authority: str  # its name
    email: str
    url: str
    note: TipNote


def tip_referral_country(tip: Tip) -> str:
    """The country an off-topic report should go to: the one the tipster chose, else the
    first country the text clearly names ("" if none)."""
    if tip.country:
        return tip.country
    for entity in tip.entities or []:
        if isinstance(entity, dict) and entity.get("country"):
            return str(entity["country"])
    return ""


def referral_authorities() -> QuerySet[Any]:
    """Authorities that take referrals (a referral e-mail or web address)."""
    from traceobject.routing.models import Authority

    return Authority.objects.filter(active=True).exclude(referral_email="", referral_url="")


def tip_refer(*, tip: Tip, user: Any, country: str = "") -> Referral:
    """Refer an off-topic report (e.g. of unrelated abuse) to the referral channel of the
    country it concerns, in one action: the referral is recorded as a note, the tip becomes
    off_topic, the audit log says where it went. The tip itself is kept.

    Without ``country`` the tip's country is used (tip_referral_country); when there is none,
    or that country has no referral channel, nothing changes and ServiceError(code
    "no_referral_channel") asks the investigator to choose a country.
    """
    chosen = (country or tip_referral_country(tip)).strip().upper()
    authority = referral_authorities().filter(country=chosen).first() if chosen else None
    if authority is None:
        message = (_("No referral channel is known for %(country)s: choose the country to "
                     "refer this report to.") % {"country": chosen} if chosen else
                   _("This tip names no country: choose the country to refer it to."))
        raise ServiceError("no_referral_channel", message, status=422,
                           fields={"country": message})
    channel = " / ".join(v for v in (authority.referral_email, authority.referral_url) if v)
    with transaction.atomic():
        note = TipNote.objects.create(
            tip=tip, author=user, kind=NoteKind.REFERRAL, created_at=timezone.now(),
            text=f"Referred as off-topic to {authority.name} ({authority.country}): {channel}")
        tip_state_set(tips=[tip], state=TipState.OFF_TOPIC, user=user)
        _audit(actor=user, action="tip.refer", target=f"tip {tip.pk}",
               data={"country": authority.country, "authority": authority.pk,
                     "channel": channel})
    tip.refresh_from_db()
    return Referral(country=authority.country, authority=authority.name,
                    email=authority.referral_email, url=authority.referral_url, note=note)


def tips_reanalyse(*, obj: Any = None, language: bool = True) -> int:
    """Recompute entities, fingerprint, score and detected language of opened tips (after
    the analysis changed, or for tips opened before it existed); then recluster. Return how
    many tips were analysed."""
    objects = Tip.objects.all() if obj is None else Tip.objects.filter(object=obj)
    count = 0
    for object_id in set(objects.values_list("object_id", flat=True)):
        batch: list[Tip] = []
        for tip in Tip.objects.filter(object_id=object_id).only(
                "id", "text", "country", "place", "seen_when", "language").iterator(2000):
            found = analysis.analyse(analysis.TipText(
                text=tip.text, country=tip.country, place=tip.place, seen_when=tip.seen_when),
                language=language, language_hint=tip.language)
            tip.entities = [entity.as_dict() for entity in found.entities]
            tip.fingerprint, tip.score = found.fingerprint, found.score
            if language:
                tip.detected_language = found.language
            batch.append(tip)
        fields = ["entities", "fingerprint", "score"] + (["detected_language"] if language
                                                         else [])
        Tip.objects.bulk_update(batch, fields, batch_size=500)
        count += len(batch)
        clustering.tips_recluster(obj=TracedObject.objects.get(pk=object_id))
    return count


tips_recluster = clustering.tips_recluster
tip_clusters_refresh = clustering.tip_clusters_refresh
