from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import STAFF_PASSWORD


@pytest.fixture(autouse=True)
def _no_device_throttle(settings: Any) -> None:
    """django-otp also slows down a device after a wrong code (1 s, 2 s, 4 s...): the tests
    exercise our own lock-out and give codes back to back."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def device_of(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` time steps later; the
    device accepts one step of clock drift)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code that is none of the accepted ones (previous, current, next)."""
    accepted = {code_for(device, steps_ahead=s) for s in (-1, 0, 1)}
    for n in range(1000000):
        candidate = f"{n:06d}"
        if candidate not in accepted:
            return candidate
    raise AssertionError


def sign_in(client: Any, username: str, *, password: str = STAFF_PASSWORD,
            code: str | None = None, next_path: str = "") -> Any:
    """Both steps through the views; returns the response of the code step."""
    data = {"username": username, "password": password}
    if next_path:
        data["next"] = next_path
    first = client.post("/internal/login/", data)
    assert first.status_code == 302, first.content
    assert first["Location"] == "/internal/login/code/"
    user = User.objects.get(username=username)
    return client.post("/internal/login/code/", {"code": code or code_for(device_of(user))})


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(content: bytes) -> bytes:
    return _CSRF.sub(b"", content)
