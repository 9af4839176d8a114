"""Staff accounts: roles are Django groups (accounts.roles); this holds what a group cannot."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="staff_profile")
    # A liaison officer is bound to one Authority (one country's contact point) and sees only
    # what was forwarded to it.
    authority = models.ForeignKey("routing.Authority", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="liaison_officers")
    # The back office's language for this person (a code of settings.LANGUAGES); empty: the
    # language the browser asks for.
    language = models.CharField(max_length=8, blank=True, default="")
    # The time zone the back office shows times in for this person (an IANA name such as
    # "Europe/Warsaw"); empty: settings.TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # How evidence images are shown to this person (blurred until looked at, in grey, the
    # grid's thumbnail size): protects staff who look at this material all day.
    evidence_blur = models.BooleanField(default=True)
    evidence_greyscale = models.BooleanField(default=True)
    evidence_thumb_size = models.CharField(max_length=8, default="medium")

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class ApiToken(models.Model):
    """A personal API token. Only a keyed hash of the token is stored; the token itself is
    shown once when it is made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The start of the token ("tob_" and 8 more characters), so its owner can tell it apart.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.prefix}… of {self.user_id}"


class SignInFailure(models.Model):
    """One failed password or code for a user name (known or not). The name is kept only as
    a keyed hash: people sometimes type their password into the name field."""

    username_digest = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-in failure at {self.at:%Y-%m-%d %H:%M}"


class SignInLock(models.Model):
    """A user name that may not sign in until `locked_until` (too many failures)."""

    username_digest = models.CharField(max_length=64, unique=True)
    locked_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"sign-in lock until {self.locked_until:%Y-%m-%d %H:%M}"
