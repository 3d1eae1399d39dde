"""The records ccsess keeps: sessions, their messages and their event log.

Content blocks keep the Anthropic shape (plain dicts) so that what Claude sent is kept as it was:
``{"type": "text", "text": ...}``, ``{"type": "thinking", "thinking": ...}``,
``{"type": "tool_use", "id": ..., "name": ..., "input": {...}}``,
``{"type": "tool_result", "tool_use_id": ..., "content": ..., "is_error": bool}``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

SCHEMA_VERSION = 1

SessionStatus = Literal["new", "active", "idle", "stopped", "failed", "limited", "archived"]
STATUSES: tuple[str, ...] = ("new", "active", "idle", "stopped", "failed", "limited", "archived")
Role = Literal["user", "assistant", "system", "tool"]
EventKind = Literal[
    "start", "turn", "tool_call", "interrupt", "error", "model_change", "fork", "export", "import", "rename",
    "snapshot", "rewind", "worktree"
]

_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_id(length: int = 8) -> str:
    """A short url-safe id without look-alike characters, from the system's random source (the alphabet has 32
    characters, so each random byte maps to one without bias)."""
    return "".join(_ID_ALPHABET[byte % 32] for byte in os.urandom(length))


def now() -> float:
    return time.time()


@dataclass
class Totals:
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0
    # Set when the cost was worked out from token usage and the price table (imported sessions), not reported by
    # claude; models with no price there are named, their tokens not counted in the cost.
    cost_estimated: bool = False
    unpriced_models: list[str] = field(default_factory=list)

    def cost_label(self) -> str:
        """The cost for people: ``$0.1234``, ``≈$0.1234 (estimated)``, or what is unknown."""
        if not self.cost_estimated:
            return f"${self.cost_usd:.4f}"
        unknown = f"; no price for {', '.join(self.unpriced_models)}" if self.unpriced_models else ""
        return f"≈${self.cost_usd:.4f} (estimated{unknown})"


@dataclass
class ForkPoint:
    """Where a branch left its parent: the parent's message and the Claude record it maps to."""

    message_id: str
    claude_uuid: str | None = None
    claude_session_id: str | None = None


@dataclass
class Session:
    id: str
    name: str
    project: str
    model: str | None = None
    permission_mode: str = "default"
    status: SessionStatus = "new"
    created: float = field(default_factory=now)
    updated: float = field(default_factory=now)
    last_active: float = field(default_factory=now)
    claude_session_id: str | None = None
    parent_id: str | None = None
    fork_point: ForkPoint | None = None
    totals: Totals = field(default_factory=Totals)
    message_count: int = 0
    # Version chosen for each regenerated turn: {user message id: version number}.
    chosen_versions: dict[str, int] = field(default_factory=dict)
    # A Claude session to fork from on the next spawn, for branches not yet started.
    pending_fork: ForkPoint | None = None
    # Permission rules the user allowed for this session ("Bash", "Bash(npm test)"), given to claude at launch.
    allowed_tools: list[str] = field(default_factory=list)
    # Limits of this session (None: the config's default, if any).
    max_turns: int | None = None
    max_budget_usd: float | None = None
    # The session's own git worktree (its project folder), its branch and the repository it came from.
    worktree: str | None = None
    worktree_branch: str | None = None
    worktree_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        values = {k: v for k, v in data.items() if k in _SESSION_FIELDS}
        values["totals"] = Totals(**(data.get("totals") or {}))
        for key in ("fork_point", "pending_fork"):
            if data.get(key):
                values[key] = ForkPoint(**data[key])
        return cls(**values)


class SessionSummary(NamedTuple):
    """What a list of sessions needs of each: enough to sort, group, filter and draw a row. Much cheaper to
    build than a Session when there are thousands."""

    id: str
    name: str
    project: str
    status: str
    last_active: float
    parent_id: str | None
    worktree_branch: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionSummary:
        return cls(data["id"], data.get("name", ""), data.get("project", ""), data.get("status", "new"),
                   data.get("last_active", 0.0), data.get("parent_id"),
                   data.get("worktree_branch"))


@dataclass
class Message:
    id: str
    role: Role
    blocks: list[dict[str, Any]]
    created: float = field(default_factory=now)
    claude_uuid: str | None = None
    claude_message_id: str | None = None
    claude_session_id: str | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    interrupted: bool = False
    error: bool = False
    synthetic: bool = False
    partial: bool = False
    # Regenerated replies: the user message they answer and which version they are.
    version_group: str | None = None
    version: int = 0
    # A step of a subagent: the id of the Agent/Task tool call that runs it.
    parent_tool_use_id: str | None = None

    @property
    def text(self) -> str:
        """The readable text of the message: text blocks joined, tool results flattened."""
        parts: list[str] = []
        for block in self.blocks:
            kind = block.get("type")
            if kind == "text":
                parts.append(block.get("text", ""))
            elif kind == "tool_result":
                parts.append(tool_result_text(block))
            elif kind == "command":
                parts.append(block.get("command", ""))
        return "\n\n".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        # Field by field: ``dataclasses.asdict`` deep-copies every block with ``copy.deepcopy``, which dominated
        # importing thousands of messages.
        data = {name: getattr(self, name) for name in _MESSAGE_FIELD_ORDER}
        data["blocks"] = clone(self.blocks)
        data["usage"] = clone(self.usage)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(**{k: v for k, v in data.items() if k in _MESSAGE_FIELDS})


_SESSION_FIELDS = frozenset(f.name for f in dataclasses.fields(Session))
_MESSAGE_FIELD_ORDER = tuple(f.name for f in dataclasses.fields(Message))
_MESSAGE_FIELDS = frozenset(_MESSAGE_FIELD_ORDER)


def clone(value: Any) -> Any:
    """A copy of a JSON document: much cheaper than ``copy.deepcopy`` on thousands of messages."""
    if type(value) is dict:
        return {key: clone(item) for key, item in value.items()}
    if type(value) is list:
        return [clone(item) for item in value]
    return value


@dataclass
class Event:
    kind: EventKind
    at: float = field(default_factory=now)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(kind=data["kind"], at=data.get("at", 0.0), detail=data.get("detail") or {})


def tool_result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(image_label(part.get("source")) if part.get("type") == "image" else part.get("text", "")
                         for part in content if isinstance(part, dict))
    return ""


def image_label(source: Any) -> str:
    """``[image: image/png, 12 KB]``: what an image is, for places that cannot show it."""
    source = source if isinstance(source, dict) else {}
    size = source.get("bytes")
    if not isinstance(size, int) and isinstance(source.get("data"), str):
        size = len(source["data"]) * 3 // 4
    shown = f", {size_label(size)}" if isinstance(size, int) else ""
    return f"[image: {source.get('media_type') or 'unknown type'}{shown}]"


def size_label(size: int) -> str:
    """``12 KB``, or ``300 bytes`` below one kilobyte."""
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
