"""Read one Claude Code session file (``~/.claude/projects/<slug>/<session id>.jsonl``) into ccsess messages.

A file holds one JSON record per line. The conversation is the chain of ``parentUuid`` links from the last record
written back to the first; a compaction boundary has no parent but names the old chain in ``logicalParentUuid``.
Assistant replies come as one record per content block, grouped here by the API message id. Bookkeeping records
(attachments, queue operations, request dumps, cost state...) are passed over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ccsess.core.claude.protocol import INTERRUPT_MARKERS
from ccsess.core.transfer.claude_records import (QueueReader, conversation, linked, queued_prompt, rewound,
                                                  user_text)
from ccsess.core.models import ForkPoint, Message, Totals, new_id
from ccsess.core.prices import estimate
from ccsess.core.text import plain_text

_CONVERSATION = ("user", "assistant", "system", "attachment")
# Bookkeeping lines recognised from their first bytes, so their (sometimes large) bodies are never parsed.
_SKIP_PREFIXES = tuple(
    f'{{"type":"{kind}'.encode()
    for kind in ("api-request", "atis-latch", "last-prompt", "mode", "tools-used", "agent-name", "progress",
                 "file-history-snapshot")
)
_COMMAND = re.compile(r"<command-name>(.*?)</command-name>.*?(?:<command-args>(.*?)</command-args>)?", re.S)
_IDE_TAG = re.compile(r"<(ide_opened_file|ide_selection|system-reminder)>(.*?)</\1>", re.S)
_OPENED = re.compile(r"opened the file (.+?) in the IDE")
_SELECTED = re.compile(r"selected the lines (\d+) to (\d+) from (.+?):")
_NOTE_LINE = re.compile(r"^\[(?:opened|selected|selection|reminder)[^\n]*\]$", re.M)
_ANY_TAG = re.compile(r"<[^>]*>")
_BASH_INPUT = re.compile(r"^<bash-input>(.*)</bash-input>$", re.S)
_BASH_OUTPUT = re.compile(r"^<bash-stdout>(.*?)</bash-stdout>\s*(?:<bash-stderr>(.*?)</bash-stderr>)?$", re.S)
_LOCAL_OUTPUT = re.compile(r"^<local-command-(?:stdout|stderr)>(.*)</local-command-(?:stdout|stderr)>$", re.S)


@dataclass
class ParsedSession:
    """One Claude session file turned into ccsess messages."""

    path: Path
    claude_session_id: str
    messages: list[Message]
    title: str | None = None
    project: str = ""
    model: str | None = None
    cost_usd: float = 0.0
    started: float = 0.0
    last_active: float = 0.0
    forked_from: ForkPoint | None = None
    malformed: list[str] = field(default_factory=list)
    summary: str | None = None
    git_branch: str | None = None
    # Branches the user rewound away from, each a session of its own that forks from this one.
    branches: list[ParsedSession] = field(default_factory=list)

    def name(self) -> str:
        """The custom title, else the newest summary, else the first prompt (commands and IDE notes only if
        nothing else was typed)."""
        if self.title and self.title.strip():
            return self.title.strip()
        if self.summary and self.summary.strip():
            summary = " ".join(self.summary.split())
            return summary if len(summary) <= 80 else summary[:79] + "…"
        typed = [m for m in self.messages if m.role == "user" and not m.synthetic]
        prompts = [_NOTE_LINE.sub("", m.text).strip() for m in typed if not any(
            b.get("type") == "command" for b in m.blocks)]
        for text in prompts:
            if text:
                name = " ".join(text.split()[:6])
                return name if len(name) <= 60 else name[:59] + "…"
        for message in typed:
            # Only commands were typed: the first one, and the branch it ran on.
            if message.text.strip():
                return f"{message.text.strip()[:40]} on {self.git_branch}" if self.git_branch else message.text.strip()
        return f"claude {self.claude_session_id[:8]}"

    def totals(self) -> Totals:
        totals = Totals(cost_usd=float(self.cost_usd or 0.0))
        if not totals.cost_usd:
            # Claude Code's files carry token usage but (mostly) no cost: estimate it from the price table.
            totals.cost_estimated = True
            unpriced: set[str] = set()
            for message in self.messages:
                if message.role == "assistant" and message.usage and message.model:
                    cost = estimate(message.model, message.usage)
                    if cost is None:
                        unpriced.add(message.model)
                    else:
                        totals.cost_usd += cost
            totals.unpriced_models = sorted(unpriced)
        for message in self.messages:
            if message.role == "user" and not message.synthetic:
                totals.turns += 1
            usage = message.usage or {}
            totals.input_tokens += sum(
                int(usage.get(k) or 0)
                for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
            )
            totals.output_tokens += int(usage.get("output_tokens") or 0)
        return totals


def _timestamp(record: dict[str, Any]) -> float:
    value = record.get("timestamp")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return 0.0


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": plain_text(text)}


def _clean_block(block: dict[str, Any]) -> dict[str, Any]:
    kind = block.get("type")
    if kind == "text":
        return _text(str(block.get("text", "")))
    if kind == "thinking":
        return {"type": "thinking", "thinking": plain_text(str(block.get("thinking", "")))}
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.get("id"), "name": block.get("name"), "input": block.get("input")}
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, str):
            content = plain_text(content)
        elif isinstance(content, list):
            content = [_clean_block(part) for part in content if isinstance(part, dict)]
        return {"type": "tool_result", "tool_use_id": block.get("tool_use_id"), "content": content,
                "is_error": bool(block.get("is_error"))}
    if kind == "image":
        # The data stays until the importer stores it as a file (``store.images``).
        source = block.get("source") if isinstance(block.get("source"), dict) else {}
        return {"type": "image", "source": dict(source)}
    return {"type": str(kind)}


def _command(line: str) -> dict[str, Any]:
    """A ``!`` bash-mode command or a slash command; its output, when the file has it, goes in ``output``."""
    return {"type": "command", "command": plain_text(line)}


def _ide_note(match: re.Match[str]) -> str:
    tag, body = match.group(1), match.group(2)
    if tag == "ide_opened_file":
        found = _OPENED.search(body)
        return f"[opened {found.group(1)}]" if found else "[opened a file]"
    if tag == "ide_selection":
        found = _SELECTED.search(body)
        return f"[selected lines {found.group(1)}-{found.group(2)} of {found.group(3)}]" if found else "[selection]"
    reminder = " ".join(_ANY_TAG.sub("", body).split())
    return f"[reminder: {reminder[:117] + '…' if len(reminder) > 118 else reminder}]" if reminder else ""


def _with_ide_notes(block: dict[str, Any]) -> dict[str, Any] | None:
    """A text block with the IDE's context tags made short notes and system reminders left out; None if
    nothing is left."""
    if block.get("type") != "text":
        return block
    if not block.get("text", "").strip():
        return None
    if "<" not in block["text"]:
        return block
    text = _IDE_TAG.sub(_ide_note, block["text"]).strip()
    return _text(text) if text else None


class _Converter:
    """Turns the records of one chain, oldest first, into ccsess messages."""

    def __init__(self, claude_session_id: str, subagent: Callable[[str], list[dict[str, Any]]] | None = None) -> None:
        self.claude_session_id = claude_session_id
        self.messages: list[Message] = []
        # The records of a subagent's own transcript, by its agent id.
        self._subagent = subagent

    def add(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind == "assistant":
            self._assistant(record)
        elif kind == "user" and not record.get("isMeta"):
            self._user(record)
        elif kind == "system" and record.get("subtype") == "compact_boundary":
            self._emit(record, "system", [_text("Conversation compacted")], synthetic=True)
        elif kind == "queued":
            self._emit(record, "user", [_text(record["text"])])
        elif kind == "attachment" and (prompt := queued_prompt(record)) is not None:
            self._emit(record, "user", [_text(prompt)])

    def _steps(self, records: list[dict[str, Any]], tool_use_id: str) -> None:
        """A subagent's transcript, stored as the steps of the call that ran it (as live subagents are); its
        first prompt is the call's own input."""
        steps = _Converter(self.claude_session_id)
        for record in records:
            steps.add(record)
        messages = steps.messages
        if messages and messages[0].role == "user":
            messages = messages[1:]
        for message in messages:
            message.parent_tool_use_id = tool_use_id
        self.messages.extend(messages)

    def _emit(self, record: dict[str, Any], role: str, blocks: list[dict[str, Any]], **flags: Any) -> Message:
        message = Message(
            id=new_id(), role=role, blocks=blocks, created=_timestamp(record),  # type: ignore[arg-type]
            claude_uuid=record.get("uuid"), claude_session_id=self.claude_session_id, **flags,
        )
        self.messages.append(message)
        return message

    def _assistant(self, record: dict[str, Any]) -> None:
        body = record["message"]
        content = body.get("content")
        blocks = [_clean_block(b) for b in content if isinstance(b, dict)] if isinstance(content, list) else (
            [_text(content)] if isinstance(content, str) else []
        )
        model = body.get("model") if isinstance(body.get("model"), str) else None
        message_id = body.get("id") if isinstance(body.get("id"), str) else None
        previous = self.messages[-1] if self.messages else None
        if previous and previous.role == "assistant" and message_id and previous.claude_message_id == message_id:
            previous.blocks.extend(blocks)
            previous.claude_uuid = record.get("uuid") or previous.claude_uuid
            previous.usage = body.get("usage") or previous.usage
            previous.interrupted = previous.interrupted or bool(record.get("isAbortedMidStream"))
            return
        if not blocks and not record.get("isApiErrorMessage"):
            return  # a record with no content is no reply
        self._emit(
            record, "assistant", blocks,
            claude_message_id=message_id,
            model=None if model == "<synthetic>" else model,
            usage=body.get("usage") if isinstance(body.get("usage"), dict) else None,
            interrupted=bool(record.get("isAbortedMidStream")),
            error=bool(record.get("isApiErrorMessage")),
            synthetic=model == "<synthetic>",
        )

    def _user(self, record: dict[str, Any]) -> None:
        content = record["message"].get("content")
        if isinstance(content, list) and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            results = [_clean_block(b) for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
            agent = record.get("toolUseResult", {}).get("agentId") if isinstance(record.get("toolUseResult"), dict) \
                else None
            if agent and self._subagent is not None and len(results) == 1:
                self._steps(self._subagent(str(agent)), str(results[0]["tool_use_id"]))
            self._emit(record, "tool", results, error=any(b["is_error"] for b in results))
            return
        text = user_text(content)
        stripped = text.strip()
        if stripped in INTERRUPT_MARKERS:
            previous = self.messages[-1] if self.messages else None
            if previous is not None and previous.role == "assistant":
                previous.interrupted = True
            else:
                self._emit(record, "system", [_text("Interrupted by the user")], synthetic=True)
            return
        bash = _BASH_INPUT.match(stripped)
        if bash:
            self._emit(record, "user", [_command("!" + bash.group(1).strip())])
            return
        output = _LOCAL_OUTPUT.match(stripped) or _BASH_OUTPUT.match(stripped)
        if output:
            shown = plain_text("\n".join(part for part in output.groups() if part and part.strip())).strip()
            previous = self.messages[-1] if self.messages else None
            ran = previous.blocks[-1] if previous and previous.blocks else {}
            if ran.get("type") == "command" and "output" not in ran:
                ran["output"] = shown
            elif shown:
                self._emit(record, "system", [_text(shown)], synthetic=True)
            return
        command = _COMMAND.search(stripped) if stripped.startswith("<command-") else None
        if command:
            line = " ".join(part for part in (command.group(1).strip(), (command.group(2) or "").strip()) if part)
            self._emit(record, "user", [_command(line)])
            return
        if isinstance(content, list):
            blocks = [_clean_block(b) for b in content if isinstance(b, dict) and b.get("type") in ("text", "image")]
        else:
            blocks = [_text(text)]
        blocks = [b for b in (_with_ide_notes(b) for b in blocks) if b is not None]
        if not blocks:
            return
        synthetic = bool(record.get("isSynthetic") or record.get("isCompactSummary"))
        self._emit(record, "user", blocks, synthetic=synthetic)


def parse_session_file(path: Path) -> ParsedSession:
    """Read one Claude Code session file; malformed lines are listed in ``malformed`` and passed over."""
    records: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    summaries: list[str] = []
    queue = QueueReader()
    attachments_queue = False
    parsed = ParsedSession(path=path, claude_session_id=path.stem, messages=[])
    with open(path, "rb") as handle:
        for line_number, raw in enumerate(handle, 1):
            if raw.startswith(_SKIP_PREFIXES) or not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                parsed.malformed.append(f"{path}:{line_number}: not a valid JSON record")
                continue
            if not isinstance(record, dict):
                parsed.malformed.append(f"{path}:{line_number}: not a JSON object")
                continue
            kind = record.get("type")
            if kind == "custom-title" and isinstance(record.get("customTitle"), str):
                parsed.title = record["customTitle"]
            elif kind == "summary" and isinstance(record.get("summary"), str):
                summaries.append(record["summary"])
            elif kind == "cost-state" and isinstance(record.get("totalCostUSD"), (int, float)):
                parsed.cost_usd = float(record["totalCostUSD"])
            elif kind == "queue-operation":
                prompt = queue.read(record)
                if prompt is not None:
                    uuid = f"queued:{line_number}"
                    records[uuid] = {"type": "queued", "uuid": uuid, "text": prompt,
                                     "timestamp": record.get("timestamp")}
                    order.append(uuid)
            elif record.get("isSidechain"):
                continue
            elif kind in ("user", "assistant") and not isinstance(record.get("message"), dict):
                parsed.malformed.append(f"{path}:{line_number}: {kind} record without a message")
            elif isinstance(record.get("uuid"), str):
                records[record["uuid"]] = record
                order.append(record["uuid"])
                attachments_queue = attachments_queue or queued_prompt(record) is not None
            elif kind in _CONVERSATION:
                parsed.malformed.append(f"{path}:{line_number}: {kind} record without a uuid")
    if attachments_queue:
        # This CLI writes each prompt claude read mid-turn as an attachment; its queue operations say it again.
        order = [uuid for uuid in order if records[uuid].get("type") != "queued"]
    parsed.summary = summaries[-1] if summaries else None
    if not order:
        return parsed
    main = conversation(records, order)
    _fill(parsed, main, lambda agent: _subagent_records(path, agent))
    if linked(records):
        on_main = {record["uuid"] for record in main}
        for leaf, fork in rewound(records, order, on_main):
            branch = ParsedSession(path=path, claude_session_id=f"{parsed.claude_session_id}/{leaf}", messages=[],
                                   forked_from=ForkPoint(message_id="", claude_uuid=fork,
                                                         claude_session_id=parsed.claude_session_id))
            _fill(branch, conversation(records, order, leaf))
            branch.title = f"{parsed.name()} (rewound branch)"
            parsed.branches.append(branch)
    return parsed


def _subagent_records(path: Path, agent: str) -> list[dict[str, Any]]:
    """The records of subagent ``agent`` of the session file ``path``, in file order: from
    ``<session>/subagents/agent-<id>.jsonl`` (2.1) or ``agent-<id>.jsonl`` beside the session (2.0)."""
    if not re.fullmatch(r"[\w-]+", agent):
        return []
    for candidate in (path.with_suffix("") / "subagents" / f"agent-{agent}.jsonl", path.parent / f"agent-{agent}.jsonl"):
        try:
            lines = candidate.read_bytes().splitlines()
        except OSError:
            continue
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("type") in ("user", "assistant") \
                    and isinstance(record.get("message"), dict):
                records.append(record)
        return records
    return []


def _fill(parsed: ParsedSession, chain: list[dict[str, Any]],
          subagent: Callable[[str], list[dict[str, Any]]] | None = None) -> None:
    converter = _Converter(parsed.claude_session_id.split("/")[0], subagent)
    for record in chain:
        converter.add(record)
    parsed.messages = converter.messages
    if chain:
        parsed.project = str(chain[0].get("cwd") or "")
        parsed.git_branch = next((r["gitBranch"] for r in chain if isinstance(r.get("gitBranch"), str)
                                  and r["gitBranch"] not in ("", "HEAD")), None)
        parsed.started = _timestamp(chain[0])
        parsed.last_active = max(_timestamp(chain[-1]), parsed.started)
    for record in reversed(chain):
        source = record.get("requestSessionId")
        if record.get("type") == "assistant" and source and source != parsed.claude_session_id:
            parsed.forked_from = ForkPoint(message_id="", claude_uuid=record["uuid"], claude_session_id=source)
            break
    models = [m.model for m in parsed.messages if m.role == "assistant" and m.model]
    parsed.model = models[-1] if models else None
