"""The transcript side of the store: messages (with partial replies and versions) and the event log of each
session. A mixin of ``Store``, which provides the files, their locks and the index rows."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ccsess.core.models import Event, Message, now
from ccsess.core.store.documents import (
    EVENTS,
    MESSAGES,
    SESSION_COPY,
    SESSIONS,
    clone,
    entry,
    live_status,
    visible_messages,
)
from ccsess.core.errors import MessageNotFound

if TYPE_CHECKING:
    from ccsess.core.store.store import Store


class TranscriptAccess:
    def messages(
        self: Store,
        session_id: str,
        *,
        last: int | None = None,
        before: str | None = None,
        all_versions: bool = False,
    ) -> list[Message]:
        """The transcript in order; by default only the chosen version of each regenerated reply.
        ``before`` and ``last`` page backwards from the end for lazy loading."""
        with self._mutex, self._session_tables(session_id) as (tables, row):
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

    def get_message(self: Store, session_id: str, message_id: str) -> Message:
        with self._mutex, self._session_tables(session_id) as (tables, row):
            doc = tables.get(MESSAGES, {}).get(message_id)
            if doc is None:
                raise MessageNotFound(f"message {message_id} is not in session {session_id}")
            doc = self._settle_partials(session_id, row, [doc])[0]
        return Message.from_dict(clone(doc))

    def append_message(self: Store, session_id: str, message: Message) -> Message:
        self._upsert_messages(session_id, [message])
        return message

    def put_message(self: Store, session_id: str, message: Message) -> None:
        self._upsert_messages(session_id, [message])

    def append_messages(self: Store, session_id: str, messages: list[Message]) -> None:
        """Append many messages in one write (imports)."""
        self._upsert_messages(session_id, messages)

    def copy_messages(self: Store, src_id: str, dst_id: str, *, up_to_message_id: str) -> int:
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

    def events(self: Store, session_id: str) -> list[Event]:
        with self._mutex, self._session_tables(session_id) as (tables, _row):
            docs = clone(list(tables.get(EVENTS, {}).values()))
        return [Event.from_dict(d) for d in docs]

    def add_event(self: Store, session_id: str, event: Event) -> None:
        with self._mutex, self._session_tables(session_id) as (tables, _row):
            events = tables.get(EVENTS, {})
            key = len(events) + 1
            while str(key) in events:
                key += 1
            self._session_file(session_id).write_entries([entry(EVENTS, str(key), event.to_dict())])

    def _upsert_messages(self: Store, session_id: str, messages: list[Message]) -> None:
        with self._session_tables(session_id) as (tables, row):
            existing = tables.get(MESSAGES, {})
            docs = [m.to_dict() for m in messages]
            added = len({d["id"] for d in docs if d["id"] not in existing})
            stamp = now()
            row = dict(
                row, message_count=row.get("message_count", 0) + added, updated=stamp, last_active=stamp
            )
            entries = [entry(MESSAGES, d["id"], d) for d in docs]
            entries.append(entry(SESSION_COPY, session_id, row))
            self._session_file(session_id).write_entries(entries)
            self._index.write_entries([entry(SESSIONS, session_id, row)])
        for message in messages:
            key = (session_id, message.id)
            if message.partial:
                self._live_partials.add(key)
            else:
                self._live_partials.discard(key)
        self.search_index.index_messages(session_id, [m for m in messages if not m.partial])

    def _settle_partials(self: Store, session_id: str, row: dict[str, Any],
                         docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Partial replies left by a crashed writer become interrupted, on disk too; those another running
        process is still streaming stay partial. Caller holds the lock."""
        stale = [d for d in docs if d.get("partial") and (session_id, d.get("id")) not in self._live_partials]
        if not stale or live_status(row) == "active":
            return docs
        session_file = self._session_file(session_id)
        fixed = {d["id"]: dict(d, partial=False, interrupted=True) for d in stale}
        session_file.write_entries([entry(MESSAGES, key, doc) for key, doc in fixed.items()])
        return [fixed.get(d.get("id"), d) for d in docs]
