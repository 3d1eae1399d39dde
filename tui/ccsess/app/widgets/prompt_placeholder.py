"""The prompt's look for the first frame: drawn before the text box, which is mounted right after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widgets import Static

from ccsess.app.keymap import NEWLINE_KEYS

if TYPE_CHECKING:
    from textual.widget import Widget

PLACEHOLDER = "Message claude (Enter sends, ctrl+j new line, up: earlier prompts)"


class PromptPlaceholder(Static):
    """Keeps the keys typed before the text box comes and hands them over (``give_way_to``)."""

    DEFAULT_CSS = """
    PromptPlaceholder {
        height: 3;
        border: tall $primary;
        background: $surface;
        padding: 0 1;
        color: $text-muted;
    }
    """

    can_focus = True

    def __init__(self) -> None:
        super().__init__(PLACEHOLDER, id="prompt-placeholder", markup=False)
        # What was typed before the text box came, given to it when it does.
        self.typed: list[events.Key] = []

    def on_key(self, event: events.Key) -> None:
        if event.is_printable or event.key in ("enter", "backspace", *NEWLINE_KEYS):
            event.stop()
            event.prevent_default()
            self.typed.append(event)

    async def give_way_to(self, prompt: Widget) -> bool:
        """Put ``prompt`` in this placeholder's place, with the keys typed meanwhile; True if it had the focus."""
        had_focus = self.screen.focused is self
        parent = self.parent
        assert parent is not None
        await parent.mount(prompt, before=self)
        await self.remove()
        self.hand_over(prompt)
        return had_focus

    def hand_over(self, prompt: Widget) -> None:
        for key in self.typed:
            prompt.post_message(events.Key(key.key, key.character))
