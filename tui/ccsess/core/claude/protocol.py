"""Reading claude's stream-json output: each JSON line (see ``framing``) to typed items, the protocol as claude
speaks it; the turn recorder and the engine turn them into stored messages and engine events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Items: what one stdout line of claude means.


@dataclass(frozen=True)
class Init:
    session_id: str
    model: str = ""
    permission_mode: str = ""
    cwd: str = ""
    slash_commands: tuple[str, ...] = ()
    terminal_only: tuple[str, ...] = ()  # ``terminal_slash_commands``: they work only in claude's own terminal UI


@dataclass(frozen=True)
class Status:
    status: str | None
    permission_mode: str | None = None


@dataclass(frozen=True)
class MessageStart:
    message_id: str
    model: str = ""
    ttft_ms: int | None = None


@dataclass(frozen=True)
class BlockStart:
    index: int
    block_type: str
    tool_use_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class TextChunk:
    index: int
    text: str


@dataclass(frozen=True)
class ThinkingChunk:
    index: int
    text: str


@dataclass(frozen=True)
class ToolInputChunk:
    index: int
    partial_json: str


@dataclass(frozen=True)
class BlockStop:
    index: int


@dataclass(frozen=True)
class MessageDelta:
    stop_reason: str | None
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageStop:
    pass


@dataclass(frozen=True)
class AssistantBlock:
    """One content block of an assistant message; blocks of one API response share ``message_id``."""

    message_id: str
    uuid: str
    block: dict[str, Any]
    model: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    api_error_status: int | None = None
    synthetic: bool = False
    # Set (to the command's name, or "" when the line does not say it) when the block is a local slash command's
    # output, such as /context or /cost: claude answers those itself, without a model call.
    local_command: str | None = None


@dataclass(frozen=True)
class ToolResult:
    uuid: str
    block: dict[str, Any]


@dataclass(frozen=True)
class UserLine:
    """A user line the CLI made up: an interrupt marker, a local command's output, a synthetic nudge."""

    uuid: str
    text: str
    interrupt_marker: bool = False


@dataclass(frozen=True)
class SubagentStep:
    """What a subagent said or did (its text, its tool calls, their results), under the tool call that runs it.
    Its prompt is not one: that is the input of the calling tool."""

    parent_tool_use_id: str
    role: str
    blocks: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Retry:
    attempt: int
    max_retries: int
    delay_ms: int
    error: str
    error_status: int | None = None


@dataclass(frozen=True)
class Fallback:
    original_model: str
    fallback_model: str
    text: str = ""


@dataclass(frozen=True)
class Denied:
    tool_name: str
    tool_use_id: str
    message: str = ""


@dataclass(frozen=True)
class PermissionAsk:
    """claude asks whether it may use a tool (``can_use_tool``); questions and plans come this way too."""

    request_id: str
    tool_name: str
    tool_input: dict[str, Any]
    description: str = ""
    tool_use_id: str = ""
    blocked_path: str = ""
    suggestions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ControlAsk:
    """A control request from the CLI that ccsess does not handle; it gets an error answer."""

    request_id: str
    subtype: str


@dataclass(frozen=True)
class ControlReply:
    request_id: str
    ok: bool
    response: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class Result:
    subtype: str
    is_error: bool
    terminal_reason: str | None = None
    result_text: str = ""
    stop_reason: str | None = None
    cost_usd: float = 0.0
    usage: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    ttft_ms: int | None = None
    api_error_status: int | None = None
    errors: tuple[str, ...] = ()
    session_id: str = ""
    local_command: str | None = None  # the turn ran a local slash command (/clear, /compact, /context ...)


@dataclass(frozen=True)
class ConversationReset:
    """``/clear``: claude goes on in a new conversation of its own, with this id."""

    claude_session_id: str


@dataclass(frozen=True)
class Other:
    type: str
    subtype: str = ""


