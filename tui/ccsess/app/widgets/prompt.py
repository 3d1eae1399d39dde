"""The prompt box: Enter sends, ctrl+j (or shift+enter where the terminal reports it) starts a new line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.widgets import TextArea

from ccsess.app.keymap import NEWLINE_KEYS
from ccsess.app.widgets.prompt_messages import PromptMessages
from ccsess.app.widgets.prompt_placeholder import PLACEHOLDER

if TYPE_CHECKING:
    from ccsess.core.claude.attachments import ImageAttachment

# A paste longer than this shows as one folded line in the prompt and is sent whole.
FOLD_LINES = 20
FOLD_CHARS = 2_000
_FOLDED = re.compile(r"\[pasted [\d,]+ (?:lines|characters) #\d+\]")


def fold_label(text: str, number: int) -> str:
    lines = text.count("\n") + 1
    size = f"{lines:,} lines" if lines > 1 else f"{len(text):,} characters"
    return f"[pasted {size} #{number}]"


class PromptInput(TextArea):
    """Multi-line prompt. While a reply streams it stays editable: what is sent then is queued."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: tall $panel;
        background: $surface;
        padding: 0 1;
        &:focus { border: tall $primary; }
        &.-busy { border: tall $warning 60%; }
        &.-busy:focus { border: tall $warning; }
        & .text-area--cursor-line { background: transparent; }
    }
    """

    BINDINGS = [
        # Keys that move through the conversation instead of the prompt's text.
        Binding("pageup", "read('page_up')", "Scroll up", show=False, id="page_up"),
        Binding("pagedown", "read('page_down')", "Scroll down", show=False, id="page_down"),
        Binding("ctrl+home", "read('start')", "Start", show=False, id="conversation_start"),
        Binding("ctrl+end", "read('end')", "End", show=False, id="conversation_end"),
        Binding("alt+up", "read('messages')", "Messages", id="focus_messages"),
        Binding("ctrl+e", "edit_in_editor", "Editor", show=False, id="open_editor"),
        Binding("ctrl+r", "search_history", "History", id="search_history"),
    ]

    ReadRequested = PromptMessages.ReadRequested
    HistorySearchRequested = PromptMessages.HistorySearchRequested
    AttachmentsChanged = PromptMessages.AttachmentsChanged
    DetachRequested = PromptMessages.DetachRequested
    Submitted = PromptMessages.Submitted

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.placeholder = PLACEHOLDER
        # Earlier prompts, nearest first (set by the screen); up on the first line walks back through them.
        self.earlier_prompts: list[str] = []
        self._browsing = -1
        self._typed = ""
        # Set by the screen while a completion list is open: it takes the keys it handles (True when it did).
        self.menu_key: Callable[[str], bool] | None = None
        # Long pastes, each shown in the text as its label (see ``fold_label``) and sent whole.
        self.pastes: dict[str, str] = {}
        # Images sent with the prompt (shown as chips above it by the screen).
        self.images: list[ImageAttachment] = []

    def attach(self, image: ImageAttachment) -> None:
        self.images.append(image)
        self.post_message(self.AttachmentsChanged())

    def detach(self, index: int) -> None:
        if 0 <= index < len(self.images):
            del self.images[index]
            self.post_message(self.AttachmentsChanged())

    def attach_file(self, path: str) -> None:
        """Attach the image at ``path``; one that cannot be is reported with ``AttachmentsChanged.problem``."""
        from ccsess.core.claude.attachments import AttachmentError, image_from_file

        try:
            self.attach(image_from_file(path))
        except AttachmentError as error:
            self.post_message(self.AttachmentsChanged(str(error)))

    def action_paste(self) -> None:
        """ctrl+v: an image on the system clipboard is attached (read off the UI thread); else the app's own
        clipboard is pasted as text."""
        self.run_worker(self._paste_clipboard_image, thread=True, group="clipboard-image", exclusive=True)

    def _paste_clipboard_image(self) -> None:
        from ccsess.core.claude.attachments import AttachmentError, clipboard_image

        try:
            image = clipboard_image()
        except AttachmentError as error:
            self.app.call_from_thread(self.post_message, self.AttachmentsChanged(str(error)))
            return
        if image is not None:
            self.app.call_from_thread(self.attach, image)
        else:
            self.app.call_from_thread(self._paste_text)

    def _paste_text(self) -> None:
        super().action_paste()

    @property
    def full_text(self) -> str:
        """The prompt as it will be sent: every folded paste put back in place of its label."""
        text = self.text
        if self.pastes:
            text = _FOLDED.sub(lambda found: self.pastes.get(found.group(), found.group()), text)
        return text

    def set_full_text(self, text: str) -> None:
        self.pastes.clear()
        self.text = text

    async def _on_paste(self, event: events.Paste) -> None:
        from ccsess.core.claude.attachments import pasted_image_path

        text = event.text
        image = pasted_image_path(text)
        if image is not None:  # a file dropped on the terminal, or its path pasted
            event.stop()
            event.prevent_default()
            self.attach_file(str(image))
            return
        if text.count("\n") + 1 <= FOLD_LINES and len(text) <= FOLD_CHARS:
            return  # TextArea's own handler inserts it
        event.stop()
        event.prevent_default()
        numbers = [int(label.rsplit("#", 1)[1][:-1]) for label in self.pastes]
        label = fold_label(text, max(numbers, default=0) + 1)  # never the label of a paste still folded
        self.pastes[label] = text
        if result := self._replace_via_keyboard(label, *self.selection):
            self.move_cursor(result.end_location)
        self.focus()

    async def _on_click(self, event: events.Click) -> None:
        """A click on a folded paste unfolds it into the text."""
        row, column = self.cursor_location
        for found in _FOLDED.finditer(self.document.get_line(row)):
            if found.start() <= column <= found.end() and found.group() in self.pastes:
                self.replace(self.pastes.pop(found.group()), (row, found.start()), (row, found.end()))
                return

    def action_edit_in_editor(self) -> None:
        """The prompt in ``$VISUAL``/``$EDITOR``, the app suspended until the editor exits."""
        from ccsess.app.prompt_editor import edit_text

        edited = edit_text(self.app, self.full_text)
        if edited is not None:
            self.set_full_text(edited)
            self.move_cursor(self.document.end)

    def show_history(self, step: int) -> bool:
        """Walk the earlier prompts: 1 back, -1 forward (to what was being typed). False when there is nowhere
        to go, so the key does what it does in the text."""
        target = self._browsing + step
        if target < -1 or target >= len(self.earlier_prompts) or (step < 0 and self._browsing < 0):
            return False
        if self._browsing < 0:
            self._typed = self.full_text
        self._browsing = target
        self.set_full_text(self._typed if target < 0 else self.earlier_prompts[target])
        self.move_cursor(self.document.end if step < 0 else (0, 0))
        return True

    def restart_history(self, prompts: list[str]) -> None:
        self.earlier_prompts = prompts
        self._browsing = -1

    async def _on_key(self, event: events.Key) -> None:
        if self.menu_key is not None and self.menu_key(event.key):
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.full_text.strip()
            if text or self.images:
                self.post_message(self.Submitted(self, text, tuple(self.images)))
                self.clear()
                self.pastes.clear()
                if self.images:
                    self.images.clear()
                    self.post_message(self.AttachmentsChanged())
                self._browsing = -1
            return
        row = self.cursor_location[0]
        if event.key == "up" and row == 0 and self.show_history(1):
            event.stop()
            event.prevent_default()
            return
        if event.key == "down" and row == self.document.line_count - 1 and self.show_history(-1):
            event.stop()
            event.prevent_default()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n", start, end)
            return
        await super()._on_key(event)

    def action_search_history(self) -> None:
        self.post_message(self.HistorySearchRequested())

    def action_read(self, where: str) -> None:
        self.post_message(self.ReadRequested(where))

    def set_busy(self, busy: bool, queued: int = 0) -> None:
        """Show that a reply is streaming and how many prompts wait to be sent."""
        self.set_class(busy, "-busy")
        if busy:
            waiting = f" · {queued} queued" if queued else ""
            self.border_title = f"claude is replying{waiting}: Enter queues, esc stops"
        else:
            self.border_title = f"{queued} queued" if queued else None
