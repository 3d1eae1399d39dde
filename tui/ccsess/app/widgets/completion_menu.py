"""The completion list that opens over the prompt: slash commands after ``/``, files after ``@``."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ccsess.core.text import one_line, visible_text


def note(text: str) -> Option:
    """A line of the list that says something (nothing matches, still listing) and cannot be picked."""
    return Option(Content.styled(one_line(visible_text(text), 110), "$text-muted"), disabled=True)


class CompletionMenu(OptionList):
    """Shows what one completer offers; ``owner`` names that completer, ``items`` what each row stands for."""

    DEFAULT_CSS = """
    CompletionMenu {
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
        self.owner = ""
        self.items: list[Any] = []

    def show(self, owner: str, items: list[Any], options: list[Option], title: str | None = None) -> None:
        self.owner = owner
        self.items = items
        self.set_options(options)
        self.border_title = title
        self.display = bool(options)
        if items:
            self.highlighted = 0

    def hide(self) -> None:
        self.display = False
        self.owner = ""

    def chosen(self, owner: str) -> Any | None:
        """The highlighted item when the list is open for ``owner``."""
        if not self.display or self.owner != owner or self.highlighted is None or not self.items:
            return None
        return self.items[self.highlighted]

    def move(self, key: str) -> None:
        self.action_cursor_up() if key == "up" else self.action_cursor_down()
