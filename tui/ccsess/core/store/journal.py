"""A TinyDB storage that appends changes to a journal instead of rewriting the whole file.

``X.json`` is a snapshot in TinyDB's JSON format, always replaced atomically. ``X.json.journal`` holds JSON
lines appended (and fsynced) after it: a header ``{"journal": <id>, "gen": <n>}`` then upserts
``{"t": table, "id": doc_id, "doc": {...}}`` and deletes ``{"t": table, "id": doc_id, "del": true}``. Reading
replays the journal over the snapshot; a torn last line (a crash mid-append) is ignored and cut off by the
next append. When the journal outgrows the snapshot it is folded into a new snapshot and emptied.

The snapshot records the generation of the journal it expects (in the ``_journal`` table, hidden from TinyDB).
Every snapshot rewrite bumps it, so a journal left behind by a crash between the snapshot rewrite and the
journal truncation is recognised as already folded in and never replayed twice.

This class does no locking: the caller holds the file's lock around ``refresh``/``append``/``write``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from ccsess.core.atomic import atomic_write_bytes, fsync_dir, sync_later
from ccsess.core.errors import CorruptFile, StoreError

JOURNAL_SUFFIX = ".journal"
MIN_COMPACT_BYTES = 256 * 1024
_GEN_TABLE = "_journal"
_HEADER_PEEK = 256

Tables = dict[str, dict[str, Any]]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_BLANK = object()
_BAD = object()


def _parse_lines(lines: list[bytes]) -> list[Any]:
    """Each JSON line decoded, ``_BLANK`` for an empty line, ``_BAD`` for one that is not JSON. Decoding the
    lines as one array is several times faster than one by one; a bad line sends it back to one by one."""
    filled = [line for line in lines if line.strip()]
    if len(filled) > 1:
        try:
            values = json.loads(b"[" + b",".join(filled) + b"]")
        except (ValueError, UnicodeDecodeError):
            values = None
        if values is not None and len(values) == len(filled) and all(type(v) is dict for v in values):
            decoded = iter(values)
            return [next(decoded) if line.strip() else _BLANK for line in lines]
    parsed: list[Any] = []
    for line in lines:
        if not line.strip():
            parsed.append(_BLANK)
            continue
        try:
            parsed.append(json.loads(line))
        except (ValueError, UnicodeDecodeError):
            parsed.append(_BAD)
    return parsed


class JournaledStorage(Storage):
    def __init__(self, path: str | os.PathLike[str], *, compact_min_bytes: int = MIN_COMPACT_BYTES) -> None:
        super().__init__()
        self.path = Path(path)
        self.journal_path = Path(str(self.path) + JOURNAL_SUFFIX)
        self.compact_min_bytes = compact_min_bytes
        self.bad_lines = 0
        self._data: Tables | None = None
        self._gen = 0
        self._snapshot_sig: tuple[int, ...] | None = None
        self._snapshot_size = 0
        self._journal_id: str | None = None
        self._journal_ino: int | None = None
        self._journal_offset = 0
        self._journal_stale = False

    # TinyDB interface ---------------------------------------------------------------------------------------

    def read(self) -> Tables | None:
        data = self.refresh()
        return data if data else None

    def write(self, data: Tables) -> None:
        """Whole-database write (TinyDB's bulk operations): a new snapshot and an empty journal."""
        tables = {name: table for name, table in data.items() if name != _GEN_TABLE}
        try:
            self._write_snapshot(tables, self._gen + 1)
        except BaseException:
            self._data = None
            raise

    # Journal interface --------------------------------------------------------------------------------------

    def refresh(self) -> Tables:
        """Bring the cached tables up to date with the files: re-read the snapshot if it changed, else only
        the journal lines appended since the last look."""
        sig, size = self._stat_snapshot()
        if self._data is None or sig != self._snapshot_sig:
            self._load_snapshot(sig, size)
        self._read_journal_tail()
        assert self._data is not None
        return self._data

    def append(self, table: str, doc_id: str, doc: dict[str, Any]) -> None:
        self.apply_entries([{"t": table, "id": str(doc_id), "doc": doc}])

    def delete(self, table: str, doc_id: str) -> None:
        self.apply_entries([{"t": table, "id": str(doc_id), "del": True}])

    def apply_entries(self, entries: list[dict[str, Any]]) -> None:
        """Append upserts/deletes to the journal (one write, one fsync), then apply them to the cache."""
        self.refresh()
        if self._journal_id is None and self._journal_offset and not self._journal_stale:
            # A journal without a header (written by hand or by an older version): fold it in first.
            self.compact()
        payload = b"".join(_dumps(entry) + b"\n" for entry in entries)
        try:
            self._append_journal(payload)
        except OSError as exc:
            self._data = None
            raise StoreError(f"cannot write {self.journal_path}: {exc.strerror or exc}") from None
        for entry in entries:
            self._apply(entry)
        if self._journal_offset > max(self._snapshot_size, self.compact_min_bytes):
            self.compact()

    def compact(self) -> None:
        """Fold the journal into a new snapshot."""
        data = self.refresh()
        self._write_snapshot(data, self._gen + 1)

    @property
    def journal_bytes(self) -> int:
        return self._journal_offset

    # Internals ----------------------------------------------------------------------------------------------

    def _stat_snapshot(self) -> tuple[tuple[int, ...] | None, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None, 0
        return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns), st.st_size

    def _load_snapshot(self, sig: tuple[int, ...] | None, size: int) -> None:
        self._data = None
        self._journal_id = None
        self._journal_ino = None
        self._journal_offset = 0
        self._journal_stale = False
        self.bad_lines = 0
        if sig is None:
            data: Any = {}
        else:
            raw = self.path.read_bytes()
            if not raw.strip():
                raise CorruptFile(f"{self.path.name} is empty")
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise CorruptFile(f"{self.path.name} is not valid JSON ({exc})") from None
            if not isinstance(data, dict) or not all(
                isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
                for table in data.values()
            ):
                raise CorruptFile(f"{self.path.name} is not a TinyDB database")
        gen_doc = data.pop(_GEN_TABLE, {}).get("1", {})
        gen = gen_doc.get("gen", 0)
        self._gen = gen if isinstance(gen, int) else 0
        self._data = data
        self._snapshot_sig = sig
        self._snapshot_size = size

    def _read_journal_tail(self) -> None:
        try:
            handle = open(self.journal_path, "rb")
        except FileNotFoundError:
            self._journal_id = None
            self._journal_ino = None
            self._journal_offset = 0
            self._journal_stale = False
            return
        with handle:
            st = os.fstat(handle.fileno())
            header_id = self._peek_journal_id(handle)
            if (
                st.st_ino != self._journal_ino
                or header_id != self._journal_id
                or st.st_size < self._journal_offset
            ):
                if self._journal_offset:
                    # The journal was replaced behind our back: start over from the snapshot.
                    sig, size = self._stat_snapshot()
                    self._load_snapshot(sig, size)
                self._journal_ino = st.st_ino
                self._journal_offset = 0
                self._journal_stale = False
            if st.st_size == self._journal_offset:
                return
            handle.seek(self._journal_offset)
            chunk = handle.read(st.st_size - self._journal_offset)
        end = chunk.rfind(b"\n")
        if end < 0:
            return
        complete = chunk[: end + 1]
        start_offset = self._journal_offset
        self._journal_offset += len(complete)
        lines = complete.splitlines()
        for number, entry in enumerate(_parse_lines(lines)):
            if entry is _BLANK:
                continue
            if entry is _BAD:
                self.bad_lines += 1
                continue
            if start_offset == 0 and number == 0 and isinstance(entry, dict) and "journal" in entry:
                self._journal_id = entry.get("journal")
                self._journal_stale = entry.get("gen") != self._gen
                continue
            if self._journal_stale:
                continue
            if not self._apply(entry):
                self.bad_lines += 1

    def _peek_journal_id(self, handle: Any) -> str | None:
        first = os.pread(handle.fileno(), _HEADER_PEEK, 0)
        newline = first.find(b"\n")
        if newline < 0:
            return None
        try:
            header = json.loads(first[:newline])
        except (ValueError, UnicodeDecodeError):
            return None
        return header.get("journal") if isinstance(header, dict) else None

    def _apply(self, entry: Any) -> bool:
        assert self._data is not None
        if not isinstance(entry, dict) or not isinstance(entry.get("t"), str) or "id" not in entry:
            return False
        doc_id = str(entry["id"])
        if entry.get("del"):
            table = self._data.get(entry["t"])
            if table is not None:
                table.pop(doc_id, None)
            return True
        doc = entry.get("doc")
        if not isinstance(doc, dict):
            return False
        self._data.setdefault(entry["t"], {})[doc_id] = doc
        return True

    def _append_journal(self, payload: bytes) -> None:
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            st = os.fstat(fd)
            created = st.st_size == 0
            if self._journal_stale or self._journal_id is None or st.st_ino != self._journal_ino:
                # No journal for this snapshot yet (or one already folded in): start a fresh one.
                os.ftruncate(fd, 0)
                self._journal_id = os.urandom(8).hex()
                self._journal_ino = st.st_ino
                self._journal_stale = False
                header = _dumps({"journal": self._journal_id, "gen": self._gen}) + b"\n"
                payload = header + payload
                self._journal_offset = 0
            elif st.st_size > self._journal_offset:
                # A torn line from a crashed append.
                os.ftruncate(fd, self._journal_offset)
            written = 0
            view = memoryview(payload)
            while written < len(payload):
                written += os.write(fd, view[written:])
            sync_later(fd, self.journal_path)
        except OSError:
            try:
                os.ftruncate(fd, self._journal_offset)
            except OSError:
                pass
            raise
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.journal_path.parent)
        self._journal_offset += len(payload)

    def _write_snapshot(self, tables: Tables, gen: int) -> None:
        body = dict(tables)
        body[_GEN_TABLE] = {"1": {"gen": gen}}
        try:
            atomic_write_bytes(self.path, _dumps(body))
        except OSError as exc:
            self._data = None
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._gen = gen
        self._data = tables
        self._snapshot_sig, self._snapshot_size = self._stat_snapshot()
        try:
            fd = os.open(self.journal_path, os.O_WRONLY)
        except FileNotFoundError:
            fd = None
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
                os.fsync(fd)
            except OSError:
                pass  # the journal's generation no longer matches: it is ignored and restarted
            finally:
                os.close(fd)
        self._journal_id = None
        self._journal_ino = None
        self._journal_offset = 0
        self._journal_stale = False

    def discard_cache(self) -> None:
        self._data = None
        self._snapshot_sig = None
