"""Slash commands for the prompt: the ones claude reported in its ``init`` line (built in, the user's and the
project's custom commands, skills), with a description where one can be found, and the ones ccsess answers itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ccsess.core.paths import claude_config_dir

# Answered by ccsess itself (the same names claude uses, where there is one).
CCSESS_COMMANDS = {
    "model": "switch the model of this session (/model NAME, or pick one)",
    "mode": "switch the permission mode (/mode NAME, or pick one)",
    "export": "export this session to Markdown",
    "branch": "continue in a new session from here",
    "rename": "rename this session (/rename NAME)",
    "resume": "open another session",
}
BUILT_IN = {
    "compact": "summarise the conversation so far to free context",
    "clear": "start afresh: claude forgets this conversation (ccsess keeps it)",
    "context": "what fills claude's context window",
    "cost": "what this claude session has cost",
    "usage": "plan usage and limits",
    "init": "write a CLAUDE.md that describes this project",
    "review": "review a pull request",
    "security-review": "review the pending changes for security issues",
    "agents": "list the subagents",
    "mcp": "MCP servers and their state",
    "insights": "a report on your Claude Code sessions",
    "recap": "a short recap of this session",
}
# Known to fail when claude is driven through stream-json (2.1.328: "not available in this environment").
NOT_HERE = {"help"}
FALLBACK = ("compact", "clear", "context", "cost", "usage", "init", "review")


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    by_ccsess: bool = False
    available: bool = True


def _frontmatter_description(path: Path) -> str:
    try:
        head = path.read_text(errors="replace")[:4000]
    except OSError:
        return ""
    found = re.search(r"^description:\s*(.+)$", head, re.MULTILINE)
    if found:
        return found.group(1).strip().strip("'\"")
    body = [line.strip() for line in head.splitlines() if line.strip() and not line.startswith(("---", "#"))]
    return body[0] if body else ""


def describe(name: str, project: str | None) -> str:
    if name in BUILT_IN:
        return BUILT_IN[name]
    relative = Path(*name.split(":")).with_suffix(".md")
    places = [Path(project) / ".claude" / "commands" / relative] if project else []
    places.append(claude_config_dir() / "commands" / relative)
    for skills in ([Path(project) / ".claude" / "skills"] if project else []) + [claude_config_dir() / "skills"]:
        places.append(skills / name / "SKILL.md")
    for place in places:
        if place.is_file():
            return _frontmatter_description(place)
    return ""


def catalog(names: list[str] | tuple[str, ...], terminal_only: list[str] | tuple[str, ...] = (),
            project: str | None = None) -> list[SlashCommand]:
    """ccsess's own commands first, then claude's (or, before claude has said, the common built-in ones)."""
    found = [SlashCommand(name, text, by_ccsess=True) for name, text in CCSESS_COMMANDS.items()]
    for name in dict.fromkeys(names or FALLBACK):
        if name in CCSESS_COMMANDS or name.startswith("__"):
            continue
        if name in terminal_only or name in NOT_HERE:
            found.append(SlashCommand(name, "works only in claude's own terminal, not here", available=False))
        else:
            found.append(SlashCommand(name, describe(name, project)))
    return found


def matching(commands: list[SlashCommand], typed: str) -> list[SlashCommand]:
    """Commands whose name starts with ``typed``, then those that contain it."""
    typed = typed.lower()
    starts = [c for c in commands if c.name.lower().startswith(typed)]
    return starts + [c for c in commands if typed in c.name.lower() and c not in starts]


def parse(text: str) -> tuple[str, str] | None:
    """``/name rest`` as (name, rest), or None when the text is not a slash command."""
    found = re.match(r"^/([\w:.-]+)(?:\s+(.*))?$", text.strip(), re.DOTALL)
    return (found.group(1), (found.group(2) or "").strip()) if found else None
