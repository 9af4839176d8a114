from __future__ import annotations

from django.db import models


class Authority(models.Model):
    """A national police contact point that receives forwarded tips for its country."""

    country = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    # Where reports that are not about the objects (e.g. other abuse) go in that country.
    referral_email = models.EmailField(blank=True)
    referral_url = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return f"{self.country} {self.name}"
