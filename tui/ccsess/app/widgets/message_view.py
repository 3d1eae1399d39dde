"""One message of the transcript: a header line, then text, thinking and tool-call blocks.

The same widget shows a reply while it streams (``write_text``, ``write_thinking``, ``start_tool``) and keeps the
streamed blocks when the finished message arrives, unless the engine says the final text differs.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static

from ccsess.app.widgets.blocks import CommandBlock, ThinkingBlock, ToolCallView, ToolResultBlock
from ccsess.app.widgets.chunked_markdown import ChunkedMarkdown
from ccsess.core.models import Message, image_label
from ccsess.core.store.images import image_blocks
from ccsess.core.text import visible_text


def is_tool_result_message(message: Message) -> bool:
    return bool(message.blocks) and all(block.get("type") == "tool_result" for block in message.blocks)


class MessageHeader(Static):
    """``you`` / ``claude · model`` plus markers; clicking the version label flips versions."""

    DEFAULT_CSS = """
    MessageHeader { height: 1; color: $text-muted; }
    """

    class VersionClicked(TextualMessage):
        pass

    def on_click(self, event) -> None:
        if self.has_class("-versions"):
            event.stop()
            self.post_message(self.VersionClicked())


class ImagePlaceholder(Static):
    """An image of the message, named; a click opens it (as ``o`` does)."""

    def on_click(self) -> None:
        view = next((node for node in self.ancestors if isinstance(node, MessageView)), None)
        if view is not None:
            view.action_open_images()


class MessageView(Vertical, can_focus=True):
    """A message; focusable so it can be copied or branched from with the keyboard."""

    DEFAULT_CSS = """
    MessageView { height: auto; padding: 0 1; margin: 0 0 1 0; border-left: outer $panel; }
    MessageView.-user { border-left: outer $ccsess-user; background: $boost; }
    MessageView.-assistant { border-left: outer $ccsess-assistant; }
    MessageView.-tool { border-left: outer $ccsess-tool; }
    MessageView.-error { border-left: outer $error; }
    MessageView.-interrupted { border-left: outer $warning; }
    MessageView:focus { background-tint: $primary 12%; }
    MessageView > .user-text { padding: 0 0 0 0; }
    """

    BINDINGS = [
        Binding("c", "copy_message", "Copy", id="copy_message"),
        Binding("b", "branch_here", "Branch here", id="branch_here"),
        Binding("d", "diff_turn", "Diff", id="diff_turn"),
        Binding("o", "open_images", "Open image", id="open_image"),
        Binding("D", "screen.diff_session", "Session diff", id="diff_session", show=False),
        Binding("r", "screen.rewind_files", "Rewind files", id="rewind_files", show=False),
        Binding("escape", "screen.focus_prompt", "Prompt", show=False),
        Binding("up,k", "focus_previous_message", "Previous", show=False),
        Binding("down,j", "focus_next_message", "Next", show=False),
    ]

    class CopyRequested(TextualMessage):
        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    class BranchRequested(TextualMessage):
        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    class DiffRequested(TextualMessage):
        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    class OpenImagesRequested(TextualMessage):
        """``o``, or a click on an image: open the message's images with the system's viewer."""

        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    class FlipRequested(TextualMessage):
        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, message: Message | None = None, *, versions: int = 1, streaming: bool = False) -> None:
        role = message.role if message is not None else "assistant"
        super().__init__(classes=f"-{role}")
        self.message = message
        self.versions = versions
        self.version_position = versions
        self.streaming = streaming
        self._header = MessageHeader()
        self._tools: dict[str, ToolCallView] = {}
        self._parts: dict[tuple[str, int], Widget] = {}
        self._initial_blocks = self._block_widgets(message) if message is not None else []

    def arrange(self, size: Size, optimal: bool = False):
        # The children all have auto heights, so their arrangement depends on the width only. Textual arranges a
        # container once to measure it and again at its measured height; keying both on the width lets the second
        # use the first's cached result.
        return super().arrange(Size(size.width, 0), optimal)

    def compose(self) -> ComposeResult:
        yield self._header
        yield from self._initial_blocks
        self._initial_blocks = []

    def on_mount(self) -> None:
        self._update_header()

    @property
    def message_id(self) -> str | None:
        return self.message.id if self.message is not None else None

    @property
    def tool_views(self) -> dict[str, ToolCallView]:
        return self._tools

    @property
    def text(self) -> str:
        if self.message is not None:
            return visible_text(self.message.text)
        return "".join(part.text for part in self.query(ChunkedMarkdown))

    def _block_widgets(self, message: Message) -> list[Widget]:
        widgets: list[Widget] = []
        for block in message.blocks:
            kind = block.get("type")
            if kind == "text":
                text = block.get("text", "")
                if message.role == "user":
                    widgets.append(Static(Content(visible_text(text)), classes="user-text"))
                elif text:
                    widgets.append(ChunkedMarkdown(text))
            elif kind == "thinking":
                widgets.append(ThinkingBlock(block.get("thinking", "")))
            elif kind == "tool_use":
                view = ToolCallView(block.get("id", ""), block.get("name", ""), block.get("input"))
                self._tools[view.tool_use_id] = view
                widgets.append(view)
            elif kind == "tool_result":
                widgets.append(ToolResultBlock(block))
            elif kind == "command":
                # claude's answer to a local command (/context) is open; a command the user ran is folded.
                widgets.append(CommandBlock(block, collapsed=message.role != "assistant"))
            elif kind == "image":
                label = Content.assemble(visible_text(image_label(block.get("source"))), ("  o opens it", "$text-muted"))
                widgets.append(ImagePlaceholder(label, classes="other-block"))
            elif kind:
                widgets.append(Static(Content(f"[{visible_text(str(kind))} block]"), classes="other-block"))
        return widgets

    def _update_header(self) -> None:
        message = self.message
        role = message.role if message is not None else "assistant"
        parts: list[Any] = []
        if role == "user":
            parts.append(("you", "bold $ccsess-user"))
        elif role == "assistant":
            parts.append(("claude", "bold $ccsess-assistant"))
            if message is not None and message.model and message.model != "<synthetic>":
                parts.append((f" · {visible_text(message.model)}", "$text-muted"))
        else:
            parts.append((visible_text(role), "bold $ccsess-tool"))
        if self.streaming:
            parts.append(("  streaming…", "italic $accent"))
        if message is not None:
            if message.interrupted or message.partial:
                parts.append(("  ⏸ interrupted", "bold $warning"))
            if message.error:
                parts.append(("  ✗ error", "bold $error"))
            if message.synthetic:
                parts.append(("  (synthetic)", "italic $text-muted"))
            if self.versions > 1:
                parts += [("  ‹ ", "$accent"), (f"version {self.version_position}/{self.versions}", "underline"),
                          (" ›", "$accent")]
        self._header.update(Content.assemble(*parts))
        self._header.set_class(self.versions > 1, "-versions")
        for marker, flag in (("-error", bool(message and message.error)),
                             ("-interrupted", bool(message and (message.interrupted or message.partial)))):
            self.set_class(flag, marker)

    def set_versions(self, versions: int, position: int | None = None) -> None:
        self.versions = versions
        self.version_position = position if position is not None else versions
        if self.is_mounted:
            self._update_header()

    async def write_text(self, text: str, index: int = 0) -> None:
        part = self._parts.get(("text", index))
        if part is None:
            part = ChunkedMarkdown()
            self._parts[("text", index)] = part
            await self.mount(part)
        assert isinstance(part, ChunkedMarkdown)
        await part.write(text)

    async def write_thinking(self, text: str, index: int = 0) -> None:
        part = self._parts.get(("thinking", index))
        if part is None:
            part = ThinkingBlock()
            self._parts[("thinking", index)] = part
            await self.mount(part)
        assert isinstance(part, ThinkingBlock)
        part.append(text)

    async def start_tool(self, tool_use_id: str, name: str, index: int = 0) -> None:
        view = ToolCallView(tool_use_id, name)
        self._tools[tool_use_id] = view
        self._parts[("tool_use", index)] = view
        await self.mount(view)

    def tool_input(self, tool_use_id: str, partial_json: str) -> None:
        view = self._tools.get(tool_use_id)
        if view is not None:
            view.add_input_json(partial_json)

    async def finalize(self, message: Message, *, replaces_streamed: bool = False) -> None:
        """The finished message arrived: keep what was streamed when it matches, otherwise redraw."""
        for part in self.query(ChunkedMarkdown):
            await part.finish()
        streamed = "".join(part.text for part in self._parts.values() if isinstance(part, ChunkedMarkdown))
        final = "".join(block.get("text", "") for block in message.blocks if block.get("type") == "text")
        self.message = message
        self.streaming = False
        self.set_class(message.role == "assistant", "-assistant")
        if replaces_streamed or visible_text(final) != streamed or not self._parts:
            await self.remove_children([child for child in self.children if child is not self._header])
            self._tools.clear()
            await self.mount_all(self._block_widgets(message))
        else:
            for block in message.blocks:
                if block.get("type") == "tool_use" and block.get("id") in self._tools:
                    self._tools[block["id"]].set_input(block.get("input") or {})
        self._parts.clear()
        self._update_header()

    async def reveal_earlier(self) -> int:
        """Mount hidden early chunks of a long text; returns how many characters were revealed."""
        for part in self.query(ChunkedMarkdown):
            if part.hidden_chars:
                return await part.reveal_earlier()
        return 0

    @property
    def hidden_chars(self) -> int:
        return sum(part.hidden_chars for part in self.query(ChunkedMarkdown))

    def action_copy_message(self) -> None:
        self.post_message(self.CopyRequested(self))

    def action_branch_here(self) -> None:
        self.post_message(self.BranchRequested(self))

    def action_diff_turn(self) -> None:
        self.post_message(self.DiffRequested(self))

    def action_open_images(self) -> None:
        self.post_message(self.OpenImagesRequested(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_images":
            return True if self.message is not None and any(image_blocks(self.message.blocks)) else None
        return True

    def on_message_header_version_clicked(self, event: MessageHeader.VersionClicked) -> None:
        event.stop()
        self.post_message(self.FlipRequested(self))

    def _sibling(self, step: int) -> MessageView | None:
        siblings = list(self.parent.query_children(MessageView)) if self.parent else []
        index = siblings.index(self) + step if self in siblings else -1
        return siblings[index] if 0 <= index < len(siblings) else None

    def action_focus_previous_message(self) -> None:
        target = self._sibling(-1)
        if target is not None:
            target.focus()
            target.scroll_visible()

    def action_focus_next_message(self) -> None:
        target = self._sibling(1)
        if target is not None:
            target.focus()
            target.scroll_visible()
