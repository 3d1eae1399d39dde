"""What a tool call will do, drawn by tool: a coloured diff for an edit, the new file for a write, the command
for Bash, path and pattern for searches, the address for web tools; anything else as key: value lines."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from textual.content import Content

from ccsess.core.text import visible_text

MAX_FILE_BYTES = 2_000_000
MAX_LINES = 400
_LOOKUPS = {
    "Read": ("file_path", "offset", "limit"),
    "Glob": ("pattern", "path"),
    "Grep": ("pattern", "path", "glob", "type", "output_mode"),
    "LS": ("path", "ignore"),
    "WebFetch": ("url", "prompt"),
    "WebSearch": ("query", "allowed_domains", "blocked_domains"),
}


def _read(path: str) -> str | None:
    try:
        file = Path(path)
        if file.stat().st_size > MAX_FILE_BYTES:
            return None
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _edits(tool_input: dict[str, Any]) -> list[tuple[str, str, bool]]:
    if isinstance(tool_input.get("edits"), list):  # MultiEdit
        return [(str(e.get("old_string", "")), str(e.get("new_string", "")), bool(e.get("replace_all")))
                for e in tool_input["edits"] if isinstance(e, dict)]
    return [(str(tool_input.get("old_string", "")), str(tool_input.get("new_string", "")),
             bool(tool_input.get("replace_all")))]


def edit_diff(tool_input: dict[str, Any]) -> list[str]:
    """The unified diff an Edit or MultiEdit would make: against the file when it can be read (real line
    numbers), else between the old and new strings alone."""
    path = str(tool_input.get("file_path", ""))
    before = _read(path) if path else None
    if before is not None:
        after = before
        for old, new, every in _edits(tool_input):
            if old and old in after:
                after = after.replace(old, new) if every else after.replace(old, new, 1)
        if after != before:
            return list(difflib.unified_diff(before.splitlines(), after.splitlines(), path, path, n=3, lineterm=""))
    lines: list[str] = []
    for old, new, _ in _edits(tool_input):
        lines += list(difflib.unified_diff(old.splitlines(), new.splitlines(), path, path, n=3, lineterm=""))
    return lines


def write_diff(tool_input: dict[str, Any]) -> list[str]:
    """A Write: a diff against the file it replaces, or the new file's lines when there is none."""
    path = str(tool_input.get("file_path", ""))
    content = str(tool_input.get("content", ""))
    before = _read(path) if path else None
    if before is None:
        return [f"+++ {path} (new file)", *("+" + line for line in content.splitlines())]
    return list(difflib.unified_diff(before.splitlines(), content.splitlines(), path, path, n=3, lineterm=""))


def _diff_content(lines: list[str]) -> Content:
    shown = lines[:MAX_LINES]
    styled = []
    for line in shown:
        if line.startswith(("+++", "---")):
            style = "bold $text"
        elif line.startswith("@@"):
            style = "$accent"
        elif line.startswith("+"):
            style = "$text-success on $success 15%"
        elif line.startswith("-"):
            style = "$text-error on $error 15%"
        else:
            style = "$text-muted"
        styled.append((visible_text(line) + "\n", style))
    if len(lines) > MAX_LINES:
        styled.append((f"… {len(lines) - MAX_LINES} more lines\n", "$text-muted"))
    return Content.assemble(*styled) if styled else Content("(no change)")


def _fields(tool_input: dict[str, Any], keys: tuple[str, ...] | None = None) -> Content:
    parts = []
    for key in keys or tuple(tool_input):
        value = tool_input.get(key)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts += [(f"{key}: ", "$text-muted"), (visible_text(text) + "\n", "$text")]
    return Content.assemble(*parts) if parts else Content("(no input)")


def tool_preview(tool_name: str, tool_input: Any) -> Content:
    """How a tool call shows in the permission dialog and in an opened tool call of the transcript."""
    if not isinstance(tool_input, dict):
        return Content(visible_text(str(tool_input)))
    if tool_name in ("Edit", "MultiEdit"):
        return _diff_content(edit_diff(tool_input))
    if tool_name == "Write":
        return _diff_content(write_diff(tool_input))
    if tool_name == "Bash" and isinstance(tool_input.get("command"), str):
        parts = [("$ ", "$accent"), (visible_text(tool_input["command"]) + "\n", "bold $text")]
        if tool_input.get("description"):
            parts.append((visible_text(str(tool_input["description"])), "$text-muted"))
        return Content.assemble(*parts)
    if tool_name == "NotebookEdit":
        return _fields(tool_input, ("notebook_path", "cell_id", "cell_type", "edit_mode", "new_source"))
    if tool_name in _LOOKUPS:
        return _fields(tool_input, _LOOKUPS[tool_name])
    return _fields(tool_input)
