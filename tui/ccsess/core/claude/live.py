"""The engine's view of one running claude process and the turns waiting for it."""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ccsess.core.claude.process import ClaudeProcess
from ccsess.core.claude.protocol import PermissionAsk
from ccsess.core.claude.turn import TurnRecorder

@dataclass
class PendingTurn:
    """A stored user prompt not yet written to claude. Regenerations carry their version group and number."""

    prompt_message_id: str
    text: str
    version_group: str | None = None
    version: int = 0
    images: tuple[dict[str, Any], ...] = ()  # image blocks with their data

    def content(self) -> str | list[dict[str, Any]]:
        """The user message's content as claude reads it: the text alone, or the images and then the text (claude
        reads @ mentions in a last text block only, not in one followed by an image)."""
        if not self.images:
            return self.text
        return list(self.images) + ([{"type": "text", "text": self.text}] if self.text else [])


@dataclass
class LiveSession:
    session_id: str
    process: ClaudeProcess
    mode: str
    claude_session_id: str | None
    state: str = "cold"
    recorder: TurnRecorder | None = None
    pending: deque[PendingTurn] = field(default_factory=deque)
    last_used: float = field(default_factory=time.monotonic)
    cost_seen: float = 0.0
    permission_requests: dict[str, PermissionAsk] = field(default_factory=dict)
    # The event each waiting request was reported with, oldest first, so the UI can open it when it gets to it.
    request_events: dict[str, Any] = field(default_factory=dict)
    request_since: dict[str, float] = field(default_factory=dict)
    control_waiters: dict[str, Any] = field(default_factory=dict)
    closing: bool = False
    turn: PendingTurn | None = None
    # Set when what the process was launched with no longer holds (a revoked rule): it is closed once idle.
    stale: bool = False

    @property
    def busy(self) -> bool:
        return self.recorder is not None or bool(self.pending)

    def touch(self) -> None:
        self.last_used = time.monotonic()


def stop_unless_finished(live: LiveSession, recorder: TurnRecorder, lock: threading.RLock | threading.Lock,
                         grace: float, step: int = 1) -> None:
    """A stop asked of claude that it has not honoured within ``grace`` seconds: SIGINT, then after another
    ``grace`` SIGKILL."""

    def escalate() -> None:
        with lock:
            if recorder.finished or not live.process.alive:
                return
        if step == 1:
            live.process.send_signal(signal.SIGINT)
            stop_unless_finished(live, recorder, lock, grace, 2)
        else:
            live.process.kill()

    timer = threading.Timer(grace, escalate)
    timer.daemon = True
    timer.start()
