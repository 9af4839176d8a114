"""The plaintext test: nothing a tipster writes, nor their receipt, is stored or logged readably.

Tips go in through the API and the HTML form (valid, invalid, honeypot, malformed), mailboxes
are opened and answered; then every column of every table, the cache and every log record are
searched for the marker strings in many encodings. After the internal role opens the sealed tips,
the tip's text, place and time may appear in the triage table (tips_tip) and nowhere else; the
contact address and the receipt still appear nowhere.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import logging
import pickle
import re
import secrets
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote, quote_plus

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection

from tests.public.support import mailbox_post, reply_post, tip_post
from traceobject.tips import intake, services
from traceobject.tips.models import Receipt, SealedTip, Tip

RECEIPT_RE = re.compile(r'id="receipt"[^>]*>\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})\s*<')
TRIAGE_TABLE = Tip._meta.db_table


# What to look for


def _base64_cores(data: bytes) -> set[bytes]:
    """Substrings that any base64 encoding of a message containing `data` must contain."""
    cores = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            encoded = encode(b"\0" * shift + data)
            core = encoded[4 if shift else 0 : -4]
            if len(core) >= 8:
                cores.add(core)
    return cores


def encodings(value: str) -> set[bytes]:
    """`value` as it could appear in a column, a pickled cache entry or a log line."""
    forms = {value, value.lower(), value.upper(), unicodedata.normalize("NFD", value)}
    found: set[bytes] = set()
    for form in forms:
        utf8 = form.encode()
        found |= {utf8, utf8.hex().encode(), utf8.hex().upper().encode()}
        found |= _base64_cores(utf8)
        for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "cp1250", "iso-8859-2"):
            with contextlib.suppress(UnicodeEncodeError):
                found.add(form.encode(codec))
        escaped = json.dumps(form)[1:-1]
        found |= {escaped.encode(), re.sub(r"\\u([0-9a-f]{4})",
                                           lambda m: "\\u" + m.group(1).upper(),
                                           escaped).encode()}
        found |= {quote(form).encode(), quote_plus(form).encode(),
                  html.escape(form).encode("ascii", "xmlcharrefreplace"),
                  form.encode("ascii", "backslashreplace")}
        if "@" in form:
            local, _at, domain = form.partition("@")
            found.add(f"{local}@{domain.encode('idna').decode()}".encode())
    return {f for f in found if len(f) >= 8}


def receipt_encodings(receipt: str) -> set[bytes]:
    compact = receipt.replace("-", "")
    found = encodings(receipt) | encodings(compact)
    for form in (receipt, compact):
        for algorithm in ("md5", "sha1", "sha256", "blake2b"):
            digest = hashlib.new(algorithm, form.encode())
            found |= {digest.hexdigest().encode(), digest.digest()}
    return found


# Where to look


def _cell_bytes(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, memoryview | bytearray | bytes):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, int | float | Decimal | datetime | date | bool):
        return str(value).encode()
    return (json.dumps(value, ensure_ascii=False, default=str) + repr(value)).encode(
        "utf-8", "surrogatepass")


def database_cells() -> Iterator[tuple[str, str, bytes]]:
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    tables |= set(connection.introspection.table_names(include_views=True))
    assert {Receipt._meta.db_table, SealedTip._meta.db_table, TRIAGE_TABLE} <= tables
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    yield table, column, _cell_bytes(value)


def cache_cells() -> Iterator[tuple[str, str, bytes]]:
    store = getattr(cache, "_cache", None)
    for key, value in list((store or {}).items()):
        yield "cache", key, key.encode() + b" " + value
        yield "cache", key, repr(pickle.loads(value)).encode()  # noqa: S301 (our own cache)


def find(needles: dict[str, set[bytes]], cells: list[tuple[str, str, bytes]]
         ) -> set[tuple[str, str, str]]:
    """(marker name, table, column) for every cell holding any encoding of a marker."""
    hits = set()
    for table, column, data in cells:
        for name, forms in needles.items():
            if any(form in data for form in forms):
                hits.add((name, table, column))
    return hits


# The test


@pytest.fixture
def log_capture(caplog):
    """Every record at DEBUG, from the root and from loggers that do not propagate."""
    caplog.set_level(logging.DEBUG)
    extra = [logging.getLogger(name) for name in ("django.request", "django.server",
                                                  "django.security", "traceobject")]
    saved = [(logger, logger.level) for logger in extra]
    for logger in extra:
        logger.setLevel(logging.DEBUG)
        if caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level in saved:
        logger.setLevel(level)
        logger.removeHandler(caplog.handler)


def _log_text(caplog, capfd) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.__dict__))
    out, err = capfd.readouterr()
    parts += [out, err]
    return "\n".join(parts)


def _leaked_to(logs: str, needles: dict[str, set[bytes]]) -> set[str]:
    data = logs.encode("utf-8", "surrogatepass")
    return {name for name, forms in needles.items() if any(form in data for form in forms)}


def _markers(tag: str) -> dict[str, str]:
    uid = secrets.token_hex(5)
    return {
        f"{tag}-text": f"TXT{uid}{tag} Zażółć gęślą jaźń {uid} — 東京 ☃",
        f"{tag}-place": f"PLC{uid}{tag} Łódź, ulica Piotrkowska {uid}",
        f"{tag}-when": f"WHN{uid}{tag} lato ŻÓŁW {uid}",
        f"{tag}-email": f"mail{uid}{tag.lower()}@gęślą-{uid}.example.org",
    }


def _tip_payload(markers: dict[str, str], tag: str) -> dict[str, str]:
    return {"text": markers[f"{tag}-text"], "country": "PL", "place": markers[f"{tag}-place"],
            "seen_when": markers[f"{tag}-when"], "contact_email": markers[f"{tag}-email"]}


@pytest.mark.django_db
def test_nothing_readable_is_stored_or_logged(client, published, settings, log_capture, capfd,
                                              django_capture_on_commit_callbacks) -> None:
    settings.RATE_LIMITS = {"tip": (1000, 600), "receipt": (1000, 600)}
    api_url = f"/api/v1/objects/{published.ref}/tips"
    form_url = f"/en/objects/{published.ref}/tip/"
    markers: dict[str, str] = {}
    stored_tags, rejected_tags = ["API1", "API2", "FORM1", "FORM2"], []
    receipts: list[str] = []
    idempotency_key = f"IDEM-{secrets.token_hex(8)}"

    with django_capture_on_commit_callbacks(execute=True):
        # Valid tips through the API: a new receipt, then the same mailbox again.
        markers |= _markers("API1")
        response = client.post(api_url, _tip_payload(markers, "API1"),
                               content_type="application/json")
        assert response.status_code == 201, response.content
        receipts.append(response.json()["receipt"])
        markers |= _markers("API2")
        for _retry in range(2):  # sent twice with one Idempotency-Key: stored once
            response = client.post(api_url, _tip_payload(markers, "API2"),
                                   content_type="application/json", HTTP_X_RECEIPT=receipts[0],
                                   HTTP_IDEMPOTENCY_KEY=idempotency_key)
            assert response.status_code == 201
            assert response.json()["receipt"] == receipts[0]

        # Valid tips through the form, the second one with the receipt of the first.
        markers |= _markers("FORM1")
        response = tip_post(client, published.ref, _tip_payload(markers, "FORM1"))
        assert response.status_code == 200
        match = RECEIPT_RE.search(response.content.decode())
        assert match, "no receipt on the page"
        receipts.append(match.group(1))
        markers |= _markers("FORM2")
        response = tip_post(client, published.ref, {**_tip_payload(markers, "FORM2"),
                                                     "receipt": receipts[1].lower()})
        assert response.status_code == 200
        assert receipts[1] in response.content.decode()

        # Refused input: invalid fields, malformed JSON, the honeypot, an unknown receipt.
        for tag in ("BADAPI", "BADJSON", "BADFORM", "HONEY", "UNKNOWN"):
            markers |= _markers(tag)
            rejected_tags.append(tag)
        bad = {**_tip_payload(markers, "BADAPI"), "contact_email": markers["BADAPI-email"]
               .replace("@", " at ")}
        assert client.post(api_url, bad, content_type="application/json").status_code in (
            400, 422)
        broken = json.dumps(_tip_payload(markers, "BADJSON"), ensure_ascii=False)[:-1]
        assert client.post(api_url, broken.encode(), content_type="application/json"
                           ).status_code == 400
        bad = {**_tip_payload(markers, "BADFORM"), "country": "XX"}
        assert client.post(form_url, bad).status_code == 400
        response = client.post(form_url, {**_tip_payload(markers, "HONEY"),
                                          "website": "http://spam.example"})
        assert response.status_code == 200
        fake = RECEIPT_RE.search(response.content.decode())
        assert fake
        receipts.append(fake.group(1))
        response = client.post(api_url, _tip_payload(markers, "UNKNOWN"),
                               content_type="application/json",
                               HTTP_X_RECEIPT="0000-0000-0000-0000-0000")
        assert response.status_code == 404

        # Mailboxes: an investigator's question, the tipster reads it and answers.
        question = f"QST{secrets.token_hex(5)} Gdzie dokładnie widziałeś tę torbę?"
        first_tip = SealedTip.objects.order_by("id").first()
        assert first_tip is not None
        intake.mailbox_message_to_tipster(sealed_tip_id=first_tip.id, text=question)
        response = client.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipts[0])
        assert response.status_code == 200
        assert question in [m["text"] for m in response.json()["messages"]]
        answers = [f"ANS{secrets.token_hex(5)} W sklepie obok dworca, żółty szyld",
                   f"ANS{secrets.token_hex(5)} Odpowiedź przez formularz"]
        assert client.post("/api/v1/mailbox/replies", {"text": answers[0]},
                           content_type="application/json",
                           HTTP_X_RECEIPT=receipts[0]).status_code == 204
        box = mailbox_post(client, receipts[1])
        assert box.status_code == 200
        assert reply_post(client, box, answers[1]).status_code == 200
        # pages a visitor might look at afterwards (some are cached)
        for url in ("/en/", f"/en/objects/{published.ref}/", "/en/statistics/"):
            assert client.get(url).status_code == 200

    assert SealedTip.objects.count() == 4
    assert Receipt.objects.count() == 2

    needles = {name: encodings(value) for name, value in markers.items()}
    needles["question"] = encodings(question)
    needles["idempotency-key"] = encodings(idempotency_key)
    for n, answer in enumerate(answers):
        needles[f"answer{n}"] = encodings(answer)
    for n, receipt in enumerate(receipts):
        needles[f"receipt{n}"] = receipt_encodings(receipt)

    cells = list(database_cells()) + list(cache_cells())
    # The scan must see what is there: binary columns and keyed digests included.
    record = Receipt.objects.first()
    assert record is not None
    blobs = {data for _table, _column, data in cells}
    assert bytes(record.mailbox_public_key) in blobs
    assert record.digest.encode() in blobs
    assert bytes(first_tip.sealed) in blobs

    assert find(needles, cells) == set()
    logs = _log_text(log_capture, capfd)
    assert "Bad Request" in logs and "Not Found" in logs  # the capture works
    assert _leaked_to(logs, needles) == set()

    # The internal role opens the sealed tips.
    assert services.sealed_tips_open() == 4
    cells = list(database_cells()) + list(cache_cells())
    hits = find(needles, cells)
    readable = {(f"{tag}-{field}", TRIAGE_TABLE, field if field != "when" else "seen_when")
                for tag in stored_tags for field in ("text", "place", "when")}
    # the scan works: what must be in the triage table is found there
    assert readable <= hits
    assert hits - readable == set(), "found outside the triage table or not meant to be readable"
    assert _leaked_to(_log_text(log_capture, capfd), needles) == set()
