"""Scenarios of the mock Messages API: which reply a request gets, read from the markers in its prompt."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "mock bad request"),
    401: ("authentication_error", "invalid x-api-key"),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
SLOW_TICKS = 20
LONG_CHUNK = 200
REMINDER_PREFIXES = ("<system-reminder>", "[Request interrupted", "<local-command", "<command-")

_ERR = re.compile(r"@@err(\d{3})(?::(\d+))?")
_SLOW = re.compile(r"@@slow:(\d+(?:\.\d+)?)")
_LONG = re.compile(r"@@long:(\d+)")
_TOOL = re.compile(r"@@tool:([^\n]+)")
_EDIT = re.compile(r"@@edit:(\S+)")
EDIT_OLD, EDIT_NEW = "return a - b", "return a + b"
QUESTION = {"question": "Which colour should the button be?", "header": "Colour", "multiSelect": False,
            "options": [{"label": "Teal", "description": "calm, matches the logo"},
                        {"label": "Orange", "description": "loud, easy to spot"}]}
MULTI_QUESTION = {"question": "Which toppings do you want?", "header": "Toppings", "multiSelect": True,
                  "options": [{"label": "Cheese", "description": "always"}, {"label": "Olives", "description": ""},
                              {"label": "Basil", "description": "fresh"}]}
PLAN = "# Plan\n\n1. Add a `Button` to the toolbar.\n2. Wire it to `save()`.\n3. Test it."


def hex_id(n: int = 24) -> str:
    return uuid.uuid4().hex[:n]


def _block_texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"]


def last_user_message(body: dict) -> dict | None:
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return message
    return None


def prompt_text(body: dict) -> str:
    """The person's prompt in the last user message: its last text block that the CLI did not add itself."""
    message = last_user_message(body)
    if message is None:
        return ""
    texts = [t for t in _block_texts(message.get("content")) if t.strip()]
    own = [t for t in texts if not t.lstrip().startswith(REMINDER_PREFIXES)]
    return (own or texts or [""])[-1].strip()


def tool_results(body: dict) -> list[str] | None:
    """Texts of the tool_result blocks in the last user message, or None when it has none."""
    message = last_user_message(body)
    content = message.get("content") if message else None
    if not isinstance(content, list):
        return None
    found = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
    if not found:
        return None
    results = []
    for block in found:
        inner = block.get("content")
        results.append(inner if isinstance(inner, str) else "".join(_block_texts(inner)))
    return results


def long_markdown(kib: int) -> str:
    target = max(1, kib) * 1024
    parts = ["# Long answer\n\nThis reply is long on purpose.\n"]
    size = len(parts[0])
    section = 0
    while size < target:
        section += 1
        part = (
            f"\n## Section {section}\n\n"
            f"Paragraph {section} with **bold**, *italic* and `inline code`. " * 3 + "\n\n"
            f"- item {section}.1\n- item {section}.2\n  - nested {section}.2.1\n\n"
            f"1. first\n2. second\n\n"
            f"```python\ndef section_{section}(x):\n    return x * {section}\n```\n\n"
            f"| key | value |\n|-----|-------|\n| section | {section} |\n| square | {section * section} |\n"
        )
        parts.append(part)
        size += len(part)
    return "".join(parts)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def _words(text: str) -> list[str]:
    pieces = re.findall(r"\S+\s*|\s+", text)
    return pieces or [""]


