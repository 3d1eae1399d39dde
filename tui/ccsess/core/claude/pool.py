"""The engine's live claude processes: one per session, at most ``max_live`` of them.

The least recently used idle process is closed to make room for a new one, and one idle for ``idle_timeout`` is
closed by a reaper thread. Every method is called with the engine's lock held, which the pool shares.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ccsess.core.claude.launch import LaunchRefused
from ccsess.core.claude.live import LiveSession
from ccsess.core.claude.process import ClaudeProcess


class ProcessPool:
    def __init__(self, lock: threading.RLock, *, max_live: int, idle_timeout: float) -> None:
        self.lock = lock
        self.max_live = max(1, max_live)
        self.idle_timeout = idle_timeout
        self.shut = threading.Event()
        self._live: OrderedDict[str, LiveSession] = OrderedDict()
        self._closing: list[ClaudeProcess] = []
        self._reaper = threading.Thread(target=self._reap_idle, name="ccsess-reaper", daemon=True)
        self._reaper.start()

    def get(self, session_id: str) -> LiveSession | None:
        return self._live.get(session_id)

    def session_ids(self) -> list[str]:
        return list(self._live)

    def usable(self, session_id: str) -> LiveSession | None:
        """The session's process if it can take another turn, marked as the most recently used."""
        live = self._live.get(session_id)
        if live is None or not live.process.alive or live.closing:
            return None
        self._live.move_to_end(session_id)
        return live

    # What the UI asks; these take the lock themselves.

    def state(self, session_id: str) -> str:
        with self.lock:
            live = self._live.get(session_id)
            return live.state if live is not None else "cold"

    def pending_requests(self, session_id: str) -> list[Any]:
        """The requests of the session still waiting for the user (permissions, questions, plans), oldest first."""
        with self.lock:
            live = self._live.get(session_id)
            return list(live.request_events.values()) if live is not None else []

    def waiting_sessions(self) -> list[str]:
        """Sessions with requests waiting for the user, the one whose oldest request waits longest first."""
        with self.lock:
            waiting = [(min(live.request_since.values()), sid) for sid, live in self._live.items()
                       if live.request_since]
        return [sid for _, sid in sorted(waiting)]

    def pid(self, session_id: str) -> int | None:
        """The process id of the session's claude while one runs."""
        with self.lock:
            live = self._live.get(session_id)
            return live.process.pid if live is not None else None

    def live_session_ids(self) -> list[str]:
        """The sessions that have a claude process, least recently used first."""
        with self.lock:
            return list(self._live)

    def is_current(self, live: LiveSession) -> bool:
        return self._live.get(live.session_id) is live

    def add(self, live: LiveSession) -> None:
        self._live[live.session_id] = live

    def remove(self, live: LiveSession) -> None:
        """Forget a process that exited (unless a newer one already took its place)."""
        if self.is_current(live):
            del self._live[live.session_id]

    def make_room(self) -> None:
        while len(self._live) >= self.max_live:
            idle = [live for live in self._live.values() if not live.busy]
            if not idle:
                raise LaunchRefused(
                    f"{len(self._live)} sessions are busy (max_live is {self.max_live}); stop one or raise "
                    "max_live in config.toml", "busy")
            self.retire(idle[0])

    def retire(self, live: LiveSession) -> None:
        """Take a live session out of the pool and close its process in the background."""
        self.remove(live)
        live.closing = True
        self._closing.append(live.process)

        def close() -> None:
            live.process.close()
            with self.lock:
                if live.process in self._closing:
                    self._closing.remove(live.process)

        threading.Thread(target=close, name=f"claude-close-{live.process.pid}", daemon=True).start()

    def take(self, session_id: str) -> LiveSession | None:
        return self._live.pop(session_id, None)

    def take_all(self) -> tuple[list[LiveSession], list[ClaudeProcess]]:
        """Empty the pool and stop the reaper: the live sessions, and the processes already being closed."""
        self.shut.set()
        lives = list(self._live.values())
        self._live.clear()
        return lives, list(self._closing)

    def join_reaper(self) -> None:
        self._reaper.join(timeout=1.0)

    @staticmethod
    def wait_closed(processes: list[ClaudeProcess], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for process in processes:
            process.wait(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.alive:
                process.close(timeout=0.5)

    def _reap_idle(self, clock: Callable[[], float] = time.monotonic) -> None:
        interval = min(max(self.idle_timeout / 4, 0.05), 5.0)
        while not self.shut.wait(interval):
            now = clock()
            with self.lock:
                for live in list(self._live.values()):
                    if not live.busy and now - live.last_used > self.idle_timeout:
                        self.retire(live)
