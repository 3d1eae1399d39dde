"""What the claude processes of each running ccsess are doing, readable by every ccsess on the same data dir.

Each ccsess process that holds claude processes (the TUI, ``ccsess run``) keeps ``live/<pid>.json`` up to date:
per session its process state and how many requests wait for the user. A reader skips, and removes, the file of
a ccsess that is gone, and skips a session whose claude is gone, so a crash never leaves a session "waiting".
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from ccsess.core.atomic import atomic_write_text

log = logging.getLogger(__name__)

LIVE_DIR = "live"


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class LiveBoard:
    """This process's entry. ``publish`` never blocks: the newest state is written by a background thread."""

    def __init__(self, data_dir: Path | str, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.path = Path(data_dir) / LIVE_DIR / f"{self.pid}.json"
        self._sessions: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._write_loop, name="ccsess-live-board", daemon=True)
        self._thread.start()

    def update(self, session_id: str, state: str, *, waiting: int = 0, claude_pid: int | None = None) -> None:
        with self._lock:
            if state == "cold" and not waiting:
                self._sessions.pop(session_id, None)
            else:
                previous = self._sessions.get(session_id, {})
                since = previous.get("waiting_since") if previous.get("waiting") else None
                self._sessions[session_id] = {
                    "state": state, "waiting": waiting, "claude_pid": claude_pid,
                    "waiting_since": (since or time.time()) if waiting else None}
        self._changed.set()

    def close(self) -> None:
        self._closed = True
        self._changed.set()
        self._thread.join(2.0)
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def _write_loop(self) -> None:
        while not self._closed:
            self._changed.wait()
            self._changed.clear()
            if self._closed:
                return
            with self._lock:
                sessions = {sid: dict(entry) for sid, entry in self._sessions.items()}
            try:
                if sessions:
                    self.path.parent.mkdir(mode=0o700, exist_ok=True)
                    atomic_write_text(self.path, json.dumps({"pid": self.pid, "updated": time.time(),
                                                             "sessions": sessions}))
                else:
                    self.path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("could not write the live state %s: %s", self.path, error)


def read_live(data_dir: Path | str) -> dict[str, dict[str, Any]]:
    """The live state of every session held by a running ccsess: {session id: {state, waiting, ...}}."""
    found: dict[str, dict[str, Any]] = {}
    folder = Path(data_dir) / LIVE_DIR
    try:
        files = list(folder.glob("*.json"))
    except OSError:
        return found
    for path in files:
        try:
            holder = int(path.stem)
        except ValueError:
            continue
        if not process_alive(holder):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
            continue
        try:
            document = json.loads(path.read_text())
            sessions = document["sessions"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for sid, entry in sessions.items() if isinstance(sessions, dict) else ():
            if not isinstance(entry, dict):
                continue
            claude_pid = entry.get("claude_pid")
            if isinstance(claude_pid, int) and not process_alive(claude_pid):
                continue
            found[sid] = {**entry, "holder_pid": holder}
    return found
