"""Opening evidence files safely (Django-free): only regular files, never a read that could
wait for ever on a pipe or a device, and a path that names the opened file itself."""

from __future__ import annotations

import os
import stat

#: What a pipe, device, socket or folder given as evidence is told.
NOT_REGULAR = "This is not a regular file (a device, pipe, socket or folder)."


class NotRegularFile(Exception):
    """The path names a pipe, device, socket or folder."""


def open_regular(path: str) -> int:
    """A read-only descriptor of the file at `path`, if it is a regular file: it is opened
    without blocking and checked on the descriptor itself, so a file swapped for a pipe
    after a walk is caught too. NotRegularFile otherwise; OSError if it cannot be opened."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(NOT_REGULAR)
    except BaseException:
        os.close(fd)
        raise
    return fd


def fd_path(fd: int, fallback: str) -> str:
    """A path naming the open file itself (not whatever `fallback` names by now), for a
    library that opens files by name; `fallback` where /proc is missing."""
    return f"/proc/self/fd/{fd}" if os.path.isdir("/proc/self/fd") else fallback
