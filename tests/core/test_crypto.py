"""Receipts, keyed digests, sealed boxes and mailbox keys (traceobject.core.crypto)."""

from __future__ import annotations

import hashlib
import json
import math
import re
import stat
import subprocess
import sys
from collections import Counter

import pytest
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey

from traceobject.core import crypto

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")


# Receipts


def test_receipt_has_at_least_80_bits_in_groups() -> None:
    assert crypto.RECEIPT_ALPHABET == ALPHABET
    assert len(set(ALPHABET)) == 32
    assert crypto.RECEIPT_SYMBOLS * math.log2(len(ALPHABET)) >= 80
    receipt = crypto.receipt_new()
    assert RECEIPT_RE.match(receipt), receipt
    assert len(receipt.replace("-", "")) == 20


def test_receipts_are_random_and_use_the_whole_alphabet() -> None:
    receipts = [crypto.receipt_new() for _ in range(600)]
    assert len(set(receipts)) == len(receipts)
    counts = Counter("".join(r.replace("-", "") for r in receipts))
    # 12,000 symbols: every one of the 32 must appear, none may dominate.
    assert set(counts) == set(ALPHABET)
    assert max(counts.values()) < 3 * (12_000 / 32)


def test_normalize_accepts_what_people_type() -> None:
    receipt = crypto.receipt_new()
    compact = receipt.replace("-", "")
    assert crypto.receipt_normalize(receipt) == receipt
    assert crypto.receipt_normalize(receipt.lower()) == receipt
    assert crypto.receipt_normalize(compact) == receipt
    assert crypto.receipt_normalize(" ".join(receipt.split("-"))) == receipt
    assert crypto.receipt_normalize(f"  {compact[:10]}\t{compact[10:]}\n") == receipt
    assert crypto.receipt_normalize(crypto.receipt_normalize(receipt) or "") == receipt


def test_normalize_maps_confusable_letters() -> None:
    assert crypto.receipt_normalize("OOOO-IIII-LLLL-oooo-ilil") == "0000-1111-1111-0000-1111"
    assert crypto.receipt_normalize("0000 1111 1111 0000 1111") == "0000-1111-1111-0000-1111"


@pytest.mark.parametrize("text", [
    "",
    "ABCD-EFGH-JKMN-PQRS-TVW",  # 19 symbols
    "ABCD-EFGH-JKMN-PQRS-TVWXY",  # 21 symbols
    "ABCD-EFGH-JKMN-PQRS-TVW!",  # a character outside the alphabet
    "ABCD-EFGH-JKMN-PQRS-TVW\x00",
    "ＡBCD-EFGH-JKMN-PQRS-TVWX",  # fullwidth A
    "ABCD-EFGH-JKMN-PQRS-TVW٣",  # Arabic-Indic digit three
    "A" * 10_000,
    " " * 10_000 + "ABCD-EFGH-JKMN-PQRS-TVWX",  # huge input is refused before any work
    "ABCD-" * 1_000_000,
])
def test_normalize_rejects(text: str) -> None:
    assert crypto.receipt_normalize(text) is None


@pytest.mark.parametrize("value", [None, 12345, b"ABCD-EFGH-JKMN-PQRS-TVWX", ["ABCD"]])
def test_normalize_rejects_non_text(value: object) -> None:
    assert crypto.receipt_normalize(value) is None  # type: ignore[arg-type]


def test_digest_is_keyed() -> None:
    receipt = crypto.receipt_new()
    one = crypto.receipt_digest(receipt, key="server-secret-one")
    assert re.fullmatch(r"[0-9a-f]{64}", one)
    assert one == crypto.receipt_digest(receipt, key="server-secret-one")
    assert one != crypto.receipt_digest(receipt, key="server-secret-two")
    assert one != crypto.receipt_digest(crypto.receipt_new(), key="server-secret-one")
    # not a plain (unkeyed) hash that anyone could recompute
    assert one != hashlib.sha256(receipt.encode()).hexdigest()
    assert receipt not in one and receipt.replace("-", "").lower() not in one


# Sealed boxes


@pytest.fixture
def intake_keys(tmp_path):
    private_path, public_path = tmp_path / "keys" / "intake.key", tmp_path / "keys" / "intake.pub"
    crypto.generate_intake_keys(private_path, public_path)
    return private_path, public_path


def test_generated_private_key_is_private_and_not_overwritten(intake_keys) -> None:
    private_path, public_path = intake_keys
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    before = private_path.read_text()
    crypto.generate_intake_keys(private_path, public_path)
    assert private_path.read_text() == before
    private = crypto.load_private_key(private_path)
    assert bytes(private.public_key) == bytes(crypto.load_public_key(public_path))


def test_a_private_key_without_its_public_half_gets_it(intake_keys) -> None:
    """A process killed between the two files (or another process that made only the private
    one so far) leaves a private key alone: the next call writes its public half."""
    private_path, public_path = intake_keys
    before = private_path.read_text()
    public_path.unlink()
    crypto.generate_intake_keys(private_path, public_path)
    assert private_path.read_text() == before
    assert public_path.read_text() == bytes(crypto.load_private_key(private_path).public_key).hex()


