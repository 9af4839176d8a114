"""Writes to the routing tables: the national authorities that receive forwarded tips."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from traceobject.core.errors import ServiceError
from traceobject.core.reference import country_codes
from traceobject.routing.models import Authority


def _check_email(value: str, field: str, *, required: bool) -> str:
    value = value.strip()
    if not value:
        if required:
            raise ServiceError("invalid", "An e-mail address is required.",
                               fields={field: "required"})
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ServiceError("invalid", f"Not a valid e-mail address: {value!r}.",
                           fields={field: "invalid"})
    return value


def authority_upsert(*, country: str, name: str, email: str, referral_email: str = "",
                     referral_url: str = "") -> Authority:
    """Create or update the authority of one country (one per country)."""
    code = country.strip().upper()
    if code not in country_codes():
        raise ServiceError("invalid", f"Unknown country code {country!r}.",
                           fields={"country": "invalid"})
    name = name.strip()
    if not name or len(name) > 200:
        raise ServiceError("invalid", "An authority needs a name of at most 200 characters.",
                           fields={"name": "invalid"})
    email = _check_email(email, "email", required=True)
    referral_email = _check_email(referral_email, "referral_email", required=False)
    referral_url = referral_url.strip()
    if referral_url:
        try:
            URLValidator(schemes=["https", "http"])(referral_url)
        except ValidationError:
            raise ServiceError("invalid", f"Not a valid URL: {referral_url!r}.",
                               fields={"referral_url": "invalid"})
    authority, _created = Authority.objects.update_or_create(
        country=code,
        defaults={"name": name, "email": email, "referral_email": referral_email,
                  "referral_url": referral_url},
    )
    return authority
