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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccsess.core.atomic import atomic_write_bytes
from ccsess.core.models import SessionSummary

RECENT_FILE = "recent.json"
# Lines of the session list saved for the next start: more than any terminal shows at once.
RECENT_LINES = 200
FORMAT_VERSION = 1
# Settings of the command line's own jobs, left out of the copy: a window never reads them, and the importer's
# record of the files it read (``import.files``) is a megabyte for 10,000 sessions.
NOT_FOR_THE_WINDOW = ("import.",)

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


def leading_sessions(sessions: list[SessionSummary], lines: int) -> list[SessionSummary]:
    """The sessions on the first ``lines`` lines of the unfiltered list (a project header takes a line), in the
    given order: listing only these draws those lines exactly as listing every session does."""
    groups: dict[str, list[SessionSummary]] = {}
    for session in sessions:
        groups.setdefault(session.project, []).append(session)
    shown: set[str] = set()
    used = 0
    for group in groups.values():
        if used >= lines:
            break
        used += 1
        taken = group[: max(1, lines - used)]
        used += len(taken)
        shown.update(session.id for session in taken)
    return [session for session in sessions if session.id in shown]


def first_screen(sessions: list[SessionSummary]) -> list[SessionSummary]:
    """What ``recent.json`` keeps of a list: the sessions on its first ``RECENT_LINES`` lines."""
    return leading_sessions(sessions, RECENT_LINES)
