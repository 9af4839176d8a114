"""Reads for the account pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from traceobject.accounts.models import ApiToken, SignInLock, StaffProfile
from traceobject.accounts.roles import ROLES
from traceobject.accounts.services import username_digest
from traceobject.routing.models import Authority


@dataclass(frozen=True)
class StaffRow:
    user: User
    roles: list[str]
    authority: Authority | None
    second_factor: bool
    locked_until: datetime | None


def _roles_of(user: User) -> list[str]:
    names = {g.name for g in user.groups.all()}
    if user.is_superuser:
        names |= set(ROLES)
    return [role for role in ROLES if role in names]


def _locks() -> dict[str, datetime]:
    return dict(SignInLock.objects.filter(locked_until__gt=timezone.now())
                .values_list("username_digest", "locked_until"))


def staff_list() -> list[StaffRow]:
    users = (User.objects.order_by("username")
             .prefetch_related("groups", Prefetch(
                 "staff_profile", queryset=StaffProfile.objects.select_related("authority"))))
    locks = _locks()
    confirmed = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows = []
    for user in users:
        profile = getattr(user, "staff_profile", None) if _has_profile(user) else None
        rows.append(StaffRow(user=user, roles=_roles_of(user),
                             authority=profile.authority if profile else None,
                             second_factor=user.pk in confirmed,
                             locked_until=locks.get(username_digest(user.get_username()))))
    return rows


def _has_profile(user: User) -> bool:
    try:
        user.staff_profile  # noqa: B018 - the reverse one-to-one raises when there is none
    except StaffProfile.DoesNotExist:
        return False
    return True


def staff_get(*, pk: int) -> StaffRow | None:
    user = User.objects.filter(pk=pk).prefetch_related("groups").first()
    if user is None:
        return None
    profile = StaffProfile.objects.filter(user=user).select_related("authority").first()
    confirmed = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    lock = SignInLock.objects.filter(username_digest=username_digest(user.get_username()),
                                     locked_until__gt=timezone.now()).first()
    return StaffRow(user=user, roles=_roles_of(user),
                    authority=profile.authority if profile else None, second_factor=confirmed,
                    locked_until=lock.locked_until if lock else None)


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """Newest first; revoked ones too (they show when and that they were revoked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def authorities() -> QuerySet[Authority]:
    return Authority.objects.order_by("country")


def staff_language(*, user: User) -> str:
    """The back office's language chosen by ``user`` ("": the browser's)."""
    found = StaffProfile.objects.filter(user=user).values_list("language", flat=True).first()
    return found or ""


def staff_time_zone(*, user: User) -> str:
    """The time zone chosen by ``user`` ("": settings.TIME_ZONE)."""
    found = StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return found or ""


@dataclass(frozen=True)
class EvidenceViewSetting:
    """How evidence images are shown to one person (the defaults protect: blurred, grey)."""

    blur: bool = True
    greyscale: bool = True
    thumb_size: str = "medium"

    @property
    def classes(self) -> str:
        """CSS classes for the page's body: ``ev-blur``, ``ev-grey``, ``ev-thumb-SIZE``."""
        names = ["ev-blur"] if self.blur else []
        names += ["ev-grey"] if self.greyscale else []
        return " ".join([*names, f"ev-thumb-{self.thumb_size}"])


def staff_evidence_view(*, user: User) -> EvidenceViewSetting:
    """The evidence view setting of ``user`` (the protective defaults without a profile)."""
    row = (StaffProfile.objects.filter(user=user)
           .values_list("evidence_blur", "evidence_greyscale", "evidence_thumb_size").first())
    if row is None:
        return EvidenceViewSetting()
    size = row[2] if row[2] in ("small", "medium", "large") else "medium"
    return EvidenceViewSetting(blur=row[0], greyscale=row[1], thumb_size=size)
