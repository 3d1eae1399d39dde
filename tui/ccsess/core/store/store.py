"""The store of record: TinyDB files under the data dir, the only way anything touches the data.

``index.json`` holds one row per session (no transcript) plus settings; ``sessions/<id>.json`` holds one
session's messages, events and a copy of its row. Both are journaled (see ``journal``), so appending a message
writes the message and the changed row, whatever the size of the transcript or the number of sessions. Every
access holds the file's lock, so several ccsess processes can share a data dir.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from ccsess.core.models import STATUSES, Event, Message, Session, SessionSummary, new_id, now
from ccsess.core.store.images import store_images
from ccsess.core.store.documents import (
    EVENTS,
    MESSAGES,
    SESSION_COPY,
    SESSIONS,
    SETTINGS,
    clone,
    deletion,
    entry,
    live_status,
    match_ref,
    plain,
    session_from_row,
    visible_messages,
)
from ccsess.core.errors import AmbiguousSession, MessageNotFound, SessionNotFound, StoreError
from ccsess.core.store.api import StoreListener
from ccsess.core.store.data_files import DataFiles
from ccsess.core.store.files import META_KEY, META_TABLE, StorageFactory, journaled_storage, meta_entry
from ccsess.core.text import clean_name
from ccsess.core.store.recent import NOT_FOR_THE_WINDOW, RECENT_FILE, first_screen, RecentView, Stamp, index_stamp, read_recent, write_recent


_SESSION_FIELDS = {f.name for f in dataclasses.fields(Session)}


class Store:
    def __init__(self, data_dir: Path, *, lock_timeout: float = 5.0, defer_open: bool = False,
                 storage: StorageFactory = journaled_storage) -> None:
        """``defer_open`` leaves reading the index (and the checks that come with it) to the first call that
        needs it or to ``open_index``, so a window can show ``recent_view`` first. ``storage`` makes the
        storage of each file (see ``files``)."""
        self._files = DataFiles(data_dir, lock_timeout=lock_timeout, storage=storage)
        self.data_dir = self._files.data_dir
        self.problems = self._files.problems
        self._mutex = self._files.mutex
        self._index = self._files.index
        self._listed_stamp: Stamp | None = None
        self._live_partials: set[tuple[str, str]] = set()
        self.listeners: list[StoreListener] = []
        if not defer_open:
            self.open_index()

    def open_index(self) -> None:
        """Read the index, rebuilding it when it is missing; clear temp files a crashed writer left."""
        self._files.open_index()

    def close(self) -> None:
        """Fold the journals of the files this store wrote into their snapshots, so the data dir holds plain
        TinyDB JSON between runs. Nothing depends on it: a journal left by a crash is replayed on open."""
        self._files.fold_journals()

    # Sessions -----------------------------------------------------------------------------------------------

    def list_sessions(self, *, include_archived: bool = False) -> list[Session]:
        with self._files.index_tables() as tables:
            sessions = [session_from_row(row) for row in tables.get(SESSIONS, {}).values()]
        if not include_archived:
            sessions = [s for s in sessions if s.status != "archived"]
        sessions.sort(key=lambda s: s.last_active, reverse=True)
        return sessions

    def get_session(self, session_id: str) -> Session:
        with self._files.index_tables() as tables:
            return session_from_row(self._files.row(tables, session_id))

    def resolve(self, ref: str) -> Session:
        """Find a session by exact id, exact name, unique id prefix or unique name prefix."""
        with self._files.index_tables() as tables:
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
        with self._mutex, self._files.index_tables() as tables:
            rows = tables.get(SESSIONS, {})
            session_id = fields.pop("id", None)
            if session_id is not None and (session_id in rows or self._files.session_path(session_id).exists()):
                raise StoreError(f"a session with id {session_id} already exists")
            while session_id is None or session_id in rows or self._files.session_path(session_id).exists():
                session_id = new_id()
            doc = {k: plain(v) for k, v in fields.items()}
            doc.update(id=session_id, name=cleaned, project=str(project))
            session = Session.from_dict(doc)
            self._check_status(session.status)
            row = session.to_dict()
            session_file = self._files.session_file(session_id)
            with session_file.lock():
                session_file.storage.write({META_TABLE: {META_KEY: meta_entry()["doc"]}, SESSION_COPY: {session_id: row}})
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
        with self._mutex, self._files.index_tables() as tables:
            self._files.row(tables, session_id)
            session_file = self._files.session_file(session_id)
            with session_file.lock():
                session_file.remove_files()
            self._index.write_entries([deletion(SESSIONS, session_id)])
            session_file.remove_lock_file()
            self._files.forget(session_id)
            try:
                self.log_path(session_id).unlink()
            except FileNotFoundError:
                pass
        for listener in self.listeners:
            listener.session_deleted(session_id)

    # Settings -----------------------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._files.index_tables() as tables:
            doc = tables.get(SETTINGS, {}).get(key)
            return clone(doc["value"]) if doc and "value" in doc else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._mutex, self._files.index_tables():
            self._index.write_entries([entry(SETTINGS, key, {"value": clone(value)})])

    # Listings -----------------------------------------------------------------------------------------------

    def list_summaries(self, *, include_archived: bool = False) -> list[SessionSummary]:
        """Like ``list_sessions`` with only what a list shows, at a fraction of the cost."""
        with self._files.index_tables() as tables:
            summaries = [SessionSummary.from_dict(row) if row.get("status") != "active"
                         else SessionSummary.from_dict({**row, "status": live_status(row)})
                         for row in tables.get(SESSIONS, {}).values()]
            self._listed_stamp = index_stamp(self._index.path, self._index.journal_path)
        if not include_archived:
            summaries = [s for s in summaries if s.status != "archived"]
        summaries.sort(key=lambda s: s.last_active, reverse=True)
        return summaries

    def save_first_screen(self, sessions: list[SessionSummary] | None = None) -> None:
        """Save what the next window shows before it reads the index: the first screen of ``sessions`` (a list
        ``list_summaries`` just made), or, without them, of the store's list when this store changed it."""
        if sessions is None:
            if not self._index.written or self.recent_view() is not None:
                return
            sessions = self.list_summaries()
        self.save_recent_view(first_screen(sessions))

    def recent_view(self) -> RecentView | None:
        """The view saved by ``save_recent_view``, if the index has not changed since; never reads the index. A
        data dir where nothing was stored yet has an empty view (no index, no session files)."""
        stamp = index_stamp(self._index.path, self._index.journal_path)
        if stamp is None and not self._index.path.exists() and not any(self._files.sessions_dir.iterdir()):
            return RecentView()
        return read_recent(self.data_dir / RECENT_FILE, stamp)

    def save_recent_view(self, sessions: list[SessionSummary]) -> None:
        """Save the first sessions of a list made by the last ``list_summaries`` (unarchived, in the order
        shown), with the settings, for ``recent_view``. Does nothing if the index changed since that list."""
        with self._files.index_tables() as tables:
            stamp = index_stamp(self._index.path, self._index.journal_path)
            if stamp is None or stamp != self._listed_stamp:
                return
            settings = {key: clone(doc["value"]) for key, doc in tables.get(SETTINGS, {}).items()
                        if isinstance(doc, dict) and "value" in doc and not key.startswith(NOT_FOR_THE_WINDOW)}
            try:
                write_recent(self.data_dir / RECENT_FILE, stamp, RecentView(list(sessions), settings))
            except OSError:
                pass

    # Transcripts --------------------------------------------------------------------------------------------

    def messages(
        self,
        session_id: str,
        *,
        last: int | None = None,
        before: str | None = None,
        all_versions: bool = False,
    ) -> list[Message]:
        """The transcript in order; by default only the chosen version of each regenerated reply.
        ``before`` and ``last`` page backwards from the end for lazy loading."""
        with self._mutex, self._files.session_tables(session_id) as (tables, row):
            docs = list(tables.get(MESSAGES, {}).values())
            if not all_versions:
                docs = visible_messages(docs, row.get("chosen_versions") or {})
            if before is not None:
                position = next((i for i, d in enumerate(docs) if d.get("id") == before), None)
                if position is None:
                    raise MessageNotFound(f"message {before} is not in session {session_id}")
                docs = docs[:position]
            if last is not None:
                docs = docs[-last:] if last > 0 else []
            docs = self._settle_partials(session_id, row, docs)
        return [Message.from_dict(clone(d)) for d in docs]

    def get_message(self, session_id: str, message_id: str) -> Message:
        with self._mutex, self._files.session_tables(session_id) as (tables, row):
            doc = tables.get(MESSAGES, {}).get(message_id)
            if doc is None:
                raise MessageNotFound(f"message {message_id} is not in session {session_id}")
            doc = self._settle_partials(session_id, row, [doc])[0]
        return Message.from_dict(clone(doc))

    def append_message(self, session_id: str, message: Message) -> Message:
        self._upsert_messages(session_id, [message])
        return message

    def put_message(self, session_id: str, message: Message) -> None:
        self._upsert_messages(session_id, [message])

    def append_messages(self, session_id: str, messages: list[Message], *, active_at: float | None = None) -> None:
        """Append many messages in one write (imports); ``active_at``: when the session was last active, if
        not now."""
        self._upsert_messages(session_id, messages, active_at)

    def copy_messages(self, src_id: str, dst_id: str, *, up_to_message_id: str) -> int:
        """Copy the visible transcript of ``src_id`` up to and including a message onto ``dst_id``."""
        source = self.messages(src_id)
        end = next((i for i, m in enumerate(source) if m.id == up_to_message_id), None)
        if end is None:
            raise MessageNotFound(f"message {up_to_message_id} is not in session {src_id}")
        copies = []
        for message in source[: end + 1]:
            if message.partial:
                message = dataclasses.replace(message, partial=False, interrupted=True)
            copies.append(message)
        self._upsert_messages(dst_id, copies)
        return len(copies)

    def events(self, session_id: str) -> list[Event]:
        with self._mutex, self._files.session_tables(session_id) as (tables, _row):
            docs = clone(list(tables.get(EVENTS, {}).values()))
        return [Event.from_dict(d) for d in docs]

    def add_event(self, session_id: str, event: Event) -> None:
        with self._mutex, self._files.session_tables(session_id) as (tables, _row):
            events = tables.get(EVENTS, {})
            key = len(events) + 1
            while str(key) in events:
                key += 1
            self._files.session_file(session_id).write_entries([entry(EVENTS, str(key), event.to_dict())])

    def _upsert_messages(self, session_id: str, messages: list[Message], active_at: float | None = None) -> None:
        store_images(self.data_dir, messages)
        with self._files.session_tables(session_id) as (tables, row):
            existing = tables.get(MESSAGES, {})
            docs = [m.to_dict() for m in messages]
            added = len({d["id"] for d in docs if d["id"] not in existing})
            stamp = now() if active_at is None else active_at
            row = dict(
                row, message_count=row.get("message_count", 0) + added, updated=stamp, last_active=stamp
            )
            entries = [entry(MESSAGES, d["id"], d) for d in docs]
            entries.append(entry(SESSION_COPY, session_id, row))
            self._files.session_file(session_id).write_entries(entries)
            self._index.write_entries([entry(SESSIONS, session_id, row)])
        for message in messages:
            key = (session_id, message.id)
            if message.partial:
                self._live_partials.add(key)
            else:
                self._live_partials.discard(key)
        finished = [m for m in messages if not m.partial]
        for listener in self.listeners:
            listener.messages_written(session_id, finished)

    def _settle_partials(self, session_id: str, row: dict[str, Any],
                         docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Partial replies left by a crashed writer become interrupted, on disk too; those another running
        process is still streaming stay partial. Caller holds the lock."""
        stale = [d for d in docs if d.get("partial") and (session_id, d.get("id")) not in self._live_partials]
        if not stale or live_status(row) == "active":
            return docs
        session_file = self._files.session_file(session_id)
        fixed = {d["id"]: dict(d, partial=False, interrupted=True) for d in stale}
        session_file.write_entries([entry(MESSAGES, key, doc) for key, doc in fixed.items()])
        return [fixed.get(d.get("id"), d) for d in docs]

    def log_path(self, session_id: str) -> Path:
        return self._files.logs_dir / f"{session_id}.stderr.log"


    @staticmethod
    def _check_status(status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown session status {status!r}")

    def _change_row(self, session_id: str, change: Any) -> Session:
        with self._files.session_tables(session_id) as (_tables, row):
            row = clone(row)
            change(row)
            session_from_row(row)
            self._files.session_file(session_id).write_entries([entry(SESSION_COPY, session_id, row)])
            self._index.write_entries([entry(SESSIONS, session_id, row)])
        return session_from_row(row)

