"""Setting up the second factor at the first sign-in (and after a reset)."""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote

from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import code_for, wrong_code
from tests.conftest import STAFF_PASSWORD, make_staff
from traceobject.accounts import services
from traceobject.audit.models import AuditEvent

LOGIN = "/internal/login/"
ENROL = "/internal/login/enrol/"


def _new_user() -> User:
    return services.staff_create(username="nina", password=STAFF_PASSWORD,
                                 roles=["investigator"])


def _secret(content: bytes) -> str:
    match = re.search(rb'id="totp-secret">([A-Z2-7]+)<', content)
    assert match, content
    return match.group(1).decode()


def test_first_sign_in_sets_up_the_second_factor(client, db):
    user = _new_user()
    first = client.post(LOGIN, {"username": "nina", "password": STAFF_PASSWORD})
    assert first.status_code == 302 and first["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    # The QR code is an inline data URI (no request leaves the site) that CSP allows.
    assert b'src="data:image/svg+xml' in page.content
    assert "data:" in page["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    secret = _secret(page.content)
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret
    qr = re.search(rb'src="(data:image/svg\+xml[^"]+)"', page.content).group(1).decode()
    assert "<svg" in unquote(qr)
    # Reloading shows the same key (the app may have scanned it already).
    assert _secret(client.get(ENROL).content) == secret
    assert TOTPDevice.objects.filter(user=user).count() == 1

    assert client.post(ENROL, {"code": wrong_code(device)}).status_code == 400
    assert client.post(ENROL, {"code": "abc"}).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/internal/cases/").status_code == 302

    done = client.post(ENROL, {"code": code_for(device)})
    assert done.status_code == 302 and done["Location"] == "/internal/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/internal/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.totp_enrolled", actor="nina").exists()
    assert AuditEvent.objects.filter(action="accounts.signin", actor="nina").exists()


def test_a_new_enrolment_replaces_an_abandoned_one(client, db):
    user = _new_user()
    stale = TOTPDevice.objects.create(user=user, name="old", confirmed=False)
    client.post(LOGIN, {"username": "nina", "password": STAFF_PASSWORD})
    client.get(ENROL)
    devices = TOTPDevice.objects.filter(user=user)
    assert devices.count() == 1 and devices.get().pk != stale.pk


def test_enrolment_needs_the_password_first(client, db):
    _new_user()
    assert client.get(ENROL)["Location"] == LOGIN
    assert client.post(ENROL, {"code": "123456"}).status_code == 400
    assert not TOTPDevice.objects.exists()


def test_no_second_device_for_an_enrolled_user(client, db):
    user = make_staff("ivy", "investigator")
    client.post(LOGIN, {"username": "ivy", "password": STAFF_PASSWORD})
    assert client.get(ENROL)["Location"] == "/internal/login/code/"
    assert client.post(ENROL, {"code": "123456"})["Location"] == "/internal/login/code/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_code_page_leads_an_unenrolled_user_to_enrolment(client, db):
    _new_user()
    client.post(LOGIN, {"username": "nina", "password": STAFF_PASSWORD})
    assert client.get("/internal/login/code/")["Location"] == ENROL


def test_failed_enrolment_codes_lock(client, db):
    _new_user()
    client.post(LOGIN, {"username": "nina", "password": STAFF_PASSWORD})
    client.get(ENROL)
    device = TOTPDevice.objects.get(user__username="nina")
    statuses = [client.post(ENROL, {"code": wrong_code(device)}).status_code for _ in range(5)]
    assert statuses[:4] == [400] * 4
    assert statuses[-1] == 429
    assert client.post(LOGIN, {"username": "nina", "password": STAFF_PASSWORD}).status_code == 429


def test_fixed_key_for_the_demo(db):
    key = "3132333435363738393031323334353637383930"  # RFC 6238's test key
    user = services.staff_create(username="demo-inv", password=STAFF_PASSWORD,
                                 roles=["investigator"], totp_key_hex=key)
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    assert services.totp_secret_base32(device) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    uri = services.totp_uri(device)
    assert uri.startswith("otpauth://totp/traceobject%3Ademo-inv?")
    assert "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in uri and "issuer=traceobject" in uri
