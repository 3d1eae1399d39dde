"""The store of record: TinyDB files under the data dir, the only way anything touches the data.

``index.json`` holds one row per session (no transcript) plus settings; ``sessions/<id>.json`` holds one
session's messages, events and a copy of its row. Both are journaled (see ``storage``), so appending a message
writes the message and the changed row, whatever the size of the transcript or the number of sessions. Every
access holds the file's lock, so several ccsess processes can share a data dir.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccsess.core.atomic import clean_stale_temp_files
from ccsess.core.models import STATUSES, Session, new_id, now
from ccsess.core.paths import ensure_private_dir
from ccsess.core.store.journal import Tables
from ccsess.core.store.documents import (
    MESSAGES,
    SESSION_COPY,
    SESSIONS,
    SETTINGS,
    clone,
    deletion,
    entry,
    match_ref,
    plain,
    rows_from_session_files,
    session_from_row,
)
from ccsess.core.errors import (
    AmbiguousSession,
    CorruptFile,
    DataDirError,
    InvalidName,
    MessageNotFound,
    SessionNotFound,
    StoreError,
    StoreLocked,
)
from ccsess.core.store.files import META_KEY, META_TABLE, StoreFile, meta_entry
from ccsess.core.text import clean_name
from ccsess.core.store.recent import SessionListing, Stamp
from ccsess.core.store.transcripts import TranscriptAccess

if TYPE_CHECKING:
    from ccsess.core.search import SearchIndex

__all__ = [
    "AmbiguousSession",
    "DataDirError",
    "InvalidName",
    "MessageNotFound",
    "SessionNotFound",
    "Store",
    "StoreError",
    "StoreLocked",
    "clean_name",
]

OPEN_SESSION_FILES = 64
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SESSION_FIELDS = {f.name for f in dataclasses.fields(Session)}


class Store(SessionListing, TranscriptAccess):
    def __init__(self, data_dir: Path, *, lock_timeout: float = 5.0, defer_open: bool = False) -> None:
        """``defer_open`` leaves reading the index (and the checks that come with it) to the first call that
        needs it or to ``open_index``, so a window can show ``recent_view`` first."""
        self.data_dir = Path(data_dir)
        self.lock_timeout = lock_timeout
        self.problems: list[str] = []
        self.sessions_dir = self.data_dir / "sessions"
        self.logs_dir = self.data_dir / "logs"
        for directory in (self.data_dir, self.sessions_dir, self.logs_dir):
            ensure_private_dir(directory)
        self._mutex = threading.RLock()
        self._opened = False
        self._listed_stamp: Stamp | None = None
        self._files: OrderedDict[str, StoreFile] = OrderedDict()
        self._live_partials: set[tuple[str, str]] = set()
        self._search_index: SearchIndex | None = None
        self._index = StoreFile(
            self.data_dir / "index.json", data_dir=self.data_dir, lock_timeout=lock_timeout
        )
        if not defer_open:
            self.open_index()

    def open_index(self) -> None:
        """Read the index, rebuilding it when it is missing; clear temp files a crashed writer left."""
        with self._mutex:
            if self._opened:
                return
            self._opened = True
            try:
                for directory in (self.data_dir, self.sessions_dir):
                    clean_stale_temp_files(directory)
                with self._index_tables():
                    pass
                index_files = (self._index.path, self._index.storage.journal_path)
                if not any(p.exists() for p in index_files) and any(self.sessions_dir.glob("*.json")):
                    with self._index.lock():
                        self._rebuild_index("the session index was missing")
            except BaseException:
                self._opened = False
                raise

    # Sessions -----------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Fold the journals of the files this store wrote into their snapshots, so the data dir holds plain
        TinyDB JSON between runs. Nothing depends on it: a journal left by a crash is replayed on open."""
        with self._mutex:
            for store_file in [self._index, *self._files.values()]:
                if not store_file.written:
                    continue
                try:
                    with store_file.lock():
                        store_file.fold_journal()
                except (StoreError, OSError):
                    continue

    def list_sessions(self, *, include_archived: bool = False) -> list[Session]:
        with self._index_tables() as tables:
            sessions = [session_from_row(row) for row in tables.get(SESSIONS, {}).values()]
        if not include_archived:
            sessions = [s for s in sessions if s.status != "archived"]
        sessions.sort(key=lambda s: s.last_active, reverse=True)
        return sessions

    def get_session(self, session_id: str) -> Session:
        with self._index_tables() as tables:
            return session_from_row(self._row(tables, session_id))

    def resolve(self, ref: str) -> Session:
        """Find a session by exact id, exact name, unique id prefix or unique name prefix."""
        with self._index_tables() as tables:
            rows = list(tables.get(SESSIONS, {}).values())
        found = match_ref(rows, ref)
        if len(found) == 1:
            return session_from_row(found[0])
        if found:
            candidates = [session_from_row(r) for r in found]
            raise AmbiguousSession(ref, sorted(candidates, key=lambda s: s.last_active, reverse=True))
        raise SessionNotFound(f"no session matches '{ref}'")

    def create_session(self, name: str, project: str, **fields: Any) -> Session:
        unknown = set(fields) - _SESSION_FIELDS
        if unknown:
            raise TypeError(f"unknown session fields: {', '.join(sorted(unknown))}")
        cleaned = clean_name(name, allow_empty=True) or "untitled"
        with self._mutex, self._index_tables() as tables:
            rows = tables.get(SESSIONS, {})
            session_id = fields.pop("id", None)
            if session_id is not None and (session_id in rows or self._session_path(session_id).exists()):
                raise StoreError(f"a session with id {session_id} already exists")
            while session_id is None or session_id in rows or self._session_path(session_id).exists():
                session_id = new_id()
            doc = {k: plain(v) for k, v in fields.items()}
            doc.update(id=session_id, name=cleaned, project=str(project))
            session = Session.from_dict(doc)
            self._check_status(session.status)
            row = session.to_dict()
            session_file = self._session_file(session_id)
            with session_file.lock():
                session_file.storage.write(
                    {META_TABLE: {META_KEY: meta_entry()["doc"]}, SESSION_COPY: {session_id: row}}
                )
            self._index.write_entries([entry(SESSIONS, session_id, row)])
        return session_from_row(row)

    def update_session(self, session_id: str, **fields: Any) -> Session:
        unknown = set(fields) - _SESSION_FIELDS - {"id"}
        if unknown or fields.get("id", session_id) != session_id:
            raise TypeError(f"cannot update session fields: {', '.join(sorted(unknown)) or 'id'}")
        if "name" in fields:
            fields["name"] = clean_name(fields["name"])
        changes = {k: plain(v) for k, v in fields.items()}
        if "status" in fields:
            self._check_status(fields["status"])
            # Whose turn it is, so that a session left active by a killed process can be told apart.
            changes["active_pid"] = os.getpid() if fields["status"] == "active" else None
        changes.setdefault("updated", now())
        return self._change_row(session_id, lambda row: row.update(changes))

    def add_totals(
        self,
        session_id: str,
        *,
        cost_usd: float = 0.0,
        input_tokens: int = 0,
        output_tokens: int = 0,
        turns: int = 0,
    ) -> Session:
        def add(row: dict[str, Any]) -> None:
            totals = dict(row.get("totals") or {})
            totals["cost_usd"] = totals.get("cost_usd", 0.0) + cost_usd
            totals["input_tokens"] = totals.get("input_tokens", 0) + input_tokens
            totals["output_tokens"] = totals.get("output_tokens", 0) + output_tokens
            totals["turns"] = totals.get("turns", 0) + turns
            row["totals"] = totals
            row["updated"] = now()

        return self._change_row(session_id, add)

    def delete_session(self, session_id: str) -> None:
        with self._mutex, self._index_tables() as tables:
            self._row(tables, session_id)
            session_file = self._session_file(session_id)
            with session_file.lock():
                session_file.remove_files()
            self._index.write_entries([deletion(SESSIONS, session_id)])
            session_file.remove_lock_file()
            self._files.pop(session_id, None)
            try:
                (self.logs_dir / f"{session_id}.stderr.log").unlink()
            except FileNotFoundError:
                pass
        self.search_index.remove_session(session_id)

    # Settings -----------------------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._index_tables() as tables:
            doc = tables.get(SETTINGS, {}).get(key)
            return clone(doc["value"]) if doc and "value" in doc else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._mutex, self._index_tables():
            self._index.write_entries([entry(SETTINGS, key, {"value": clone(value)})])

    # Search -------------------------------------------------------------------------------------------------

    @property
    def search_index(self) -> SearchIndex:
        """The full-text index, fed as finished messages are written (a cache; see ``search``)."""
        if self._search_index is None:
            from ccsess.core.search import SearchIndex

            self._search_index = SearchIndex(self.data_dir)
        return self._search_index

    # Paths --------------------------------------------------------------------------------------------------

    def log_path(self, session_id: str) -> Path:
        return self.logs_dir / f"{session_id}.stderr.log"

    def _session_path(self, session_id: str) -> Path:
        return self.sessions_dir / f"{session_id}.json"

    # Internals ----------------------------------------------------------------------------------------------

    def _problem(self, line: str) -> None:
        if line not in self.problems:
            self.problems.append(line)

    @staticmethod
    def _check_status(status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown session status {status!r}")

    @staticmethod
    def _row(tables: Tables, session_id: str) -> dict[str, Any]:
        row = tables.get(SESSIONS, {}).get(session_id)
        if row is None:
            raise SessionNotFound(f"no session with id {session_id}")
        return row

    def _session_file(self, session_id: str) -> StoreFile:
        if not _SESSION_ID.fullmatch(session_id):
            raise SessionNotFound(f"no session with id {session_id!r}")
        session_file = self._files.get(session_id)
        if session_file is None:
            session_file = StoreFile(
                self._session_path(session_id), data_dir=self.data_dir, lock_timeout=self.lock_timeout
            )
            self._files[session_id] = session_file
            while len(self._files) > OPEN_SESSION_FILES:
                self._files.popitem(last=False)
        else:
            self._files.move_to_end(session_id)
        return session_file

    @contextmanager
    def _index_tables(self) -> Iterator[Tables]:
        if not self._opened:
            self.open_index()
        with self._mutex, self._index.lock():
            try:
                tables = self._index.load()
            except CorruptFile as exc:
                moved = self._index.quarantine().relative_to(self.data_dir)
                tables = self._rebuild_index(
                    f"the session index could not be read ({exc}); moved it aside to {moved}"
                )
            yield tables

    @contextmanager
    def _session_tables(self, session_id: str) -> Iterator[tuple[Tables, dict[str, Any]]]:
        """Hold the index lock and the session file's lock (always in that order); yield the session's tables
        and its index row."""
        with self._index_tables() as index:
            row = self._row(index, session_id)
            session_file = self._session_file(session_id)
            with session_file.lock():
                try:
                    tables = session_file.load()
                except CorruptFile as exc:
                    moved = session_file.quarantine()
                    self._problem(
                        f"session '{row.get('name')}' ({session_id}): its transcript could not be read "
                        f"({exc}); it was moved aside to {moved.relative_to(self.data_dir)}"
                    )
                    tables = session_file.load()
                    if row.get("message_count"):
                        row = dict(row, message_count=0)
                        self._index.write_entries([entry(SESSIONS, session_id, row)])
                else:
                    row = self._catch_up_row(session_id, tables, row)
                yield tables, row

    def _catch_up_row(self, session_id: str, tables: Tables, row: dict[str, Any]) -> dict[str, Any]:
        """Every change writes the session file's copy of the row (with the messages) before the index row, so
        a crash between the two leaves the index behind: bring it up to the copy. Callers hold both locks."""
        kept = tables.get(SESSION_COPY, {}).get(session_id)
        if not isinstance(kept, dict):
            return row
        current = dict(clone(kept), message_count=len(tables.get(MESSAGES, {})))
        if current == row:
            return row
        self._index.write_entries([entry(SESSIONS, session_id, current)])
        return current

    def _change_row(self, session_id: str, change: Any) -> Session:
        with self._session_tables(session_id) as (_tables, row):
            row = clone(row)
            change(row)
            session_from_row(row)
            self._session_file(session_id).write_entries([entry(SESSION_COPY, session_id, row)])
            self._index.write_entries([entry(SESSIONS, session_id, row)])
        return session_from_row(row)

    def _rebuild_index(self, reason: str) -> Tables:
        """Rebuild the index from the copies of the session rows kept in the session files. Called with the
        index lock held."""

        def report(session_id: str, session_file: StoreFile, exc: CorruptFile) -> None:
            dest = session_file.quarantine()
            self._problem(
                f"session {session_id}: its file could not be read ({exc}); "
                f"it was moved aside to {dest.relative_to(self.data_dir)}"
            )

        files = (
            (path.stem, self._session_file(path.stem))
            for path in sorted(self.sessions_dir.glob("*.json"))
            if _SESSION_ID.fullmatch(path.stem)
        )
        rows = rows_from_session_files(files, report)
        self._index.storage.write({META_TABLE: {META_KEY: meta_entry()["doc"]}, SESSIONS: rows})
        self._problem(f"{reason}; rebuilt it from {len(rows)} session files")
        return self._index.load()
