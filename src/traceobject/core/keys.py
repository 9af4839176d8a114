"""The deployment's intake keys, as the settings describe them."""

from __future__ import annotations

from django.conf import settings
from nacl.public import PrivateKey, PublicKey

from traceobject.core import crypto


def ensure_intake_keys() -> None:
    """Generate the intake key pair for the embedded default if it is missing."""
    if settings.INTAKE_KEYS_GENERATE and not settings.INTAKE_PUBLIC_KEY_FILE.exists():
        crypto.generate_intake_keys(
            settings.INTAKE_PRIVATE_KEY_FILE, settings.INTAKE_PUBLIC_KEY_FILE
        )


def intake_public_key() -> PublicKey:
    ensure_intake_keys()
    return crypto.load_public_key(settings.INTAKE_PUBLIC_KEY_FILE)


def intake_private_key() -> PrivateKey:
    ensure_intake_keys()
    return crypto.load_private_key(settings.INTAKE_PRIVATE_KEY_FILE)
