"""The evidence store, the same to every caller whether it is a folder or an S3-compatible bucket.

Django's Storage API is used (size, open, save, delete); the only local path asked for is a
folder store's file for the frame reader to open in place (evidence_local_path), and the
only S3 call of its own is the streamed download of a whole object (evidence_download).
Errors of the S3 client (botocore) are turned into EvidenceStoreError with a message that names
the bucket and endpoint and says what to check; a missing object is FileNotFoundError on both.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

from traceobject.evidence.storage_settings import P


class EvidenceStoreError(OSError):
    """The evidence store could not be reached, refused the request, or is misconfigured."""


def evidence_storage() -> Storage:
    return storages["evidence"]


def _where(storage: Storage) -> str:
    bucket = getattr(storage, "bucket_name", None)
    endpoint = getattr(storage, "endpoint_url", None) or "AWS S3"
    return f"bucket {bucket!r} at {endpoint}"


def _client_error_message(error: Any, where: str) -> str:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in ("NoSuchBucket", "404", "NotFound") or status == 404:
        return f"{where}: the bucket does not exist (create it, or fix {P}BUCKET)"
    if status in (401, 403) or code in ("AccessDenied", "InvalidAccessKeyId",
                                         "SignatureDoesNotMatch", "Forbidden", "403"):
        return (f"{where}: access refused ({code or status}); check {P}ACCESS_KEY_ID, "
                f"{P}SECRET_ACCESS_KEY, {P}REGION and the bucket policy")
    return f"{where}: {code or status}: {details.get('Message', '') or error}"


def _store_error(error: Exception, storage: Storage) -> EvidenceStoreError | None:
    """A clear EvidenceStoreError for an S3 client error; None for anything else."""
    try:
        from botocore import exceptions as boto
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return None
    where = _where(storage)
    if isinstance(error, boto.NoCredentialsError | boto.PartialCredentialsError):
        return EvidenceStoreError(f"{where}: no credentials found; set {P}ACCESS_KEY_ID and "
                                  f"{P}SECRET_ACCESS_KEY")
    if isinstance(error, boto.EndpointConnectionError | boto.ConnectionClosedError
                  | boto.ConnectTimeoutError | boto.ReadTimeoutError):
        return EvidenceStoreError(f"{where}: cannot reach the endpoint ({error}); check "
                                  f"{P}ENDPOINT_URL and the network")
    if isinstance(error, boto.ClientError):
        return EvidenceStoreError(_client_error_message(error, where))
    if isinstance(error, boto.BotoCoreError):
        return EvidenceStoreError(f"{where}: {error}")
    return None


@contextmanager
def _translated(storage: Storage) -> Iterator[None]:
    try:
        yield
    except OSError:
        raise  # FileNotFoundError for a missing object, EvidenceStoreError, disk errors
    except Exception as error:
        clear = _store_error(error, storage)
        if clear is None:
            raise
        raise clear from error


def evidence_put(*, key: str, data: bytes) -> bool:
    """Store `data` under `key` unless an object of the same size is there; True if written.

    Keys are content addresses (or random, for crops), so an object of the right size is the
    right object; one of another size is a partial file left by a killed run and is replaced.
    An S3 PUT appears whole or not at all; on the filesystem a row points at a key only after
    the file was written completely.
    """
    storage = evidence_storage()
    with _translated(storage):
        try:
            if storage.size(key) == len(data):
                return False
        except FileNotFoundError:
            pass
        else:
            storage.delete(key)
        saved = storage.save(key, ContentFile(data))
        if saved != key:
            # The filesystem store renames when another process wrote the key meanwhile.
            storage.delete(saved)
            if storage.size(key) != len(data):
                raise EvidenceStoreError(f"the evidence store wrote {saved!r} instead of {key!r}")
    return True


class EvidenceFileChanged(OSError):
    """The file read into the store was not the one analysed (it changed meanwhile)."""


class _HashingReader(io.RawIOBase):
    """A file read once, front to back, its SHA-256 taken on the way (no seeking)."""

    def __init__(self, fh: Any, size: int) -> None:
        super().__init__()
        self.fh, self.size, self.read_bytes = fh, size, 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n: int = self.fh.readinto(buffer)
        self.sha256.update(memoryview(buffer)[:n])
        self.read_bytes += n
        return n


def evidence_put_file(*, key: str, path: str, sha256: str) -> bool:
    """Store the file at `path` under `key`, streamed in chunks (a video need not fit in
    memory), unless an object of the same size is there; True if written. The bytes are
    hashed on the way: if they are not `sha256` (the file changed since it was analysed) the
    object is removed again and EvidenceFileChanged is raised."""
    storage = evidence_storage()
    with _translated(storage), open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        try:
            if storage.size(key) == size:
                return False
        except FileNotFoundError:
            pass
        else:
            storage.delete(key)
        reader = _HashingReader(fh, size)
        saved = storage.save(key, File(cast(Any, reader), name=os.path.basename(key)))
        if reader.sha256.hexdigest() != sha256:
            storage.delete(saved)
            raise EvidenceFileChanged(f"{path} changed while it was being stored")
        if saved != key:
            storage.delete(saved)
            if storage.size(key) != reader.read_bytes:
                raise EvidenceStoreError(f"the evidence store wrote {saved!r} instead of {key!r}")
    return True


def evidence_delete(*, key: str) -> None:
    """Remove a stored object (nothing if it is not there)."""
    storage = evidence_storage()
    with _translated(storage):
        storage.delete(key)


def evidence_read(*, key: str) -> bytes:
    """The stored bytes; FileNotFoundError if there is no such object."""
    storage = evidence_storage()
    with _translated(storage), storage.open(key, "rb") as fh:
        data = fh.read()
    return bytes(data)


def evidence_open(*, key: str) -> File | None:
    """An open stored file to stream in a response (the caller closes it); None if missing.

    One request instead of exists() + open(). An S3 object is fetched whole into memory on
    the first read (django-storages' S3File), then served from there.
    """
    storage = evidence_storage()
    if not key:
        return None
    try:
        with _translated(storage):
            return storage.open(key, "rb")
    except FileNotFoundError:
        return None


def evidence_size(*, key: str) -> int:
    """The stored object's size in bytes; FileNotFoundError if there is no such object."""
    storage = evidence_storage()
    with _translated(storage):
        return int(storage.size(key))


def evidence_local_path(*, key: str) -> str | None:
    """The file of a folder store (read in place); None for a store without local files."""
    try:
        return str(evidence_storage().path(key))
    except NotImplementedError:
        return None


def evidence_download(*, key: str, out: Any) -> None:
    """The stored object's bytes written to `out` (anything with ``write``), streamed: an S3
    object is fetched with the S3 client's download, not read whole into memory.
    FileNotFoundError if there is no such object."""
    storage = evidence_storage()
    with _translated(storage):
        bucket = getattr(storage, "bucket", None)
        if bucket is None:
            with storage.open(key, "rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    out.write(chunk)
            return
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        name = storage._normalize_name(clean_name(key))  # type: ignore[attr-defined]
        try:
            bucket.Object(name).download_fileobj(out)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or error.response.get("Error", {}).get("Code") in (
                    "404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(errno.ENOENT, "no such stored object", key) from None
            raise


def evidence_store_check() -> None:
    """Raise EvidenceStoreError if the store cannot be used (for S3: the bucket cannot be
    reached with the configured endpoint and credentials). The filesystem needs no check."""
    storage = evidence_storage()
    bucket = getattr(storage, "bucket_name", None)
    if bucket is None:
        return
    with _translated(storage):
        storage.connection.meta.client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
