"""Markdown drawn to lines of terminal cells with Rich, in the colours of the app's theme.

A reply is drawn as lines rather than as a tree of widgets: Rich renders 100 KB of Markdown in well under a second,
where mounting one widget per block costs several, and a widget made of lines lays out in constant time however
long the reply is. HTML in a reply is shown as the text it is, never dropped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from rich.console import Console
from rich.markdown import CodeBlock, Heading
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.syntax import Syntax
from rich.theme import Theme
from textual.color import Color
from textual.strip import Strip

if TYPE_CHECKING:
    from markdown_it.token import Token
    from rich.console import ConsoleOptions, RenderResult

_PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")


class _LeftHeading(Heading):
    LEVEL_ALIGN = {f"h{level}": "left" for level in range(1, 7)}


class _ThemedCodeBlock(CodeBlock):
    """A fenced block highlighted on the theme's surface colour instead of the highlighter's own background."""

    background: str | None = None

    @classmethod
    def create(cls, markdown: RichMarkdown, token: Token) -> CodeBlock:
        block = super().create(markdown, token)
        block.background = getattr(markdown, "code_background", None)
        return block

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Syntax(str(self.text).rstrip(), self.lexer_name, theme=self.theme, word_wrap=True, padding=1,
                     background_color=self.background)


class ReplyMarkdown(RichMarkdown):
    elements = {**RichMarkdown.elements, "heading_open": _LeftHeading, "fence": _ThemedCodeBlock,
                "code_block": _ThemedCodeBlock}

    def __init__(self, markup: str, look: MarkdownLook) -> None:
        super().__init__("", code_theme=look.code_theme, hyperlinks=False)
        self.markup = markup
        self.parsed = _PARSER.parse(markup)
        self.code_background = look.code_background


@dataclass
class MarkdownLook:
    """How Markdown is coloured for one theme: a Rich console carrying the theme's styles."""

    console: Console
    code_theme: str
    code_background: str | None


def _solid(variables: dict[str, str], name: str, fallback: str) -> str:
    """A theme variable as an opaque colour (translucent ones blended onto the background)."""
    background = Color.parse(variables.get("background", "#000000"))
    for candidate in (name, fallback):
        try:
            color = Color.parse(variables.get(candidate, ""))
        except Exception:
            continue
        return (background + color).hex
    return "default"


def markdown_look(variables: dict[str, str], dark: bool) -> MarkdownLook:
    def color(name: str, fallback: str = "foreground") -> str:
        return _solid(variables, name, fallback)

    def heading(level: int) -> Style:
        text_style = variables.get(f"markdown-h{level}-text-style", "bold")
        text_style = "" if text_style in ("", "none") else text_style
        return Style.parse(f"{text_style} {color(f'markdown-h{level}-color', 'primary')}".strip())

    muted = color("foreground-muted")
    styles: dict[str, str | Style] = {
        **{f"markdown.h{level}": heading(level) for level in range(1, 7)},
        "markdown.h1": heading(1) + Style(bold=True),
        "markdown.h1.border": color("primary"),
        "markdown.code": f"bold {color('text-accent', 'accent')} on {color('surface', 'background')}",
        "markdown.block_quote": f"italic {muted}",
        "markdown.item.bullet": f"bold {color('text-accent', 'accent')}",
        "markdown.item.number": f"bold {color('text-accent', 'accent')}",
        "markdown.link": f"underline {color('text-primary', 'primary')}",
        "markdown.link_url": f"underline {muted}",
        "markdown.hr": muted,
        "markdown.table.border": muted,
        "markdown.table.header": f"bold {color('text-primary', 'primary')}",
        "markdown.paragraph": "none",
        "markdown.text": "none",
    }
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", markup=False,
                      emoji=False, highlight=False, legacy_windows=False, theme=Theme(styles))
    return MarkdownLook(console, "monokai" if dark else "friendly", color("surface", "background"))


def render_lines(text: str, width: int, look: MarkdownLook) -> list[Strip]:
    """``text`` as lines ``width`` cells wide at most, without empty lines before or after (Rich starts a list
    and ends a rule with one), so texts drawn one after another join with exactly one blank line between them."""
    if not text.strip() or width <= 0:
        return []
    options = look.console.options.update(width=width, height=None)
    lines = [Strip(line) for line in look.console.render_lines(ReplyMarkdown(text, look), options, pad=False)]
    start, end = 0, len(lines)
    while start < end and not lines[start].cell_length:
        start += 1
    while end > start and not lines[end - 1].cell_length:
        end -= 1
    return lines[start:end]


def prepare_highlighters(languages: tuple[str, ...] = ("python", "bash", "json", "javascript", "typescript", "diff")
                         ) -> None:
    """Build the highlighters of common languages ahead of use: the first one of each compiles its patterns, which
    takes up to a tenth of a second."""
    from pygments.lexers import get_lexer_by_name

    for language in languages:
        get_lexer_by_name(language)
