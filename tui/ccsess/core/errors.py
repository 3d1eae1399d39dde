"""Errors raised by the store. ``str()`` of each is a line fit to show the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccsess.core.models import Session


class StoreError(Exception):
    """Base class: anything the store cannot do, explained in one line."""


class StoreLocked(StoreError):
    pass


class DataDirError(StoreError):
    """The data dir cannot be used (a file, or not writable)."""


class SessionNotFound(StoreError):
    pass


class MessageNotFound(StoreError):
    pass


class AmbiguousSession(StoreError):
    def __init__(self, ref: str, candidates: list[Session]) -> None:
        self.ref = ref
        self.candidates = candidates
        shown = ", ".join(f"{s.id} ({s.name})" for s in candidates[:10])
        more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        super().__init__(f"'{ref}' matches {len(candidates)} sessions: {shown}{more}")


class InvalidName(StoreError):
    pass


class CorruptFile(StoreError):
    """A store file that cannot be read as what it should be; the store moves it aside."""


class EngineError(Exception):
    """A session action that cannot be done now (branch with nothing to branch from, regenerate while busy)."""


class GitError(Exception):
    """git is missing, a folder is not what a git action needs, or a git command failed; ``str()`` is one line."""
