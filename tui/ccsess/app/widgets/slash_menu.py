"""The list of slash commands that opens over the prompt when it starts with ``/``."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ccsess.core.claude.slash import SlashCommand
from ccsess.core.text import one_line, visible_text


class SlashMenu(OptionList):
    DEFAULT_CSS = """
    SlashMenu {
        display: none;
        height: auto;
        max-height: 10;
        margin: 0 1;
        border: tall $accent;
        background: $surface;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.can_focus = False
        self.commands: list[SlashCommand] = []

    def show(self, commands: list[SlashCommand]) -> None:
        self.commands = commands
        self.set_options([self._option(c) for c in commands])
        self.display = bool(commands)
        if commands:
            self.highlighted = 0

    def hide(self) -> None:
        self.display = False

    @property
    def chosen(self) -> SlashCommand | None:
        if not self.display or self.highlighted is None or not self.commands:
            return None
        return self.commands[self.highlighted]

    @staticmethod
    def _option(command: SlashCommand) -> Option:
        name = ("/" + visible_text(command.name), "bold" if command.available else "$text-muted")
        note = (f"  {one_line(command.description, 70)}", "$text-muted") if command.description else ""
        owner = ("  ccsess", "$accent") if command.by_ccsess else ""
        return Option(Content.assemble(name, owner, note))
