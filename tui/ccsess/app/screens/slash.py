"""Slash commands in the prompt: the completion list kept in step with what is typed, the commands claude listed
per project (kept in the store, so the list is there before claude starts), and the commands ccsess runs itself."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets.option_list import Option

from ccsess.core.claude.slash import CCSESS_COMMANDS, SlashCommand, catalog, matching, parse
from ccsess.core.config import PERMISSION_MODES
from ccsess.core.text import one_line, visible_text

KNOWN = "slash_commands"
OWNER = "slash"


def _option(command: SlashCommand) -> Option:
    name = ("/" + visible_text(command.name), "bold" if command.available else "$text-muted")
    note = (f"  {one_line(command.description, 70)}", "$text-muted") if command.description else ""
    owner = ("  ccsess", "$accent") if command.by_ccsess else ""
    return Option(Content.assemble(name, owner, note))


class SlashCommands:
    def __init__(self, screen: Any) -> None:  # the main screen
        self.screen = screen
        self._known: dict[str, Any] | None = None

    @property
    def known(self) -> dict[str, Any]:
        if self._known is None:
            stored = self.screen.app.stored_setting(KNOWN)
            self._known = dict(stored) if isinstance(stored, dict) else {}
        return self._known

    def listed(self, project: str, commands: tuple[str, ...], terminal_only: tuple[str, ...]) -> None:
        """claude reported its commands: keep them for the project (written off the event loop if they changed)."""
        entry = [list(commands), list(terminal_only)]
        if self.known.get(project) == entry:
            return
        self.known[project] = entry
        store, known = self.screen.app.store, dict(self.known)
        self.screen.app.call_engine("Could not keep the slash commands", lambda: store.set_setting(KNOWN, known))

    def prompt_changed(self, text: str) -> None:
        menu = self.screen.completion_menu
        typed = text[1:] if text.startswith("/") and "\n" not in text and " " not in text else None
        if typed is None:
            if menu.owner == OWNER:
                menu.hide()
            return
        session = self.screen.session
        project = session.project if session is not None else self.screen.app.default_project
        names, terminal_only = self.known.get(project) or ([], [])
        commands = matching(catalog(names, terminal_only, project), typed)
        menu.show(OWNER, commands, [_option(command) for command in commands])

    def menu_key(self, key: str) -> bool:
        menu = self.screen.completion_menu
        chosen = menu.chosen(OWNER)
        if chosen is None:
            return False
        if key in ("up", "down"):
            menu.move(key)
            return True
        if key in ("tab", "enter"):
            prompt = self.screen.prompt
            if key == "enter" and prompt.text.strip() == f"/{chosen.name}":
                menu.hide()
                return False  # the whole command is typed: Enter sends it
            prompt.text = f"/{chosen.name} "
            prompt.move_cursor(prompt.document.end)
            menu.hide()
            return True
        if key == "escape":
            menu.hide()
            return True
        return False

    async def run_own(self, text: str) -> bool:
        """Run a command ccsess answers itself; False when ``text`` is something to send to claude."""
        parsed = parse(text)
        if parsed is None or parsed[0] not in CCSESS_COMMANDS:
            return False
        name, argument = parsed
        screen, app = self.screen, self.screen.app
        if name == "model":
            app.set_model(argument) if argument else screen.action_switch_model()
        elif name == "mode":
            if argument in PERMISSION_MODES:
                app.set_permission_mode(argument)
            else:
                screen.action_pick_mode()
        elif name == "export":
            screen.action_export()
        elif name == "branch":
            await screen.action_branch()
        elif name == "rename" and argument and screen.session is not None:
            from ccsess.app.screens.session_admin import rename_to

            rename_to(screen, screen.session, argument)
        elif name == "rename":
            screen.action_rename()
        elif name == "resume":
            from textual.command import CommandPalette

            from ccsess.app.commands import SessionProvider

            app.push_screen(CommandPalette(providers=[SessionProvider], placeholder="Open a session…"))
        return True
