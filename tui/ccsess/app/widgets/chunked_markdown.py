"""Markdown split into independent blocks so long text stays cheap to show and to stream.

Textual's ``Markdown.append`` re-joins and re-splits the whole document on every call, so a reply that grows by
appends gets slower as it grows. Here a reply is a column of Markdown widgets: finished chunks are never touched
again and only a short live tail is streamed into. Chunks are cut at blank lines outside code fences, so each one
is valid Markdown on its own. A long finished text shows its last chunks first; earlier chunks are mounted on
request (when the reader scrolls up to them).

Finished chunks far from the viewport are frozen: their Markdown is hidden inside a holder that keeps its last
measured height, so each layout pass costs the chunks near the viewport, not the whole reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.widget import Widget

from ccsess.app.formatting import clean

if TYPE_CHECKING:
    from textual.layout import DockArrangeResult
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

CHUNK_CHARS = 6_000
# A streamed live chunk is re-parsed and re-laid out on every append, so it is kept shorter than a finished one.
LIVE_CHARS = 2_000
INITIAL_CHARS = 12_000
# Streamed text is handed to the live chunk in pieces of about this size, each drawn before the next.
FEED_CHARS = 1_500
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class WidthKeyedArrange:
    """For a container whose children all have auto or fixed heights: their arrangement depends on the width
    only. Textual arranges a container once to measure it and again at its measured height; keying both on the
    width lets the second use the first's cached result instead of re-measuring every nested block."""

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        return super().arrange(Size(size.width, 0), optimal)  # type: ignore[misc]


_markdown_class: type[Markdown] | None = None


def markdown_class() -> type[Markdown]:
    """Textual's Markdown widget (arranged by width), imported on first use: it pulls in a Markdown parser and a
    highlighter, which the first frame does not need."""
    global _markdown_class
    if _markdown_class is None:
        from textual.widgets import Markdown

        class ChunkMarkdown(WidthKeyedArrange, Markdown):
            pass

        _markdown_class = ChunkMarkdown
    return _markdown_class


class _FenceTracker:
    """Follows code fences line by line, so a chunk is never cut inside one."""

    def __init__(self) -> None:
        self.fence: str | None = None

    def feed(self, line: str) -> None:
        match = _FENCE.match(line)
        if match is None:
            return
        marker = match.group(1)
        if self.fence is None:
            self.fence = marker
        elif marker[0] == self.fence[0] and len(marker) >= len(self.fence) and not line.strip()[len(marker):]:
            self.fence = None

    @property
    def can_split(self) -> bool:
        return self.fence is None


def split_markdown(text: str, target: int = CHUNK_CHARS) -> list[str]:
    """Cut ``text`` into chunks of at least ``target`` characters at blank lines outside code fences."""
    if len(text) <= target:
        return [text]
    chunks: list[str] = []
    tracker = _FenceTracker()
    start = 0
    position = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        tracker.feed(line)
        if not line.strip() and tracker.can_split and position - start >= target:
            chunks.append(text[start:position])
            start = position
    if start < len(text):
        chunks.append(text[start:])
    return chunks


class MarkdownChunk(WidthKeyedArrange, Widget):
    """Holds one chunk's Markdown; frozen, it keeps the chunk's height with the Markdown hidden."""

    DEFAULT_CSS = """
    MarkdownChunk { height: auto; layout: vertical; }
    MarkdownChunk > Markdown { margin: 0; padding: 0; background: transparent; }
    """

    def __init__(self, markdown: Markdown) -> None:
        super().__init__()
        self.markdown = markdown
        self.frozen_width: int | None = None

    def compose(self):
        yield self.markdown

    @property
    def frozen(self) -> bool:
        return self.frozen_width is not None

    def freeze(self) -> bool:
        """Hide the Markdown and keep the measured height; False if the chunk was never laid out."""
        if self.frozen or not self.size.height:
            return False
        self.frozen_width = self.size.width
        self.styles.height = self.size.height
        self.markdown.display = False
        return True

    def thaw(self) -> None:
        if self.frozen:
            self.frozen_width = None
            self.markdown.display = True
            self.styles.height = "auto"


