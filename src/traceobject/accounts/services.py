"""Staff accounts: sign-in steps with lock-out, second factor, re-authentication, API tokens
and user management. Every step is audited (never a password, code or token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from traceobject.accounts.models import ApiToken, SignInFailure, SignInLock, StaffProfile
from traceobject.accounts.roles import ADMINISTRATOR, LIAISON, ROLES, has_role
from traceobject.accounts.tokens import token_digest, token_display_prefix, token_new
from traceobject.accounts.zones import time_zone_choices
from traceobject.audit.services import audit_record
from traceobject.core.errors import NotFound, ServiceError
from traceobject.core.text import clean_line
from traceobject.routing.models import Authority

CODE_RE = re.compile(r"^[0-9]{6,8}$")
MAX_TOKENS_PER_USER = 20
TOKEN_NAME_MAX = 100  # ApiToken.name
MAX_USERNAME_LENGTH = 150
MAX_PASSWORD_LENGTH = 1024


# --- Lock-out -------------------------------------------------------------------------------

def username_digest(username: str) -> str:
    """A keyed hash of a user name: failures of names that do not exist (or passwords typed
    into the name field) are never stored in the clear."""
    return hmac.new(settings.RECEIPT_HMAC_KEY.encode(),
                    f"signin|{username.strip().casefold()}".encode(),
                    hashlib.sha256).hexdigest()


def _locked_error() -> ServiceError:
    minutes = max(1, settings.TRACEOBJECT_SIGNIN_LOCK_SECONDS // 60)
    return ServiceError("locked", _(
        "Too many failed attempts. Sign-in for this user name is blocked for %(minutes)d "
        "minutes.") % {"minutes": minutes}, status=429)


def signin_invalid_error() -> ServiceError:
    return ServiceError("invalid", _("Wrong user name, password or code."), status=400)


def signin_is_locked(*, username: str) -> bool:
    return SignInLock.objects.filter(username_digest=username_digest(username),
                                     locked_until__gt=timezone.now()).exists()


def signin_failure_record(*, username: str, user: User | None, stage: str) -> bool:
    """Note one failed password or code; lock the name after too many. True if now locked."""
    digest = username_digest(username)
    now = timezone.now()
    window = timedelta(seconds=settings.TRACEOBJECT_SIGNIN_WINDOW_SECONDS)
    target = f"user {user.pk}" if user is not None else ""
    with transaction.atomic():
        # Old failures and locks are of no use any more (and names are not kept longer).
        SignInFailure.objects.filter(at__lte=now - window).delete()
        SignInLock.objects.filter(locked_until__lte=now).delete()
        SignInFailure.objects.create(username_digest=digest, at=now)
        audit_record(actor=user, action="accounts.signin_failed", target=target,
                     data={"stage": stage})
        recent = SignInFailure.objects.filter(username_digest=digest, at__gt=now - window)
        if recent.count() < settings.TRACEOBJECT_SIGNIN_MAX_FAILURES:
            return False
        until = now + timedelta(seconds=settings.TRACEOBJECT_SIGNIN_LOCK_SECONDS)
        SignInLock.objects.update_or_create(username_digest=digest,
                                            defaults={"locked_until": until})
        SignInFailure.objects.filter(username_digest=digest).delete()
        audit_record(actor=user, action="accounts.locked", target=target,
                     data={"stage": stage, "until": until.isoformat()})
    return True


def _refuse_if_locked(username: str) -> None:
    if signin_is_locked(username=username):
        raise _locked_error()


def _failed(*, username: str, user: User | None, stage: str) -> ServiceError:
    """Record the failure (kept even though the attempt is refused) and return the error."""
    if signin_failure_record(username=username, user=user, stage=stage):
        return _locked_error()
    return signin_invalid_error()


# --- Sign-in --------------------------------------------------------------------------------

def signin_password(*, username: str, password: str) -> User:
    """First step: the password. Unknown names, wrong passwords and inactive accounts get the
    same answer, and all count towards the lock of that name."""
    if not username or len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise signin_invalid_error()
    _refuse_if_locked(username)
    user = authenticate(username=username, password=password)
    if not isinstance(user, User):
        known = User.objects.filter(username=username, is_active=True).first()
        raise _failed(username=username, user=known, stage="password")
    return user


def _code_clean(code: str) -> str:
    return "".join(code.split())[:16]


def signin_code(*, user: User, code: str) -> TOTPDevice:
    """Second step: a current TOTP code of one of the user's confirmed devices (a code is
    accepted once: django-otp refuses a time step it has already seen)."""
    _refuse_if_locked(user.get_username())
    code = _code_clean(code)
    device = None
    if CODE_RE.match(code):
        with transaction.atomic():
            for candidate in TOTPDevice.objects.devices_for_user(user, confirmed=True) \
                    .select_for_update():
                if candidate.verify_token(code):
                    device = candidate
                    break
    if device is None:
        raise _failed(username=user.get_username(), user=user, stage="code")
    return device


def signin_succeeded(*, user: User) -> None:
    with transaction.atomic():
        SignInFailure.objects.filter(username_digest=username_digest(user.get_username())).delete()
        audit_record(actor=user, action="accounts.signin", target=f"user {user.pk}")


def signout_record(*, user: User) -> None:
    audit_record(actor=user, action="accounts.signout", target=f"user {user.pk}")


def user_has_confirmed_device(*, user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


# --- Enrolment of the second factor ---------------------------------------------------------

def totp_enrolment_start(*, user: User, device_id: int | None = None) -> TOTPDevice:
    """The unconfirmed device to enrol: the one of this enrolment if still there, else a new
    one (older unconfirmed devices are removed). Refused once a device is confirmed."""
    if user_has_confirmed_device(user=user):
        raise ServiceError("enrolled", _("A second factor is already set up."), status=409)
    with transaction.atomic():
        unconfirmed = TOTPDevice.objects.devices_for_user(user, confirmed=False)
        if device_id is not None:
            existing = unconfirmed.filter(pk=device_id).first()
            if existing is not None:
                return existing
        unconfirmed.delete()
        return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)


def totp_enrolment_confirm(*, user: User, device: TOTPDevice, code: str) -> TOTPDevice:
    """A code from the new device confirms it."""
    _refuse_if_locked(user.get_username())
    if device.user_id != user.pk or device.confirmed or user_has_confirmed_device(user=user):
        raise ServiceError("enrolled", _("A second factor is already set up."), status=409)
    code = _code_clean(code)
    if not (CODE_RE.match(code) and device.verify_token(code)):
        raise _failed(username=user.get_username(), user=user, stage="enrolment")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, action="accounts.totp_enrolled", target=f"user {user.pk}")
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


# --- Re-authentication ----------------------------------------------------------------------

def reauth_check(*, user: User, password: str, code: str) -> None:
    """Password and a current code again, before a sensitive action. Failures count towards
    the lock of the user name like sign-in failures."""
    username = user.get_username()
    _refuse_if_locked(username)
    if len(password) > MAX_PASSWORD_LENGTH or not user.check_password(password):
        raise _failed(username=username, user=user, stage="reauth")
    signin_code(user=user, code=code)
    audit_record(actor=user, action="accounts.reauth", target=f"user {user.pk}")


# --- API tokens -----------------------------------------------------------------------------

def api_token_create(*, user: User, name: str, expires_at: datetime | None = None,
                     ) -> tuple[ApiToken, str]:
    """A new token for `user`; the token itself is returned once and never stored."""
    name = clean_line(name, field="name", max_length=TOKEN_NAME_MAX, code="invalid",
                      label=_("The token's name"))
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ServiceError("invalid", _("The expiry date must be in the future."),
                           fields={"expires_at": _("Must be in the future.")})
    with transaction.atomic():
        active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if active >= MAX_TOKENS_PER_USER:
            raise ServiceError("too_many", _("Revoke a token before making another one."),
                               status=409)
        token = token_new()
        row = ApiToken.objects.create(user=user, name=name, prefix=token_display_prefix(token),
                                      digest=token_digest(token), created_at=now,
                                      expires_at=expires_at)
        audit_record(actor=user, action="accounts.token_created", target=f"user {user.pk}",
                     data={"token": row.pk, "prefix": row.prefix, "name": name,
                           "expires_at": expires_at})
    return row, token


def api_token_revoke(*, token: ApiToken, user: User) -> None:
    """The owner or an administrator (`user`) revokes a token (revoking twice changes
    nothing)."""
    if token.user_id != user.pk and not has_role(user, ADMINISTRATOR):
        raise NotFound("not_found", _("No such token."))
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True) \
            .update(revoked_at=timezone.now())
        if changed:
            audit_record(actor=user, action="accounts.token_revoked",
                         target=f"user {token.user_id}",
                         data={"token": token.pk, "prefix": token.prefix})


# --- User management ------------------------------------------------------------------------

def _roles_clean(roles: Iterable[str]) -> set[str]:
    wanted = set(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise ServiceError("invalid", _("Unknown role."), fields={"roles": _("Unknown role.")})
    return wanted


def _groups_set(user: User, roles: set[str]) -> None:
    groups = [Group.objects.get_or_create(name=role)[0] for role in sorted(roles)]
    user.groups.remove(*user.groups.filter(name__in=ROLES).exclude(name__in=roles))
    user.groups.add(*groups)
    if hasattr(user, "_traceobject_roles"):
        del user._traceobject_roles


def _group_roles(user: User) -> set[str]:
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def _validate_password(password: str, user: User | None) -> None:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError("invalid", _("The password is too long."),
                           fields={"password": _("The password is too long.")})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise ServiceError("invalid", message, fields={"password": message}) from None


def _authority_check(roles: set[str], authority: Authority | None) -> None:
    if LIAISON in roles and authority is None:
        raise ServiceError("invalid", _("A liaison officer must be bound to an authority."),
                           fields={"authority": _("Required for liaison officers.")})


def staff_create(*, username: str, password: str, roles: Iterable[str],
                 authority: Authority | None = None, totp_key_hex: str | None = None,
                 user: User | None = None) -> User:
    """A staff account, made by `user` (None: the command line or the demo). Without
    `totp_key_hex` the new account sets up the second factor at the first sign-in; with it
    (the demo) the device is confirmed already."""
    wanted = _roles_clean(roles)
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ServiceError("invalid", _("User names may hold letters, digits and @.+-_ only."),
                           fields={"username": _("Not a valid user name.")}) from None
    if not username or len(username) > MAX_USERNAME_LENGTH:
        raise ServiceError("invalid", _("Not a valid user name."),
                           fields={"username": _("Not a valid user name.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError("exists", _("This user name is taken."), status=409,
                           fields={"username": _("This user name is taken.")})
    _validate_password(password, User(username=username))
    _authority_check(wanted, authority)
    key = _totp_key_clean(totp_key_hex)
    with transaction.atomic():
        account = User.objects.create_user(username=username, password=password)
        _groups_set(account, wanted)
        if authority is not None:
            StaffProfile.objects.create(user=account, authority=authority)
        if key is not None:
            TOTPDevice.objects.create(user=account, name="authenticator app", key=key,
                                      confirmed=True)
        audit_record(actor=user, action="accounts.user_created", target=f"user {account.pk}",
                     data={"username": username, "roles": sorted(wanted),
                           "authority": authority.country if authority else None,
                           "second_factor": key is not None})
    return account


def _totp_key_clean(totp_key_hex: str | None) -> str | None:
    if totp_key_hex is None:
        return None
    key = totp_key_hex.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{32,80}", key) or len(key) % 2:
        raise ServiceError("invalid", _("The TOTP key must be 16 to 40 bytes in hex."))
    return key


def _administrators_left(*, excluding: User) -> int:
    return (User.objects.filter(is_active=True).exclude(pk=excluding.pk)
            .filter(groups__name=ADMINISTRATOR).distinct().count()
            + User.objects.filter(is_active=True, is_superuser=True)
            .exclude(pk=excluding.pk).exclude(groups__name=ADMINISTRATOR).count())


def user_roles_set(*, account: User, roles: Iterable[str], authority: Authority | None,
                   user: User) -> None:
    """`user` sets the roles of a staff account and (for liaison officers) its authority. An
    administrator cannot take the administrator role from themselves, and the last
    administrator keeps it."""
    wanted = _roles_clean(roles)
    before = _group_roles(account)
    if ADMINISTRATOR in before and ADMINISTRATOR not in wanted:
        if account.pk == user.pk:
            raise ServiceError("self", _("You cannot remove your own administrator role."),
                               status=409)
        if not _administrators_left(excluding=account):
            raise ServiceError("last_admin", _("The last administrator keeps the role."),
                               status=409)
    _authority_check(wanted, authority)
    profile = StaffProfile.objects.filter(user=account).first()
    authority_before = profile.authority if profile else None
    with transaction.atomic():
        _groups_set(account, wanted)
        if authority != authority_before:
            StaffProfile.objects.update_or_create(user=account,
                                                  defaults={"authority": authority})
        audit_record(actor=user, action="accounts.role_change", target=f"user {account.pk}",
                     data={"before": sorted(before), "after": sorted(wanted),
                           "authority_before": authority_before.country
                           if authority_before else None,
                           "authority_after": authority.country if authority else None})


def user_second_factor_reset(*, account: User, user: User) -> int:
    """Remove every device of the account: its next sign-in sets up a new one. Returns how
    many were removed."""
    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(account, confirmed=None)):
            device.delete()
            removed += 1
        audit_record(actor=user, action="accounts.second_factor_reset",
                     target=f"user {account.pk}", data={"devices": removed})
    return removed


def user_unlock(*, account: User, user: User) -> None:
    digest = username_digest(account.get_username())
    with transaction.atomic():
        SignInLock.objects.filter(username_digest=digest).delete()
        SignInFailure.objects.filter(username_digest=digest).delete()
        for device in TOTPDevice.objects.devices_for_user(account, confirmed=None):
            device.throttle_reset(commit=True)
        audit_record(actor=user, action="accounts.unlocked", target=f"user {account.pk}")


def user_active_set(*, account: User, active: bool, user: User) -> None:
    """Deactivate an account (signs it out everywhere and revokes its API tokens) or
    reactivate it."""
    if account.pk == user.pk and not active:
        raise ServiceError("self", _("You cannot deactivate your own account."), status=409)
    if (not active and has_role(account, ADMINISTRATOR)
            and not _administrators_left(excluding=account)):
        raise ServiceError("last_admin", _("The last administrator cannot be deactivated."),
                           status=409)
    if account.is_active == active:
        return
    with transaction.atomic():
        account.is_active = active
        account.save(update_fields=["is_active"])
        revoked = 0
        if not active:
            revoked = ApiToken.objects.filter(user=account, revoked_at__isnull=True) \
                .update(revoked_at=timezone.now())
        audit_record(actor=user, action="accounts.activated" if active
                     else "accounts.deactivated", target=f"user {account.pk}",
                     data={"tokens_revoked": revoked})


def user_password_set(*, account: User, password: str, user: User) -> None:
    _validate_password(password, account)
    with transaction.atomic():
        account.set_password(password)
        account.save(update_fields=["password"])
        audit_record(actor=user, action="accounts.password_set", target=f"user {account.pk}")


# --- A person's own settings ----------------------------------------------------------------

def language_choices() -> list[str]:
    """The codes a person may choose for the back office (the public site's languages)."""
    return [code for code, _name in settings.LANGUAGES]


def staff_language_set(*, user: User, language: object) -> str:
    """Set the back office's language for ``user`` ("" follows the browser); audited.
    Anything but one of :func:`language_choices` or "" is refused and changes nothing."""
    if not isinstance(language, str) or (language and language not in language_choices()):
        raise ServiceError("invalid_language", _("Choose one of the languages offered."),
                           fields={"language": _("Choose one of the languages offered.")})
    _profile_field_set(user=user, field="language", value=language,
                       shown=language or "browser")
    return language


def _profile_field_set(*, user: User, field: str, value: str, shown: str) -> None:
    """Write one checked setting of ``user``'s profile (its row locked); audited as
    ``accounts.<field>_set`` when it changes."""
    with transaction.atomic():
        profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
        if getattr(profile, field) != value:
            setattr(profile, field, value)
            profile.save(update_fields=[field])
            audit_record(actor=user, action=f"accounts.{field}_set", target=f"user {user.pk}",
                         data={field: shown})


def staff_time_zone_set(*, user: User, time_zone: object) -> str:
    """Set the time zone the back office shows times in for ``user`` ("": the system's,
    settings.TIME_ZONE); audited. Anything but one of :func:`time_zone_choices` or "" is
    refused and changes nothing."""
    if not isinstance(time_zone, str) or (time_zone and time_zone not in time_zone_choices()):
        raise ServiceError("invalid_time_zone", _("Choose one of the time zones offered."),
                           fields={"time_zone": _("Choose one of the time zones offered.")})
    _profile_field_set(user=user, field="time_zone", value=time_zone,
                       shown=time_zone or "default")
    return time_zone


#: Thumbnail sizes of the evidence grid a person may choose.
THUMB_SIZES = ("small", "medium", "large")


def staff_evidence_view_set(*, user: User, blur: object, greyscale: object,
                            thumb_size: object) -> dict[str, object]:
    """How evidence images are shown to ``user``: blurred until looked at, in grey, the
    grid's thumbnail size; audited when it changes. Anything but booleans and one of
    :data:`THUMB_SIZES` is refused and changes nothing."""
    fields: dict[str, str] = {}
    if not isinstance(blur, bool):
        fields["blur"] = _("Choose on or off.")
    if not isinstance(greyscale, bool):
        fields["greyscale"] = _("Choose on or off.")
    if not isinstance(thumb_size, str) or thumb_size not in THUMB_SIZES:
        fields["thumb_size"] = _("Choose one of the sizes offered.")
    if fields:
        raise ServiceError("invalid_evidence_view", _("Choose one of the options offered."),
                           fields=fields)
    value = {"blur": blur, "greyscale": greyscale, "thumb_size": thumb_size}
    with transaction.atomic():
        profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
        before = {"blur": profile.evidence_blur, "greyscale": profile.evidence_greyscale,
                  "thumb_size": profile.evidence_thumb_size}
        if before != value:
            profile.evidence_blur = bool(blur)
            profile.evidence_greyscale = bool(greyscale)
            profile.evidence_thumb_size = str(thumb_size)
            profile.save(update_fields=["evidence_blur", "evidence_greyscale",
                                        "evidence_thumb_size"])
            audit_record(actor=user, action="accounts.evidence_view_set",
                         target=f"user {user.pk}", data={"before": before, "after": value})
    return value
