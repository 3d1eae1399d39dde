"""The main screen: the live sessions screen plus what the keys and palette commands do to sessions: new,
branch, regenerate, versions, export, copy, rename, delete, archive, Open in Claude, search, import."""

from __future__ import annotations

import time
from pathlib import Path

from typing import TYPE_CHECKING

from textual import on
from textual.command import CommandPalette

from ccsess.app.commands import AllowedRuleProvider, ModelProvider, ModeProvider
from ccsess.app.screens import files as file_actions
from ccsess.app.screens import session_admin
from ccsess.app.formatting import short_path
from ccsess.app.keymap import SCREEN_BINDINGS
from ccsess.app.screens.live_screen import LiveScreen
from ccsess.app.widgets.message_view import MessageView, is_tool_result_message
from ccsess.app.widgets.prompt_messages import PromptMessages
from ccsess.core.errors import StoreError
from ccsess.core.paths import claude_projects_dir
from ccsess.core.text import one_line, slug

if TYPE_CHECKING:
    from ccsess.app.screens.completions import PromptCompletions
    from ccsess.app.screens.slash import SlashCommands
    from ccsess.app.screens.claude_import import ImportProgress
    from ccsess.core.models import Session
    from ccsess.app.screens.search import FoundMessage



class MainScreen(LiveScreen):
    BINDINGS = SCREEN_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self._completions: PromptCompletions | None = None

    @property
    def completions(self) -> PromptCompletions:
        """Built on first use: the first frame does not wait for the pickers' modules."""
        if self._completions is None:
            from ccsess.app.screens.completions import PromptCompletions

            self._completions = PromptCompletions(self)
        return self._completions

    @property
    def slash(self) -> SlashCommands:
        return self.completions.slash

    def prompt_mounted(self, focus: bool = True) -> None:
        super().prompt_mounted(focus)
        self.prompt.menu_key = lambda key: self.completions.menu_key(key)

    def prompt_typed(self, text: str) -> None:
        self.completions.prompt_changed(self.prompt)

    @on(PromptMessages.HistorySearchRequested)
    def _search_history(self) -> None:
        self.completions.history.open()

    @on(PromptMessages.AttachmentsChanged)
    async def _attachments_changed(self, event: PromptMessages.AttachmentsChanged) -> None:
        from ccsess.app.widgets.attachment_bar import show_attachments

        if event.problem:
            self.notify(event.problem, severity="warning", markup=False)
        await show_attachments(self.query_one("#main-pane"), self.prompt)

    @on(MessageView.OpenImagesRequested)
    def _open_images(self, event: MessageView.OpenImagesRequested) -> None:
        from ccsess.app.system_open import open_images

        for problem in open_images(getattr(self.app.store, "data_dir", None), event.view.message):
            self.notify(problem, severity="warning", markup=False)

    @on(PromptMessages.DetachRequested)
    def _remove_attachment(self, event: PromptMessages.DetachRequested) -> None:
        self.prompt.detach(event.index)

    async def run_own_command(self, text: str) -> bool:
        return await self.slash.run_own(text)

    def commands_listed(self, session_id: str, commands: tuple[str, ...], terminal_only: tuple[str, ...]) -> None:
        try:
            self.slash.listed(self.app.store.get_session(session_id).project, commands, terminal_only)
        except StoreError:
            pass

    # New ------------------------------------------------------------------------------------------------------

    def action_new_session(self) -> None:
        stamp = time.strftime("%b %d %H:%M", time.localtime(self.app.clock()))

        async def opened(session_id: str) -> None:
            self.reload_sessions()
            await self.open_session(session_id)
            self.prompt.focus()

        async def created(result: tuple[str, str, bool] | None) -> None:
            if result is None:
                return
            name, project, worktree = result
            session = self._create(name, project)
            if session is not None and worktree:
                file_actions.give_worktree(self.app, session, opened)
            elif session is not None:
                await opened(session.id)

        from ccsess.app.screens.dialogs import NewSessionDialog

        self.app.push_screen(NewSessionDialog(f"Session {stamp}", self._default_project(),
                                              worktree=self.app.config.worktree == "always"), created)

    # Branch, regenerate, versions ------------------------------------------------------------------------------

    def _focused_message_id(self) -> str | None:
        node = self.focused
        while node is not None and not isinstance(node, MessageView):
            node = node.parent
        return node.message_id if isinstance(node, MessageView) else None

    async def action_branch(self) -> None:
        await self.branch_at(self._focused_message_id())

    async def branch_at(self, message_id: str | None) -> None:
        sid, engine = self.session_id, self.app.engine
        if sid is None or engine is None:
            return

        async def branched(child: Session) -> None:
            self.reload_sessions()
            await self.open_session(child.id)
            self.notify(f"Branched into “{child.name}”")
            self.prompt.focus()

        at = message_id or next((m.id for m in reversed(self.app.store.messages(sid))), None)
        branch = lambda: self.app.call_engine("Could not branch", lambda: engine.branch(sid, message_id), branched)  # noqa: E731
        if at is None:
            branch()
        else:
            file_actions.files_back_first(self.app, sid, at, "branch", branch)

    async def action_regenerate(self) -> None:
        sid = self.session_id
        if sid is None or self.app.engine is None or self.is_busy(sid):
            return
        views = self.conversation.message_views
        last_prompt = max((i for i, view in enumerate(views) if view.message is not None
                           and view.message.role == "user" and not is_tool_result_message(view.message)),
                          default=None)
        if last_prompt is None or last_prompt == len(views) - 1:
            self.notify("There is no reply to regenerate yet.", severity="warning")
            return
        prompt_id = views[last_prompt].message_id
        assert prompt_id is not None
        file_actions.files_back_first(self.app, sid, prompt_id, "regenerate", lambda: self.run_worker(self._regenerate(sid)))

    async def _regenerate(self, sid: str) -> None:
        views = self.conversation.message_views
        last_prompt = max((i for i, view in enumerate(views) if view.message is not None
                           and view.message.role == "user" and not is_tool_result_message(view.message)),
                          default=0)
        engine = self.app.engine
        self.reload_after_turn.add(sid)
        for view in views[last_prompt + 1:]:
            await view.remove()
        self.conversation.anchor()

        async def refused(error: BaseException) -> None:
            self.reload_after_turn.discard(sid)
            self.app.report_error("Could not regenerate", error)
            if sid == self.session_id:
                await self.conversation.show_session(sid)

        def regenerate() -> None:
            try:
                engine.regenerate(sid)
            except Exception as error:  # shown by ``refused``, with the replies put back on screen
                self.app.call_from_thread(refused, error)

        self.app.call_engine("Could not regenerate", regenerate)

    async def action_flip_version(self) -> None:
        view = self.last_versioned_view()
        if view is not None:
            await self.flip_version(view)

    async def flip_version(self, view: MessageView) -> None:
        message = view.message
        sid = self.session_id
        if sid is None or message is None or not message.version_group or self.is_busy(sid):
            return
        versions = sorted({m.version for m in self.app.store.messages(sid, all_versions=True)
                           if m.version_group == message.version_group and m.role == "assistant"})
        if len(versions) < 2:
            return
        position = versions.index(message.version) if message.version in versions else -1
        target = versions[(position + 1) % len(versions)]
        engine, group = self.app.engine, message.version_group

        async def chosen(_: None) -> None:
            if sid == self.session_id:
                await self.conversation.show_session(sid)
            self.notify(f"Showing version {versions.index(target) + 1} of {len(versions)}", timeout=2)

        self.app.call_engine("Could not switch versions", lambda: engine.choose_version(sid, group, target), chosen)

    def action_stop(self) -> None:
        if self.session_id is None or self.app.engine is None:
            return
        try:
            self.app.engine.stop(self.session_id)
        except Exception as error:
            self.app.report_error("Could not stop", error)

    # Model ---------------------------------------------------------------------------------------------------

    def action_switch_model(self) -> None:
        if self.session_id is not None:
            self.app.push_screen(CommandPalette(providers=[ModelProvider], placeholder="Model (type any name)…",
                                                id="model-picker"))

    async def action_next_waiting(self) -> None:
        """Go to the session whose request has waited longest, and open it."""
        engine = self.app.engine
        waiting = engine.waiting_sessions() if engine is not None else []
        if not waiting:
            self.notify("No session is waiting for you.", timeout=3)
            return
        if waiting[0] != self.session_id:
            await self.open_session(waiting[0])
        else:
            self.app.open_next_request(waiting[0])

    async def action_go_to_notified(self) -> None:
        """alt+n: the session of the latest notification (finished, failed, waiting or limited)."""
        attention = self.app.attention
        target = attention.last_notified if attention is not None else None
        if target is None:
            self.notify("No session has notified you yet.", timeout=3)
        elif target != self.session_id:
            await self.open_session(target)

    def action_cycle_mode(self) -> None:
        """shift+tab: the next permission mode, as in Claude Code (default, acceptEdits, plan)."""
        session = self.session
        if session is not None:
            self.app.set_permission_mode(self.app.config.mode_after(session.permission_mode))

    def action_pick_mode(self) -> None:
        if self.session_id is not None:
            self.app.push_screen(CommandPalette(providers=[ModeProvider], placeholder="Permission mode…",
                                                id="mode-picker"))

    def action_set_limits(self) -> None:
        from ccsess.app.screens.stats import ask_limits

        ask_limits(self)

    def action_statistics(self) -> None:
        from ccsess.app.screens.stats import open_statistics

        open_statistics(self.app)

    def action_revoke_rule(self) -> None:
        if self.session_id is not None:
            self.app.push_screen(CommandPalette(providers=[AllowedRuleProvider], placeholder="Revoke…",
                                                id="rule-picker"))

    # Export and copy -----------------------------------------------------------------------------------------

    def default_export_path(self) -> str:
        session = self.session
        assert session is not None
        folder = Path(session.project) if Path(session.project).is_dir() else Path.cwd()
        return str(folder / f"{slug(session.name)}-{session.id}.md")

    def action_export(self) -> None:
        sid = self.session_id
        if sid is None:
            return

        def chosen(path: str | None) -> None:
            from ccsess.core.transfer.export import ExportError, export_to_file

            if not path:
                return
            try:
                written = export_to_file(self.app.store, sid, path)
            except (ExportError, StoreError) as error:
                self.app.report_error("Export failed", error)
                return
            self.notify(f"Exported to {written}", title="Export")

        from ccsess.app.screens.dialogs import ExportDialog

        self.app.push_screen(ExportDialog(self.default_export_path()), chosen)

    def action_copy_last_reply(self) -> None:
        if self.session_id is None:
            return
        for message in reversed(self.app.store.messages(self.session_id, last=50)):
            if message.role == "assistant" and message.text.strip():
                self.app.copy_with_notice(message.text, "last reply")
                return
        self.notify("There is no reply to copy yet.", severity="warning")

    def action_copy_transcript(self) -> None:
        session = self.session
        if session is None:
            return
        from ccsess.core.transfer.export import render_markdown

        text = render_markdown(session, self.app.store.messages(session.id))
        self.app.copy_with_notice(text, "transcript")

    # Rename, delete, archive ---------------------------------------------------------------------------------

    def action_rename(self) -> None:
        session_admin.rename(self)

    def action_delete(self) -> None:
        session_admin.delete(self)

    async def action_archive(self) -> None:
        await session_admin.archive(self)

    # Open in Claude ------------------------------------------------------------------------------------------

    async def action_open_in_claude(self) -> None:
        from ccsess.app.screens.open_in_claude import open_in_claude

        await open_in_claude(self)

    # Search and import ----------------------------------------------------------------------------------------

    def action_search_messages(self) -> None:
        from ccsess.app.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(), self.open_found)

    async def open_found(self, found: FoundMessage | None) -> None:
        """Open the session of a search hit and bring its message into view, focused."""
        if found is None:
            return
        try:
            await self.open_session(found.session_id)
        except StoreError as error:
            self.app.report_error("Could not open the session", error)
            return
        if await self.conversation.reveal(found.message_id) is None:
            self.notify("That message belongs to another version of a regenerated reply.", severity="warning",
                        timeout=6, markup=False)

    def action_import_sessions(self, source: Path | None = None) -> None:
        from ccsess.app.screens.claude_import import ImportProgress
        
        if self.query(ImportProgress):
            self.notify("An import is already running.", timeout=4)
            return
        source = source or claude_projects_dir()
        if not source.is_dir():
            self.notify(f"No Claude Code sessions to import: {short_path(str(source))} does not exist.",
                        severity="warning", timeout=8, markup=False)
            return
        self.query_one("#main-pane").mount(ImportProgress(self.app.store, source), before="#status")

    async def on_import_progress_finished(self, event: ImportProgress.Finished) -> None:
        report = event.report
        if report is None:
            self.app.report_error("Could not import Claude Code sessions", event.error or RuntimeError("unknown"))
            return
        summary = report.summary()
        self.notify(summary[:1].upper() + summary[1:] + ".", title="Import", timeout=8, markup=False)
        issues = [*report.problems, *report.malformed]
        if issues:
            noun = "problem" if len(issues) == 1 else "problems"
            self.notify(f"{len(issues)} {noun} while importing, skipped; the first: {one_line(issues[0], 160)}",
                        title="Import", severity="warning", timeout=15, markup=False)
        try:
            self.reload_sessions()
        except StoreError as exc:
            self.app.report_error("Could not read the sessions", exc)
            return
        current = self.session_id
        if current is not None and current in report.updated and not self.is_busy(current):
            await self.open_session(current)

    # Focus and theme -----------------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.sidebar.query_one("#session-filter").focus()

    def action_toggle_sidebar(self) -> None:
        hidden = bool(self.sidebar.display)
        self.sidebar.display = not hidden
        if hidden and self.sidebar.has_focus_within:
            self.prompt.focus()

    def action_focus_prompt(self) -> None:
        self.prompt.focus()

    @on(MessageView.BranchRequested)
    async def _branch_here(self, event: MessageView.BranchRequested) -> None:
        event.stop()
        await self.branch_at(event.view.message_id)

    @on(MessageView.DiffRequested)
    def _diff_requested(self, event: MessageView.DiffRequested) -> None:
        event.stop()
        if self.session_id is not None:
            file_actions.open_diff(self.app, self.session_id, self.turn_of(event.view.message_id))

    def turn_of(self, message_id: str | None) -> int | None:
        return file_actions.turn_number(self.app.store.messages(self.session_id), message_id) if self.session_id else None

    def action_diff_session(self) -> None:
        if self.session_id is not None:
            file_actions.open_diff(self.app, self.session_id, None)

    def action_rewind_files(self) -> None:
        turn = self.turn_of(self._focused_message_id())
        if self.session_id is not None and turn:
            file_actions.rewind_files(self.app, self.session_id, turn)

    def action_undo_rewind(self) -> None:
        if self.session_id is not None:
            file_actions.undo_rewind(self.app, self.session_id)

    def action_commit_worktree(self) -> None:
        if self.session_id is not None:
            file_actions.commit_worktree(self.app, self.session_id)

    def action_remove_worktree(self) -> None:
        if self.session_id is not None:
            file_actions.remove_worktree(self.app, self.session_id)

    @on(MessageView.FlipRequested)
    async def _flip_requested(self, event: MessageView.FlipRequested) -> None:
        event.stop()
        await self.flip_version(event.view)
