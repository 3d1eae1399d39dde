"""Markdown text drawn as lines, in chunks, so long text stays cheap to show and to stream.

A reply is cut into chunks at blank lines outside code fences, so each chunk is valid Markdown on its own and is
drawn on its own (``markdown_render``). While a reply streams only its short live tail is drawn again as text
arrives; finished chunks are drawn as they complete, between other work, so no frame has to draw many at once.
Each chunk keeps its height; only the lines of the chunks drawn most recently are kept, so memory (and the garbage
collector's work) stays flat however long the text is. A long finished text shows its last chunks first; earlier
chunks are added on request (when the reader scrolls up).
"""

from __future__ import annotations

import asyncio
import re
from bisect import bisect_right
from collections import OrderedDict
from typing import TYPE_CHECKING

from rich.style import Style
from textual.dom import NoScreen
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from ccsess.core.text import visible_text

if TYPE_CHECKING:
    from ccsess.app.widgets.markdown_render import MarkdownLook

CHUNK_CHARS = 6_000
# The live tail is drawn again on every frame in which text arrives, so it is kept shorter than a finished chunk.
LIVE_CHARS = 1_200
INITIAL_CHARS = 6_000
# Chunks whose drawn lines are kept (per widget); others keep only their height and are drawn again when shown.
KEPT_CHUNKS = 8
# Drawn lines of finished chunks, shared by every widget and kept for the chunks drawn most recently: a session
# opened again (switching back and forth) shows its replies without parsing their Markdown again.
SHARED_CHUNKS = 48
# Long texts whose chunks are remembered the same way (a few: each keeps its whole text).
RECENT_SPLITS = 8
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BLANK = Strip([], 0)
_looks: dict[str, MarkdownLook] = {}
_shared_lines: OrderedDict[tuple[str, int, str | None], list[Strip]] = OrderedDict()


def _remember(cache: dict, width: int, value):
    """Keep values for the two most recent widths (a scrollbar appearing measures at both)."""
    if len(cache) >= 2:
        cache.pop(next(iter(cache)))
    cache[width] = value
    return value


class _Chunk:
    __slots__ = ("text", "heights", "lines")

    def __init__(self, text: str) -> None:
        self.text = text
        self.heights: dict[int, int] = {}
        self.lines: dict[int, list[Strip]] = {}


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


_recent_splits: OrderedDict[tuple[str, int], tuple[str, ...]] = OrderedDict()


def _split_finished(text: str, chunk_chars: int) -> list[str]:
    """``split_markdown`` of the text made visible; a long text's chunks are remembered, so a session opened
    again does not scan its long replies again."""
    if len(text) <= chunk_chars:
        return [visible_text(text)]
    key = (text, chunk_chars)
    chunks = _recent_splits.get(key)
    if chunks is None:
        chunks = _recent_splits[key] = tuple(split_markdown(visible_text(text), chunk_chars))
        if len(_recent_splits) > RECENT_SPLITS:
            _recent_splits.popitem(last=False)
    else:
        _recent_splits.move_to_end(key)
    return list(chunks)


