"""How the store lays records out in its TinyDB tables, and the pure functions over those documents."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ccsess.core.models import Session, clone
from ccsess.core.errors import CorruptFile, StoreLocked

if TYPE_CHECKING:
    from ccsess.core.store.journal import Tables
    from ccsess.core.store.files import StoreFile

# index.json
SESSIONS = "sessions"
SETTINGS = "settings"
# sessions/<id>.json
MESSAGES = "messages"
EVENTS = "events"
SESSION_COPY = "session"


def entry(table: str, doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {"t": table, "id": doc_id, "doc": doc}


def deletion(table: str, doc_id: str) -> dict[str, Any]:
    return {"t": table, "id": doc_id, "del": True}


def plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def live_status(row: dict[str, Any]) -> str:
    """The row's status, except that a session left ``active`` by a process that no longer runs (killed while a
    reply streamed) reads as ``stopped``."""
    status = row.get("status", "new")
    pid = row.get("active_pid")
    if status == "active" and isinstance(pid, int) and not _process_exists(pid):
        return "stopped"
    return status


def session_from_row(row: dict[str, Any]) -> Session:
    """A Session that shares nothing mutable with the cached row (``from_dict`` builds new totals and fork
    points; the one other mutable field is copied here)."""
    return Session.from_dict({**row, "chosen_versions": dict(row.get("chosen_versions") or {}),
                              "status": live_status(row)})


def match_ref(rows: Iterable[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    """Rows a user's reference points at: the first match of exact id, exact name, id prefix, name prefix."""
    rows = list(rows)
    if not ref:
        return []
    for match in (
        lambda r: r.get("id") == ref,
        lambda r: r.get("name") == ref,
        lambda r: str(r.get("id", "")).startswith(ref),
        lambda r: str(r.get("name", "")).startswith(ref),
    ):
        found = [r for r in rows if match(r)]
        if found:
            return found
    return []


def visible_messages(docs: list[dict[str, Any]], chosen: dict[str, int]) -> list[dict[str, Any]]:
    """Keep, for each version group, only the chosen version (the latest when none is chosen or the chosen one
    is missing)."""
    versions: dict[str, set[int]] = {}
    for doc in docs:
        group = doc.get("version_group")
        if group:
            versions.setdefault(group, set()).add(doc.get("version", 0))
    if not versions:
        return docs
    shown = {
        group: chosen[group] if chosen.get(group) in present else max(present)
        for group, present in versions.items()
    }
    return [d for d in docs if not d.get("version_group") or d.get("version", 0) == shown[d["version_group"]]]


def rows_from_session_files(
    files: Iterable[tuple[str, StoreFile]], on_corrupt: Callable[[str, StoreFile, CorruptFile], None]
) -> dict[str, Any]:
    """Index rows recovered from the copies kept in each session file, with message counts recounted."""
    rows: dict[str, Any] = {}
    for session_id, session_file in files:
        try:
            with session_file.lock():
                try:
                    tables: Tables = session_file.load()
                except CorruptFile as exc:
                    on_corrupt(session_id, session_file, exc)
                    continue
        except StoreLocked:
            continue
        row = tables.get(SESSION_COPY, {}).get(session_id)
        if isinstance(row, dict):
            row = clone(row)
            row["message_count"] = len(tables.get(MESSAGES, {}))
            rows[session_id] = row
    return rows
