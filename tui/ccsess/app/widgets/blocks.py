"""Collapsible blocks inside a reply: thinking and tool calls (tool name, a one-line summary, the result inside)."""

from __future__ import annotations

import json
from typing import Any

from textual.content import Content
from textual.widgets import Collapsible, Static

from ccsess.core.models import Message, tool_result_text
from ccsess.core.text import one_line, step_lines, tool_summary, visible_text

RESULT_PREVIEW_CHARS = 20_000


class ThinkingBlock(Collapsible):
    DEFAULT_CSS = """
    ThinkingBlock { background: transparent; border-top: none; padding: 0 0 0 1; margin: 0 0 1 0; }
    ThinkingBlock > Contents { color: $text-muted; text-style: italic; }
    """

    def __init__(self, text: str = "") -> None:
        self._text = visible_text(text)
        self._body = Static(Content(self._text), classes="thinking-text")
        super().__init__(self._body, title="Thinking", collapsed=True)

    @property
    def text(self) -> str:
        return self._text

    def append(self, text: str) -> None:
        self._text += visible_text(text)
        self._body.update(Content(self._text))


class ToolCallView(Collapsible):
    """A tool call: ``⚙ Name  summary`` as the title; its input and, once known, its result inside."""

    DEFAULT_CSS = """
    ToolCallView { background: transparent; border-top: none; padding: 0 0 0 1; margin: 0 0 1 0; }
    ToolCallView CollapsibleTitle { color: $text-secondary; }
    ToolCallView .tool-input { color: $text-muted; margin: 0 0 1 0; }
    ToolCallView .tool-result { border-left: outer $panel; padding: 0 1; }
    ToolCallView .subagent-steps { color: $text-muted; border-left: outer $accent 50%; padding: 0 1; margin: 0 0 1 0; }
    ToolCallView.-error .tool-result { border-left: outer $error; color: $text-error; }
    ToolCallView.-error CollapsibleTitle { color: $text-error; }
    """

    def __init__(self, tool_use_id: str, name: str, tool_input: Any = None) -> None:
        self.tool_use_id = tool_use_id
        self.tool_name = visible_text(name) or "tool"
        self.tool_input = tool_input if tool_input is not None else {}
        self._partial_json = ""
        self.result_text: str | None = None
        self.step_lines: list[str] = []
        self._input = Static(self._input_view(self.tool_input) if self.tool_input else "",
                             classes="tool-input")
        self._steps = Static("", classes="subagent-steps")
        self._steps.display = False
        self._result = Static(Content("waiting for the result…"), classes="tool-result")
        super().__init__(self._input, self._steps, self._result, title=self._make_title(), collapsed=True)

    def _input_view(self, tool_input: Any) -> Content:
        # Imported here, not at start-up: the first frame does not need them.
        from ccsess.app.widgets.tool_preview import tool_preview
        from ccsess.core.claude.asks import PLAN_TOOL, QUESTION_TOOL, describe_questions

        if self.tool_name == QUESTION_TOOL:
            return Content(visible_text(describe_questions(tool_input, self.result_text)))
        if self.tool_name == PLAN_TOOL and isinstance(tool_input, dict) and isinstance(tool_input.get("plan"), str):
            return Content(visible_text(tool_input["plan"]))
        return tool_preview(self.tool_name, tool_input)

    def _make_title(self) -> Content:
        from ccsess.core.claude.asks import PLAN_TOOL, QUESTION_TOOL, answers_in_result, read_questions

        if self.tool_name == QUESTION_TOOL:
            answers = answers_in_result(self.result_text or "")
            asked = [q.question for q in read_questions(self.tool_input)]
            parts: list[Any] = [("? ", "$accent"), ("Question", "bold"), "  ", one_line(" / ".join(asked), 50)]
            if answers:
                parts += ["  → ", (one_line(" / ".join(a for _, a in answers), 40), "bold")]
            elif self.result_text is not None:
                parts += ["  ", (one_line(self.result_text, 40), "$text-muted")]
            return Content.assemble(*parts)
        if self.tool_name == PLAN_TOOL:
            plan = self.tool_input.get("plan") if isinstance(self.tool_input, dict) else None
            first = next((line.lstrip("# ") for line in str(plan or "").splitlines() if line.strip()), "")
            parts = [("☰ ", "$accent"), ("Plan", "bold"), "  ", one_line(first, 50)]
            if self.result_text is not None:
                parts += ["  ", (one_line(self.result_text, 40), "$text-muted")]
            return Content.assemble(*parts)
        summary = tool_summary(self.tool_input)
        parts = [("⚙ ", "$accent"), (self.tool_name, "bold")]
        if summary:
            parts += ["  ", summary]
        if self.step_lines:
            count = len(self.step_lines)
            parts += ["  ", (f"· {count} step{'s' if count != 1 else ''}", "$text-secondary")]
        if self.result_text is not None:
            parts += ["  ", (one_line(self.result_text.splitlines()[0] if self.result_text else "", 40),
                             "$text-muted")]
        return Content.assemble(*parts)

    def add_input_json(self, partial_json: str) -> None:
        """Streamed input arrives as JSON fragments; show it once it parses."""
        self._partial_json += partial_json
        try:
            value = json.loads(self._partial_json)
        except ValueError:
            return
        self.set_input(value)

    def set_input(self, tool_input: Any) -> None:
        self.tool_input = tool_input
        self._input.update(self._input_view(tool_input))
        self.title = self._make_title()

    def set_result(self, block: dict[str, Any]) -> None:
        text = visible_text(tool_result_text(block))
        self.result_text = text
        shown = text if len(text) <= RESULT_PREVIEW_CHARS else (
            text[:RESULT_PREVIEW_CHARS] + f"\n… {len(text) - RESULT_PREVIEW_CHARS:,} more characters")
        self._result.update(Content(shown or "(no output)"))
        self.set_class(bool(block.get("is_error")), "-error")
        if self.tool_name == "AskUserQuestion":  # its answers are drawn with the questions
            self._input.update(self._input_view(self.tool_input))
        self.title = self._make_title()


    def add_step(self, message: Message) -> None:
        """A step of the subagent this call runs: a line each for its text, its tool calls and their results."""
        self.step_lines.extend(step_lines(message.blocks))
        self._steps.update(Content("\n".join(self.step_lines)))
        self._steps.display = True
        self.title = self._make_title()


class ToolResultBlock(Collapsible):
    """A tool result whose call is not on screen (for example it is in an earlier, unloaded page)."""

    DEFAULT_CSS = """
    ToolResultBlock { background: transparent; border-top: none; padding: 0 0 0 1; }
    """

    def __init__(self, block: dict[str, Any]) -> None:
        text = visible_text(tool_result_text(block))
        title = Content.assemble(("↳ ", "$accent"), "Tool result  ", (one_line(text, 50), "$text-muted"))
        super().__init__(Static(Content(text or "(no output)")), title=title, collapsed=True)


class CommandBlock(Collapsible):
    """A ``!`` bash-mode command or a slash command run in Claude Code, its output folded inside."""

    DEFAULT_CSS = """
    CommandBlock { background: transparent; border-top: none; padding: 0 0 0 1; }
    """

    def __init__(self, block: dict[str, Any], collapsed: bool = True) -> None:
        command = visible_text(str(block.get("command", "")))
        output = visible_text(str(block.get("output") or ""))
        title = Content.assemble(("$ ", "$accent"), "ran ", (one_line(command, 60), "bold"))
        super().__init__(Static(Content(output or "(no output)")), title=title, collapsed=collapsed)
