"""Markdown that reproduces message text exactly and cannot run anything when rendered.

Message text is Markdown written by a person or a model, so it is copied as it is, with three exceptions that keep
the document whole and inert:

* a text that ends inside an unclosed code fence would swallow every message after it, so the whole text is put in
  a fence longer than any backtick run it contains;
* outside code, a ``<`` that would start an HTML tag, comment or declaration is written ``&lt;`` (renders the same
  character, runs nothing), and links to ``javascript:``/``vbscript:``/``data:`` are broken up;
* terminal escape sequences and control characters are removed (an export printed to a terminal is data).

Tool input and output, thinking, and anything else Claude Code produced is always fenced.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ccsess.core.text import plain_text

_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})([^\n]*)$", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
_HTML_START = re.compile(r"<(?!(?:https?|mailto):[^\s<>]*>)(?=[A-Za-z/!?])")
_RISKY_LINK = re.compile(r"\]\((?=\s*<?\s*(?:javascript|vbscript|data)\s*:)", re.IGNORECASE)


def fence_for(text: str) -> str:
    """A backtick fence longer than the longest run of backticks in ``text``."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def fenced(text: str, info: str = "") -> str:
    fence = fence_for(text)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{info}\n{body}{fence}"


def _split_fences(text: str) -> tuple[list[tuple[bool, str]], bool]:
    """Cut ``text`` into (is_fenced_code, chunk) pieces that join back into ``text``; the flag says whether a
    fence is left open at the end."""
    if "```" not in text and "~~~" not in text:
        return [(False, text)], False
    pieces: list[tuple[bool, str]] = []
    position = opened_at = 0
    fence_char, fence_len = "", 0
    for line in _FENCE_LINE.finditer(text):
        run, rest = line.group(1), line.group(2)
        if fence_char:
            if run[0] == fence_char and len(run) >= fence_len and not rest.strip():
                pieces.append((True, text[opened_at : line.end()]))
                position, fence_char = line.end(), ""
            continue
        if run[0] == "`" and "`" in rest:
            continue
        if line.start() > position:
            pieces.append((False, text[position : line.start()]))
        opened_at, fence_char, fence_len = line.start(), run[0], len(run)
    if fence_char:
        pieces.append((True, text[opened_at:]))
        return pieces, True
    if position < len(text):
        pieces.append((False, text[position:]))
    return pieces, False


def _neutralise_inline(chunk: str) -> str:
    """Escape HTML and risky links in prose, leaving inline code spans alone."""
    if "<" not in chunk and "](" not in chunk:
        return chunk
    out: list[str] = []
    pos = 0
    runs = list(_BACKTICKS.finditer(chunk))
    index = 0
    while index < len(runs):
        run = runs[index]
        closer = next(
            (j for j in range(index + 1, len(runs)) if len(runs[j].group()) == len(run.group())), None
        )
        if closer is None:
            index += 1
            continue
        out.append(_neutralise_prose(chunk[pos : run.start()]))
        out.append(chunk[run.start() : runs[closer].end()])
        pos = runs[closer].end()
        index = closer + 1
    out.append(_neutralise_prose(chunk[pos:]))
    return "".join(out)


def _neutralise_prose(text: str) -> str:
    return _RISKY_LINK.sub("]\\(", _HTML_START.sub("&lt;", text))


def safe_markdown(text: str) -> str:
    """Message text as Markdown that renders the same, cannot break the document and cannot run anything."""
    text = plain_text(text).strip("\n")
    if not text:
        return ""
    pieces, left_open = _split_fences(text)
    if left_open:
        return fenced(text, "markdown")
    return "".join(chunk if is_code else _neutralise_inline(chunk) for is_code, chunk in pieces)


def inline_code(text: str) -> str:
    """``text`` as a one-line code span, whatever backticks it holds."""
    text = " ".join(plain_text(text).split("\n"))
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape_html(text: str) -> str:
    """Text for an HTML context such as ``<summary>``: one line, nothing active."""
    text = " ".join(plain_text(text).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_inline(text: str) -> str:
    """Plain text for a heading or list item: Markdown and HTML characters shown literally."""
    text = " ".join(plain_text(text).split())
    text = re.sub(r"([\\`*_\[\]#|~])", r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def details(summary: str, body: str) -> str:
    return f"<details>\n<summary>{escape_html(summary)}</summary>\n\n{body}\n\n</details>"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
