"""What the keys and palette commands do to sessions: new, branch, regenerate, versions, export, copy, rename,
delete, archive, Open in Claude. Mixed into the main screen."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported
from textual.command import CommandPalette

from ccsess.app.commands import ModelProvider
from ccsess.app.formatting import slug
from ccsess.app.widgets.message_view import MessageView, is_tool_result_message
from ccsess.core.errors import StoreError
from ccsess.core.text import one_line

if TYPE_CHECKING:
    from ccsess.app.screens.main import MainScreen


def sync_session(store, session_id: str) -> int:
    """Pick up turns made in interactive claude (the importer is loaded when first needed)."""
    from ccsess.core.transfer.claude_import import sync_session as sync

    return sync(store, session_id)


class SessionActions:
    """Actions of the main screen; ``self`` is the MainScreen."""

    # New ------------------------------------------------------------------------------------------------------

    def _default_project(self: MainScreen) -> str:
        session = self.session
        if session is not None and Path(session.project).is_dir():
            return session.project
        return self.app.default_project

    def _create(self: MainScreen, name: str, project: str):
        config = self.app.config
        try:
            return self.app.store.create_session(
                name, project, model=config.default_model, permission_mode=config.permission_mode)
        except (StoreError, OSError) as error:
            self.app.report_error("Could not create the session", error)
            return None

    def action_new_session(self: MainScreen) -> None:
        stamp = time.strftime("%b %d %H:%M", time.localtime(self.app.clock()))

        async def created(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            session = self._create(*result)
            if session is not None:
                self.reload_sessions()
                await self.open_session(session.id)
                self.prompt.focus()

        from ccsess.app.screens.dialogs import NewSessionDialog

        self.app.push_screen(NewSessionDialog(f"Session {stamp}", self._default_project()), created)

    async def create_session_for_prompt(self: MainScreen, text: str) -> bool:
        """Typing with no session open starts one in the current project, named after the prompt."""
        session = self._create(one_line(text, 40), self._default_project())
        if session is None:
            return False
        self.reload_sessions()
        await self.open_session(session.id)
        return True

    # Branch, regenerate, versions ------------------------------------------------------------------------------

    def _focused_message_id(self: MainScreen) -> str | None:
        node = self.focused
        while node is not None and not isinstance(node, MessageView):
            node = node.parent
        return node.message_id if isinstance(node, MessageView) else None

    async def action_branch(self: MainScreen) -> None:
        await self.branch_at(self._focused_message_id())

    async def branch_at(self: MainScreen, message_id: str | None) -> None:
        if self.session_id is None or self.app.engine is None:
            return
        try:
            child = self.app.engine.branch(self.session_id, message_id)
        except Exception as error:
            self.app.report_error("Could not branch", error)
            return
        self.reload_sessions()
        await self.open_session(child.id)
        self.notify(f"Branched into “{child.name}”")
        self.prompt.focus()

    async def action_regenerate(self: MainScreen) -> None:
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
        try:
            self.app.engine.regenerate(sid)
        except Exception as error:
            self.app.report_error("Could not regenerate", error)
            return
        self.busy.add(sid)
        self.reload_after_turn.add(sid)
        for view in views[last_prompt + 1:]:
            await view.remove()
        self.conversation.anchor()
        self.update_prompt_state()
        self.refresh_bindings()

    async def action_flip_version(self: MainScreen) -> None:
        view = self.last_versioned_view()
        if view is not None:
            await self.flip_version(view)

    async def flip_version(self: MainScreen, view: MessageView) -> None:
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
        try:
            self.app.engine.choose_version(sid, message.version_group, target)
        except Exception as error:
            self.app.report_error("Could not switch versions", error)
            return
        await self.conversation.show_session(sid)
        self.notify(f"Showing version {versions.index(target) + 1} of {len(versions)}", timeout=2)

    def action_stop(self: MainScreen) -> None:
        if self.session_id is None or self.app.engine is None:
            return
        try:
            self.app.engine.stop(self.session_id)
        except Exception as error:
            self.app.report_error("Could not stop", error)

    # Model ---------------------------------------------------------------------------------------------------

    def action_switch_model(self: MainScreen) -> None:
        if self.session_id is not None:
            self.app.push_screen(CommandPalette(providers=[ModelProvider], placeholder="Model (type any name)…",
                                                id="model-picker"))

    # Export and copy -----------------------------------------------------------------------------------------

    def default_export_path(self: MainScreen) -> str:
        session = self.session
        assert session is not None
        folder = Path(session.project) if Path(session.project).is_dir() else Path.cwd()
        return str(folder / f"{slug(session.name)}-{session.id}.md")

    def action_export(self: MainScreen) -> None:
        sid = self.session_id
        if sid is None:
            return

        def chosen(path: str | None) -> None:
            from ccsess.core.transfer.export import ExportError, export_session, write_export

            if not path:
                return
            try:
                written = write_export(export_session(self.app.store, sid, "md"), os.path.expanduser(path))
            except (ExportError, StoreError) as error:
                self.app.report_error("Export failed", error)
                return
            self.notify(f"Exported to {written}", title="Export")

        from ccsess.app.screens.dialogs import ExportDialog

        self.app.push_screen(ExportDialog(self.default_export_path()), chosen)

    def action_copy_last_reply(self: MainScreen) -> None:
        if self.session_id is None:
            return
        for message in reversed(self.app.store.messages(self.session_id, last=50)):
            if message.role == "assistant" and message.text.strip():
                self.app.copy_with_notice(message.text, "last reply")
                return
        self.notify("There is no reply to copy yet.", severity="warning")

    def action_copy_transcript(self: MainScreen) -> None:
        session = self.session
        if session is None:
            return
        from ccsess.core.transfer.export import render_markdown

        text = render_markdown(session, self.app.store.messages(session.id))
        self.app.copy_with_notice(text, "transcript")

    # Rename, delete, archive ---------------------------------------------------------------------------------

    def action_rename(self: MainScreen) -> None:
        session = self.session
        if session is None:
            return

        def renamed(name: str | None) -> None:
            if not name or name == session.name:
                return
            try:
                self.app.store.update_session(session.id, name=name)
            except StoreError as error:
                self.app.report_error("Could not rename", error)
                return
            self.reload_session()
            self.refresh_session_row(session.id)
            self.notify(f"Renamed to “{name}”")

        from ccsess.app.screens.dialogs import TextPromptDialog

        self.app.push_screen(TextPromptDialog("Rename session", "Name", session.name, confirm="Rename",
                                              dialog_id="rename-dialog"), renamed)

    def action_delete(self: MainScreen) -> None:
        session = self.session
        if session is None:
            return

        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            if self.is_busy(session.id) and self.app.engine is not None:
                self.app.engine.stop(session.id)
            try:
                self.app.store.delete_session(session.id)
            except StoreError as error:
                self.app.report_error("Could not delete", error)
                return
            self.sidebar.remove_session(session.id)
            await self.open_session(None)
            self.notify(f"Deleted “{session.name}”")

        from ccsess.app.screens.dialogs import ConfirmDialog

        self.app.push_screen(ConfirmDialog(
            "Delete session?", f"“{session.name}” and its {session.message_count} messages will be removed "
            "from ccsess. Claude's own session file is kept."), confirmed)

    async def action_archive(self: MainScreen) -> None:
        session = self.session
        if session is None:
            return
        try:
            self.app.store.update_session(session.id, status="archived")
        except StoreError as error:
            self.app.report_error("Could not archive", error)
            return
        self.sidebar.remove_session(session.id)
        await self.open_session(None)
        self.notify(f"Archived “{session.name}”: it stays in the store and in exports")

    # Open in Claude ------------------------------------------------------------------------------------------

    async def action_open_in_claude(self: MainScreen) -> None:
        session = self.session
        if session is None:
            return
        if not session.claude_session_id:
            self.notify("Nothing to resume yet: send a message first.", severity="warning")
            return
        if self.is_busy(session.id):
            self.notify("Wait for the reply to finish (or stop it) first.", severity="warning")
            return
        if self.app.engine is not None:
            self.app.engine.release(session.id)
        argv = [self.app.config.claude, "--resume", session.claude_session_id]
        cwd = session.project if Path(session.project).is_dir() else None
        try:
            with self.app.suspend():
                subprocess.run(argv, cwd=cwd, env={**os.environ, **self.app.claude_env}, check=False)
        except SuspendNotSupported:
            self.notify("Open in Claude needs a real terminal.", severity="warning")
            return
        except OSError as error:
            self.app.report_error(f"Could not start {self.app.config.claude}", error)
            return
        await self.pick_up_claude_turns(session.id)

    async def pick_up_claude_turns(self: MainScreen, session_id: str) -> None:
        """Bring turns made in interactive claude into the transcript."""
        try:
            added = sync_session(self.app.store, session_id)
        except Exception as error:
            self.app.report_error("Could not read the turns made in claude", error)
        else:
            if added:
                self.notify(f"Picked up {added} new messages from claude")
        self.reload_sessions()
        await self.open_session(session_id)

    # Search and import ----------------------------------------------------------------------------------------

    def action_search_messages(self: MainScreen) -> None:
        from ccsess.app.screens.search import search_messages

        search_messages(self)

    def action_import_sessions(self: MainScreen) -> None:
        from ccsess.app.screens.claude_import import import_claude_sessions

        import_claude_sessions(self)

    # Focus and theme -----------------------------------------------------------------------------------------

    def action_focus_filter(self: MainScreen) -> None:
        self.sidebar.query_one("#session-filter").focus()

    def action_focus_prompt(self: MainScreen) -> None:
        self.prompt.focus()
