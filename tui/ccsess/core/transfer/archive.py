"""Sessions that move: every session exported in one go, and ccsess's own JSON exports restored.

Restoring is idempotent: a session already here with every message of the file (same ids, same content) is left
as it is; one whose id is taken by different content comes in as a copy with a new id. Branch links are kept when
the parent is here or comes in the same batch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ccsess.core.atomic import deferred_sync
from ccsess.core.errors import StoreError
from ccsess.core.models import Event, Message, Session, new_id
from ccsess.core.store.api import SessionStore
from ccsess.core.store.images import inline_images
from ccsess.core.text import slug
from ccsess.core.transfer.export import EXPORT_SCHEMA_VERSION, ExportError, export_to_file

Progress = Callable[[int, int], None]


@dataclass
class RestoreReport:
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # one line each: what was copied, and as what
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"restored {len(self.restored)} sessions ({len(self.copies)} as copies), "
                f"{len(self.unchanged)} already here")


@dataclass
class _Document:
    source: str
    session: Session
    messages: list[Message]
    events: list[Event]


def read_export(source: str, text: str) -> _Document:
    """One JSON export; ValueError with a one-line reason when it is not one this ccsess can read."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError(f"{source}: not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("session"), dict) \
            or not isinstance(data.get("messages"), list):
        raise ValueError(f"{source}: not a ccsess JSON export (no session and messages)")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > EXPORT_SCHEMA_VERSION:
        raise ValueError(f"{source}: written by a newer ccsess ({data.get('generator', 'unknown')}, schema "
                         f"{version}); this one reads schema {EXPORT_SCHEMA_VERSION}: upgrade ccsess to import it")
    try:
        session = Session.from_dict(data["session"])
        messages = [Message.from_dict(m) for m in data["messages"]]
        events = [Event.from_dict(e) for e in data.get("events") or []]
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"{source}: a session, message or event is malformed ({exc})") from None
    return _Document(source, session, messages, events)


def _holds(store: SessionStore, document: _Document) -> bool:
    """Whether the stored session with the document's id has every message of it, unchanged."""
    stored = {m.id: m for m in store.messages(document.session.id, all_versions=True)}

    def as_exported(message: Message) -> dict[str, Any]:
        # Exports carry images inline; the store keeps them as files.
        return dict(message.to_dict(), blocks=inline_images(store.data_dir, message.blocks))

    return all(m.id in stored and as_exported(stored[m.id]) == m.to_dict() for m in document.messages)


def restore(store: SessionStore, documents: Iterable[tuple[str, str]]) -> RestoreReport:
    """Restore ``(source, text)`` JSON exports into ``store``."""
    report = RestoreReport()
    read: list[_Document] = []
    for source, text in documents:
        try:
            read.append(read_export(source, text))
        except ValueError as exc:
            report.problems.append(str(exc))
    present = {s.id for s in store.list_sessions(include_archived=True)}
    incoming = {d.session.id for d in read}
    renamed: dict[str, str] = {}
    # Parents first, so a branch finds the id its parent ends up with.
    read.sort(key=lambda d: (d.session.parent_id in incoming, d.session.created))
    # Durable once at the end: a restore cut short is run again, and what is here already is left alone.
    with deferred_sync():
        for document in read:
            session = document.session
            if session.id in present and _holds(store, document):
                report.unchanged.append(session.id)
                continue
            new = session.id
            if session.id in present:
                new = new_id()
                while new in present:
                    new = new_id()
                renamed[session.id] = new
                report.copies.append(f"{document.source}: session {session.id} is already here with other content; "
                                     f"imported as a copy, {new}")
            parent = renamed.get(session.parent_id or "", session.parent_id)
            try:
                _write(store, replace(session, id=new, parent_id=parent if parent in present | incoming else None),
                       document)
            except StoreError as exc:
                report.problems.append(f"{document.source}: {exc}")
                continue
            present.add(new)
            report.restored.append(new)
    return report


def _write(store: SessionStore, session: Session, document: _Document) -> None:
    row = session.to_dict()
    for key in ("id", "name", "project", "message_count"):
        row.pop(key)
    if row.get("status") == "active":
        row["status"] = "stopped"
    store.create_session(session.name, session.project, id=session.id, **row)
    messages = document.messages
    if messages:
        store.append_messages(session.id, messages, active_at=session.last_active)
    for event in document.events:
        store.add_event(session.id, event)
    store.update_session(session.id, updated=session.updated, last_active=session.last_active)


def documents_at(path: str, stdin_text: Callable[[], str]) -> list[tuple[str, str]]:
    """The JSON exports named by ``path``: a file, a folder of ``*.json`` files, or ``-`` for standard input."""
    if path == "-":
        return [("standard input", stdin_text())]
    where = Path(path).expanduser()
    files = sorted(where.glob("*.json")) if where.is_dir() else [where]
    found = []
    for file in files:
        try:
            found.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None
    return found


def export_all(store: SessionStore, folder: str | os.PathLike[str], fmt: str = "md", project: str | None = None,
               progress: Progress | None = None) -> list[Path]:
    """Every session (those started in ``project`` or below, if given) into ``folder``, one file each named
    ``<name>-<id>.<md|json>``."""
    target = Path(folder).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot write to {target}: {exc.strerror or exc}") from None
    sessions = store.list_sessions(include_archived=True)
    if project:
        root = Path(os.path.abspath(Path(project).expanduser()))
        sessions = [s for s in sessions if Path(s.project) == root or root in Path(s.project).parents]
    written = []
    # The files are made durable together at the end, not one fsync each.
    with deferred_sync():
        for done, session in enumerate(sessions, 1):
            name = f"{slug(session.name)}-{session.id}.{fmt}"
            # An archive of everything is not an event of each session: nothing is written to the sessions.
            written.append(export_to_file(store, session.id, target / name, fmt, log_event=False, session=session))
            if progress is not None:
                progress(done, len(sessions))
    return written

