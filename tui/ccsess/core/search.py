"""Full-text search over every stored message, in ``search.sqlite`` (SQLite FTS5).

The index is a cache derived from the store. It listens to the store (``attach_index``): the store tells it of
finished messages as they are written and of sessions deleted. When the file is missing, unreadable or was never filled, the next
search rebuilds it from the store. A failure to update it never fails a store write; it marks the index stale.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccsess.core.models import Message
from ccsess.core.text import plain_text

if TYPE_CHECKING:
    from ccsess.core.store.api import SessionStore

INDEX_FILE = "search.sqlite"
INDEX_VERSION = "1"
SNIPPET_TOKENS = 16
CANDIDATES = 5000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    UNIQUE (session_id, message_id)
);
CREATE INDEX IF NOT EXISTS docs_by_session ON docs (session_id);
CREATE VIRTUAL TABLE IF NOT EXISTS body USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
"""
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Hit:
    session_id: str
    message_id: str
    snippet: str
    score: float


def searchable_text(message: Message) -> str:
    """What a message is found by: its text, tool results, and the input of its tool calls."""
    parts = [message.text]
    for block in message.blocks:
        if block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
            parts.extend(str(v) for v in block["input"].values() if isinstance(v, str))
    return plain_text("\n".join(p for p in parts if p))


def fts_query(text: str, *, prefix_last: bool = False) -> str:
    """User text as an FTS5 query: every word must occur, quoted so that no word is read as an operator.
    ``prefix_last`` lets the last word match as a prefix (for search-as-you-type; slower on large indexes)."""
    words = [w.replace('"', '""') for w in _WORD.findall(text)]
    if not words:
        return ""
    terms = [f'"{w}"' for w in words]
    if prefix_last and not text[-1:].isspace():
        terms[-1] += "*"
    return " ".join(terms)


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """A broken or foreign file, as opposed to a busy database or a query the index could not run."""
    if not isinstance(exc, sqlite3.OperationalError):
        return True
    text = str(exc).lower()
    return any(sign in text for sign in ("malformed", "not a database", "no such table", "corrupt"))