#: Run in a fresh interpreter: four forked processes, four threads each, make and read the
#: keys at once in one folder; prints each round's public keys as read, as JSON.
_RACE = """
import json, multiprocessing, sys, threading
from pathlib import Path
from traceobject.core import crypto

def generate_and_read(folder):
    private_path, public_path = Path(folder) / "intake.key", Path(folder) / "intake.pub"
    seen = []
    def one():
        crypto.generate_intake_keys(private_path, public_path)
        seen.append(bytes(crypto.load_public_key.__wrapped__(public_path)).hex())
    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen

if __name__ == "__main__":
    rounds = []
    for folder in sys.argv[1:]:
        with multiprocessing.get_context("fork").Pool(4) as pool:
            rounds.append(pool.map(generate_and_read, [folder] * 4))
    print(json.dumps(rounds))
"""


def test_processes_and_threads_making_the_keys_at_once_all_read_one_whole_key(tmp_path) -> None:
    """A server's threads and a worker may all find the keys missing at once: one pair is
    made, and nobody reads a missing, empty or half-written public key. (The processes are
    forked from a fresh interpreter of their own: forked from this multi-threaded test
    process, one could inherit a lock another thread held and wait for ever.)"""
    folders = [tmp_path / f"round{n}" for n in range(10)]
    script = tmp_path / "race.py"
    script.write_text(_RACE)
    done = subprocess.run([sys.executable, str(script), *map(str, folders)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    for folder, results in zip(folders, json.loads(done.stdout), strict=True):
        keys = {key for result in results for key in result}
        assert len(keys) == 1 and sum(map(len, results)) == 16, results
        private = crypto.load_private_key.__wrapped__(folder / "intake.key")
        assert keys == {bytes(private.public_key).hex()}
        assert sorted(p.name for p in folder.iterdir()) == ["intake.key", "intake.pub"]


def test_a_damaged_key_file_fails_clearly(tmp_path) -> None:
    for text in ("", "zz", "00" * 31):
        (tmp_path / "bad.pub").write_text(text)
        (tmp_path / "bad.key").write_text(text)
        with pytest.raises(crypto.KeyMissingError, match="not a key"):
            crypto.load_public_key.__wrapped__(tmp_path / "bad.pub")
        with pytest.raises(crypto.KeyMissingError, match="not a key"):
            crypto.load_private_key.__wrapped__(tmp_path / "bad.key")


def test_missing_keys_fail_clearly(tmp_path) -> None:
    with pytest.raises(crypto.KeyMissingError, match="not found"):
        crypto.load_public_key(tmp_path / "absent.pub")
    with pytest.raises(crypto.KeyMissingError, match="not found"):
        crypto.load_private_key(tmp_path / "absent.key")


def test_sealed_box_round_trip(intake_keys) -> None:
    private_path, public_path = intake_keys
    plaintext = "Zażółć gęślą jaźń: sold at the corner shop in Łódź".encode()
    sealed = crypto.seal(crypto.load_public_key(public_path), plaintext)
    assert sealed != plaintext
    assert plaintext not in sealed and b"corner shop" not in sealed
    assert len(sealed) > len(plaintext)  # ephemeral key + MAC
    assert crypto.unseal(crypto.load_private_key(private_path), sealed) == plaintext
    # randomized: sealing the same text twice gives different boxes
    assert crypto.seal(crypto.load_public_key(public_path), plaintext) != sealed


def test_sealed_box_cannot_be_opened_with_another_key(intake_keys) -> None:
    _private_path, public_path = intake_keys
    sealed = crypto.seal(crypto.load_public_key(public_path), b"secret tip")
    with pytest.raises(CryptoError):
        crypto.unseal(PrivateKey.generate(), sealed)


def test_tampered_sealed_box_is_refused(intake_keys) -> None:
    private_path, public_path = intake_keys
    sealed = bytearray(crypto.seal(crypto.load_public_key(public_path), b"secret tip"))
    sealed[-1] ^= 0x01
    with pytest.raises(CryptoError):
        crypto.unseal(crypto.load_private_key(private_path), bytes(sealed))


# Mailbox keys


def test_mailbox_key_is_deterministic_per_receipt_and_server_key() -> None:
    receipt = crypto.receipt_new()
    a = crypto.mailbox_private_key(receipt, key="k1")
    assert bytes(a) == bytes(crypto.mailbox_private_key(receipt, key="k1"))
    assert bytes(a) != bytes(crypto.mailbox_private_key(crypto.receipt_new(), key="k1"))
    assert bytes(a) != bytes(crypto.mailbox_private_key(receipt, key="k2"))
    # the seed is not simply the receipt or a plain hash of it
    assert bytes(a) != hashlib.sha256(receipt.encode()).digest()


def test_mailbox_message_opens_only_with_the_same_receipt() -> None:
    receipt = crypto.receipt_new()
    public = crypto.mailbox_private_key(receipt, key="k1").public_key
    sealed = crypto.seal(public, b"Where did you see it?")
    again = crypto.mailbox_private_key(receipt, key="k1")
    assert crypto.unseal(again, sealed) == b"Where did you see it?"
    with pytest.raises(CryptoError):
        crypto.unseal(crypto.mailbox_private_key(crypto.receipt_new(), key="k1"), sealed)
    with pytest.raises(CryptoError):
        crypto.unseal(crypto.mailbox_private_key(receipt, key="k2"), sealed)
