"""The engine: live claude processes for ccsess sessions, one per session, in a bounded pool.

Every method returns at once; output arrives through ``emit`` on reader threads. At most ``max_live`` processes
run: the least recently used idle one is closed to make room, and one idle for ``idle_timeout`` is closed by the
reaper. A closed session comes back with ``--resume`` on its next message without the user noticing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ccsess.core.claude import events as ev
from ccsess.core.claude import protocol as st
from ccsess.core.claude import limits
from ccsess.core.claude.attachments import ImageAttachment
from ccsess.core.claude.limits import LimitExceeded
from ccsess.core.claude.history import SessionHistory
from ccsess.core.claude.launch import LaunchRefused, start_claude
from ccsess.core.claude.live import LiveSession, PendingTurn, stop_unless_finished
from ccsess.core.claude.pool import ProcessPool
from ccsess.core.claude.requests import UserRequests
from ccsess.core.claude.settings import SessionSettings
from ccsess.core.config import PERMISSION_MODES, Config
from ccsess.core.errors import EngineError
from ccsess.core.models import Event, Message, Session, new_id
from ccsess.core.store.api import SessionStore
from ccsess.core.claude.turn import TurnRecorder
from ccsess.core.code.turn_files import TurnFiles
from ccsess.core.code.worktrees import worktrees_base

log = logging.getLogger(__name__)

__all__ = ["Engine", "EngineError", "LimitExceeded"]

STOP_GRACE = 2.0


class Engine:
    def __init__(self, store: SessionStore, config: Config, emit: Callable[[ev.EngineEvent], None], *,
                 env: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.config = config
        self.emit = emit
        self.env = {**os.environ, **(env or {})}
        self.program = config.claude or "claude"
        self._lock = threading.RLock()
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccsess-send")
        self._submitted: Counter[str] = Counter()
        self._published: dict[str, tuple[str, str, bool, int, int]] = {}
        self.requests = UserRequests(store, emit, self._log)
        self.pool = ProcessPool(self._lock, max_live=config.max_live, idle_timeout=float(config.idle_timeout))
        self.settings = SessionSettings(store, config, self.pool, self._lock, emit, self._log, self._control)
        self.files = TurnFiles.for_config(store, config, lambda sid, line: emit(ev.Notice(sid, line)))
        self.history = SessionHistory(store, self.pool, self._lock, self.files, emit, self._queue_turn,
                                      worktrees_base(config.worktree_dir, getattr(store, "data_dir", ".")))

    # Public API -----------------------------------------------------------------------------------------------

    def send(self, session_id: str, prompt: str, images: Sequence[ImageAttachment] = ()) -> str:
        """Store the prompt (and its images), then hand it to the session's claude (spawning it if needed).
        Returns its id."""
        with self._lock:
            session = self.store.get_session(session_id)
            hit = limits.reached(session, self.config)
            if hit is not None:
                self.store.update_session(session_id, status="limited")
                self.emit(ev.LimitReached(session_id, hit[1], hit[0], prompt))
                raise LimitExceeded(hit[1])
            if session.claude_session_id is None and session.pending_fork is None:
                session = self.store.update_session(session_id, claude_session_id=str(uuid.uuid4()))
            sent = tuple(image.block() for image in images)
            # Copies: the store moves the data of the message's image blocks into files; claude gets it inline.
            message = Message(id=new_id(), role="user", blocks=[{"type": "text", "text": prompt},
                                                                *(dict(block) for block in sent)],
                              claude_session_id=None if session.pending_fork else session.claude_session_id)
            self.store.append_message(session_id, message)
            self.store.update_session(session_id, status="active", last_active=time.time())
            self.emit(ev.PromptStored(session_id, message))
        if self.files is not None:
            # The folder as the turn finds it, before claude can touch it; taken off the lock (and off the UI).
            self.files.record(session_id, message.id, "start").result()
        with self._lock:
            self._queue_turn(session_id, PendingTurn(message.id, prompt, images=sent))
        return message.id

    def submit(self, session_id: str, prompt: str, images: Sequence[ImageAttachment] = ()) -> None:
        """``send`` on the engine's sending thread, in the order of the calls, so the caller (the UI) never waits
        for the store's fsync or a spawn. The session reads as busy at once; ``PromptStored`` reports the prompt
        and ``SessionFailed`` a problem."""
        with self._lock:
            self._submitted[session_id] += 1
            self._publish(session_id)

        def send() -> None:
            try:
                self.send(session_id, prompt, images)
            except LimitExceeded:
                pass  # reported with LimitReached, which gives the prompt back
            except Exception as error:  # the store and the launcher say what went wrong in one line
                self.emit(ev.SessionFailed(session_id, f"could not send: {error}", kind="error"))
            finally:
                with self._lock:
                    self._submitted[session_id] -= 1
                    self._publish(session_id)

        self._sender.submit(send)

    def stop(self, session_id: str) -> None:
        """Interrupt the running turn; its partial reply is kept and marked interrupted."""
        with self._lock:
            live = self.pool.get(session_id)
            if live is None or live.recorder is None:
                return
            recorder = live.recorder
            recorder.mark_stopping()
            self._set_state(live, "stopping")
            self._control(live, {"subtype": "interrupt"})
            stop_unless_finished(live, recorder, self._lock, STOP_GRACE)

    def set_model(self, session_id: str, model: str) -> None:
        self.settings.set_model(session_id, model)

    def set_permission_mode(self, session_id: str, mode: str) -> None:
        self.settings.set_permission_mode(session_id, mode)

    def revoke_rule(self, session_id: str, rule: str) -> None:
        self.settings.revoke_rule(session_id, rule)

    def set_limits(self, session_id: str, max_turns: int | None, max_budget_usd: float | None) -> Session:
        return self.settings.set_limits(session_id, max_turns, max_budget_usd)

    def answer_permission(self, session_id: str, request_id: str, decision: str, message: str = "") -> None:
        self._answer(session_id, lambda live: self.requests.answer_permission(live, request_id, decision, message))

    def answer_question(self, session_id: str, request_id: str, answers: dict[str, str] | None,
                        message: str = "") -> None:
        """Answer claude's question: ``answers`` maps each question's text to its answer; None declines."""
        self._answer(session_id, lambda live: self.requests.answer_question(live, request_id, answers, message))

    def answer_plan(self, session_id: str, request_id: str, decision: str, note: str = "") -> None:
        """``approve``, ``approve_edits`` (and switch to acceptEdits) or ``keep`` planning (with ``note``)."""
        self._answer(session_id, lambda live: self.requests.answer_plan(live, request_id, decision, note))

    def _answer(self, session_id: str, answer: Callable[[LiveSession], None]) -> None:
        with self._lock:
            live = self.pool.get(session_id)
            if live is not None:
                answer(live)
                self._publish(session_id)

    def branch(self, session_id: str, at_message_id: str | None = None, *, name: str | None = None) -> Session:
        """A new session whose history is this one's up to ``at_message_id`` (default: the last message)."""
        return self.history.branch(session_id, at_message_id, name=name)

    def regenerate(self, session_id: str) -> None:
        """A new reply to the last prompt, from the state before it; the old reply stays as a sibling version."""
        self.history.regenerate(session_id)

    def choose_version(self, session_id: str, group_id: str, version: int) -> None:
        self.history.choose_version(session_id, group_id, version)

    def state(self, session_id: str) -> str:
        return self.pool.state(session_id)

    def pending_requests(self, session_id: str) -> list[ev.EngineEvent]:
        return self.pool.pending_requests(session_id)

    def waiting_sessions(self) -> list[str]:
        return self.pool.waiting_sessions()

    def pid(self, session_id: str) -> int | None:
        return self.pool.pid(session_id)

    def live_session_ids(self) -> list[str]:
        return self.pool.live_session_ids()

    def is_streaming(self, session_id: str) -> bool:
        with self._lock:
            live = self.pool.get(session_id)
            # A turn written to a claude that has printed nothing yet is still in flight.
            return (live is not None and (live.state in ev.BUSY_STATES or live.busy)) or self._submitted[session_id] > 0

    def shutdown(self, timeout: float = 5.0) -> None:
        """Close every process: stop running turns, end input, wait, then terminate what is left."""
        self.pool.shut.set()
        self._sender.shutdown(wait=True)
        with self._lock:
            lives, closing = self.pool.take_all()
            for live in lives:
                self._end_input(live)
        self.pool.wait_closed([live.process for live in lives] + closing, timeout)
        self.pool.join_reaper()
        if self.files is not None:
            self.files.close()

    def release(self, session_id: str, timeout: float = 5.0) -> None:
        """Close this session's claude and wait for it to exit, so that another program can resume the
        Claude session without two writers forking its file. The next send resumes it."""
        with self._lock:
            live = self.pool.take(session_id)
            if live is None:
                return
            self._end_input(live)
        self.pool.wait_closed([live.process], timeout)

    def _end_input(self, live: LiveSession) -> None:
        live.closing = True
        if live.recorder is not None:
            live.recorder.mark_stopping()
            self._control(live, {"subtype": "interrupt"})
        live.pending.clear()
        live.process.close_stdin()

    # Turns ----------------------------------------------------------------------------------------------------

    def _queue_turn(self, session_id: str, turn: PendingTurn) -> None:
        try:
            live = self._ensure_live(session_id)
        except LaunchRefused as exc:
            self._fail(session_id, ev.SessionFailed(session_id, str(exc), kind=exc.kind))
            return
        live.pending.append(turn)
        live.touch()
        self._pump(live)
        self._set_state(live, live.state)

    def _pump(self, live: LiveSession) -> None:
        """Write the next waiting prompt if the process is free."""
        if live.recorder is not None or not live.pending or live.closing or not live.process.alive:
            return
        turn = live.pending.popleft()
        live.turn = turn
        live.recorder = TurnRecorder(
            self.store, live.session_id, self.emit, prompt_message_id=turn.prompt_message_id, prompt_text=turn.text,
            claude_session_id=live.claude_session_id, version_group=turn.version_group, version=turn.version,
            cost_base=live.cost_seen,
        )
        live.process.write_json({"type": "user", "message": {"role": "user", "content": turn.content()}})
        self.emit(ev.TurnStarted(live.session_id, turn.prompt_message_id))
        self._set_state(live, live.state if live.state == "starting" else "streaming")

    def _ensure_live(self, session_id: str) -> LiveSession:
        live = self.pool.usable(session_id)
        if live is not None:
            return live
        self.pool.make_room()
        session = self.store.get_session(session_id)
        live, plan, session = start_claude(self.program, session, self.store, self.env,
                                           limits.budget_left(session, self.config), self._on_line, self._on_exit,
                                           self._on_tick)
        self.pool.add(live)
        self._log(session_id, "start", pid=live.process.pid, mode=plan.mode, model=session.model,
                  permission_mode=session.permission_mode)
        self._set_state(live, "starting")
        if plan.notice:
            self._log(session_id, "error", message=plan.notice)
            self.emit(ev.Notice(session_id, plan.notice))
        return live

    # Reader-thread callbacks ----------------------------------------------------------------------------------

    def _on_line(self, live: LiveSession, obj: dict[str, Any]) -> None:
        with self._lock:
            for item in st.parse_line(obj):
                self._dispatch(live, item)

    def _dispatch(self, live: LiveSession, item: st.Item) -> None:
        recorder = live.recorder
        if isinstance(item, st.Status) and item.permission_mode:
            self._mode_reported(live.session_id, item.permission_mode)
        if isinstance(item, st.Init):
            self._on_init(live, item)
        elif isinstance(item, st.ControlReply):
            waiter = live.control_waiters.pop(item.request_id, None)
            if waiter is not None:
                waiter(item)
        elif isinstance(item, st.PermissionAsk):
            self.requests.received(live, item, recorder.blocks() if recorder is not None else [])
            self._publish(live.session_id)
        elif isinstance(item, st.ControlAsk):
            live.process.write_json({"type": "control_response", "response": {
                "subtype": "error", "request_id": item.request_id,
                "error": f"ccsess does not handle {item.subtype}"}})
        elif isinstance(item, st.Result):
            self._on_result(live, item)
            return
        elif isinstance(item, st.ConversationReset):  # /clear: a later start resumes the new conversation
            self._adopt_claude_session(live, item.claude_session_id)
        elif isinstance(item, st.Retry) and live.state != "stopping":
            self._set_state(live, "retrying", f"{item.attempt}/{item.max_retries}")
        elif isinstance(item, (st.MessageStart, st.Status)) and live.state in ("retrying", "starting"):
            if recorder is not None:
                self._set_state(live, "streaming")
        if recorder is not None:
            recorder.handle(item)

    def _on_init(self, live: LiveSession, item: st.Init) -> None:
        if item.slash_commands:
            self.emit(ev.CommandsListed(live.session_id, item.slash_commands, item.terminal_only))
        if live.recorder is None and not live.closing:
            # claude started a turn by itself (a background agent it launched has finished): record it too.
            live.recorder = TurnRecorder(self.store, live.session_id, self.emit, prompt_message_id=None,
                                         claude_session_id=live.claude_session_id, cost_base=live.cost_seen)
            self.emit(ev.TurnStarted(live.session_id, ""))
            self._set_state(live, "streaming")
        if live.claude_session_id is None and item.session_id:
            self._adopt_claude_session(live, item.session_id)
            if live.recorder is not None:
                self._stamp_prompt(live, item.session_id)
        if live.recorder is not None and live.state in ("starting", "retrying"):
            self._set_state(live, "streaming")

    def _adopt_claude_session(self, live: LiveSession, claude_session_id: str) -> None:
        live.claude_session_id = claude_session_id
        self.store.update_session(live.session_id, claude_session_id=claude_session_id, pending_fork=None)
        if live.recorder is not None:
            live.recorder.claude_session_id = claude_session_id

    def _mode_reported(self, session_id: str, mode: str) -> None:
        """claude switched modes itself (an approved plan leaves plan mode): store it and say so."""
        if mode in PERMISSION_MODES and self.store.get_session(session_id).permission_mode != mode:
            self.store.update_session(session_id, permission_mode=mode)
            self._log(session_id, "mode_change", permission_mode=mode, by="claude")
            self.emit(ev.ModeChanged(session_id, mode))

    def _stamp_prompt(self, live: LiveSession, claude_session_id: str) -> None:
        turn = live.turn
        if turn is None or turn.version_group is not None:
            return
        message = self.store.get_message(live.session_id, turn.prompt_message_id)
        message.claude_session_id = claude_session_id
        self.store.put_message(live.session_id, message)

    def _on_result(self, live: LiveSession, item: st.Result) -> None:
        recorder = live.recorder
        live.cost_seen = max(live.cost_seen, item.cost_usd)
        if recorder is None:
            return
        try:
            finished, failure = recorder.finish_result(item)
            limit = limits.limit_after(self.store, self.config, live.session_id, item.subtype)
            if limit is not None:
                self._log(live.session_id, "error", kind="limit_reached", limit=limit.limit, reason=limit.reason)
        finally:
            live.recorder = None
            live.turn = None
        if limit is not None:
            failure = None
        live.permission_requests.clear()
        live.request_events.clear()
        live.request_since.clear()
        live.touch()
        self._set_state(live, "warm")
        if failure is not None:
            self.emit(failure)
        self.emit(finished)
        self._turn_ended(live.session_id, recorder.prompt_message_id)
        if limit is not None:
            self.emit(limit)
            live.pending.clear()
        if live.stale and not live.pending:
            self.pool.retire(live)
            self._publish(live.session_id)
            return
        self._pump(live)

    def _on_tick(self, live: LiveSession) -> None:
        with self._lock:
            if live.recorder is not None:
                live.recorder.tick()

    def _on_exit(self, live: LiveSession, code: int | None, tail: str) -> None:
        with self._lock:
            self.pool.remove(live)
            recorder, live.recorder = live.recorder, None
            failure = None
            self.emit(ev.ProcessExited(live.session_id, code, tail, expected=live.closing))
            if recorder is not None and not recorder.finished:
                self._turn_ended(live.session_id, recorder.prompt_message_id)
                finished, failure = recorder.finish_exit(code, tail)
                if failure is not None:
                    self.emit(failure)
                self.emit(finished)
            self._publish(live.session_id)
            if live.pending and failure is None and not live.closing and not self.pool.shut.is_set():
                for turn in list(live.pending):
                    self._queue_turn(live.session_id, turn)
            live.pending.clear()

    # Helpers --------------------------------------------------------------------------------------------------

    def _control(self, live: LiveSession, request: dict[str, Any],
                 on_reply: Callable[[st.ControlReply], None] | None = None) -> str:
        request_id = f"ccsess-{request.get('subtype')}-{new_id()}"
        if on_reply is not None:
            live.control_waiters[request_id] = on_reply
        live.process.write_json({"type": "control_request", "request_id": request_id, "request": request})
        return request_id

    def _set_state(self, live: LiveSession, state: str, detail: str = "") -> None:
        live.state = state
        if self.pool.is_current(live):
            self._publish(live.session_id, detail)

    def _publish(self, session_id: str, detail: str = "") -> None:
        """Emit the session's whole live state if any part of it changed since it was last emitted."""
        live = self.pool.get(session_id)
        busy = (live is not None and live.busy) or self._submitted[session_id] > 0
        snapshot = (live.state if live else "cold", detail, busy, len(live.pending) if live else 0,
                    len(live.permission_requests) if live else 0)
        if self._published.get(session_id, ("cold", "", False, 0, 0)) == snapshot:
            return
        self._published[session_id] = snapshot
        state, detail, busy, queued, waiting = snapshot
        self.emit(ev.ProcessStateChanged(session_id, state, detail, busy=busy, queued=queued, waiting=waiting,
                                         pid=live.process.pid if live is not None else None))

    def _turn_ended(self, session_id: str, prompt_message_id: str | None) -> None:
        """Snapshot the folder as the turn leaves it (on the snapshot thread; the next turn's snapshot waits)."""
        if self.files is not None and prompt_message_id:
            self.files.record(session_id, prompt_message_id, "end")

    def _fail(self, session_id: str, failure: ev.SessionFailed) -> None:
        try:
            self.store.update_session(session_id, status="failed")
        except Exception:
            log.exception("could not mark session %s failed", session_id)
        self._log(session_id, "error", kind=failure.kind, reason=failure.reason)
        self.emit(failure)

    def _log(self, session_id: str, kind: str, /, **detail: Any) -> None:
        try:
            self.store.add_event(session_id, Event(kind=kind, detail=detail))  # type: ignore[arg-type]
        except Exception:
            log.exception("could not record a %s event", kind)
