"""Every way ccsess turns stored text into something safe to show: sanitisers, session names, one-line summaries.

Model text is data: an escape sequence in a reply must not move the cursor, retitle the window, write the
clipboard (OSC 52) or talk to the terminal in any other way. ``plain_text`` removes every escape sequence and every
C0/C1 control character except newline and tab; ``visible_text`` keeps them in sight instead, each control
character drawn as its Unicode control picture (ESC as ``␛``), for a screen that shows what the model sent. Because each ESC and each control character is removed, text
cut anywhere (a streamed delta) is safe on its own: a sequence split over two deltas loses its ESC in the first
and prints as harmless characters in the second.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from typing import Any

from ccsess.core.errors import InvalidName
from ccsess.core.models import tool_result_text

_SEQUENCES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]           # CSI
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?           # OSC (titles, hyperlinks, OSC 52), to BEL/ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)?  # DCS, SOS, PM, APC, to ST
    | \x1b [\x20-\x2f]* [\x30-\x7e]                                     # other ESC sequences (ESC c, ESC ( B, ESC 7)
    """,
    re.VERBOSE,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str) -> str:
    """``text`` without escape sequences and control characters; newlines and tabs are kept."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<{code:#04x}>"


def visible_text(text: str | None) -> str:
    """``text`` with every control character but newline and tab replaced by a printable stand-in, so an
    escape sequence shows as text (``␛[2J``) and does nothing. CRLF becomes LF."""
    if not text:
        return ""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(_picture, text.replace("\r\n", "\n"))


def escaped_line(text: str) -> str:
    """One line for plain output (the command line): newlines and tabs as spaces, control and bidi characters
    as Python escapes (``\\x1b``), never sent raw."""
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp") or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: str | None, width: int = 60) -> str:
    """The text made visible, collapsed onto one line and cut to ``width`` characters."""
    flat = " ".join(visible_text(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# The input field that best says what a tool call does, in order of preference.
TOOL_SUMMARY_KEYS = ("command", "file_path", "notebook_path", "path", "pattern", "url", "query", "description",
                     "prompt")


def tool_summary(tool_input: Any, width: int = 60) -> str:
    """One line saying what a tool call does, e.g. the command of a Bash call."""
    if isinstance(tool_input, dict):
        for key in TOOL_SUMMARY_KEYS:
            value = tool_input.get(key)
            if isinstance(value, str) and value.strip():
                return one_line(value, width)
        for value in tool_input.values():
            if isinstance(value, str) and value.strip():
                return one_line(value, width)
    if not tool_input:
        return ""
    return one_line(json.dumps(tool_input, ensure_ascii=False), width)


def step_lines(blocks: list[dict[str, Any]], width: int = 100) -> list[str]:
    """A subagent's step as short lines: its text, its tool calls (``⚙ Name  summary``), their results (``↳ …``)."""
    lines = []
    for block in blocks:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            lines.append(one_line(str(block["text"]), width))
        elif kind == "tool_use":
            lines.append(one_line(f"⚙ {block.get('name', 'tool')}  {tool_summary(block.get('input'))}", width))
        elif kind == "tool_result":
            lines.append("  ↳ " + one_line(tool_result_text(block), width - 4))
    return lines


def relative_time(timestamp: float, now: float | None = None, *, spoken: bool = False) -> str:
    """A compact age: ``now``, ``5m``, ``3h``, ``2d``, then a date. ``spoken`` gives ``just now``, ``5m ago``
    and days without end (``40d ago``), for plain output."""
    now = time.time() if now is None else now
    age = max(0.0, now - timestamp)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if age >= size:
            if unit == "d" and age >= 7 * 86400 and not spoken:
                return time.strftime("%b %d", time.localtime(timestamp))
            return f"{int(age // size)}{unit}" + (" ago" if spoken else "")
    return "just now" if spoken else "now"


MAX_NAME_LENGTH = 200
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")


def clean_name(name: str, *, allow_empty: bool = False) -> str:
    """A session name: control characters stripped, runs of whitespace folded, length capped; an empty result
    is an error unless ``allow_empty``. Emoji, slashes and other text are kept as they are."""
    text = _WHITESPACE.sub(" ", str(name))
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()
    if len(text) > MAX_NAME_LENGTH:
        text = text[:MAX_NAME_LENGTH].rstrip()
    if not text and not allow_empty:
        raise InvalidName("a session name cannot be empty")
    return text


def slug(text: str, fallback: str = "session") -> str:
    """A file-name friendly form of a session name."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-.").lower()
    return value[:60] or fallback
