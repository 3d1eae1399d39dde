"""The ccsess Textual app: holds the store, the engine, config and themes; routes engine events to the screen."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.theme import Theme

from ccsess.app import gc_tuning
from ccsess.app.clipboard import describe_copy, system_copy
from ccsess.app.commands import PALETTE_COMMANDS, SessionProvider
from ccsess.app.deferred import import_the_rest
from ccsess.app.keymap import APP_BINDINGS, keymap_from_config
from ccsess.app.event_queue import EngineEventQueue
from ccsess.app.messages import EngineEventsWaiting
from ccsess.app.screens.main import MainScreen
from ccsess.app.themes import DEFAULT_THEME, THEME_VARIABLE_DEFAULTS, load_themes, shipped_theme_dirs
from ccsess.core.config import Config
from ccsess.core.errors import StoreError
from ccsess.core.store.api import SessionStore
from ccsess.core.store.recent import RecentView

if TYPE_CHECKING:
    from ccsess.app.attention import Attention
    from ccsess.core.claude import events as ev
    from ccsess.core.claude.engine import Engine

T = TypeVar("T")
EngineFactory = Callable[[SessionStore, Config, Callable[["ev.EngineEvent"], None], Mapping[str, str]], "Engine"]

DELTA_EVENTS = frozenset({"TextDelta", "ThinkingDelta", "ToolInputDelta"})


class CcsessApp(App):
    """Keeps every conversation with the claude CLI."""

    TITLE = "ccsess"
    CSS_PATH = "app.tcss"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {SessionProvider}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, store: SessionStore, config: Config, *, claude_env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.time, default_project: str | None = None,
                 theme_dirs: Iterable[Path] | None = None, system_clipboard: bool = True) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self._engine: Engine | None = None
        self.engine_factory: EngineFactory | None = None
        self.claude_env: dict[str, str] = dict(claude_env or {})
        self.clock = clock
        self.default_project = default_project or os.getcwd()
        self.system_clipboard = system_clipboard
        self._theme_dirs = list(theme_dirs) if theme_dirs is not None else shipped_theme_dirs()
        self._startup_problems: list[str] = []
        self._store_problems_shown = 0
        self._theme_ready = False
        self._restyle_queued_before_start = False
        self.recent_view = _recent_view(store)
        self._engine_events = EngineEventQueue()
        self._engine_events_waiting: asyncio.Event | None = None
        self.attention: Attention | None = None
        # The session whose deltas are drawn (the one on screen); written by the screen, read by engine threads.
        self.streamed_session: str | None = None
        self._load_themes()

    # Setup ---------------------------------------------------------------------------------------------------

    def _load_themes(self) -> None:
        loaded = load_themes(self._theme_dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        self._startup_problems.extend(loaded.problems)
        wanted = self.stored_setting("theme") or getattr(self.config, "theme", None) or DEFAULT_THEME
        if wanted not in self.available_themes:
            self._startup_problems.append(f"Theme {wanted!r} is not installed; using {DEFAULT_THEME}.")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        # Setting the theme queues a restyle of everything (``refresh_css``). Before the app has started there is
        # nothing styled yet: given the theme's variables now, the first styling uses them and the restyle is
        # skipped, which saves a whole styling pass before the first frame.
        self.stylesheet.set_variables(self.get_css_variables())
        self._restyle_queued_before_start = True

    def refresh_css(self, animate: bool = True) -> None:
        if self._restyle_queued_before_start:
            self._restyle_queued_before_start = False
            return
        super().refresh_css(animate)

    def stored_setting(self, key: str) -> Any:
        if self.recent_view is not None:
            return self.recent_view.settings.get(key)
        try:
            return self.store.get_setting(key)
        except StoreError as error:
            self._startup_problems.append(str(error))
            return None

    def get_default_screen(self) -> Screen:
        return MainScreen()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(THEME_VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        gc_tuning.tune()
        keymap, problems = keymap_from_config(getattr(self.config, "keymap", None))
        if keymap:
            self.set_keymap(keymap)
        for line in [*self._startup_problems, *problems]:
            self.notify(line, severity="warning", timeout=15, markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._theme_ready = True

    def on_unmount(self) -> None:
        gc_tuning.restore()
        if self.attention is not None:
            self.attention.close()

    def after_first_frame(self) -> None:
        """Work the first frame does not wait for: report what the store found when it read the index, let the
        search index follow the store's writes, build the engine, and import in the background what opening a
        session or a dialog will need."""
        from ccsess.app.attention import Attention
        from ccsess.core.search import attach_index

        self._restyle_queued_before_start = False  # whatever restyle comes from now on is carried out
        self.notify_store_problems()
        attach_index(self.store)
        self.attention = Attention(self.config, self.store, self._write_to_terminal, self.notify,
                                   lambda *args, **kwargs: self.call_from_thread(self.notify, *args, **kwargs),
                                   data_dir=getattr(self.store, "data_dir", None))
        _ = self.engine
        threading.Thread(target=import_the_rest, name="ccsess-imports", daemon=True).start()

    def _write_to_terminal(self, sequence: str) -> None:
        """The bell and desktop notifications go to the terminal as escape sequences, beside the frames."""
        if self._driver is not None:
            self._driver.write(sequence)
            self._driver.flush()

    def notify_store_problems(self) -> None:
        problems = list(getattr(self.store, "problems", []))
        for line in problems[self._store_problems_shown:]:
            self.notify(line, severity="warning", timeout=15, markup=False)
        self._store_problems_shown = len(problems)

    def _theme_changed(self, theme: Theme) -> None:
        if not self._theme_ready:
            return
        try:
            self.store.set_setting("theme", theme.name)
        except StoreError as error:
            self.report_error("Could not save the theme", error)

    @property
    def engine(self) -> Engine | None:
        """The engine, built on first use: importing it (and pexpect) is not needed to paint the first frame."""
        if self._engine is None and self.engine_factory is not None:
            factory, self.engine_factory = self.engine_factory, None
            self._engine = factory(self.store, self.config, self.emit_engine_event, dict(self.claude_env))
        return self._engine

    @engine.setter
    def engine(self, engine: Engine | None) -> None:
        self._engine = engine

    @property
    def engine_started(self) -> Engine | None:
        """The engine if it was built, else None (so shutting down never builds one)."""
        return self._engine

    @property
    def main_screen(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not running")

    # Engine events -------------------------------------------------------------------------------------------

    def emit_engine_event(self, event: ev.EngineEvent) -> None:
        """Handed to the engine as ``emit``; called from its threads. Deltas that arrive while the screen is busy
        drawing are merged, so the screen keeps up however fast the text comes; deltas of sessions not on screen
        are dropped here (their replies are read from the store when they are opened), so sessions streaming in
        the background cost the event loop nothing."""
        if type(event).__name__ in DELTA_EVENTS and event.session_id != self.streamed_session:
            return
        if self._engine_events.put(event):
            self.post_message(EngineEventsWaiting())

    def on_engine_events_waiting(self, message: EngineEventsWaiting) -> None:
        if self._engine_events_waiting is None:
            self._engine_events_waiting = asyncio.Event()
            self.run_worker(self._deliver_engine_events(), name="engine events", group="engine-events")
        self._engine_events_waiting.set()

    async def _deliver_engine_events(self) -> None:
        """Applies queued engine events in order, outside the app's message queue, so keys are handled while a
        long burst of text is drawn."""
        waiting = self._engine_events_waiting
        assert waiting is not None
        while True:
            await waiting.wait()
            waiting.clear()
            for event in self._engine_events.take():
                await self._deliver_engine_event(event)

    async def _deliver_engine_event(self, event: ev.EngineEvent) -> None:
        from ccsess.core.claude import events as ev

        if self.attention is not None:
            try:
                on_screen = self.main_screen.session_id
            except LookupError:
                on_screen = None
            self.attention.engine_event(event, on_screen)

        if isinstance(event, (ev.PermissionRequested, ev.QuestionAsked, ev.PlanProposed)):
            self._request_arrived(event)
            return
        try:
            screen = self.main_screen
        except LookupError:
            return
        async with screen.events_lock:
            try:
                await screen.handle_engine_event(event)
            except Exception:
                # Widgets go away while the app shuts down; an event that arrives then has nothing left to update.
                if self._running and not self._exit and screen.is_attached:
                    raise

    def _request_arrived(self, event: ev.PermissionRequested | ev.QuestionAsked | ev.PlanProposed) -> None:
        """A request of the session on screen opens at once (unless a dialog is open); any other waits, shown in
        the sidebar and the status line, until the user goes to its session."""
        try:
            screen = self.main_screen
        except LookupError:
            return
        if screen.session_id == event.session_id and self.screen is screen:
            self._ask_user(event)

    def open_next_request(self, session_id: str) -> None:
        """Open the oldest request of ``session_id`` still waiting for the user, if no dialog is open."""
        engine = self.engine
        if engine is None or self.screen is not self.main_screen:
            return
        pending = engine.pending_requests(session_id)
        if pending:
            self.call_later(self._ask_user, pending[0])

    def _ask_user(self, event: ev.PermissionRequested | ev.QuestionAsked | ev.PlanProposed) -> None:
        """Open the screen that answers what claude asks; once it is answered, the session's next waiting request
        (if any) opens."""
        from ccsess.app.screens.asks import open_request

        engine = self.engine
        if engine is None or self.screen is not self.main_screen:
            return  # a dialog is open; this request waits for the one before it to be answered
        sid = event.session_id

        def then_next(_: None) -> None:
            if self.main_screen.session_id == sid:
                self.open_next_request(sid)

        open_request(self, engine, event, then_next)

    def call_engine(self, what: str, call: Callable[[], T],
                    then: Callable[[T], Awaitable[None] | None] | None = None) -> None:
        """Run an engine call that writes the store or spawns claude in a thread, never on the event loop; then
        ``then`` with its result back on the event loop, or one line saying ``what`` failed."""
        def run() -> None:
            try:
                result = call()
            except Exception as error:  # the engine and the store explain themselves in one line
                self.call_from_thread(self.report_error, what, error)
                return
            if then is not None:
                self.call_from_thread(then, result)

        self.run_worker(run, thread=True, group="engine-calls", exit_on_error=False)

    # Feedback ------------------------------------------------------------------------------------------------

    def report_error(self, what: str, error: BaseException) -> None:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        self.notify(f"{what}: {detail}", severity="error", timeout=10, markup=False)

    def notify_about(self, session_id: str, text: str, *, severity: str = "information",
                     timeout: float = 8) -> None:
        """A notification about a session; names it when it is not the one on screen."""
        title = ""
        try:
            if self.main_screen.session_id != session_id:
                title = self.store.get_session(session_id).name
        except (LookupError, StoreError):
            pass
        self.notify(text, title=title, severity=severity, timeout=timeout, markup=False)

    def copy_to_clipboard(self, text: str) -> None:
        super().copy_to_clipboard(text)
        if self.system_clipboard:
            system_copy(text)

    def copy_with_notice(self, text: str, what: str) -> None:
        self.copy_to_clipboard(text)
        self.notify(describe_copy(what, text), timeout=3)

    # Commands ------------------------------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if isinstance(screen, MainScreen):
            for title, help_text, action in PALETTE_COMMANDS:
                if screen.check_action(action, ()):
                    yield SystemCommand(title, help_text, lambda action=action: screen.run_action(action))
        yield SystemCommand("Switch theme", "Pick a colour theme (saved for next time)", self.search_themes)
        yield SystemCommand("Quit", "Quit ccsess", self.action_quit)
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Quit"):
                yield command

    async def open_session(self, session_id: str) -> None:
        await self.main_screen.open_session(session_id)

    def set_model(self, model: str) -> None:
        self._change_session(f"Model: {model}", "Could not switch the model",
                             lambda engine, sid: engine.set_model(sid, model))

    def set_permission_mode(self, mode: str) -> None:
        self._change_session(f"Permission mode: {mode}", "Could not switch the permission mode",
                             lambda engine, sid: engine.set_permission_mode(sid, mode))

    def set_limits(self, max_turns: int | None, max_budget_usd: float | None) -> None:
        turns = f"{max_turns} turns" if max_turns else "no turn limit"
        budget = f"${max_budget_usd:g}" if max_budget_usd else "no budget"
        self._change_session(f"Limits: {turns}, {budget}", "Could not set the limits",
                             lambda engine, sid: engine.set_limits(sid, max_turns, max_budget_usd))

    def revoke_rule(self, rule: str) -> None:
        self._change_session(f"claude asks again before {rule}", "Could not revoke the rule",
                             lambda engine, sid: engine.revoke_rule(sid, rule))

    def _change_session(self, done: str, failed: str, change: Callable[[Engine, str], None]) -> None:
        """Change a setting of the open session through the engine, off the event loop; say so when done."""
        screen = self.main_screen
        sid = screen.session_id
        engine = self.engine
        if sid is None or engine is None:
            return

        def changed(_: None) -> None:
            if screen.session_id == sid:
                screen.reload_session()
                screen.update_status()
            screen.refresh_session_row(sid)
            self.notify(done, timeout=3, markup=False)

        self.call_engine(failed, lambda: change(engine, sid), changed)

    def action_switch_theme(self) -> None:
        self.search_themes()

    async def action_quit(self) -> None:
        engine = self.engine
        if engine is not None:
            try:
                await asyncio.to_thread(engine.shutdown, 5.0)
            except Exception:
                pass
        self.exit()


def _recent_view(store: SessionStore) -> RecentView | None:
    """What the store saved of the first screen of sessions, if still current (see ``core.store.recent``)."""
    try:
        return store.recent_view()
    except (AttributeError, OSError, StoreError):
        return None


def default_engine_factory(store: SessionStore, config: Config, emit: Callable[[ev.EngineEvent], None],
                           env: Mapping[str, str]) -> Engine:
    from ccsess.core.claude.engine import Engine

    return Engine(store, config, emit, env=env)


def make_app(store: SessionStore, config: Config, *, user_themes: Path | None = None, env: Mapping[str, str] | None = None,
             engine_factory: EngineFactory | None = default_engine_factory,
             clock: Callable[[], float] = time.time, default_project: str | None = None,
             theme_dirs: Iterable[Path] | None = None, system_clipboard: bool = True) -> CcsessApp:
    """The app, with its engine; the command line and the tests both build it here. ``user_themes`` is a
    folder of the user's themes, loaded after the shipped ones."""
    if user_themes is not None:
        theme_dirs = [*(theme_dirs if theme_dirs is not None else shipped_theme_dirs()), user_themes]
    app = CcsessApp(store, config, claude_env=env, clock=clock, default_project=default_project,
                    theme_dirs=theme_dirs, system_clipboard=system_clipboard)
    app.engine_factory = engine_factory
    return app
