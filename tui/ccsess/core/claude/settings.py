"""What the user changes about a session while its claude may be running: model, permission mode, the rules
it was allowed, its limits. Each is stored first; a running claude is told with a control request, or, for what
can only be given at launch, closed once idle so the next turn starts with it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ccsess.core.claude import events as ev
from ccsess.core.claude import limits
from ccsess.core.claude import protocol as st
from ccsess.core.claude.live import LiveSession
from ccsess.core.claude.pool import ProcessPool
from ccsess.core.config import PERMISSION_MODES, Config
from ccsess.core.models import Session
from ccsess.core.store.api import SessionStore


class SessionSettings:
    def __init__(self, store: SessionStore, config: Config, pool: ProcessPool, lock: threading.RLock,
                 emit: Callable[[ev.EngineEvent], None], log: Callable[..., None],
                 control: Callable[[LiveSession, dict[str, Any], Callable[[st.ControlReply], None]], Any]) -> None:
        self.store = store
        self.config = config
        self.pool = pool
        self.lock = lock
        self.emit = emit
        self.log = log
        self.control = control

    def set_model(self, session_id: str, model: str) -> None:
        self._change(session_id, "model", model, {"subtype": "set_model", "model": model})
        self.emit(ev.ModelChanged(session_id, model))

    def set_permission_mode(self, session_id: str, mode: str) -> None:
        """Store the mode and switch the running claude to it without a restart. ``bypassPermissions`` can only
        be given at launch, so an idle claude is closed and the next turn starts with it."""
        if mode not in PERMISSION_MODES:
            raise ValueError(f"unknown permission mode {mode!r}; use one of {', '.join(PERMISSION_MODES)}")
        if mode == "bypassPermissions":
            with self.lock:
                self.store.update_session(session_id, permission_mode=mode)
                self.log(session_id, "mode_change", mode=mode)
                self.relaunch_when_idle(session_id)
        else:
            self._change(session_id, "permission_mode", mode, {"subtype": "set_permission_mode", "mode": mode})
        self.emit(ev.ModeChanged(session_id, mode))

    def revoke_rule(self, session_id: str, rule: str) -> None:
        """Forget a rule allowed for the session. claude keeps what it was told until it restarts, so its process
        is closed once idle and the next turn starts without the rule."""
        with self.lock:
            allowed = self.store.get_session(session_id).allowed_tools
            self.store.update_session(session_id, allowed_tools=[r for r in allowed if r != rule])
            self.log(session_id, "tool_call", revoked=rule)
            self.relaunch_when_idle(session_id)

    def set_limits(self, session_id: str, max_turns: int | None, max_budget_usd: float | None) -> Session:
        """The session's own limits (None: the config's). A limited session that is under them again goes on."""
        with self.lock:
            session = self.store.update_session(session_id, max_turns=max_turns, max_budget_usd=max_budget_usd)
            if session.status == "limited" and limits.reached(session, self.config) is None:
                session = self.store.update_session(session_id, status="idle")
            self.log(session_id, "limit_change", max_turns=max_turns, max_budget_usd=max_budget_usd)
            self.relaunch_when_idle(session_id)  # claude was given the budget when it started
            return session

    def relaunch_when_idle(self, session_id: str) -> None:
        live = self.pool.get(session_id)
        if live is not None:
            live.stale = True
            if not live.busy:
                self.pool.retire(live)

    def _change(self, session_id: str, field: str, value: str, request: dict[str, Any]) -> None:
        """Store a session setting and tell a running claude with a control request."""
        with self.lock:
            self.store.update_session(session_id, **{field: value})
            self.log(session_id, f"{field.removeprefix('permission_')}_change", **{field: value})
            live = self.pool.get(session_id)
            if live is not None and live.process.alive and not live.closing:
                def answered(reply: st.ControlReply) -> None:
                    if not reply.ok:
                        self.emit(ev.SessionFailed(session_id, f"claude refused {field.replace('_', ' ')} {value}: "
                                                   f"{reply.error}", kind="error"))
                self.control(live, request, answered)

