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

    def __str__(self) -> str:
        return f"profile of {self.user_id}"
