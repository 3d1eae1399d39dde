"""Shared pieces for the app tests: a store with fixed data, a scripted engine, screen text."""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.models import Message, Session, new_id
from ccsess.core.store.store import Store

NOW = 1_763_700_000.0  # fixed "now" for relative times


def fixed_clock() -> float:
    return NOW


def message(role: str, *blocks: dict, created: float = NOW - 600, **fields) -> Message:
    return Message(id=fields.pop("id", None) or new_id(), role=role, blocks=list(blocks), created=created, **fields)


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def seed_store(data_dir: Path, project: Path) -> tuple[Store, dict[str, Session]]:
    """Three sessions in two projects; ``tools`` has a Bash call with its result."""
    store = Store(data_dir)
    other = project.parent / "other-project"
    other.mkdir(exist_ok=True)
    tools = store.create_session("list the files", str(project), model="sonnet", id="tools001",
                                 last_active=NOW - 120, created=NOW - 3600, updated=NOW - 120)
    store.append_message(tools.id, message("user", text("What files are here?"), id="m-user-1"))
    store.append_message(tools.id, message(
        "assistant", text("Let me look."),
        {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls -la", "description": "List"}},
        model="claude-sonnet-4-5", id="m-asst-1"))
    store.append_message(tools.id, message(
        "user", {"type": "tool_result", "tool_use_id": "toolu_1", "content": "README.md\nsetup.py"}, id="m-res-1"))
    store.append_message(tools.id, message(
        "assistant", text("There are **two** files:\n\n- `README.md`\n- `setup.py`"),
        model="claude-sonnet-4-5", id="m-asst-2"))
    store.update_session(tools.id, last_active=NOW - 120)
    older = store.create_session("older chat", str(project), id="older001", last_active=NOW - 7200,
                                 created=NOW - 9000, updated=NOW - 7200)
    store.append_message(older.id, message("user", text("hello"), id="m-old-1"))
    store.append_message(older.id, message("assistant", text("Hi! How can I help?"), id="m-old-2"))
    store.update_session(older.id, last_active=NOW - 7200)
    elsewhere = store.create_session("elsewhere", str(other), id="else0001", last_active=NOW - 86400 * 3,
                                     created=NOW - 86400 * 3, updated=NOW - 86400 * 3)
    store.update_session(elsewhere.id, last_active=NOW - 86400 * 3)
    return store, {"tools": store.get_session(tools.id), "older": store.get_session(older.id),
                   "elsewhere": store.get_session(elsewhere.id)}


class ScriptedEngine:
    """Implements the engine API over the store and emits events the way the real engine does.

    ``send`` stores the prompt and streams ``reply_chunks`` (one TextDelta each), or queues it behind the running
    turn; with ``hold`` set the turn waits for ``finish_turn()`` before its final message, so a test can look at the
    screen mid-stream. ``submit`` sends on one background thread, in order, as the real engine does.
    """

    def __init__(self, store: Store, config: Config, emit, env=None) -> None:
        self.store = store
        self.config = config
        self.emit = emit
        self.calls: list[tuple] = []
        self.images: list = []  # the images sent with the last prompt
        self.reply_chunks = ["Hello ", "from ", "the **engine**."]
        self.hold = False
        self._gate = threading.Event()
        self._streaming: set[str] = set()
        self.pending: dict[str, list[tuple[str, str]]] = {}
        self.states: dict[str, str] = {}
        self.released: list[str] = []
        self.waiting: dict[str, list[ev.EngineEvent]] = {}  # requests a test says are waiting, oldest first
        self._sender = ThreadPoolExecutor(max_workers=1)

    # API ---------------------------------------------------------------------------------------------------

    def submit(self, session_id: str, prompt: str, images=()) -> None:
        self._sender.submit(self.send, session_id, prompt, images)

    def send(self, session_id: str, prompt: str, images=()) -> str:
        self.images = list(images)
        user = self.store.append_message(session_id, message("user", text(prompt), *(image.block() for image in images),
                                                             created=NOW))
        self.emit(ev.PromptStored(session_id, user))
        if session_id in self._streaming:
            self.pending.setdefault(session_id, []).append((user.id, prompt))
            self._publish(session_id, "streaming")
            return user.id
        self._start(session_id, user.id, prompt)
        return user.id

    def _start(self, session_id: str, prompt_id: str, prompt: str, version_group: str | None = None,
               version: int = 0) -> None:
        self.calls.append(("send", session_id, prompt) if version_group is None else ("regenerated", session_id))
        self._streaming.add(session_id)
        self._gate.clear()
        threading.Thread(target=self._turn, args=(session_id, prompt_id, version_group, version), daemon=True).start()

    def _publish(self, session_id: str, state: str) -> None:
        queued = len(self.pending.get(session_id, []))
        self.emit(ev.ProcessStateChanged(session_id, state, busy=session_id in self._streaming, queued=queued))

    def finish_turn(self) -> None:
        self._gate.set()

    def _turn(self, session_id: str, prompt_id: str, version_group: str | None, version: int = 0) -> None:
        self._publish(session_id, "streaming")
        self.emit(ev.TurnStarted(session_id, prompt_id))
        for chunk in self.reply_chunks:
            self.emit(ev.TextDelta(session_id, chunk))
        if self.hold:
            self._gate.wait(30)
        if session_id not in self._streaming:
            return
        reply = message("assistant", text("".join(self.reply_chunks)), model=self.model_of(session_id),
                        created=NOW, version_group=version_group, version=version)
        self.store.append_message(session_id, reply)
        self.emit(ev.MessageCompleted(session_id, reply))
        self.store.add_totals(session_id, cost_usd=0.0123, input_tokens=1200, output_tokens=34, turns=1)
        self._streaming.discard(session_id)
        self.emit(ev.TurnFinished(session_id, is_error=False, cost_usd=0.0123, session=self.store.get_session(session_id)))
        self._next_or_warm(session_id)

    def _next_or_warm(self, session_id: str) -> None:
        waiting = self.pending.get(session_id)
        if waiting:
            self._start(session_id, *waiting.pop(0))
        else:
            self._publish(session_id, "warm")

    def model_of(self, session_id: str) -> str:
        return self.store.get_session(session_id).model or "default"

    def stop(self, session_id: str) -> None:
        self.calls.append(("stop", session_id))
        if session_id in self._streaming:
            self._streaming.discard(session_id)
            partial = message("assistant", text("".join(self.reply_chunks)), interrupted=True, created=NOW)
            self.store.append_message(session_id, partial)
            self.emit(ev.MessageCompleted(session_id, partial))
            self.emit(ev.TurnFinished(session_id, is_error=True, subtype="error_during_execution",
                                      interrupted=True))
            self._gate.set()
            self._next_or_warm(session_id)

    def set_model(self, session_id: str, model: str) -> None:
        self.calls.append(("set_model", session_id, model))
        self.store.update_session(session_id, model=model)
        self.emit(ev.ModelChanged(session_id, model))

    def branch(self, session_id: str, at_message_id: str | None = None, *, name: str | None = None) -> Session:
        self.calls.append(("branch", session_id, at_message_id))
        parent = self.store.get_session(session_id)
        at = at_message_id or self.store.messages(session_id)[-1].id
        child = self.store.create_session(name or f"{parent.name} (branch)", parent.project, parent_id=parent.id,
                                          model=parent.model, last_active=NOW)
        self.store.copy_messages(session_id, child.id, up_to_message_id=at)
        return self.store.get_session(child.id)

    def regenerate(self, session_id: str) -> None:
        self.calls.append(("regenerate", session_id))
        messages = self.store.messages(session_id)
        prompt = next(m for m in reversed(messages) if m.role == "user")
        old = [m for m in messages if m.role == "assistant" and messages.index(m) > messages.index(prompt)]
        for m in old:
            if not m.version_group:
                self.store.put_message(session_id, replace(m, version_group=prompt.id, version=1))
        self.store.update_session(session_id, chosen_versions={prompt.id: 2})
        self._start(session_id, prompt.id, prompt.text, prompt.id, 2)

    def choose_version(self, session_id: str, group_id: str, version: int) -> None:
        self.calls.append(("choose_version", session_id, group_id, version))
        chosen = dict(self.store.get_session(session_id).chosen_versions)
        chosen[group_id] = version
        self.store.update_session(session_id, chosen_versions=chosen)

    def answer_permission(self, session_id: str, request_id: str, decision: str, message: str = "") -> None:
        self.calls.append(("answer_permission", session_id, request_id, decision))
        self._answered(session_id, request_id)

    def answer_question(self, session_id: str, request_id: str, answers: dict[str, str] | None,
                        message: str = "") -> None:
        self.calls.append(("answer_question", session_id, request_id, answers))
        self._answered(session_id, request_id)

    def answer_plan(self, session_id: str, request_id: str, decision: str, note: str = "") -> None:
        self.calls.append(("answer_plan", session_id, request_id, decision, note))
        self._answered(session_id, request_id)

    def _answered(self, session_id: str, request_id: str) -> None:
        left = [e for e in self.waiting.get(session_id, []) if e.request_id != request_id]
        self.waiting[session_id] = left
        self.emit(ev.ProcessStateChanged(session_id, "streaming", busy=True, waiting=len(left)))

    def pending_requests(self, session_id: str) -> list[ev.EngineEvent]:
        return list(self.waiting.get(session_id, []))

    def waiting_sessions(self) -> list[str]:
        return [sid for sid, events in self.waiting.items() if events]

    def set_permission_mode(self, session_id: str, mode: str) -> None:
        self.calls.append(("set_permission_mode", session_id, mode))
        self.store.update_session(session_id, permission_mode=mode)
        self.emit(ev.ModeChanged(session_id, mode))

    def set_limits(self, session_id: str, max_turns: int | None, max_budget_usd: float | None) -> Session:
        self.calls.append(("set_limits", session_id, max_turns, max_budget_usd))
        return self.store.update_session(session_id, max_turns=max_turns, max_budget_usd=max_budget_usd)

    def pid(self, session_id: str) -> int | None:
        return None

    def revoke_rule(self, session_id: str, rule: str) -> None:
        self.calls.append(("revoke_rule", session_id, rule))
        allowed = self.store.get_session(session_id).allowed_tools
        self.store.update_session(session_id, allowed_tools=[r for r in allowed if r != rule])

    def state(self, session_id: str) -> str:
        return "streaming" if session_id in self._streaming else self.states.get(session_id, "cold")

    def is_streaming(self, session_id: str) -> bool:
        return session_id in self._streaming

    def release(self, session_id: str, timeout: float = 5.0) -> None:
        self.released.append(session_id)

    def shutdown(self, timeout: float = 5.0) -> None:
        self.calls.append(("shutdown",))
        self._sender.shutdown(wait=True)


_SHOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def build_app(store: Store, config: Config | None = None, **kwargs):
    """The app as the tests drive it: the scripted engine, a fixed clock, no system clipboard. Every
    notification it shows is recorded for ``notifications``."""
    from ccsess.app import make_app

    app = make_app(store, config or Config(), engine_factory=ScriptedEngine, clock=fixed_clock,
                   system_clipboard=False, **kwargs)
    shown: list[tuple[str, str]] = []
    notify = app.notify

    def record(message, *args, **options):
        shown.append((options.get("severity", "information"), str(message)))
        return notify(message, *args, **options)

    app.notify = record
    _SHOWN[app] = shown
    return app


def notifications(app) -> list[tuple[str, str]]:
    """(severity, text) of every notification the app showed, oldest first."""
    return list(_SHOWN[app])


def notified(app, text: str) -> bool:
    return any(text in message for _, message in _SHOWN[app])


def screen_text(app) -> str:
    """What the screen shows, as plain text lines."""
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())


async def wait_until(pilot, condition, tries: int = 500) -> None:
    """Pause the app until ``condition()`` holds, failing after ``tries`` pauses of 20 ms."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


async def run_palette(pilot, title: str) -> None:
    """Open the command palette, type ``title`` and run the first match."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await pilot.pause(0.4)
    await pilot.press("enter")
    await pilot.pause()