class Plan:
    """What one response is made of: content blocks (with their delta pieces) and pacing."""

    def __init__(self) -> None:
        self.blocks: list[dict] = []
        self.stop_reason = "end_turn"
        self.slow_seconds = 0.0
        self.stall = False
        self.hang = False
        self.error: int | None = None

    def add_text(self, text: str, pieces: list[str] | None = None) -> None:
        self.blocks.append({"type": "text", "text": text, "pieces": pieces or _words(text)})

    def add_thinking(self, thinking: str) -> None:
        self.blocks.append({"type": "thinking", "thinking": thinking, "pieces": _words(thinking),
                            "signature": "c2lnbmF0dXJl" + hex_id(16)})

    def add_tool_use(self, command: str) -> None:
        self.add_tool_call("Bash", {"command": command, "description": f"Run {command}"[:80]})

    def add_tool_call(self, name: str, tool_input: dict) -> None:
        raw = json.dumps(tool_input)
        self.blocks.append({"type": "tool_use", "id": "toolu_" + hex_id(), "name": name,
                            "input": tool_input, "pieces": _chunks(raw, 12)})
        self.stop_reason = "tool_use"

    def content(self) -> list[dict]:
        out = []
        for block in self.blocks:
            if block["type"] == "text":
                out.append({"type": "text", "text": block["text"]})
            elif block["type"] == "thinking":
                out.append({"type": "thinking", "thinking": block["thinking"],
                            "signature": block["signature"]})
            else:
                out.append({"type": "tool_use", "id": block["id"], "name": block["name"],
                            "input": block["input"]})
        return out

    def output_tokens(self) -> int:
        return max(1, sum(len(json.dumps(b)) for b in self.content()) // 4)


def _edit_step(body: dict, plan: Plan) -> bool:
    """``@@edit:PATH``: claude reads the file, then edits it (the CLI refuses to edit a file it has not read)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    start = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "user"
                  and any(_EDIT.search(t) for t in _block_texts(messages[i].get("content")))), None)
    if start is None:
        return False
    path = next(_EDIT.search(t) for t in _block_texts(messages[start].get("content")) if _EDIT.search(t)).group(1)
    used = [b.get("name") for m in messages[start:] if m.get("role") == "assistant" and isinstance(m.get("content"), list)
            for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
    if not used:
        plan.add_text("Reading it first.")
        plan.add_tool_call("Read", {"file_path": path})
    elif used[-1] == "Read":
        plan.add_text("Fixing the sign.")
        plan.add_tool_call("Edit", {"file_path": path, "old_string": EDIT_OLD, "new_string": EDIT_NEW})
    else:
        return False
    return True


def build_plan(body: dict, number: int, should_fail: Callable[[int, int | None, str], bool]) -> Plan:
    """Decide the response to request number `number` from the markers in its prompt."""
    plan = Plan()
    if _edit_step(body, plan):
        return plan
    results = tool_results(body)
    if results is not None:
        plan.add_text("Tool said: " + "\n".join(results))
        return plan
    prompt = prompt_text(body)
    err = _ERR.search(prompt)
    if err and int(err.group(1)) in ERRORS:
        times = int(err.group(2)) if err.group(2) else None
        if should_fail(int(err.group(1)), times, prompt):
            plan.error = int(err.group(1))
            return plan
    plan.hang = "@@hang" in prompt
    plan.stall = "@@stall" in prompt
    if "@@thinking" in prompt:
        plan.add_thinking(f"Let me think about request {number}. The user wrote something. I will echo it.")
    if "@@askmulti" in prompt or "@@ask" in prompt:
        question = MULTI_QUESTION if "@@askmulti" in prompt else QUESTION
        plan.add_text("I have a question first.")
        plan.add_tool_call("AskUserQuestion", {"questions": [question]})
        return plan
    if prompt.startswith("SUBTASK:"):
        plan.add_text(f"subagent says 42 ({prompt})")
        if "@@read" in prompt:
            plan.add_tool_call("Read", {"file_path": "notes.txt"})
        return plan
    if "@@agent" in prompt:
        plan.add_text("Starting a helper.")
        task = "SUBTASK: @@read look around" if "@@agentread" in prompt else "SUBTASK: compute the answer"
        agent = {"description": "compute answer", "prompt": task, "subagent_type": "general-purpose"}
        if "@@agentfg" in prompt or "@@agentread" in prompt:
            agent["run_in_background"] = False
        plan.add_tool_call("Agent", agent)
        return plan
    if "@@plan" in prompt:
        plan.add_text("Here is my plan.")
        plan.add_tool_call("ExitPlanMode", {"plan": PLAN})
        return plan
    tool = _TOOL.search(prompt)
    long = _LONG.search(prompt)
    slow = _SLOW.search(prompt)
    echo = f"Echo #{number}: {prompt}"
    if tool:
        commands = [c.strip() for c in tool.group(1).split(" && ")]
        plan.add_text(f"Running `{' && '.join(commands)}`.")
        for command in commands:  # "@@tool:a && b": two tool calls in one reply
            plan.add_tool_use(command)
    elif long:
        text = long_markdown(int(long.group(1)))
        plan.add_text(text, _chunks(text, LONG_CHUNK))
    elif slow:
        ticks = [f" [{i}/{SLOW_TICKS}]" for i in range(1, SLOW_TICKS + 1)]
        plan.add_text(echo + "".join(ticks), [echo] + ticks)
        plan.slow_seconds = float(slow.group(1))
    else:
        plan.add_text(echo)
    return plan
