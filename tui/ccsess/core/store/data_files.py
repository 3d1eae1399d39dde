"""The files of one data dir: ``index.json`` and one file per session, read and written under their locks (the
index's always first), and mended when one is missing, damaged or behind the other."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccsess.core.atomic import clean_stale_temp_files
from ccsess.core.errors import CorruptFile, SessionNotFound, StoreError
from ccsess.core.paths import ensure_private_dir
from ccsess.core.store.documents import MESSAGES, SESSION_COPY, SESSIONS, clone, entry, rows_from_session_files
from ccsess.core.store.files import META_KEY, META_TABLE, StorageFactory, StoreFile, journaled_storage, meta_entry

if TYPE_CHECKING:
    from ccsess.core.store.journal import Tables

OPEN_SESSION_FILES = 64
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class DataFiles:
    def __init__(self, data_dir: Path, *, lock_timeout: float, storage: StorageFactory = journaled_storage) -> None:
        self.data_dir = Path(data_dir)
        self.lock_timeout = lock_timeout
        self.problems: list[str] = []
        self.sessions_dir = self.data_dir / "sessions"
        self.logs_dir = self.data_dir / "logs"
        for directory in (self.data_dir, self.sessions_dir, self.logs_dir):
            ensure_private_dir(directory)
        self.mutex = threading.RLock()
        self._opened = False
        self._storage = storage
        self._open: OrderedDict[str, StoreFile] = OrderedDict()
        self.index = StoreFile(self.data_dir / "index.json", data_dir=self.data_dir, lock_timeout=lock_timeout,
                               storage=storage)

    def open_index(self) -> None:
        """Read the index, rebuilding it when it is missing; clear temp files a crashed writer left."""
        with self.mutex:
            if self._opened:
                return
            self._opened = True
            try:
                for directory in (self.data_dir, self.sessions_dir):
                    clean_stale_temp_files(directory)
                with self.index_tables():
                    pass
                index_files = (self.index.path, self.index.journal_path)
                if not any(p.exists() for p in index_files) and any(self.sessions_dir.glob("*.json")):
                    with self.index.lock():
                        self._rebuild_index("the session index was missing")
            except BaseException:
                self._opened = False
                raise

    def fold_journals(self) -> None:
        """Fold the journals of the files this store wrote into their snapshots, so the data dir holds plain
        TinyDB JSON between runs. Nothing depends on it: a journal left by a crash is replayed on open."""
        with self.mutex:
            for store_file in [self.index, *self._open.values()]:
                if not store_file.written:
                    continue
                try:
                    with store_file.lock():
                        store_file.fold_journal()
                except (StoreError, OSError):
                    continue

    def problem(self, line: str) -> None:
        if line not in self.problems:
            self.problems.append(line)

    @staticmethod
    def row(tables: Tables, session_id: str) -> dict[str, Any]:
        row = tables.get(SESSIONS, {}).get(session_id)
        if row is None:
            raise SessionNotFound(f"no session with id {session_id}")
        return row

    def session_file(self, session_id: str) -> StoreFile:
        if not SESSION_ID.fullmatch(session_id):
            raise SessionNotFound(f"no session with id {session_id!r}")
        session_file = self._open.get(session_id)
        if session_file is None:
            session_file = StoreFile(self.session_path(session_id), data_dir=self.data_dir,
                                     lock_timeout=self.lock_timeout, storage=self._storage)
            self._open[session_id] = session_file
            while len(self._open) > OPEN_SESSION_FILES:
                self._open.popitem(last=False)
        else:
            self._open.move_to_end(session_id)
        return session_file

    def forget(self, session_id: str) -> None:
        """Drop a deleted session's file from the open ones."""
        self._open.pop(session_id, None)

    @contextmanager
    def index_tables(self) -> Iterator[Tables]:
        if not self._opened:
            self.open_index()
        with self.mutex, self.index.lock():
            try:
                tables = self.index.load()
            except CorruptFile as exc:
                moved = self.index.quarantine().relative_to(self.data_dir)
                tables = self._rebuild_index(
                    f"the session index could not be read ({exc}); moved it aside to {moved}"
                )
            yield tables

    @contextmanager
    def session_tables(self, session_id: str) -> Iterator[tuple[Tables, dict[str, Any]]]:
        """Hold the index lock and the session file's lock (always in that order); yield the session's tables
        and its index row."""
        with self.index_tables() as index:
            row = self.row(index, session_id)
            session_file = self.session_file(session_id)
            with session_file.lock():
                try:
                    tables = session_file.load()
                except CorruptFile as exc:
                    moved = session_file.quarantine()
                    self.problem(
                        f"session '{row.get('name')}' ({session_id}): its transcript could not be read "
                        f"({exc}); it was moved aside to {moved.relative_to(self.data_dir)}"
                    )
                    tables = session_file.load()
                    if row.get("message_count"):
                        row = dict(row, message_count=0)
                        self.index.write_entries([entry(SESSIONS, session_id, row)])
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
        self.index.write_entries([entry(SESSIONS, session_id, current)])
        return current

    def _rebuild_index(self, reason: str) -> Tables:
        """Rebuild the index from the copies of the session rows kept in the session files. Called with the
        index lock held."""

        def report(session_id: str, session_file: StoreFile, exc: CorruptFile) -> None:
            dest = session_file.quarantine()
            self.problem(f"session {session_id}: its file could not be read ({exc}); "
                          f"it was moved aside to {dest.relative_to(self.data_dir)}")

        files = ((path.stem, self.session_file(path.stem)) for path in sorted(self.sessions_dir.glob("*.json"))
                 if SESSION_ID.fullmatch(path.stem))
        rows = rows_from_session_files(files, report)
        self.index.storage.write({META_TABLE: {META_KEY: meta_entry()["doc"]}, SESSIONS: rows})
        self.problem(f"{reason}; rebuilt it from {len(rows)} session files")
        return self.index.load()
    def session_path(self, session_id: str) -> Path:
        return self.sessions_dir / f"{session_id}.json"
