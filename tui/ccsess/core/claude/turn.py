"""Recording one turn: claude's stream items become stored messages, engine events, totals and log entries.

Deltas are shown as they come, but the ``assistant`` lines are the record: after a retry or an abandoned stream
the final text can differ from what was streamed, and then the stored message is the final one and the view is
told to redraw it. While a reply streams it is stored as ``partial`` at most once a second (and at once when a stop
is asked for), so a crash or a kill loses at most the last second.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ccsess.core.claude import events as ev
from ccsess.core.claude import protocol as st
from ccsess.core.models import Event, Message, new_id
from ccsess.core.store.api import SessionStore
from ccsess.core.text import plain_text

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0
_LOCAL_OUTPUT = re.compile(r"<local-command-stdout>(.*?)</local-command-stdout>", re.DOTALL)
CLEARED = "claude starts afresh from here; the conversation above stays in ccsess"


@dataclass
class _Reply:
    """One API response being assembled: what was streamed, and what the assistant lines say."""

    message: Message
    claude_message_id: str = ""
    streamed: dict[int, dict[str, Any]] = field(default_factory=dict)
    final_blocks: list[dict[str, Any]] = field(default_factory=list)
    shown_text: list[str] = field(default_factory=list)
    stored: bool = False
    dirty: bool = False

    @property
    def has_final(self) -> bool:
        return bool(self.final_blocks)

    def blocks(self) -> list[dict[str, Any]]:
        if self.final_blocks:
            return [dict(b) for b in self.final_blocks]
        return [_finish_streamed_block(self.streamed[i]) for i in sorted(self.streamed)]

    def has_content(self) -> bool:
        return any(_block_has_content(b) for b in self.blocks())


_STREAMED_KEYS = ("text", "thinking", "partial_json")


def _finish_streamed_block(block: dict[str, Any]) -> dict[str, Any]:
    """A streamed block in the Anthropic shape. While it streams its text is a list of pieces, joined here: adding
    each delta to a string would copy the whole reply once per delta."""
    block = {key: "".join(value) if key in _STREAMED_KEYS else value for key, value in block.items()}
    if block.get("type") == "tool_use":
        raw = block.pop("partial_json", "")
        try:
            block["input"] = json.loads(raw) if raw else {}
        except ValueError:
            block["input"] = {"partial_json": raw}
    return block


def _block_has_content(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    if kind == "text":
        return bool(block.get("text"))
    if kind == "thinking":
        return bool(block.get("thinking"))
    return True


def _text_of(blocks: list[dict[str, Any]]) -> str:
    return "".join(b.get("text", "") for b in blocks if b.get("type") == "text")


class TurnRecorder:
    """Accumulates the items of one turn. Not thread-safe: one reader thread feeds it, the engine serialises."""

    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        emit: Callable[[ev.EngineEvent], None],
        *,
        prompt_message_id: str | None,
        prompt_text: str = "",
        claude_session_id: str | None = None,
        version_group: str | None = None,
        version: int = 0,
        cost_base: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.emit = emit
        self.prompt_message_id = prompt_message_id
        self.prompt_text = prompt_text
        self.ran_local_command = False
        self.claude_session_id = claude_session_id
        self.version_group = version_group
        self.version = version
        self.cost_base = cost_base
        self.clock = clock
        self.started_at = clock()
        self.first_text_at: float | None = None
        self.current: _Reply | None = None
        self.messages: list[Message] = []
        self.stop_requested = False
        self.interrupted = False
        self.finished = False
        self.last_api_error: str | None = None
        self.last_api_status: int | None = None
        self._last_flush = clock()

    def blocks(self) -> list[dict[str, Any]]:
        """Every content block of the turn so far (not its subagents'): stored messages first, then the reply being
        streamed."""
        done = [block for message in self.messages if not message.parent_tool_use_id for block in message.blocks]
        return done + (self.current.blocks() if self.current is not None else [])

    # Feeding

    def handle(self, item: st.Item) -> None:
        if self.finished:
            return
        handler = getattr(self, "_on_" + type(item).__name__, None)
        if handler is not None:
            handler(item)

    def _on_MessageStart(self, item: st.MessageStart) -> None:
        reply = self.current
        if reply is not None and reply.has_final and reply.claude_message_id != item.message_id:
            self._finalize()
            reply = None
        if reply is None:
            self.current = _Reply(self._new_message(), claude_message_id=item.message_id)
            return
        # A new attempt after a failed or abandoned one: what it streamed is taken back.
        reply.streamed.clear()
        reply.claude_message_id = item.message_id

    def _on_BlockStart(self, item: st.BlockStart) -> None:
        reply = self._reply()
        if item.block_type == "tool_use":
            reply.streamed[item.index] = {"type": "tool_use", "id": item.tool_use_id, "name": item.name,
                                          "partial_json": []}
            self.emit(ev.ToolUseStarted(self.session_id, item.tool_use_id, item.name, item.index))
        elif item.block_type == "thinking":
            reply.streamed[item.index] = {"type": "thinking", "thinking": []}
        else:
            reply.streamed[item.index] = {"type": item.block_type or "text", "text": []}

    def _on_TextChunk(self, item: st.TextChunk) -> None:
        reply = self._reply()
        block = reply.streamed.setdefault(item.index, {"type": "text", "text": []})
        block.setdefault("text", []).append(item.text)
        reply.shown_text.append(item.text)
        reply.dirty = True
        if self.first_text_at is None:
            self.first_text_at = self.clock()
        self.emit(ev.TextDelta(self.session_id, item.text, item.index))
        self.tick()

    def _on_ThinkingChunk(self, item: st.ThinkingChunk) -> None:
        reply = self._reply()
        block = reply.streamed.setdefault(item.index, {"type": "thinking", "thinking": []})
        block.setdefault("thinking", []).append(item.text)
        reply.dirty = True
        self.emit(ev.ThinkingDelta(self.session_id, item.text, item.index))
        self.tick()

    def _on_ToolInputChunk(self, item: st.ToolInputChunk) -> None:
        reply = self._reply()
        block = reply.streamed.get(item.index)
        if block is None or block.get("type") != "tool_use":
            return
        block["partial_json"].append(item.partial_json)
        self.emit(ev.ToolInputDelta(self.session_id, block.get("id", ""), item.partial_json))

    def _on_AssistantBlock(self, item: st.AssistantBlock) -> None:
        if item.local_command is not None:
            self._local_output(item.local_command, str(item.block.get("text", "")))
            return
        reply = self.current
        if reply is not None and reply.has_final and reply.claude_message_id != item.message_id:
            self._finalize()
            reply = None
        if reply is None:
            reply = self.current = _Reply(self._new_message())
        reply.claude_message_id = item.message_id
        reply.final_blocks.append(item.block)
        message = reply.message
        message.claude_uuid = item.uuid or message.claude_uuid
        message.claude_message_id = item.message_id
        message.model = item.model or message.model
        message.usage = item.usage or message.usage
        if item.synthetic:
            message.synthetic = True
        if item.error:
            message.error = True
            self.last_api_error = item.error
            self.last_api_status = item.api_error_status
        reply.dirty = True
        if item.block.get("type") == "tool_use":
            self._log("tool_call", name=item.block.get("name", ""), tool_use_id=item.block.get("id", ""))

    def _on_MessageStop(self, item: st.MessageStop) -> None:
        if self.current is not None and self.current.has_final:
            self._finalize()

    def _on_ToolResult(self, item: st.ToolResult) -> None:
        self._finalize()
        message = self._new_message(role="tool", blocks=[item.block])
        message.claude_uuid = item.uuid
        message.error = bool(item.block.get("is_error"))
        self._store(message, first=True)
        self.messages.append(message)
        self.emit(ev.MessageCompleted(self.session_id, message))

    def _on_SubagentStep(self, item: st.SubagentStep) -> None:
        message = self._new_message(role=item.role, blocks=[dict(b) for b in item.blocks])
        message.parent_tool_use_id = item.parent_tool_use_id
        message.error = any(b.get("is_error") for b in item.blocks)
        self._store(message, first=True)
        self.messages.append(message)
        self.emit(ev.MessageCompleted(self.session_id, message))

    def _on_UserLine(self, item: st.UserLine) -> None:
        if item.interrupt_marker:
            self.interrupted = True
            self._finalize(interrupted=True)
            return
        output = _LOCAL_OUTPUT.search(item.text)
        if output:
            self._local_output("", output.group(1))

    def _local_output(self, name: str, output: str) -> None:
        """A slash command claude ran itself (/context, /compact ...): a command block with its output."""
        self._finalize()
        typed = self.prompt_text.strip()
        command = typed.splitlines()[0] if typed.startswith("/") else f"/{name}".rstrip("/") or "/"
        message = self._new_message(blocks=[{"type": "command", "command": command,
                                             "output": plain_text(output).strip()}])
        message.synthetic = True
        self._store(message, first=True)
        self.messages.append(message)
        self.ran_local_command = True
        self.emit(ev.MessageCompleted(self.session_id, message))

    def _on_Retry(self, item: st.Retry) -> None:
        retry = ev.ApiRetry(self.session_id, item.attempt, item.max_retries, item.delay_ms, item.error,
                            item.error_status)
        self._log("error", retry=retry.describe(), error_status=item.error_status)
        self.emit(retry)

    def _on_Fallback(self, item: st.Fallback) -> None:
        self._log("model_change", model=item.fallback_model, fallback_from=item.original_model)
        self.emit(ev.ModelFallback(self.session_id, item.original_model, item.fallback_model, item.text))

    def _on_Denied(self, item: st.Denied) -> None:
        self._log("tool_call", name=item.tool_name, tool_use_id=item.tool_use_id, denied=item.message)
        self.emit(ev.PermissionDenied(self.session_id, item.tool_name, item.tool_use_id, item.message))

    # Periodic and stop

    def tick(self, *, force: bool = False) -> None:
        """Store the streaming reply as partial if it changed and a second has passed (or ``force``)."""
        reply = self.current
        if self.finished or reply is None or not reply.dirty:
            return
        now = self.clock()
        if (not force and now - self._last_flush < FLUSH_INTERVAL) or not reply.has_content():
            return
        self._last_flush = now
        message = reply.message
        message.blocks = reply.blocks()
        message.partial = True
        self._store(message, first=not reply.stored)
        reply.stored = True
        reply.dirty = False

    def mark_stopping(self) -> None:
        """A stop was asked for: keep what has been shown, marked interrupted, before anything else happens."""
        self.stop_requested = True
        if self.current is not None:
            self.current.message.interrupted = True
            self.current.dirty = True
            self.tick(force=True)

    # Ending

    def finish_result(self, result: st.Result) -> tuple[ev.TurnFinished, ev.SessionFailed | None]:
        aborted = result.subtype == "error_during_execution" and (
            self.stop_requested or self.interrupted or (result.terminal_reason or "").startswith("aborted"))
        self._finalize(interrupted=aborted, keep_partial=True)
        if result.local_command and not self.ran_local_command:
            self._local_output(result.local_command, CLEARED if result.local_command == "clear" else "")
        self.finished = True
        cost = max(0.0, result.cost_usd - self.cost_base)
        usage = result.usage or {}
        input_tokens = sum(int(usage.get(k) or 0) for k in
                           ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
        self.store.add_totals(self.session_id, cost_usd=cost, input_tokens=input_tokens,
                              output_tokens=int(usage.get("output_tokens") or 0), turns=1)
        failure = None if (not result.is_error or aborted) else self._failure_for(result)
        self._log("turn", prompt_message_id=self.prompt_message_id, cost_usd=cost, duration_ms=result.duration_ms,
                  is_error=result.is_error, subtype=result.subtype, terminal_reason=result.terminal_reason)
        if aborted:
            self._log("interrupt", prompt_message_id=self.prompt_message_id)
        if failure is not None:
            self._log("error", kind=failure.kind, reason=failure.reason)
        status = "failed" if failure else ("stopped" if aborted else "idle")
        session = self.store.update_session(self.session_id, status=status, last_active=time.time())
        finished = ev.TurnFinished(
            self.session_id, is_error=result.is_error and not aborted, subtype=result.subtype,
            terminal_reason=result.terminal_reason, result_text=result.result_text, cost_usd=cost,
            usage=usage, duration_ms=result.duration_ms, ttft_ms=result.ttft_ms, interrupted=aborted,
            session=session,
        )
        return finished, failure

    def finish_exit(self, exit_code: int | None, stderr_tail: str) -> tuple[ev.TurnFinished, ev.SessionFailed | None]:
        """The process ended before the turn's result: keep the partial, and explain unless a stop caused it."""
        self._finalize(interrupted=True, keep_partial=True)
        self.finished = True
        failure = None
        if not self.stop_requested:
            reason = f"claude exited with code {exit_code} before finishing the reply"
            if stderr_tail:
                reason += ": " + stderr_tail.replace("\n", " | ")
            failure = ev.SessionFailed(self.session_id, reason, kind="exited")
            self._log("error", kind="exited", reason=reason)
        else:
            self._log("interrupt", prompt_message_id=self.prompt_message_id, exit_code=exit_code)
        status = "failed" if failure else "stopped"
        session = self.store.update_session(self.session_id, status=status, last_active=time.time())
        finished = ev.TurnFinished(self.session_id, is_error=failure is not None,
                                   subtype="process_exited", interrupted=self.stop_requested, session=session)
        return finished, failure

    def _failure_for(self, result: st.Result) -> ev.SessionFailed:
        text = result.result_text or "; ".join(result.errors) or result.subtype
        status = result.api_error_status or self.last_api_status
        if status in (401, 403) or self.last_api_error == "authentication_failed":
            reason = f"authentication failed: {text}. Check ANTHROPIC_API_KEY or log in with `claude`."
            return ev.SessionFailed(self.session_id, reason, kind="auth")
        if any("No conversation found" in e for e in result.errors):
            reason = (f"claude could not find the conversation to resume ({text}); "
                      "send again to start it afresh")
            return ev.SessionFailed(self.session_id, reason, kind="resume")
        if result.terminal_reason == "api_error":
            return ev.SessionFailed(self.session_id, f"Claude API error: {text}", kind="api_error")
        return ev.SessionFailed(self.session_id, f"claude ended the turn with an error: {text}", kind="error")

    # Helpers

    def _reply(self) -> _Reply:
        if self.current is None:
            self.current = _Reply(self._new_message())
        return self.current

    def _new_message(self, role: str = "assistant", blocks: list[dict[str, Any]] | None = None) -> Message:
        return Message(id=new_id(), role=role, blocks=blocks or [],  # type: ignore[arg-type]
                       claude_session_id=self.claude_session_id,
                       version_group=self.version_group, version=self.version)

    def _finalize(self, *, interrupted: bool = False, keep_partial: bool = False) -> None:
        reply, self.current = self.current, None
        if reply is None:
            return
        message = reply.message
        if not reply.has_final and not (keep_partial or interrupted) and not reply.stored:
            return
        if not reply.has_content():
            if not reply.stored:
                return
            # Shown and stored earlier, then taken back: keep what the user saw.
            interrupted = True
        else:
            message.blocks = reply.blocks()
        message.partial = False
        if interrupted or self.stop_requested or not reply.has_final:
            message.interrupted = True
        shown = "".join(reply.shown_text)
        replaces = reply.has_final and bool(shown) and shown != _text_of(message.blocks)
        self._store(message, first=not reply.stored)
        self.messages.append(message)
        self.emit(ev.MessageCompleted(self.session_id, message, replaces_streamed=replaces))

    def _store(self, message: Message, *, first: bool) -> None:
        if first:
            self.store.append_message(self.session_id, message)
        else:
            self.store.put_message(self.session_id, message)

    def _log(self, kind: str, /, **detail: Any) -> None:
        try:
            self.store.add_event(self.session_id, Event(kind=kind, detail=detail))  # type: ignore[arg-type]
        except Exception:
            log.exception("could not record a %s event", kind)
