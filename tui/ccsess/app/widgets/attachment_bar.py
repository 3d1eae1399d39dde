"""The images attached to the prompt, one chip each (name, type, size) above it; a click on a chip takes the
image off the prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import events
from textual.containers import Horizontal
from textual.widget import Widget
from textual.content import Content
from textual.widgets import Static

from ccsess.app.widgets.prompt import PromptInput
from ccsess.core.models import size_label
from ccsess.core.text import visible_text

if TYPE_CHECKING:
    from ccsess.core.claude.attachments import ImageAttachment


class AttachmentChip(Static):
    def __init__(self, index: int, image: ImageAttachment) -> None:
        label = Content.assemble(("▣ ", "$accent"), (visible_text(image.name), "bold"),
                                 (f" · {image.media_type} · {size_label(image.size)}  ", "$text-muted"), ("✕", "$error"))
        super().__init__(label, classes="chip")
        self.index = index
        self.tooltip = "Click to take this image off the prompt"

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(PromptInput.DetachRequested(self.index))


class AttachmentBar(Horizontal):
    DEFAULT_CSS = """
    AttachmentBar {
        display: none;
        height: auto;
        margin: 0 1;
        & > .chip { width: auto; height: 1; padding: 0 1; margin: 0 1 0 0; background: $boost; }
    }
    """

    def show(self, images: Sequence[ImageAttachment]) -> None:
        self.remove_children()
        self.mount_all(AttachmentChip(index, image) for index, image in enumerate(images))
        self.display = bool(images)


async def show_attachments(pane: Widget, prompt: PromptInput) -> None:
    """The prompt's images as chips above it in ``pane``; the bar is mounted with the first image."""
    bars = pane.query(AttachmentBar)
    if not bars and prompt.images:
        await pane.mount(AttachmentBar(id="attachments"), before=prompt)
        bars = pane.query(AttachmentBar)
    for bar in bars:
        bar.show(prompt.images)