class ChunkedMarkdown(WidthKeyedArrange, Vertical):
    """Markdown text as a column of chunks, either complete (``text=``) or streamed with ``write``."""

    class ChunkFinished(TextualMessage):
        """A streamed chunk is complete (the pane may freeze it once it is out of view)."""

    DEFAULT_CSS = """
    ChunkedMarkdown { height: auto; }
    ChunkedMarkdown > .hidden-note { color: $text-muted; text-style: italic; }
    """

    def __init__(self, text: str = "", *, chunk_chars: int = CHUNK_CHARS, initial_chars: int = INITIAL_CHARS,
                 live_chars: int = LIVE_CHARS, **kwargs) -> None:
        super().__init__(**kwargs)
        self._live_chars = live_chars
        self._hidden: list[str] = []
        self._shown: list[str] = []
        self._text_parts: list[str] = []
        chunks = split_markdown(clean(text), chunk_chars) if text else []
        budget = 0
        while chunks and (not self._shown or budget + len(chunks[-1]) <= initial_chars):
            chunk = chunks.pop()
            budget += len(chunk)
            self._shown.insert(0, chunk)
        self._hidden = chunks
        self._stream: MarkdownStream | None = None
        self._tail: Markdown | None = None
        self._tail_holder: MarkdownChunk | None = None
        self._tail_text = ""
        self._scanned = 0
        self._tracker = _FenceTracker()

    def compose(self):
        markdown = markdown_class()
        for chunk in self._shown:
            yield MarkdownChunk(markdown(chunk))

    @property
    def finished_chunks(self) -> list[MarkdownChunk]:
        """Mounted chunks whose text is complete (all but the live one)."""
        return [child for child in self.children if isinstance(child, MarkdownChunk)
                and child is not self._tail_holder]

    @property
    def text(self) -> str:
        """All the text, shown or not."""
        return "".join(self._hidden) + "".join(self._shown) + self._tail_text

    @property
    def hidden_chars(self) -> int:
        return sum(len(chunk) for chunk in self._hidden)

    @property
    def chunk_count(self) -> int:
        """How many chunks are mounted."""
        return len(self.query_children(MarkdownChunk))

    async def reveal_earlier(self, max_chars: int = INITIAL_CHARS) -> int:
        """Mount hidden chunks above the shown ones, up to about ``max_chars``; returns characters revealed."""
        revealed: list[str] = []
        size = 0
        while self._hidden and (not revealed or size + len(self._hidden[-1]) <= max_chars):
            chunk = self._hidden.pop()
            size += len(chunk)
            revealed.insert(0, chunk)
        if not revealed:
            return 0
        self._shown[:0] = revealed
        markdown = markdown_class()
        widgets = [MarkdownChunk(markdown(chunk)) for chunk in revealed]
        first = self.query_children(MarkdownChunk).first() if self.children else None
        if first is not None:
            await self.mount_all(widgets, before=first)
        else:
            await self.mount_all(widgets)
        return size

    async def write(self, fragment: str) -> None:
        """Append streamed text; starts a new live chunk once the current one is long and at a safe break.
        Returns once the text is drawn, a piece of at most ``FEED_CHARS`` at a time."""
        fragment = clean(fragment)
        while len(fragment) > FEED_CHARS:
            await self._write(fragment[:FEED_CHARS])
            fragment = fragment[FEED_CHARS:]
        if fragment:
            await self._write(fragment)

    async def _write(self, fragment: str) -> None:
        if self._stream is None:
            await self._new_tail()
        text = self._tail_text + fragment
        split = self._find_split(text)
        if split is None:
            self._tail_text = text
            assert self._stream is not None
            await self._stream.write(fragment)
            await self._drawn()
            return
        head = text[len(self._tail_text):split]
        self._tail_text = text[:split]
        assert self._stream is not None
        if head:
            await self._stream.write(head)
        await self._finish_tail()
        remainder = text[split:]
        await self._new_tail()
        if remainder:
            await self._write(remainder)

    async def finish(self) -> None:
        """Flush the live chunk; the text is complete."""
        if self._stream is not None:
            await self._finish_tail()

    async def on_unmount(self) -> None:
        """Removed while streaming (the session was closed, the app quits): end the stream quietly."""
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.stop()

    def _find_split(self, text: str) -> int | None:
        """The end of the first blank line (outside fences) that makes the live chunk long enough, if any."""
        while True:
            newline = text.find("\n", self._scanned)
            if newline < 0:
                return None
            line = text[self._scanned:newline + 1]
            self._scanned = newline + 1
            self._tracker.feed(line)
            if not line.strip() and self._tracker.can_split and self._scanned >= self._live_chars:
                return self._scanned

    async def _drawn(self) -> None:
        """Wait until the live chunk has taken in what was written (its ``append`` holds the widget's lock)."""
        tail = self._tail
        if tail is None:
            return
        await asyncio.sleep(0)
        async with tail.lock:
            pass

    async def _new_tail(self) -> None:
        markdown = markdown_class()
        self._tail = markdown()
        self._tail_holder = MarkdownChunk(self._tail)
        await self.mount(self._tail_holder)
        self._stream = markdown.get_stream(self._tail)
        self._tail_text = ""
        self._scanned = 0
        self._tracker = _FenceTracker()

    async def _finish_tail(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            await self._drawn()
        self._shown.append(self._tail_text)
        self._tail_text = ""
        self._stream = None
        self._tail = None
        self._tail_holder = None
        self.post_message(self.ChunkFinished())
