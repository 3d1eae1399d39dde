"""Turning stored data into safe, short text for the screen."""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

from ccsess.core.sanitize import visible_text


def clean(text: str | None) -> str:
    """Text from a model, a tool or a file with every control character drawn as a visible stand-in, so an
    escape sequence shows as text and never reaches the terminal."""
    if not text:
        return ""
    return visible_text(text.replace("\r\n", "\n"))


def one_line(text: str, width: int = 60) -> str:
    """The text collapsed onto one line and cut to ``width`` characters."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


_SUMMARY_KEYS = ("command", "file_path", "path", "pattern", "url", "query", "description", "prompt")


def tool_summary(name: str, tool_input: Any, width: int = 60) -> str:
    """One line saying what a tool call does, e.g. the command of a Bash call."""
    if isinstance(tool_input, dict):
        for key in _SUMMARY_KEYS:
            value = tool_input.get(key)
            if isinstance(value, str) and value.strip():
                return one_line(value, width)
        for value in tool_input.values():
            if isinstance(value, str) and value.strip():
                return one_line(value, width)
    if not tool_input:
        return ""
    return one_line(json.dumps(tool_input, ensure_ascii=False), width)


def pretty_input(tool_input: Any) -> str:
    """A tool's input as readable text: a command as is, anything else as indented JSON."""
    if isinstance(tool_input, dict) and set(tool_input) <= {"command", "description", "timeout"}:
        if isinstance(tool_input.get("command"), str):
            return clean(tool_input["command"])
    return clean(json.dumps(tool_input, indent=2, ensure_ascii=False))


def relative_time(timestamp: float, now: float | None = None) -> str:
    """A compact age like ``now``, ``5m``, ``3h``, ``2d`` or a date for old entries."""
    now = time.time() if now is None else now
    age = max(0.0, now - timestamp)
    if age < 60:
        return "now"
    if age < 3600:
        return f"{int(age // 60)}m"
    if age < 86400:
        return f"{int(age // 3600)}h"
    if age < 7 * 86400:
        return f"{int(age // 86400)}d"
    return time.strftime("%b %d", time.localtime(timestamp))


def short_path(path: str) -> str:
    """A project path with the home directory shown as ``~``."""
    home = os.path.expanduser("~")
    if home and home != "/" and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path


def format_tokens(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M"
    if count >= 10_000:
        return f"{count // 1000}k"
    if count >= 1000:
        return f"{count / 1000:.1f}k"
    return str(count)


def slug(text: str, fallback: str = "session") -> str:
    """A file-name friendly form of a session name."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-.").lower()
    return value[:60] or fallback