Item = (
    Init | Status | MessageStart | BlockStart | TextChunk | ThinkingChunk | ToolInputChunk | BlockStop
    | MessageDelta | MessageStop | AssistantBlock | ToolResult | UserLine | Retry | Fallback | Denied
    | PermissionAsk | ControlAsk | ControlReply | Result | SubagentStep | ConversationReset | Other
)

INTERRUPT_MARKERS = ("[Request interrupted by user]", "[Request interrupted by user for tool use]")


def parse_line(obj: dict[str, Any]) -> list[Item]:
    """The items one decoded stdout line stands for."""
    kind = obj.get("type", "")
    parent = obj.get("parent_tool_use_id")
    if parent:
        return _subagent(str(parent), str(kind), obj)
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        return [Other(str(kind), str(obj.get("subtype", "")))]
    try:
        return parser(obj)
    except (AttributeError, TypeError, ValueError, KeyError):
        log.info("could not read a %s line from claude", kind)
        return [Other(str(kind), "malformed")]


def _names(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _int(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, (int, float)) else default


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _system(obj: dict[str, Any]) -> list[Item]:
    subtype = obj.get("subtype", "")
    if subtype == "init":
        return [Init(str(obj.get("session_id", "")), str(obj.get("model", "")),
                     str(obj.get("permissionMode", "")), str(obj.get("cwd", "")),
                     _names(obj.get("slash_commands")), _names(obj.get("terminal_slash_commands")))]
    if subtype == "status":
        return [Status(obj.get("status"), obj.get("permissionMode"))]
    if subtype == "api_retry":
        return [Retry(_int(obj.get("attempt")), _int(obj.get("max_retries")), _int(obj.get("retry_delay_ms")),
                      str(obj.get("error") or "unknown"), _optional_int(obj.get("error_status")))]
    if subtype == "model_fallback":
        return [Fallback(str(obj.get("original_model", "")), str(obj.get("fallback_model", "")),
                         str(obj.get("content", "")))]
    if subtype == "permission_denied":
        return [Denied(str(obj.get("tool_name", "")), str(obj.get("tool_use_id", "")), str(obj.get("message", "")))]
    return [Other("system", str(subtype))]


def _stream_event(obj: dict[str, Any]) -> list[Item]:
    event = obj.get("event") or {}
    kind = event.get("type")
    if kind == "message_start":
        message = event.get("message") or {}
        return [MessageStart(str(message.get("id", "")), str(message.get("model", "")),
                             _optional_int(obj.get("ttft_ms")))]
    if kind == "content_block_start":
        block = event.get("content_block") or {}
        return [BlockStart(_int(event.get("index")), str(block.get("type", "")), str(block.get("id", "")),
                           str(block.get("name", "")))]
    if kind == "content_block_delta":
        index = _int(event.get("index"))
        delta = event.get("delta") or {}
        delta_type = delta.get("type")
        if delta_type == "text_delta":
            return [TextChunk(index, str(delta.get("text", "")))]
        if delta_type == "thinking_delta":
            return [ThinkingChunk(index, str(delta.get("thinking", "")))]
        if delta_type == "input_json_delta":
            return [ToolInputChunk(index, str(delta.get("partial_json", "")))]
        return [Other("stream_event", str(delta_type))]
    if kind == "content_block_stop":
        return [BlockStop(_int(event.get("index")))]
    if kind == "message_delta":
        delta = event.get("delta") or {}
        return [MessageDelta(delta.get("stop_reason"), event.get("usage") or {})]
    if kind == "message_stop":
        return [MessageStop()]
    return [Other("stream_event", str(kind))]


def _assistant(obj: dict[str, Any]) -> list[Item]:
    message = obj.get("message") or {}
    model = str(message.get("model", ""))
    items: list[Item] = []
    ran = obj.get("local_command_run")
    local = None
    if ran is not None or "local_command_source" in obj or "local_command_outcome" in obj:
        local = str(ran.get("command") or "") if isinstance(ran, dict) else ""
    for block in message.get("content") or []:
        if isinstance(block, dict):
            items.append(AssistantBlock(
                message_id=str(message.get("id", "")), uuid=str(obj.get("uuid", "")), block=block, model=model,
                usage=message.get("usage") or {}, error=obj.get("error"),
                api_error_status=_optional_int(obj.get("api_error_status")),
                synthetic=model == "<synthetic>" or bool(obj.get("is_api_error_message")), local_command=local,
            ))
    return items


def _user(obj: dict[str, Any]) -> list[Item]:
    message = obj.get("message") or {}
    content = message.get("content")
    uuid = str(obj.get("uuid", ""))
    if isinstance(content, str):
        return [UserLine(uuid, content, content.strip() in INTERRUPT_MARKERS)]
    items: list[Item] = []
    for block in content or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            items.append(ToolResult(uuid, block))
        elif block.get("type") == "text":
            text = str(block.get("text", ""))
            items.append(UserLine(uuid, text, text.strip() in INTERRUPT_MARKERS))
    return items


def _subagent(parent: str, kind: str, obj: dict[str, Any]) -> list[Item]:
    content = (obj.get("message") or {}).get("content")
    blocks = tuple(b for b in content if isinstance(b, dict)) if isinstance(content, list) else ()
    if kind == "assistant" and blocks:
        return [SubagentStep(parent, "assistant", blocks)]
    if kind == "user" and any(b.get("type") == "tool_result" for b in blocks):
        return [SubagentStep(parent, "tool", tuple(b for b in blocks if b.get("type") == "tool_result"))]
    return [Other(kind, "subagent")]


def _control_request(obj: dict[str, Any]) -> list[Item]:
    request = obj.get("request") or {}
    request_id = str(obj.get("request_id", ""))
    if request.get("subtype") == "can_use_tool":
        tool_input = request.get("input")
        suggestions = request.get("permission_suggestions")
        return [PermissionAsk(request_id, str(request.get("tool_name", "")),
                              tool_input if isinstance(tool_input, dict) else {},
                              str(request.get("description") or ""), str(request.get("tool_use_id") or ""),
                              str(request.get("blocked_path") or ""),
                              tuple(s for s in suggestions if isinstance(s, dict))
                              if isinstance(suggestions, list) else ())]
    return [ControlAsk(request_id, str(request.get("subtype", "")))]


def _control_response(obj: dict[str, Any]) -> list[Item]:
    response = obj.get("response") or {}
    return [ControlReply(str(response.get("request_id", "")), response.get("subtype") == "success",
                         response.get("response") or {}, str(response.get("error") or ""))]


def _result(obj: dict[str, Any]) -> list[Item]:
    errors = obj.get("errors") or []
    return [Result(
        subtype=str(obj.get("subtype", "")), is_error=bool(obj.get("is_error")),
        terminal_reason=obj.get("terminal_reason"), result_text=str(obj.get("result") or ""),
        stop_reason=obj.get("stop_reason"), cost_usd=float(obj.get("total_cost_usd") or 0.0),
        usage=obj.get("usage") or {}, duration_ms=_int(obj.get("duration_ms")),
        ttft_ms=_optional_int(obj.get("ttft_ms")), api_error_status=_optional_int(obj.get("api_error_status")),
        errors=tuple(str(e) for e in errors if e), session_id=str(obj.get("session_id", "")),
        local_command=str(obj["local_command"]) if obj.get("local_command") else None,
    )]


def _conversation_reset(obj: dict[str, Any]) -> list[Item]:
    new_id = obj.get("new_conversation_id")
    return [ConversationReset(new_id)] if isinstance(new_id, str) and new_id else [Other("conversation_reset")]


_PARSERS: dict[str, Callable[[dict[str, Any]], list[Item]]] = {
    "system": _system,
    "stream_event": _stream_event,
    "assistant": _assistant,
    "user": _user,
    "control_request": _control_request,
    "control_response": _control_response,
    "result": _result,
    "conversation_reset": _conversation_reset,
}
