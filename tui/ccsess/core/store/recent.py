"""A small copy of what a freshly opened window shows from the index: the first sessions of the list and the
settings.

Reading ``index.json`` with 10,000 sessions takes longer than drawing a whole screen, so the app saves this copy
(``recent.json``) and shows it while the index is read. The copy carries a stamp of the index files (inode, size
and times of the snapshot and of its journal) taken under the index lock when the rows were read; it is used only
while the files still carry that stamp, so it never shows anything the index does not hold.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccsess.core.atomic import atomic_write_bytes
from ccsess.core.models import SessionSummary
from ccsess.core.store.documents import SESSIONS, SETTINGS, clone, live_status

RECENT_FILE = "recent.json"
FORMAT_VERSION = 1

Stamp = list[Any]


@dataclass
class RecentView:
    """Sessions in list order and the settings, as they were when ``stamp`` was taken."""

    sessions: list[SessionSummary] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


def index_stamp(index_path: Path, journal_path: Path) -> Stamp | None:
    """The identity of the index files as they are now; None when there is no index yet."""
    stamp: Stamp = []
    for path in (index_path, journal_path):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            stamp.append(None)
            continue
        stamp.append([st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return stamp if any(part is not None for part in stamp) else None


def read_recent(path: Path, stamp: Stamp | None) -> RecentView | None:
    """The saved view if it was saved for exactly this ``stamp``; None when missing, stale or unreadable."""
    if stamp is None:
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or data.get("stamp") != stamp:
        return None
    rows, settings = data.get("sessions"), data.get("settings")
    if not isinstance(rows, list) or not isinstance(settings, dict):
        return None
    try:
        sessions = [SessionSummary(*row) for row in rows]
    except TypeError:
        return None
    if not all(isinstance(s.id, str) and isinstance(s.name, str) and isinstance(s.project, str)
               and isinstance(s.last_active, (int, float)) for s in sessions):
        return None
    return RecentView(sessions, settings)


def write_recent(path: Path, stamp: Stamp, view: RecentView) -> None:
    body = {"version": FORMAT_VERSION, "stamp": stamp, "sessions": [list(s) for s in view.sessions],
            "settings": view.settings}
    atomic_write_bytes(path, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class SessionListing:
    """The store's cheap ways to list sessions; mixed into ``Store``, whose index they read."""

    data_dir: Path
    _index: Any
    _listed_stamp: Stamp | None
    _index_tables: Callable[[], AbstractContextManager[dict[str, dict[str, Any]]]]

    def list_summaries(self, *, include_archived: bool = False) -> list[SessionSummary]:
        """Like ``list_sessions`` with only what a list shows, at a fraction of the cost."""
        with self._index_tables() as tables:
            summaries = [SessionSummary.from_dict(row) if row.get("status") != "active"
                         else SessionSummary.from_dict({**row, "status": live_status(row)})
                         for row in tables.get(SESSIONS, {}).values()]
            self._listed_stamp = index_stamp(self._index.path, self._index.storage.journal_path)
        if not include_archived:
            summaries = [s for s in summaries if s.status != "archived"]
        summaries.sort(key=lambda s: s.last_active, reverse=True)
        return summaries

    def recent_view(self) -> RecentView | None:
        """The view saved by ``save_recent_view``, if the index has not changed since; never reads the index."""
        return read_recent(self.data_dir / RECENT_FILE,
                           index_stamp(self._index.path, self._index.storage.journal_path))

    def save_recent_view(self, sessions: list[SessionSummary]) -> None:
        """Save the first sessions of a list made by the last ``list_summaries`` (unarchived, in the order
        shown), with the settings, for ``recent_view``. Does nothing if the index changed since that list."""
        with self._index_tables() as tables:
            stamp = index_stamp(self._index.path, self._index.storage.journal_path)
            if stamp is None or stamp != self._listed_stamp:
                return
            settings = {key: clone(doc["value"]) for key, doc in tables.get(SETTINGS, {}).items()
                        if isinstance(doc, dict) and "value" in doc}
            try:
                write_recent(self.data_dir / RECENT_FILE, stamp, RecentView(list(sessions), settings))
            except OSError:
                pass
