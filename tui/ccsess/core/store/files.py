"""One TinyDB file of the store: its lock, its storage, schema checks, migration and quarantine.

The store reads and writes each file through a ``TableStorage``: the journaled JSON storage on disk (the
default), or any plain TinyDB ``Storage`` wrapped in ``WholeStorage`` (the tests run the store over TinyDB's
``MemoryStorage`` that way). A third backend is one more class with these methods.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ccsess.core.models import SCHEMA_VERSION, Session, new_id
from ccsess.core.errors import CorruptFile, StoreError, StoreLocked

if TYPE_CHECKING:
    from tinydb.storages import Storage

    from ccsess.core.store.journal import Tables

META_TABLE = "_meta"
META_KEY = "schema"


class TableStorage(Protocol):
    """What a store file needs of its storage. The caller holds the file's lock around every call."""

    journal_path: Path

    def refresh(self) -> Tables: ...
    def write(self, data: Tables) -> None: ...
    def apply_entries(self, entries: list[dict[str, Any]]) -> None: ...
    def compact(self) -> None: ...
    def discard_cache(self) -> None: ...
    @property
    def journal_bytes(self) -> int: ...


StorageFactory = Callable[[Path], TableStorage]


def journaled_storage(path: Path) -> TableStorage:
    """The default storage, the journaled JSON file (``journal``); TinyDB is loaded when a first file opens, which
    a window that starts from its saved first screen does after its first frame."""
    from ccsess.core.store.journal import JournaledStorage

    return JournaledStorage(path)


class WholeStorage:
    """A plain TinyDB ``Storage`` (one that reads and writes the whole database) as a ``TableStorage``: every
    change is a read, an update and a whole write. It keeps no journal."""

    def __init__(self, storage: Storage, path: Path) -> None:
        self.storage = storage
        self.journal_path = Path(f"{path}.journal")

    def refresh(self) -> Tables:
        return self.storage.read() or {}

    def write(self, data: Tables) -> None:
        self.storage.write(data)

    def apply_entries(self, entries: list[dict[str, Any]]) -> None:
        tables = self.refresh()
        for change in entries:
            table = tables.setdefault(change["t"], {})
            if change.get("del"):
                table.pop(change["id"], None)
            else:
                table[change["id"]] = change["doc"]
        self.storage.write(tables)

    def compact(self) -> None:
        pass

    def discard_cache(self) -> None:
        pass

    @property
    def journal_bytes(self) -> int:
        return 0


def schema_version(tables: Tables) -> int | None:
    """The file's schema version; ``None`` for a file that holds nothing yet, 0 for one without a version."""
    meta = tables.get(META_TABLE, {}).get(META_KEY)
    if isinstance(meta, dict) and isinstance(meta.get("version"), int):
        return meta["version"]
    if not any(tables.values()):
        return None
    return 0


def meta_entry() -> dict[str, Any]:
    return {"t": META_TABLE, "id": META_KEY, "doc": {"version": SCHEMA_VERSION}}


def _rekey(table: dict[str, Any], key: Callable[[dict[str, Any]], str | None]) -> dict[str, Any]:
    """Re-key a table written with TinyDB's counter ids, keeping the counter order."""

    def counter(item: tuple[str, Any]) -> tuple[int, str]:
        doc_id = item[0]
        return (int(doc_id), "") if doc_id.isdigit() else (1 << 62, doc_id)

    out: dict[str, Any] = {}
    for _, doc in sorted(table.items(), key=counter):
        doc_key = key(doc)
        if doc_key is not None:
            out[doc_key] = doc
    return out


def _migrate_0_to_1(tables: Tables) -> Tables:
    """Version 0: plain TinyDB files with counter ids and no version stamp."""
    out: Tables = dict(tables)
    for name in ("sessions", "session"):
        if name in out:
            rows = _rekey(out[name], lambda doc: doc.get("id") if isinstance(doc.get("id"), str) else None)
            # Fill in fields that version 0 rows may lack.
            out[name] = {
                key: Session.from_dict({"name": key, "project": "", **row}).to_dict()
                for key, row in rows.items()
            }
    if "settings" in out:
        settings: dict[str, Any] = {}
        for doc_id, doc in out["settings"].items():
            if "key" in doc:
                settings[str(doc["key"])] = {"value": doc.get("value")}
            else:
                settings[doc_id] = doc
        out["settings"] = settings
    if "messages" in out:

        def message_key(doc: dict[str, Any]) -> str:
            doc.setdefault("id", new_id(12))
            return str(doc["id"])

        out["messages"] = _rekey(out["messages"], message_key)
    if "events" in out:
        out["events"] = _rekey(out["events"], _counter_key())
    out[META_TABLE] = {META_KEY: {"version": 1}}
    return out


