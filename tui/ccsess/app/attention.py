"""Getting the user's attention for sessions in the background.

When a session that is not on screen starts waiting, finishes a turn, fails or reaches a limit, the user is told:
a notification in the app naming the session (alt+n goes there), the terminal bell, and a desktop notification
through the terminal (OSC 9, or OSC 777 for terminals that take that one; inside tmux both are passed through).
Config ``notify`` picks which. Every event also goes to the hooks (``notify_command``, ``webhook_url``), and the
live state of the sessions to the live board other ccsess processes read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.errors import StoreError
from ccsess.core.hooks import HookEvent, Hooks, hook_for, session_fields
from ccsess.core.store.live_board import LiveBoard
from ccsess.core.text import one_line

if TYPE_CHECKING:
    from ccsess.core.models import Session
    from ccsess.core.store.api import SessionStore

log = logging.getLogger(__name__)

TITLE = "ccsess"
WHAT_HAPPENED = {"waiting": "is waiting for you", "turn_finished": "finished its turn", "error": "failed",
                 "limit_reached": "reached its limit"}


def desktop_sequence(title: str, body: str, env: Mapping[str, str]) -> str:
    """The escape sequence that makes the terminal show a desktop notification."""
    title, body = _plain(title, 60), _plain(body, 200)
    term = env.get("TERM", "")
    if term.startswith(("rxvt", "foot")) or env.get("VTE_VERSION"):
        sequence = f"\x1b]777;notify;{title.replace(';', ',')};{body}\x07"
    else:
        sequence = f"\x1b]9;{title}: {body}\x07"
    if env.get("TMUX"):
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def _plain(text: str, width: int) -> str:
    """One line without control characters: nothing in a name can end the sequence early."""
    return "".join(ch for ch in one_line(text, width) if ch.isprintable())


class Attention:
    def __init__(self, config: Config, store: SessionStore, write: Callable[[str], None],
                 notify: Callable[..., None], notify_from_thread: Callable[..., None], *,
                 env: Mapping[str, str] | None = None, data_dir: Path | None = None) -> None:
        self.config = config
        self.store = store
        self.write = write
        self.notify = notify
        self.notify_from_thread = notify_from_thread
        self.env = dict(env if env is not None else os.environ)
        self.last_notified: str | None = None
        self.hooks = Hooks(store, command=config.notify_command, webhook_url=config.webhook_url,
                           on_failure=self._hook_failed)
        self.board = LiveBoard(data_dir) if data_dir is not None else None

    def engine_event(self, event: ev.EngineEvent, on_screen: str | None) -> None:
        if isinstance(event, ev.ProcessStateChanged) and self.board is not None:
            self.board.update(event.session_id, event.state, waiting=event.waiting, claude_pid=event.pid)
        hook = hook_for(event)
        if hook is None:
            return
        self.hooks.engine_event(event, hook)
        if hook[0] not in WHAT_HAPPENED:
            return
        kind = hook[0]
        if event.session_id == on_screen or (isinstance(event, ev.LimitReached) and event.prompt):
            return  # the user is looking at it (a refused prompt was just typed there)
        self.signal(kind, event.session_id, getattr(event, "reason", ""))

    def signal(self, kind: str, session_id: str, detail: str = "") -> None:
        name = session_id
        try:
            name = self.store.get_session(session_id).name or session_id
        except StoreError:
            pass
        text = f"{one_line(name, 40)} {WHAT_HAPPENED[kind]}" + (f": {one_line(detail, 120)}" if detail else "")
        self.last_notified = session_id
        how = self.config.notify_for(kind)
        key = "alt+w" if kind == "waiting" else "alt+n"
        severity = "information" if kind == "turn_finished" else "warning"
        if kind in ("waiting", "turn_finished"):  # failures and limits have their own, with the reason
            self.notify(f"{text} ({key} to go there)", severity=severity, timeout=10, markup=False)
        if how in ("bell", "both"):
            self.write("\a")
        if how in ("desktop", "both"):
            self.write(desktop_sequence(TITLE, text, self.env))

    def archived(self, session: Session) -> None:
        if self.hooks.active:
            self.hooks.fire(HookEvent("archived", session_fields(session, "archived")))

    def close(self) -> None:
        self.hooks.close(2.0)
        if self.board is not None:
            self.board.close()

    def _hook_failed(self, line: str) -> None:
        self.notify_from_thread(line, severity="warning", timeout=10, markup=False)
