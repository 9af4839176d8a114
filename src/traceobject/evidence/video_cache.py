"""A stored video as a local file the frame reader opens: read in place from a folder store;
from an S3 store, fetched once into a bounded local cache and read from there on every step.

The cache is ``settings.VIDEO_CACHE_DIR`` ($TRACEOBJECT_HOME/cache/videos/), one file per
video named by its SHA-256, folder 0700 and files 0600. A video is fetched into a temporary
file in that folder, hashed on the way, and renamed into place only if it is the video's
SHA-256. Before a cached file is used it is checked against the stamp written when it was
last hashed (size, inode, modification and change times): a file changed since (its bytes
rewritten, even with its modification time put back: the change time cannot be) is hashed
again, and fetched again if it no longer matches. One lock file per video makes concurrent
requests for the same video fetch it once. The cache holds at most
``settings.VIDEO_CACHE_BYTES``: before a fetch, the least recently used videos (not those
being fetched) are removed until the new one fits; a video larger than the whole bound is
fetched into an unnamed temporary file for the one request. A file being read when it is
removed stays readable to its reader (the reader holds it open).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.conf import settings

from traceobject.evidence.storage import evidence_download, evidence_local_path, evidence_size
from traceobject.vision.files import fd_path

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024
#: A temporary file older than this is what a killed process left: removed when evicting.
_STALE_PART_SECONDS = 24 * 3600


class VideoCacheMismatch(ValueError):
    """The bytes fetched from the store are not the video's SHA-256 (the stored object is
    damaged or replaced)."""


@contextmanager
def video_local_file(*, key: str, sha256: str) -> Iterator[str]:
    """A path FFmpeg can open, holding the stored video ``key`` (SHA-256 ``sha256``) for as
    long as the block runs. FileNotFoundError if the store has no such object;
    VideoCacheMismatch if the store's bytes are not ``sha256``; EvidenceStoreError if the
    store fails."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("a video's SHA-256 is 64 lowercase hex digits")
    local = evidence_local_path(key=key)
    if local is not None:
        fd = os.open(local, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    else:
        fd = _cached(key, sha256)
    try:
        yield fd_path(fd, local or f"/dev/fd/{fd}")
    finally:
        os.close(fd)


def _folder() -> Path:
    folder = Path(settings.VIDEO_CACHE_DIR)
    for level in (folder.parent, folder):
        with suppress(FileExistsError):
            level.mkdir(mode=0o700, parents=True)
    os.chmod(folder, 0o700)
    return folder


@contextmanager
def _locked(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive lock on the file at `path` (created 0600); without `wait`, False at
    once if another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _stamp_of(fd: int) -> str:
    info = os.fstat(fd)
    return f"{info.st_size} {info.st_ino} {info.st_mtime_ns} {info.st_ctime_ns}"


def _hash_fd(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, _CHUNK, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def _write_private(path: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(temporary, path)


def _open_verified(path: Path, stamp_path: Path, sha256: str) -> int | None:
    """The cached file opened, if it is the video; None (and the file removed) if it is
    missing or its bytes are not the video's."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    try:
        stamp = _stamp_of(fd)
        try:
            known = stamp_path.read_text()
        except FileNotFoundError:
            known = ""
        if known != stamp:
            if _hash_fd(fd) != sha256:
                logger.warning("video cache: %s is damaged (its bytes are not its SHA-256); "
                               "fetching it again", path)
                os.close(fd)
                for gone in (path, stamp_path):
                    with suppress(FileNotFoundError):
                        gone.unlink()
                return None
            _write_private(stamp_path, stamp)
        os.utime(stamp_path)  # its modification time: when the video was last used
    except BaseException:
        with suppress(OSError):
            os.close(fd)
        raise
    return fd


class _HashingWriter:
    def __init__(self, fh: Any) -> None:
        self.fh, self.sha256, self.size = fh, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return int(self.fh.write(data))


def _fetch(key: str, sha256: str, folder: Path) -> tuple[int, str]:
    """The object fetched into a new temporary file in `folder` (0600): its descriptor
    (open for reading) and its name. VideoCacheMismatch if it is not `sha256`."""
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with open(fd, "wb", closefd=False) as out:
            writer = _HashingWriter(out)
            evidence_download(key=key, out=writer)
        if writer.sha256.hexdigest() != sha256:
            raise VideoCacheMismatch(f"the stored video {key} is not its SHA-256 {sha256}")
    except BaseException:
        os.close(fd)
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return fd, temporary


def _cached(key: str, sha256: str) -> int:
    """The cached copy of the video, opened (fetched first when it is not there)."""
    folder = _folder()
    path, stamp_path = folder / sha256, folder / f"{sha256}.ok"
    bound = int(settings.VIDEO_CACHE_BYTES)
    with _locked(folder / f"{sha256}.lock"):
        fd = _open_verified(path, stamp_path, sha256)
        if fd is not None:
            return fd
        size = evidence_size(key=key)
        if size > bound:
            # Larger than the whole cache: a temporary copy for this request only.
            fd, temporary = _fetch(key, sha256, folder)
            os.unlink(temporary)
            return fd
        _evict(folder, room=size, bound=bound, keep=sha256)
        fd, temporary = _fetch(key, sha256, folder)
        try:
            os.replace(temporary, path)
            _write_private(stamp_path, _stamp_of(fd))
        except BaseException:
            os.close(fd)
            raise
        return fd


def cached_videos() -> list[tuple[str, int, float]]:
    """(SHA-256, bytes, last used) of every video in the cache, least recently used first."""
    folder = Path(settings.VIDEO_CACHE_DIR)
    found = []
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    for name in names:
        if not _SHA256.fullmatch(name):
            continue
        try:
            size = (folder / name).stat().st_size
        except FileNotFoundError:
            continue
        try:
            used = (folder / f"{name}.ok").stat().st_mtime
        except FileNotFoundError:
            used = 0.0
        found.append((name, size, used))
    found.sort(key=lambda item: (item[2], item[0]))
    return found


def _evict(folder: Path, *, room: int, bound: int, keep: str) -> None:
    """Remove the least recently used videos until `room` more bytes fit under `bound`
    (a video someone is fetching right now is skipped), and stale temporary files."""
    with _locked(folder / ".evict.lock"):
        now = time.time()
        for name in os.listdir(folder):
            if name.startswith(".part-"):
                with suppress(FileNotFoundError):
                    if now - (folder / name).stat().st_mtime > _STALE_PART_SECONDS:
                        (folder / name).unlink()
        videos = cached_videos()
        total = sum(size for _sha, size, _used in videos)
        for sha, size, _used in videos:
            if total + room <= bound:
                break
            if sha == keep:
                continue
            with _locked(folder / f"{sha}.lock", wait=False) as free:
                if not free:
                    continue
                for gone in (folder / sha, folder / f"{sha}.ok", folder / f"{sha}.lock"):
                    with suppress(FileNotFoundError):
                        gone.unlink()
            total -= size


__all__ = ["VideoCacheMismatch", "cached_videos", "video_local_file"]
