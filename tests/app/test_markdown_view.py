"""The Markdown view of a reply: streamed and finished text draw the same lines, HTML and escapes stay visible,
themes colour it, and the reader can select its text."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Offset, Region
from textual.selection import Selection

from ccsess.app.themes import shipped_theme_dirs, load_themes
from ccsess.app.widgets.chunked_markdown import ChunkedMarkdown
from ccsess.app.widgets.markdown_render import markdown_look, render_lines

WIDTH = 70


def reply(sections: int) -> str:
    return "".join(f"## Part {n}\n\nSome **bold** words and `code` in part {n}. " + "More words here. " * 12
                   + "\n\n```python\nvalue = compute(" + str(n) + ")\n```\n\n- one\n- two\n\n"
                   + ("---\n\n> a quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" if n % 3 == 0 else "")
                   for n in range(sections))


class ViewApp(App):
    def __init__(self, view: ChunkedMarkdown) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.view


def shown_text(view: ChunkedMarkdown) -> list[str]:
    text, _ending = view.get_selection(Selection(None, None))
    return [line.rstrip() for line in text.splitlines()]


@pytest.mark.parametrize("live_chars", [300, 1_200])
async def test_streamed_text_draws_the_same_lines_as_the_whole_text_drawn_at_once(live_chars):
    text = reply(30)
    streamed = ChunkedMarkdown(live_chars=live_chars)
    app = ViewApp(streamed)
    async with app.run_test(size=(WIDTH + 2, 30)) as pilot:
        await pilot.pause()
        for start in range(0, len(text), 37):
            await streamed.write(text[start:start + 37])
        await streamed.finish()
        await pilot.pause()
        width = streamed.size.width
        look = markdown_look(app.theme_variables, app.current_theme.dark)
        whole = [line.text.rstrip() for line in render_lines(text, width, look)]
        assert streamed.chunk_count >= 5
        assert shown_text(streamed) == whole
        assert streamed.virtual_size.height == len(whole) == streamed.size.height


async def test_a_long_finished_text_shows_its_end_first_and_the_rest_on_request():
    text = reply(60)
    view = ChunkedMarkdown(text)
    app = ViewApp(view)
    async with app.run_test(size=(WIDTH + 2, 30)) as pilot:
        await pilot.pause()
        assert view.hidden_chars > 0 and view.text == text
        assert "Part 59" in "\n".join(shown_text(view)) and "## Part 0" not in "\n".join(shown_text(view))
        height = view.size.height
        while view.hidden_chars:
            assert await view.reveal_earlier() > 0
        await pilot.pause()
        assert view.size.height > height
        assert shown_text(view)[0] == "Part 0"


async def test_html_and_escape_sequences_in_a_reply_are_shown_as_text():
    view = ChunkedMarkdown("Before <div>kept</div> and <b>bold</b>\n\n<script>x</script>\n\nbell\x07 clear\x1b[2J end")
    app = ViewApp(view)
    async with app.run_test(size=(WIDTH + 2, 20)) as pilot:
        await pilot.pause()
        shown = "\n".join(shown_text(view))
        assert "<div>kept</div>" in shown and "<b>bold</b>" in shown and "<script>x</script>" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert "␛[2J" in shown


async def test_switching_theme_recolours_the_text():
    view = ChunkedMarkdown("# Title\n\nSome `code` here.")
    app = ViewApp(view)
    for theme in load_themes(shipped_theme_dirs()).themes:
        app.register_theme(theme)
    async with app.run_test(size=(WIDTH + 2, 20)) as pilot:
        app.theme = "ccsess-dark"
        await pilot.pause()
        dark = [segment.style for segment in view.render_line(0)]
        app.theme = "ccsess-light"
        await pilot.pause()
        light = [segment.style for segment in view.render_line(0)]
        assert shown_text(view)[0] == "Title"
        assert dark != light


async def test_selecting_part_of_the_reply_gives_its_text():
    view = ChunkedMarkdown("First paragraph here.\n\nSecond paragraph there.")
    app = ViewApp(view)
    async with app.run_test(size=(WIDTH + 2, 20)) as pilot:
        await pilot.pause()
        selection = Selection.from_offsets(Offset(0, 2), Offset(6, 2))
        assert view.get_selection(selection) == ("Second", "\n")


async def test_a_paint_that_arrives_after_the_view_was_removed_does_not_fail():
    view = ChunkedMarkdown("Some **text** that was on screen.")
    app = ViewApp(view)
    async with app.run_test(size=(WIDTH + 2, 20)) as pilot:
        await pilot.pause()
        await view.remove()
        lines = view.render_lines(Region(0, 0, WIDTH, 1))
        assert len(lines) == 1
