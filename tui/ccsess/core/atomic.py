"""Atomic file writes: a private temp file in the same dir, fsync, rename, fsync the dir."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_PREFIX = ".ccsess-tmp-"
_deferred = threading.local()


@contextmanager
def deferred_sync() -> Iterator[None]:
    """Journal appends and directory entries made by this thread inside the block are made durable once, at its
    end, instead of one fsync each: for bulk imports, which a crash in the middle only makes run again. Whole-file
    replacements are still synced before their rename."""
    pending: set[str] = set()
    _deferred.paths = pending
    try:
        yield
    finally:
        _deferred.paths = None
        for path in sorted(pending):
            _sync_path(path)


def sync_later(fd: int, path: Path | str) -> None:
    """fsync ``fd`` now, or at the end of the ``deferred_sync`` block this thread is in."""
    pending = getattr(_deferred, "paths", None)
    if pending is None:
        os.fsync(fd)
    else:
        pending.add(str(path))


def _sync_path(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if os.path.isdir(path) else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path | str, data: bytes, *, mode: int = 0o600) -> None:
    path = Path(path)
    # mkstemp creates the file 0600 already; chmod covers a different requested mode.
    fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode != 0o600:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path | str, text: str, *, mode: int = 0o600) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def fsync_dir(directory: Path | str) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    pending = getattr(_deferred, "paths", None)
    if pending is not None:
        pending.add(str(directory))
    else:
        _sync_path(str(directory))


def clean_stale_temp_files(directory: Path | str, *, older_than: float = 60.0) -> int:
    """Remove temp files a crashed writer left behind; young ones may belong to a live writer."""
    removed = 0
    cutoff = time.time() - older_than
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed
