"""Sealed boxes, receipts and mailbox keys.

- Tips are sealed (libsodium sealed box) to the intake public key; only the internal role, which
  holds the private key, can open them.
- A receipt is 20 symbols of Crockford base32 (100 bits), shown once, grouped as XXXX-XXXX-...
  It is stored only as HMAC-SHA256 under a server secret.
- From a receipt we derive a mailbox key pair: staff seal questions to its public key, and only
  someone holding the receipt can derive the private key to read them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from functools import lru_cache
from pathlib import Path

from nacl.public import PrivateKey, PublicKey, SealedBox

RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RECEIPT_SYMBOLS = 20  # 20 * 5 = 100 bits of entropy
RECEIPT_GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_MAILBOX_CONTEXT = b"traceobject mailbox key v1"


class KeyMissingError(RuntimeError):
    """The intake key pair is not where the settings say."""


def receipt_new() -> str:
    # 100 random bits, 5 per symbol (one read of the system's random source).
    number = int.from_bytes(secrets.token_bytes(13), "big") >> 4
    symbols = "".join(
        RECEIPT_ALPHABET[(number >> (5 * i)) & 31] for i in range(RECEIPT_SYMBOLS)
    )
    return "-".join(
        symbols[i : i + RECEIPT_GROUP] for i in range(0, RECEIPT_SYMBOLS, RECEIPT_GROUP)
    )


def receipt_normalize(text: str) -> str | None:
    """Canonical form of a receipt as typed by a person, or None if it cannot be one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = "".join(ch for ch in text.upper() if ch not in " -_.\t\r\n").translate(_CONFUSABLE)
    if len(compact) != RECEIPT_SYMBOLS or any(ch not in RECEIPT_ALPHABET for ch in compact):
        return None
    return "-".join(
        compact[i : i + RECEIPT_GROUP] for i in range(0, RECEIPT_SYMBOLS, RECEIPT_GROUP)
    )


def receipt_digest(receipt: str, *, key: str) -> str:
    """Keyed hash under which a (normalized) receipt is stored."""
    return hmac.new(key.encode(), receipt.encode(), hashlib.sha256).hexdigest()


def mailbox_private_key(receipt: str, *, key: str) -> PrivateKey:
    """Derive the tipster's mailbox key from the receipt (and a server secret, so a receipt
    alone, without the server, opens nothing either)."""
    seed = hashlib.blake2b(
        receipt.encode(), key=_mailbox_secret(key), person=b"to-mailbox-v1", digest_size=32,
    ).digest()
    return PrivateKey(seed)


@lru_cache(maxsize=4)
def _mailbox_secret(key: str) -> bytes:
    """The blake2b key of mailbox_private_key: the same for every receipt, hashed once."""
    return hashlib.sha256(key.encode()).digest()


def seal(public_key: PublicKey, plaintext: bytes) -> bytes:
    return bytes(SealedBox(public_key).encrypt(plaintext))


def unseal(private_key: PrivateKey, ciphertext: bytes) -> bytes:
    return bytes(SealedBox(private_key).decrypt(ciphertext))


_key_lock = threading.Lock()


def private_file_create(path: Path, text: str) -> bool:
    """Write `text` to a new file only its owner may read (0600, in a 0700 folder); False,
    and nothing written, if the file exists already (another process made it first).

    The file appears whole or not at all: it is written under a temporary name and linked
    to `path`, so a reader in another process never sees it empty or half written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, path)  # fails if the name is taken: never overwrites
        except FileExistsError:
            return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def public_file_write(path: Path, text: str) -> None:
    """Write a file others may read, replacing it in one step (readers see old or new)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def generate_intake_keys(private_path: Path, public_path: Path) -> None:
    """Create an intake key pair (private file 0600). Keeps an existing private key; writes
    its public half if that is missing (another process, or one killed between the two
    files, made only the private one)."""
    with _key_lock:
        if not private_path.exists():
            private_file_create(private_path, bytes(PrivateKey.generate()).hex())
        if not public_path.exists():
            key = _private_key_read(private_path)
            public_file_write(public_path, bytes(key.public_key).hex())


def _private_key_read(path: Path) -> PrivateKey:
    try:
        return PrivateKey(bytes.fromhex(path.read_text().strip()))
    except FileNotFoundError:
        raise KeyMissingError(f"intake private key not found at {path}")
    except (ValueError, TypeError):  # not hex, or not 32 bytes
        raise KeyMissingError(f"intake private key at {path} is not a key") from None


@lru_cache(maxsize=4)
def load_public_key(path: Path) -> PublicKey:
    try:
        return PublicKey(bytes.fromhex(path.read_text().strip()))
    except FileNotFoundError:
        raise KeyMissingError(f"intake public key not found at {path}")
    except (ValueError, TypeError):  # not hex, or not 32 bytes
        raise KeyMissingError(f"intake public key at {path} is not a key") from None


@lru_cache(maxsize=4)
def load_private_key(path: Path) -> PrivateKey:
    return _private_key_read(path)