class ChunkedMarkdown(Widget):
    """Markdown text, either complete (``text=``) or streamed with ``write``."""

    DEFAULT_CSS = """
    ChunkedMarkdown { width: 1fr; height: auto; }
    """

    def __init__(self, text: str = "", *, chunk_chars: int = CHUNK_CHARS, initial_chars: int = INITIAL_CHARS,
                 live_chars: int = LIVE_CHARS, **kwargs) -> None:
        super().__init__(**kwargs)
        self._live_chars = live_chars
        texts = _split_finished(text, chunk_chars) if text else []
        shown: list[str] = []
        budget = 0
        while texts and (not shown or budget + len(texts[-1]) <= initial_chars):
            budget += len(texts[-1])
            shown.insert(0, texts.pop())
        self._hidden = texts
        self._chunks = [_Chunk(chunk) for chunk in shown]
        self._kept: list[_Chunk] = []
        self._starts: dict[int, list[int]] = {}
        self._tail = _Chunk("")
        self._theme: str | None = None
        self._paint: tuple[Style, Selection | None] | None = None
        self._scanned = 0
        self._tracker = _FenceTracker()
        # Set when the pane is about to be replaced: completed chunks are then not drawn ahead of time.
        self.drawing_paused = False

    @property
    def text(self) -> str:
        """All the text, shown or not."""
        return "".join(self._hidden) + "".join(chunk.text for chunk in self._chunks) + self._tail.text

    @property
    def hidden_chars(self) -> int:
        return sum(len(chunk) for chunk in self._hidden)

    @property
    def chunk_count(self) -> int:
        """How many chunks are shown (the live tail counts as one)."""
        return len(self._chunks) + bool(self._tail.text)

    @property
    def drawn_chunks(self) -> int:
        """How many finished chunks hold drawn lines (the others keep only their height)."""
        return sum(1 for chunk in self._chunks if chunk.lines)

    async def reveal_earlier(self, max_chars: int = INITIAL_CHARS) -> int:
        """Show hidden chunks above the shown ones, up to about ``max_chars``; returns characters revealed."""
        revealed: list[_Chunk] = []
        size = 0
        while self._hidden and (not revealed or size + len(self._hidden[-1]) <= max_chars):
            size += len(self._hidden[-1])
            revealed.insert(0, _Chunk(self._hidden.pop()))
        if revealed:
            self._chunks[:0] = revealed
            self._starts.clear()
            self.refresh(layout=True)
        return size

    async def write(self, fragment: str) -> None:
        """Append streamed text. Chunks it completes are drawn here, one at a time with a pause between them, so
        keys are handled meanwhile; the live tail is drawn with the next frame."""
        width, height = self.size
        starts = self._starts.get(width)
        text = self._tail.text + visible_text(fragment)
        start = 0
        completed: list[_Chunk] = []
        while (split := self._find_split(text, start)) is not None:
            completed.append(self._add_chunk(_Chunk(text[start:split])))
            start = split
        self._tail = _Chunk(text[start:])
        if starts and starts[-1] < height:
            # Only the lines from the live tail down change; marking all of a long reply dirty costs a set update
            # per line.
            self.refresh(Region(0, starts[-1], width, height - starts[-1]), layout=True)
        else:
            self.refresh(layout=True)
        for chunk in completed if width else ():
            if self.drawing_paused:
                break
            self._draw(chunk, width)
            await asyncio.sleep(0)

    async def finish(self) -> None:
        """The text is complete: the live tail becomes a finished chunk."""
        if self._tail.text:
            self._keep(self._add_chunk(self._tail))
            self._tail = _Chunk("")
            self._scanned = 0
            self._tracker = _FenceTracker()
            self.refresh(layout=True)

    def _add_chunk(self, chunk: _Chunk) -> _Chunk:
        self._chunks.append(chunk)
        self._starts.clear()
        return chunk

    def _find_split(self, text: str, start: int) -> int | None:
        """The end of the first blank line (outside fences) after ``start`` that makes a chunk long enough."""
        while True:
            newline = text.find("\n", start + self._scanned)
            if newline < 0:
                return None
            line = text[start + self._scanned:newline + 1]
            self._scanned = newline + 1 - start
            self._tracker.feed(line)
            if not line.strip() and self._tracker.can_split and self._scanned >= self._live_chars:
                split = start + self._scanned
                self._scanned = 0
                self._tracker = _FenceTracker()
                return split

    # Drawing ----------------------------------------------------------------------------------------------------

    def _look(self) -> MarkdownLook:
        theme = self.app.theme
        if theme != self._theme:
            self._theme = theme
            for chunk in (*self._chunks, self._tail):
                chunk.lines.clear()
        look = _looks.get(theme)
        if look is None:
            # Imported on first use: the Markdown parser and highlighter are not needed for the first frame.
            from ccsess.app.widgets.markdown_render import markdown_look

            look = _looks[theme] = markdown_look(self.app.theme_variables, self.app.current_theme.dark)
        return look

    def _draw(self, chunk: _Chunk, width: int) -> list[Strip]:
        """The chunk's lines at ``width``, drawn if they are not kept."""
        look = self._look()
        lines = chunk.lines.get(width)
        finished = chunk is not self._tail
        if lines is None:
            key = (chunk.text, width, self._theme)
            lines = _shared_lines.get(key) if finished else None
            if lines is None:
                from ccsess.app.widgets.markdown_render import render_lines

                lines = render_lines(chunk.text, width, look)
                if finished:
                    _shared_lines[key] = lines
                    if len(_shared_lines) > SHARED_CHUNKS:
                        _shared_lines.popitem(last=False)
            else:
                _shared_lines.move_to_end(key)
            _remember(chunk.lines, width, lines)
            _remember(chunk.heights, width, len(lines))
        if finished:
            self._keep(chunk)
        return lines

    def _keep(self, chunk: _Chunk) -> None:
        if chunk in self._kept:
            self._kept.remove(chunk)
        self._kept.append(chunk)
        if len(self._kept) > KEPT_CHUNKS:
            self._kept.pop(0).lines.clear()

    def _height(self, chunk: _Chunk, width: int) -> int:
        height = chunk.heights.get(width)
        return len(self._draw(chunk, width)) if height is None else height

    def _layout(self, width: int) -> tuple[list[int], int]:
        """Where each chunk starts (chunks are one blank line apart) and where the live tail starts."""
        starts = self._starts.get(width)
        if starts is None:
            starts, y = [], 0
            for chunk in self._chunks:
                height = self._height(chunk, width)
                starts.append(y)
                y += height + (1 if height else 0)
            starts.append(y)
            _remember(self._starts, width, starts)
        return starts, starts[-1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        _starts, tail_y = self._layout(width)
        tail = len(self._draw(self._tail, width))
        return tail_y + tail if tail else max(0, tail_y - 1)

    def _line(self, y: int, width: int) -> Strip:
        starts, tail_y = self._layout(width)
        if y >= tail_y:
            tail = self._draw(self._tail, width)
            return tail[y - tail_y] if y - tail_y < len(tail) else _BLANK
        index = bisect_right(starts, y) - 1
        lines = self._draw(self._chunks[index], width)
        offset = y - starts[index]
        return lines[offset] if offset < len(lines) else _BLANK

    def render_lines(self, crop: Region) -> list[Strip]:
        # The base style and selection are the same for every line of one paint; looking the style up walks the
        # ancestors, so it is done once here rather than per line.
        self._paint = (self.rich_style, self._selection())
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def _selection(self) -> Selection | None:
        # A paint can still come through for a widget just removed from its screen (a session being closed).
        try:
            return self.text_selection
        except NoScreen:
            return None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._line(y, width)
        base, selection = self._paint or (self.rich_style, self._selection())
        if selection is not None and (span := selection.get_span(y)) is not None:
            strip = self._select(strip, span)
        return strip.apply_style(base).crop_extend(0, width, base).apply_offsets(0, y)

    def _select(self, strip: Strip, span: tuple[int, int]) -> Strip:
        start, end = span
        end = strip.cell_length if end == -1 else end
        chosen: Style = self.screen.get_component_rich_style("screen--selection")
        return Strip.join([strip.crop(0, start), strip.crop(start, end).apply_style(chosen), strip.crop(end)])

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        width = self.size.width
        text = "\n".join(self._line(y, width).text.rstrip() for y in range(self.get_content_height(
            self.size, self.size, width)))
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
