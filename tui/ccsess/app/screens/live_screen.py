"""The screen of live sessions: sidebar, conversation, prompt and status line, kept in step with the store and
the engine's events. ``MainScreen`` (in ``main``) adds what the keys and palette do to sessions."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from ccsess.app.deferred import engine_events, prompt_class
from ccsess.app.keymap import SCREEN_BINDINGS
from ccsess.app.prompt_memory import DRAFTS, PromptMemory
from ccsess.app.widgets.completion_menu import CompletionMenu
from ccsess.app.widgets.conversation import ConversationView
from ccsess.app.widgets.key_bar import KeyBar
from ccsess.app.widgets.message_view import MessageView
from ccsess.app.widgets.prompt_messages import PromptMessages
from ccsess.app.widgets.prompt_placeholder import PromptPlaceholder
from ccsess.app.widgets.sidebar import SessionSidebar
from ccsess.app.widgets.status_line import StatusInfo, StatusLine
from ccsess.core.models import Session
from ccsess.core.text import one_line
from ccsess.core.errors import StoreError


if TYPE_CHECKING:
    from textual.widgets import TextArea

    from ccsess.app.widgets.prompt import PromptInput
    from ccsess.core.claude import events as ev


EMPTY_TEXT = (
    "No session open.\n\n"
    "Type a prompt below to start one in this folder,\n"
    "press ctrl+n for a new session, or pick one on the left.\n"
    "ctrl+p opens the command palette."
)
# Actions that need an open session; shown greyed out without one.
# Longer prompts (a pasted file) are sent and stored, but not kept in the prompt history.
HISTORY_MAX_CHARS = 10_000
SESSION_ACTIONS = {"branch", "regenerate", "export", "switch_model", "cycle_mode", "pick_mode", "copy_last_reply", "copy_transcript",
                   "rename", "delete", "archive", "open_in_claude", "set_limits", "diff_session", "rewind_files",
                   "undo_rewind"}


class LiveScreen(Screen):
    AUTO_FOCUS = None  # the prompt, once it is mounted (``prompt_mounted``)
    # Below 120 columns the session list gives the conversation room (app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (120, "-wide")]

    sidebar = getters.query_one(SessionSidebar)
    conversation = getters.query_one(ConversationView)
    completion_menu = getters.query_one(CompletionMenu)

    def __init__(self) -> None:
        super().__init__(id="main")
        self.session_id: str | None = None
        # The engine's last word on each session's live state; the screen keeps nothing else of it.
        self.live_states: dict[str, ev.ProcessStateChanged] = {}
        # Branch and changed files of each session's folder, as last read.
        self.git_states: dict[str, tuple[str, int]] = {}
        self.reload_after_turn: set[str] = set()
        self._session: Session | None = None
        self._footer_keys: tuple[bool | None, ...] | None = None
        self.memory: PromptMemory | None = None
        # Held while an engine event is applied and while the conversation is replaced, so a reply being drawn
        # never writes into a pane that was just emptied.
        self.events_lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        # The width class from the start (set before anything is styled, so it costs no second styling pass): the
        # first frame of a small terminal is not laid out wide and then narrowed.
        width = self.app.size.width
        self.add_class([name for least, name in self.HORIZONTAL_BREAKPOINTS if width >= least][-1])
        with Horizontal(id="body"):
            yield SessionSidebar(clock=self.app.clock, id="sidebar")
            with Vertical(id="main-pane"):
                yield ConversationView(self.app.store, id="conversation")
                yield CompletionMenu(id="completion-menu")
                # In a terminal the text box comes just after the first frame (it is the costliest widget to set up);
                # headless (tests, snapshots) it is there from the start.
                yield prompt_class()(id="prompt") if self.app.is_headless else PromptPlaceholder()
                yield StatusLine(id="status")
        yield KeyBar()

    @property
    def prompt(self) -> PromptInput:
        return self.query_one("#prompt", prompt_class())

    @property
    def session(self) -> Session | None:
        """The open session as last read from the store (``reload_session`` reads it again)."""
        return self._session

    def allowed_rules(self) -> list[str]:
        """The rules the open session was allowed, read afresh: the engine adds them as the user answers."""
        session = self.reload_session()
        return list(session.allowed_tools) if session is not None else []

    def reload_session(self) -> Session | None:
        self._session = None
        if self.session_id is not None:
            try:
                self._session = self.app.store.get_session(self.session_id)
            except StoreError:
                self._session = None
        return self._session

    async def on_mount(self) -> None:
        store = self.app.store
        self.memory = PromptMemory(self.app.stored_setting, lambda key, value: self.app.call_engine(
            "Could not save the prompt history", lambda: store.set_setting(key, value)))
        recent = self.app.recent_view
        if recent is not None:
            self.sidebar.set_sessions(recent.sessions)
        else:
            self.reload_sessions()
            try:
                self.app.store.save_first_screen(self.sidebar.sessions)
            except StoreError:
                pass
        await self.open_session(None)
        if self.query("#prompt"):
            self.prompt_mounted()
        else:
            self.query_one(PromptPlaceholder).focus()
        self.set_interval(60, self.sidebar.refresh_times)
        self.call_after_refresh(self._after_first_frame, recent is None)

    def prompt_mounted(self, focus: bool = True) -> None:
        if focus:
            self.prompt.focus()
        self.update_prompt_state()

    async def _after_first_frame(self, listed_all: bool) -> None:
        """The first frame showed either every session or the saved first screen of them (see
        ``core.store.recent``); in the second case the full list takes its place now, unchanged on screen."""
        for placeholder in self.query(PromptPlaceholder):
            had_focus = await placeholder.give_way_to(prompt_class()(id="prompt"))
            self.prompt_mounted(focus=had_focus or self.focused is None)
        if not listed_all:
            try:
                self.reload_sessions()
            except StoreError as error:
                self.app.report_error("Could not read the sessions", error)
        self.app.after_first_frame()

    def reload_sessions(self) -> None:
        self.sidebar.set_sessions(self.app.store.list_summaries())
        self.sidebar.select(self.session_id)

    async def open_session(self, session_id: str | None) -> None:
        if self.memory is not None and session_id != self.session_id:
            self.memory.keep_draft(self.session_id, self.prompt.full_text)
            self.prompt.set_full_text(self.memory.draft(session_id))
            self.prompt.move_cursor(self.prompt.document.end)
            self.prompt.restart_history(self.memory.browse(session_id))
        self.session_id = session_id
        self.app.streamed_session = session_id
        self.reload_session()
        self.sidebar.select(session_id)
        if session_id is not None:
            self.sidebar.set_unread(session_id, False)
        self.conversation.leave()
        with self.app.batch_update():
            async with self.events_lock:
                await self.conversation.show_session(session_id, empty_text=EMPTY_TEXT)
            self.update_status()
            self.update_prompt_state()
            self.refresh_footer()
        self.refresh_git_state(session_id)
        if session_id is not None:
            self.app.open_next_request(session_id)

    def live_state(self, session_id: str) -> ev.ProcessStateChanged:
        return self.live_states.get(session_id) or engine_events().ProcessStateChanged(session_id, "cold")

    def is_busy(self, session_id: str | None) -> bool:
        if session_id is None:
            return False
        live = self.live_state(session_id)
        return live.busy or live.state in engine_events().BUSY_STATES

    def update_status(self) -> None:
        session = self.session
        self.query_one(StatusLine).info = None if session is None else StatusInfo.of(
            session, self.live_state(session.id), default_model=self.app.config.default_model,
            waiting=sum(1 for s in self.live_states.values() if s.waiting),
            git_state=self.git_states.get(session.id, ("", 0)))

    def refresh_git_state(self, session_id: str | None) -> None:
        """Read the branch and changed files of the session's folder off the event loop, then show them."""
        session = self.session
        if session_id is None or session is None or session.id != session_id:
            return
        from ccsess.core.code.git import folder_state

        folder = session.project

        def shown(state: tuple[str, int] | None) -> None:
            self.git_states[session_id] = state or ("", 0)
            if self.session_id == session_id:
                self.update_status()

        self.app.call_engine("Could not read the git state", lambda: folder_state(folder), shown)

    def update_prompt_state(self) -> None:
        sid = self.session_id
        if self.query("#prompt"):  # not while the first frame's placeholder stands in for it
            self.prompt.set_busy(self.is_busy(sid), self.live_state(sid).queued if sid else 0)

    def action_edit_prompt(self) -> None:
        self.prompt.action_edit_in_editor()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_waiting":
            return any(s.waiting for s in self.live_states.values())
        if action == "stop":
            return self.is_busy(self.session_id)
        if action == "flip_version":
            return self.last_versioned_view() is not None
        if action == "revoke_rule":
            return bool(self.allowed_rules())
        if action in ("commit_worktree", "remove_worktree"):
            return self.session is not None and bool(self.session.worktree)
        if action in SESSION_ACTIONS and self.session_id is None:
            return None
        if action == "regenerate" and self.is_busy(self.session_id):
            return None
        return True

    def last_versioned_view(self) -> MessageView | None:
        for view in reversed(self.conversation.message_views):
            if view.versions > 1:
                return view
        return None

    def _default_project(self) -> str:
        session = self.session
        if session is not None and Path(session.project).is_dir():
            return session.project
        return self.app.default_project

    def _create(self, name: str, project: str):
        config = self.app.config
        try:
            return self.app.store.create_session(
                name, project, model=config.default_model, permission_mode=config.permission_mode)
        except (StoreError, OSError) as error:
            self.app.report_error("Could not create the session", error)
            return None

    async def create_session_for_prompt(self, text: str) -> bool:
        """Typing with no session open starts one in the current project, named after the prompt."""
        session = self._create(one_line(text, 40), self._default_project())
        if session is None:
            return False
        self.reload_sessions()
        await self.open_session(session.id)
        return True

    # Sending -------------------------------------------------------------------------------------------------

    @on(PromptMessages.Submitted)
    async def _prompt_submitted(self, event: PromptMessages.Submitted) -> None:
        event.stop()
        if await self.run_own_command(event.text):
            return
        if self.session_id is None:
            created = await self.create_session_for_prompt(event.text or "image")
            if not created:
                return
        sid = self.session_id
        assert sid is not None
        engine = self.app.engine
        if engine is None:
            self.notify("claude is not available in this window.", severity="error")
            return
        if self.is_busy(sid):
            self.notify("Queued: it is sent when the current reply ends.", timeout=3)
        engine.submit(sid, event.text, event.images)
        if self.memory is not None and event.text and len(event.text) <= HISTORY_MAX_CHARS:
            self.memory.sent(sid, event.text)
            self.prompt.restart_history(self.memory.browse(sid))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "prompt":
            return
        if self.memory is not None:
            self.memory.typing(self.session_id, self.prompt.full_text)
        self.prompt_typed(event.text_area.text)

    def commands_listed(self, session_id: str, commands: tuple[str, ...], terminal_only: tuple[str, ...]) -> None:
        """claude reported its slash commands."""

    def prompt_typed(self, text: str) -> None:
        """The prompt's text changed (for completions)."""

    async def run_own_command(self, text: str) -> bool:
        """Run a prompt that is a command of ccsess's own; False when it goes to claude."""
        return False

    def on_unmount(self) -> None:
        """What is typed and not sent is kept for the next start."""
        if self.memory is not None and self.memory.unsaved:
            try:
                self.app.store.set_setting(DRAFTS, dict(self.memory.drafts))
            except StoreError:
                pass

    # Engine events -------------------------------------------------------------------------------------------

    async def handle_engine_event(self, event: ev.EngineEvent) -> None:
        ev = engine_events()
        sid = event.session_id
        current = sid == self.session_id
        conversation = self.conversation
        match event:
            case ev.ProcessStateChanged(state=state, waiting=waiting):
                self.live_states[sid] = event
                self.sidebar.set_state(sid, "waiting" if waiting else state)
            case ev.PromptStored(message=message) if current:
                await conversation.append_message(message)
                conversation.anchor()
            case ev.TextDelta(text=text, index=index) if current:
                await (await conversation.live()).write_text(text, index)
                return
            case ev.ThinkingDelta(text=text, index=index) if current:
                await (await conversation.live()).write_thinking(text, index)
                return
            case ev.ToolUseStarted(tool_use_id=tool_use_id, name=name, index=index) if current:
                await (await conversation.live()).start_tool(tool_use_id, name, index)
            case ev.ToolInputDelta(tool_use_id=tool_use_id, partial_json=partial) if current:
                if conversation.live_view is not None:
                    conversation.live_view.tool_input(tool_use_id, partial)
                return
            case ev.MessageCompleted(message=message, replaces_streamed=replaces) if current:
                await conversation.complete_message(message, replaces_streamed=replaces)
            case ev.ApiRetry():
                self.app.notify_about(sid, f"API error, {event.describe()}", severity="warning")
            case ev.ModelFallback(original_model=original, fallback_model=fallback):
                self.app.notify_about(sid, f"Model {original} unavailable, using {fallback}", severity="warning")
            case ev.Notice(text=text):
                self.app.notify_about(sid, text, severity="warning", timeout=12)
            case ev.PermissionDenied(tool_name=tool_name):
                self.app.notify_about(sid, f"{tool_name} was denied", severity="warning")
            case ev.TurnFinished():
                await self._turn_finished(event)
            case ev.ProcessExited(expected=False, exit_code=code):
                detail = f" (exit code {code})" if code is not None else ""
                self.app.notify_about(sid, f"claude stopped unexpectedly{detail}", severity="warning")
            case ev.CommandsListed(commands=commands, terminal_only=terminal_only):
                self.commands_listed(sid, commands, terminal_only)
            case ev.LimitReached(reason=reason, prompt=prompt):
                self.app.notify_about(sid, reason, severity="warning", timeout=12)
                if current and prompt and not self.prompt.text.strip():
                    self.prompt.text = prompt  # refused: given back to be sent once the limit is raised
            case ev.SessionFailed(reason=reason):
                self.sidebar.set_state(sid, "failed")
                self.app.notify_about(sid, reason, severity="error", timeout=12)
                if current:
                    await conversation.end_turn()
            case ev.TextDelta() | ev.ThinkingDelta() | ev.ToolInputDelta():
                return  # of a session not on screen: its reply is read from the store when it is opened
        match event:
            case ev.TurnFinished(session=Session() as session):
                self.sidebar.update_session(session)
                if current:
                    self._session = session
            case (ev.ModelChanged() | ev.ModeChanged() | ev.TurnFinished() | ev.SessionFailed() | ev.ProcessExited()
                  | ev.LimitReached()):
                self.refresh_session_row(sid)
                if current:
                    self.reload_session()
        if current or isinstance(event, ev.ProcessStateChanged):  # the status line counts waiting sessions
            self.update_status()
            self.update_prompt_state()
        if isinstance(event, (ev.ProcessStateChanged, ev.TurnFinished, ev.SessionFailed)):
            self.refresh_footer()

    def refresh_footer(self) -> None:
        """Show the keys that apply now; the key bar is redrawn only when that set changed."""
        keys = tuple(self.check_action(binding.action, ()) for binding in SCREEN_BINDINGS if binding.show)
        if keys != self._footer_keys:
            self._footer_keys = keys
            self.refresh_bindings()

    async def _turn_finished(self, event: ev.TurnFinished) -> None:
        sid = event.session_id
        self.refresh_git_state(sid)
        if sid != self.session_id and not event.interrupted:
            self.sidebar.set_unread(sid, True)
        if sid == self.session_id:
            await self.conversation.end_turn()
            if sid in self.reload_after_turn:
                await self.conversation.show_session(sid, empty_text=EMPTY_TEXT)
        self.reload_after_turn.discard(sid)
        if event.is_error and not event.interrupted:
            reason = event.result_text or event.terminal_reason or "the turn failed"
            self.app.notify_about(sid, f"claude reported an error: {reason}", severity="error", timeout=10)

    def refresh_session_row(self, session_id: str) -> None:
        try:
            self.sidebar.update_session(self.app.store.get_session(session_id))
        except StoreError:
            pass

    @on(PromptMessages.ReadRequested)
    async def _read_conversation(self, event: PromptMessages.ReadRequested) -> None:
        event.stop()
        await self.conversation.read(event.where)

    @on(SessionSidebar.SessionChosen)
    async def _session_chosen(self, event: SessionSidebar.SessionChosen) -> None:
        event.stop()
        if event.session_id != self.session_id:
            await self.open_session(event.session_id)
        self.prompt.focus()

    @on(MessageView.CopyRequested)
    def _copy_message(self, event: MessageView.CopyRequested) -> None:
        event.stop()
        self.app.copy_with_notice(event.view.text, "message")
