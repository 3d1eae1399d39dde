"""What the prompt box tells the screen.

Kept apart from the box (a TextArea) so that the screen handling them is defined, and its first frame drawn,
before TextArea is imported. The namespace keeps the handler names of messages defined on the box itself
(``on_prompt_input_submitted``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.widgets import TextArea

    from ccsess.core.claude.attachments import ImageAttachment


class PromptMessages:
    """The messages of ``PromptInput`` (also reachable as ``PromptInput.Submitted`` and so on)."""

    class ReadRequested(Message, namespace="prompt_input"):
        """A key that reads the conversation from the prompt: page up/down, to the start or end, into the messages."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

    class HistorySearchRequested(Message, namespace="prompt_input"):
        """ctrl+r: search the prompts sent before."""

    class AttachmentsChanged(Message, namespace="prompt_input"):
        """An image was attached to the prompt or taken off it (``problem``: one that could not be)."""

        def __init__(self, problem: str = "") -> None:
            super().__init__()
            self.problem = problem

    class DetachRequested(Message, namespace="prompt_input"):
        """Take the image at ``index`` off the prompt (a click on its chip)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Submitted(Message, namespace="prompt_input"):
        def __init__(self, prompt: TextArea, text: str, images: tuple[ImageAttachment, ...] = ()) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text
            self.images = images

        @property
        def control(self) -> TextArea:
            return self.prompt