def _counter_key() -> Callable[[dict[str, Any]], str]:
    counter = iter(range(1, 1 << 62))
    return lambda doc: str(next(counter))


# Migration from version N to N + 1.
MIGRATIONS: dict[int, Callable[[Tables], Tables]] = {0: _migrate_0_to_1}


def migrate(tables: Tables, version: int) -> Tables:
    while version < SCHEMA_VERSION:
        tables = MIGRATIONS[version](tables)
        version += 1
    tables[META_TABLE] = {META_KEY: {"version": SCHEMA_VERSION}}
    return tables


class StoreFile:
    """A TinyDB file guarded by ``<file>.lock``: hold ``lock()`` around every ``load()`` and write."""

    def __init__(self, path: Path, *, data_dir: Path, lock_timeout: float,
                 storage: StorageFactory = journaled_storage) -> None:
        self.path = path
        self.data_dir = data_dir
        self.lock_timeout = lock_timeout
        self._make_storage = storage
        self._storage: TableStorage | None = None
        self._lock: Any = None
        self.written = False

    @property
    def journal_path(self) -> Path:
        """Where the storage keeps its journal (``journal.JOURNAL_SUFFIX``), known without making the storage."""
        return Path(f"{self.path}.journal")

    @property
    def storage(self) -> TableStorage:
        """Made on first use (see ``journaled_storage``)."""
        if self._storage is None:
            self._storage = self._make_storage(self.path)
        return self._storage

    @contextmanager
    def lock(self) -> Iterator[None]:
        # Imported on first use: start-up draws its first screen from the saved list without locking anything.
        from filelock import FileLock, Timeout

        if self._lock is None:
            self._lock = FileLock(str(self.path) + ".lock", timeout=self.lock_timeout, mode=0o600)
        try:
            self._lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise StoreLocked(
                f"the data dir {self.data_dir} is locked by another ccsess process; try again"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        try:
            yield
        finally:
            self._lock.release()

    def load(self) -> Tables:
        """The current tables, checked and migrated. Raises CorruptFile for a file that cannot be read or was
        written by a newer ccsess; the caller quarantines it."""
        data = self.storage.refresh()
        version = schema_version(data)
        if version is None or version == SCHEMA_VERSION:
            return data
        if version > SCHEMA_VERSION:
            raise CorruptFile(
                f"{self.path.name} was written by a newer ccsess "
                f"(schema {version}, this one knows {SCHEMA_VERSION})"
            )
        self.storage.write(migrate({k: dict(v) for k, v in data.items()}, version))
        return self.storage.refresh()

    def write_entries(self, entries: list[dict[str, Any]]) -> None:
        """Journal upserts/deletes (stamping the schema version on first write). Caller holds the lock."""
        if schema_version(self.storage.refresh()) is None:
            entries = [meta_entry(), *entries]
        self.storage.apply_entries(entries)
        self.written = True

    def fold_journal(self) -> None:
        """Rewrite the snapshot with the journal folded in, if this process wrote to the file and there is a
        journal. Caller holds the lock."""
        if not self.written:
            return
        self.storage.refresh()
        if self.storage.journal_bytes:
            self.storage.compact()

    def last_write(self) -> float:
        """When the file or its journal was last written (0 if neither exists)."""
        times = [0.0]
        for path in (self.path, self.journal_path):
            try:
                times.append(path.stat().st_mtime)
            except FileNotFoundError:
                pass
        return max(times)

    def quarantine(self) -> Path:
        """Move the file (and its journal) aside as ``<name>.corrupt-<UTC time>``; return the new path."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 2
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        moved: Path | None = None
        for source, dest in ((self.path, target), (self.journal_path, Path(f"{target}.journal"))):
            try:
                os.replace(source, dest)
                moved = moved or dest
            except FileNotFoundError:
                continue
        self.storage.discard_cache()
        return target if moved is None or moved == target else moved

    def remove_files(self) -> None:
        for path in (self.path, self.journal_path):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        self.storage.discard_cache()

    def remove_lock_file(self) -> None:
        try:
            Path(str(self.path) + ".lock").unlink()
        except FileNotFoundError:
            pass