class SearchIndex:
    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / INDEX_FILE
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None

    # Connection --------------------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            db.execute("SELECT count(*) FROM body WHERE body MATCH 'x'").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        self._db = db
        return db

    def _reset(self) -> None:
        """Throw the file away (it is only a cache) and start an empty, stale one."""
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                try:
                    self._db.close()
                except sqlite3.Error:
                    pass
                self._db = None

    def _run(self, work: Any, *, fallback: Any = None) -> Any:
        """Run ``work(db)``; an unreadable file is discarded and left stale for the next search to rebuild."""
        with self._lock:
            try:
                return work(self._connect())
            except sqlite3.DatabaseError as exc:
                if _is_damage(exc):
                    self._reset()
                return fallback

    # Writing -----------------------------------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        """Whether the index holds the whole store (it was built by ``rebuild`` and kept up to date since)."""

        def read(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT value FROM meta WHERE key = 'complete'").fetchone()
            return row is not None and row[0] == INDEX_VERSION

        return bool(self._run(read, fallback=False))

    def _index(self, db: sqlite3.Connection, session_id: str, message: Message) -> None:
        row = db.execute(
            "SELECT rowid FROM docs WHERE session_id = ? AND message_id = ?", (session_id, message.id)
        ).fetchone()
        if row is not None:
            db.execute("DELETE FROM body WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM docs WHERE rowid = ?", (row[0],))
        text = searchable_text(message)
        if message.partial or not text.strip():
            return
        cursor = db.execute("INSERT INTO docs (session_id, message_id) VALUES (?, ?)", (session_id, message.id))
        db.execute("INSERT INTO body (rowid, text) VALUES (?, ?)", (cursor.lastrowid, text))

    def messages_written(self, session_id: str, messages: Iterable[Message]) -> None:
        """Add or replace messages; a partial (still streaming) one is left out until it is finished."""
        messages = list(messages)
        if not messages:
            return

        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN")
                for message in messages:
                    self._index(db, session_id, message)

        self._run(write)

    def session_deleted(self, session_id: str) -> None:
        def remove(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN")
                db.execute(
                    "DELETE FROM body WHERE rowid IN (SELECT rowid FROM docs WHERE session_id = ?)", (session_id,)
                )
                db.execute("DELETE FROM docs WHERE session_id = ?", (session_id,))

        self._run(remove)

    def rebuild(self, messages: Iterable[tuple[str, Message]]) -> int:
        """Fill the index afresh from (session id, message) pairs, oldest first; returns how many were indexed."""
        with self._lock:
            self._reset()
            count = 0
            db = self._connect()
            with db:
                db.execute("BEGIN")
                for session_id, message in messages:
                    self._index(db, session_id, message)
                    count += 1
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('complete', ?)", (INDEX_VERSION,))
            return count

    # Reading -----------------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 50,
        *,
        per_session: int | None = None,
        prefix: bool = False,
        mark: tuple[str, str] = ("[", "]"),
    ) -> list[Hit]:
        """Messages matching every word of ``query``, best first (bm25). ``per_session`` caps hits per session;
        ``prefix`` lets the last word match as a prefix."""
        match = fts_query(query, prefix_last=prefix)
        if not match or limit <= 0:
            return []
        if per_session and per_session > 0:
            ranked_sql = """
                WITH matched AS MATERIALIZED (
                    SELECT rowid, bm25(body) AS score FROM body WHERE body MATCH ? AND rowid >= ?
                )
                SELECT rowid, score FROM (
                    SELECT matched.rowid, matched.score,
                           row_number() OVER (PARTITION BY docs.session_id ORDER BY matched.score) AS nth
                    FROM matched JOIN docs ON docs.rowid = matched.rowid
                ) WHERE nth <= ? ORDER BY score LIMIT ?
            """
            ranked_args: tuple[Any, ...] = (per_session, limit)
        else:
            ranked_sql = (
                "SELECT rowid, bm25(body) FROM body WHERE body MATCH ? AND rowid >= ? ORDER BY bm25(body) LIMIT ?"
            )
            ranked_args = (limit,)

        def read(db: sqlite3.Connection) -> list[Hit]:
            # Ranking costs time per match: a query matching more than CANDIDATES messages is ranked among the
            # newest CANDIDATES of them (rowids grow with time), which keeps common words fast.
            floor = db.execute(
                "SELECT rowid FROM body WHERE body MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (match, CANDIDATES - 1),
            ).fetchone()
            ranked = db.execute(ranked_sql, (match, floor[0] if floor else 0, *ranked_args)).fetchall()
            if not ranked:
                return []
            marks = ",".join("?" * len(ranked))
            rows = db.execute(
                f"SELECT body.rowid, docs.session_id, docs.message_id, snippet(body, 0, ?, ?, '…', ?) "
                f"FROM body JOIN docs ON docs.rowid = body.rowid WHERE body MATCH ? AND body.rowid IN ({marks})",
                (mark[0], mark[1], SNIPPET_TOKENS, match, *(r[0] for r in ranked)),
            ).fetchall()
            found = {rowid: (session_id, message_id, snip) for rowid, session_id, message_id, snip in rows}
            return [
                Hit(found[rowid][0], found[rowid][1], " ".join(found[rowid][2].split()), -score)
                for rowid, score in ranked
                if rowid in found
            ]

        return self._run(read, fallback=[])


def stored_messages(store: SessionStore) -> Iterator[tuple[str, Message]]:
    """Every message of the store, oldest session first, so that rowids grow with time as they do when
    messages are indexed on write."""
    for session in reversed(store.list_sessions(include_archived=True)):
        for message in store.messages(session.id, all_versions=True):
            yield session.id, message


def attach_index(store: SessionStore) -> SearchIndex:
    """The search index of the store's data dir, listening to the store from now on."""
    for listener in store.listeners:
        if isinstance(listener, SearchIndex):
            return listener
    index = SearchIndex(store.data_dir)
    store.listeners.append(index)
    return index


def open_index(store: SessionStore) -> SearchIndex:
    """The store's index, rebuilt first if it is missing, unreadable or incomplete."""
    index = attach_index(store)
    if not index.complete:
        index.rebuild(stored_messages(store))
    return index


def search(store: SessionStore, query: str, limit: int = 50, **options: Any) -> list[Hit]:
    return open_index(store).search(query, limit, **options)
