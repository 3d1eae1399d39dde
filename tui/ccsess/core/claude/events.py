"""Typed events the engine emits while it hosts a claude process.

They are plain dataclasses so the headless CLI can consume them directly and the TUI can wrap them in a
Textual message. Every event names the ccsess session it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ccsess.core.claude.asks import Question
from ccsess.core.claude.protocol import PermissionAsk
from ccsess.core.models import Message, Session


@dataclass(frozen=True)
class EngineEvent:
    session_id: str


@dataclass(frozen=True)
class PromptStored(EngineEvent):
    """A prompt the user sent is in the store (it goes to claude now, or when the turns before it end)."""

    message: Message


@dataclass(frozen=True)
class TurnStarted(EngineEvent):
    prompt_message_id: str


@dataclass(frozen=True)
class TextDelta(EngineEvent):
    text: str
    index: int = 0


@dataclass(frozen=True)
class ThinkingDelta(EngineEvent):
    text: str
    index: int = 0


@dataclass(frozen=True)
class ToolUseStarted(EngineEvent):
    tool_use_id: str
    name: str
    index: int = 0


@dataclass(frozen=True)
class ToolInputDelta(EngineEvent):
    tool_use_id: str
    partial_json: str


@dataclass(frozen=True)
class MessageCompleted(EngineEvent):
    """A finished message (assistant reply, tool result, marker) now in the store.

    ``replaces_streamed`` is true when its text differs from the deltas already shown (after a retry or an
    abandoned stream): the view must redraw the reply from this message.
    """

    message: Message
    replaces_streamed: bool = False


@dataclass(frozen=True)
class ApiRetry(EngineEvent):
    attempt: int
    max_retries: int
    delay_ms: int
    error: str
    error_status: int | None = None

    def describe(self) -> str:
        return f"retrying {self.attempt}/{self.max_retries} in {self.delay_ms / 1000:.0f} s: {self.error}"


@dataclass(frozen=True)
class ModelFallback(EngineEvent):
    original_model: str
    fallback_model: str
    text: str = ""


@dataclass(frozen=True)
class PermissionDenied(EngineEvent):
    tool_name: str
    tool_use_id: str
    text: str = ""


@dataclass(frozen=True)
class PermissionRequested(PermissionAsk, EngineEvent):
    """claude asks to use a tool; answer with ``Engine.answer_permission``. The request's fields follow
    ``session_id``."""


@dataclass(frozen=True)
class QuestionAsked(EngineEvent):
    """claude asks the user (its ``AskUserQuestion`` tool); answer with ``Engine.answer_question``."""

    request_id: str
    questions: tuple[Question, ...]
    tool_use_id: str = ""


@dataclass(frozen=True)
class PlanProposed(EngineEvent):
    """claude wants to leave plan mode with this plan (Markdown); answer with ``Engine.answer_plan``."""

    request_id: str
    plan: str
    tool_use_id: str = ""


@dataclass(frozen=True)
class ModeChanged(EngineEvent):
    """The session's permission mode, as claude (or the user) set it; already stored."""

    mode: str


BUSY_STATES = ("starting", "streaming", "retrying", "stopping")


@dataclass(frozen=True)
class ProcessStateChanged(EngineEvent):
    """The engine's whole view of a live session, sent whenever any part of it changes: the process ``state``
    (cold, starting, warm, streaming, retrying, stopping), a ``detail`` for it, whether a turn is running or
    waiting (``busy``) and how many prompts wait behind the running one (``queued``)."""

    state: str
    detail: str = ""
    busy: bool = False
    queued: int = 0
    waiting: int = 0  # requests (permissions, questions, plans) waiting for the user
    pid: int | None = None  # of the session's claude while one runs


@dataclass(frozen=True)
class ModelChanged(EngineEvent):
    model: str


@dataclass(frozen=True)
class TurnFinished(EngineEvent):
    is_error: bool
    subtype: str = "success"
    terminal_reason: str | None = None
    result_text: str = ""
    cost_usd: float = 0.0
    usage: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    ttft_ms: int | None = None
    interrupted: bool = False
    session: Session | None = None  # the session as the turn left it in the store


@dataclass(frozen=True)
class ProcessExited(EngineEvent):
    exit_code: int | None
    stderr_tail: str = ""
    expected: bool = False


@dataclass(frozen=True)
class Notice(EngineEvent):
    """Something the user should know that is not a failure."""

    text: str


@dataclass(frozen=True)
class SessionFailed(EngineEvent):
    """A user-facing failure: the text says what happened and what to do."""

    reason: str
    kind: str = "error"  # not_found, auth, api_error, exited, spawn, resume


@dataclass(frozen=True)
class LimitReached(EngineEvent):
    """The session reached its turn or budget limit and is ``limited`` until the user raises it. ``prompt`` is the
    text refused for that reason, if any, so it can be given back to the user."""

    reason: str
    limit: str  # max_turns or max_budget_usd
    prompt: str = ""


@dataclass(frozen=True)
class CommandsListed(EngineEvent):
    """The slash commands claude reported when it started (built in, the user's and the project's, skills), and
    those that work only in claude's own terminal UI."""

    commands: tuple[str, ...]
    terminal_only: tuple[str, ...] = ()
