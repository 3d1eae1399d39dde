#!/usr/bin/env python3
"""A fast, scriptable stand-in for the `claude` CLI that speaks its stream-json protocol.

Supports `-p PROMPT` (one turn) and the persistent mode (`-p --input-format stream-json`, user messages and
control requests on stdin), `--session-id`, `--resume`, `--fork-session`, `--resume-session-at`, `--model`,
`--include-partial-messages`, `--permission-prompt-tool stdio`. Sessions are kept as JSON lines under
$HOME/.claude/projects/<slug>/<id>.jsonl so --resume works across processes.

Markers in the prompt (or in env FAKE_CLAUDE_SCRIPT, applied to every prompt) choose the behaviour:
    (none)          reply "Echo #<n>: <prompt>", n = the turn's number in the session
    !!crash         a few deltas, then os._exit(3)
    !!garbage       non-JSON lines between the valid ones
    !!bigline:<MB>  a reply of <MB> MiB, so one `assistant` line of about that size
    !!hang          no output at all, never ends
    !!exit-early    a stderr line, exit 2, before any output
    !!slow:<sec>    the echo, then 20 deltas spread over <sec> seconds (an interrupt stops it)
    !!stream:<KB>   a Markdown reply of <KB> KiB in 40-character deltas, as fast as they can be written
    !!stderr        a stderr line in the middle of the turn
    !!tool:<cmd>    a Bash tool_use; with --permission-prompt-tool stdio it asks the host (can_use_tool)
Env FAKE_CLAUDE_LOG=<file> appends {"argv": [...]} and {"stdin": "<line>"} JSON lines to that file.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

VERSION = "2.1.328"
ALIASES = {"sonnet": "claude-sonnet-5-5", "opus": "claude-opus-5-5", "default": "claude-opus-5-5",
           "haiku": "claude-haiku-5-5"}
_ESCAPES = {"\x7f": "\\u007f", "\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_EOF = object()



def streamed_markdown(size: int) -> str:
    """About ``size`` characters of Markdown: headings, prose with inline code and bold, lists, code blocks."""
    parts, n = [], 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(f"## Part {n}\n\nThe reader keeps **only** what it needs, so `memory` stays flat as part {n} "
                     "streams in and the index grows with every session that is opened.\n\n"
                     f"- item {n}.1 with `code`\n- item {n}.2\n\n```python\nvalue_{n} = compute({n})\n```\n\n")
    return "".join(parts)[:size]

class Interrupted(Exception):
    pass


def _log(record: dict) -> None:
    path = os.environ.get("FAKE_CLAUDE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


class Fake:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.model = ALIASES.get(args.model or "default", args.model)
        self.out_lock = threading.Lock()
        self.inbox: queue.Queue = queue.Queue()
        self.interrupt = threading.Event()
        self.exit_after_turn = False
        self.permission_answers: dict[str, queue.Queue] = {}
        self.cwd = os.getcwd()
        self.projects = Path.home() / ".claude" / "projects"
        self.session_id = args.session_id or str(uuid.uuid4())
        self.history: list[dict] = []

    # output
    def emit(self, obj: dict) -> None:
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        for raw, escaped in _ESCAPES.items():
            line = line.replace(raw, escaped)
        with self.out_lock:
            sys.stdout.buffer.write(line.encode() + b"\n")
            sys.stdout.buffer.flush()

    def raw(self, text: str) -> None:
        with self.out_lock:
            sys.stdout.buffer.write(text.encode() + b"\n")
            sys.stdout.buffer.flush()

    def tagged(self, obj: dict) -> dict:
        obj.setdefault("session_id", self.session_id)
        obj.setdefault("uuid", str(uuid.uuid4()))
        return obj

    def stream(self, event: dict, message_id: str) -> None:
        if self.args.include_partial_messages:
            self.emit(self.tagged({"type": "stream_event", "event": event, "parent_tool_use_id": None,
                                   "api_message_id": message_id}))

    # sessions
    def session_file(self, session_id: str) -> Path:
        return self.projects / re.sub(r"[^A-Za-z0-9]", "-", self.cwd) / f"{session_id}.jsonl"

    def find_session(self, session_id: str) -> Path | None:
        return next(iter(sorted(self.projects.glob(f"*/{session_id}.jsonl"))), None)

    def load(self) -> str | None:
        """Apply --resume, --fork-session, --resume-session-at; an error text if the session is unknown."""
        target = self.args.resume
        if not target:
            return None
        found = self.find_session(target)
        if found is None:
            return f"No conversation found with session ID: {target}"
        records = [json.loads(line) for line in found.read_text().splitlines() if line.strip()]
        if self.args.resume_session_at:
            uuids = [r["uuid"] for r in records]
            if self.args.resume_session_at in uuids:
                records = records[:uuids.index(self.args.resume_session_at) + 1]
        if self.args.fork_session:
            self.session_id = self.args.session_id or str(uuid.uuid4())
            for record in records:
                record["sessionId"] = self.session_id
            self.save(records)
        else:
            self.session_id = target
        self.history = records
        return None

    def save(self, records: list[dict]) -> None:
        path = self.session_file(self.session_id)
        existing = self.find_session(self.session_id)
        path = existing or path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record) + "\n")

    def record(self, kind: str, message: dict, record_uuid: str) -> None:
        parent = self.history[-1]["uuid"] if self.history else None
        entry = {"type": kind, "uuid": record_uuid, "parentUuid": parent, "sessionId": self.session_id,
                 "cwd": self.cwd, "message": message, "version": VERSION}
        self.history.append(entry)
        self.save([entry])

    def register(self) -> Path:
        path = Path.home() / ".claude" / "sessions" / f"{os.getpid()}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"pid": os.getpid(), "sessionId": self.session_id, "cwd": self.cwd,
                                    "version": VERSION, "status": "idle"}))
        return path

    # control requests from the host
    def control(self, request_id: str, request: dict) -> None:
        subtype = request.get("subtype")
        if subtype == "interrupt":
            self.interrupt.set()
            self.respond(request_id, {"still_queued": []})
        elif subtype == "set_model":
            name = request.get("model") or "default"
            self.model = ALIASES.get(name, name)
            self.emit(self.tagged({"type": "user", "message": {"role": "user", "content":
                                   f"<local-command-stdout>Set model to `{name} ({self.model})`"
                                   "</local-command-stdout>"}, "parent_tool_use_id": None}))
            self.respond(request_id, {"model": self.model})
        elif subtype == "set_permission_mode":
            self.respond(request_id, {"mode": request.get("mode")})
        else:
            self.emit({"type": "control_response", "response": {
                "subtype": "error", "request_id": request_id,
                "error": f"Unsupported control request subtype: {subtype}",
                "error_code": "unsupported_request"}})

    def respond(self, request_id: str, response: dict) -> None:
        self.emit({"type": "control_response",
                   "response": {"subtype": "success", "request_id": request_id, "response": response}})

    def read_stdin(self) -> None:
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            _log({"stdin": line})
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                sys.stderr.write(f"Error parsing streaming input line (type=unknown, {len(line)} chars): "
                                 "SyntaxError\n")
                sys.stderr.flush()
                os._exit(1)
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "user":
                self.inbox.put(item)
            elif kind == "control_request":
                self.control(item.get("request_id", ""), item.get("request") or {})
            elif kind == "control_response":
                response = item.get("response") or {}
                waiting = self.permission_answers.get(response.get("request_id", ""))
                if waiting is not None:
                    waiting.put(response.get("response") or {})
        self.inbox.put(_EOF)

    # one turn
    def turn(self, prompt: str) -> int:
        script = f"{os.environ.get('FAKE_CLAUDE_SCRIPT', '')} {prompt}"
        if "!!exit-early" in script:
            sys.stderr.write("Error: fake claude was told to exit early\n")
            sys.stderr.flush()
            os._exit(2)
        if "!!hang" in script:
            while True:
                time.sleep(3600)
        self.interrupt.clear()
        number = sum(1 for r in self.history if r["type"] == "user") + 1
        self.record("user", {"role": "user", "content": prompt}, str(uuid.uuid4()))
        self.emit(self.tagged({"type": "system", "subtype": "init", "cwd": self.cwd,
                               "session_id": self.session_id,
                               "tools": ["Bash", "Read", "Write"], "mcp_servers": [], "model": self.model,
                               "permissionMode": self.args.permission_mode or "default", "slash_commands": [],
                               "apiKeySource": "ANTHROPIC_API_KEY", "claude_code_version": VERSION,
                               "output_style": "default", "agents": [], "skills": [], "plugins": [],
                               "capabilities": ["interrupt_receipt_v1"], "fake": True}))
        if self.args.include_partial_messages:
            self.emit(self.tagged({"type": "system", "subtype": "status", "status": "requesting"}))
        started = time.monotonic()
        denials: list[dict] = []
        try:
            text = self.reply(script, prompt, number, denials)
        except Interrupted:
            return self.result(started, None, denials, aborted=True)
        return self.result(started, text, denials)

    def reply(self, script: str, prompt: str, number: int, denials: list[dict]) -> str:
        echo = f"Echo #{number}: {prompt}"
        pieces = re.findall(r"\S+\s*|\s+", echo) or [echo]
        gap = 0.0
        if m := re.search(r"!!bigline:(\d+(?:\.\d+)?)", script):
            size = int(float(m.group(1)) * 1024 * 1024)
            body = (echo + " ") + "x" * max(0, size - len(echo) - 1)
            pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        elif m := re.search(r"!!stream:(\d+)", script):
            body = streamed_markdown(int(m.group(1)) * 1024)
            pieces = [body[i:i + 40] for i in range(0, len(body), 40)]
        elif m := re.search(r"!!slow:(\d+(?:\.\d+)?)", script):
            pieces = [echo] + [f" [{i}/20]" for i in range(1, 21)]
            gap = float(m.group(1)) / 20
        if m := re.search(r"!!tool:([^\n]+)", script):
            result = self.tool_call(m.group(1).strip(), denials)
            pieces = [f"Tool said: {result}"]
        return self.message(pieces, gap, script)

    def message(self, pieces: list[str], gap: float, script: str) -> str:
        message_id = "msg_" + uuid.uuid4().hex[:24]
        usage = {"input_tokens": 10, "output_tokens": 1}
        self.stream({"type": "message_start", "message": {"id": message_id, "type": "message",
                     "role": "assistant", "model": self.model, "content": [], "usage": usage}}, message_id)
        self.stream({"type": "content_block_start", "index": 0,
                     "content_block": {"type": "text", "text": ""}}, message_id)
        text = ""
        try:
            for i, piece in enumerate(pieces):
                if i and gap and self.interrupt.wait(gap):
                    raise Interrupted
                if self.interrupt.is_set():
                    raise Interrupted
                self.stream({"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": piece}}, message_id)
                text += piece
                if "!!garbage" in script:
                    self.raw(f"~~ garbage {i} not json ~~")
                if "!!stderr" in script and i == 0:
                    sys.stderr.write("fake claude: something odd on stderr\n")
                    sys.stderr.flush()
                if "!!crash" in script and i == 1:
                    os._exit(3)
            if "!!crash" in script:
                os._exit(3)
        except Interrupted:
            self.assistant(message_id, text, usage)
            self.emit(self.tagged({"type": "user", "message": {"role": "user", "content": [
                {"type": "text", "text": "[Request interrupted by user]"}]}, "parent_tool_use_id": None}))
            self.close_stream(message_id, None)
            raise
        self.assistant(message_id, text, usage)
        self.close_stream(message_id, "end_turn")
        return text

    def assistant(self, message_id: str, text: str, usage: dict) -> None:
        message = {"id": message_id, "type": "message", "role": "assistant", "model": self.model,
                   "content": [{"type": "text", "text": text}], "stop_reason": None, "stop_sequence": None,
                   "usage": usage}
        record_uuid = str(uuid.uuid4())
        self.record("assistant", message, record_uuid)
        self.emit(self.tagged({"type": "assistant", "message": message, "parent_tool_use_id": None,
                               "uuid": record_uuid}))

    def close_stream(self, message_id: str, stop_reason: str | None) -> None:
        self.stream({"type": "content_block_stop", "index": 0}, message_id)
        self.stream({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                     "usage": {"output_tokens": 5}}, message_id)
        self.stream({"type": "message_stop"}, message_id)

    def tool_call(self, command: str, denials: list[dict]) -> str:
        tool_id = "toolu_" + uuid.uuid4().hex[:24]
        tool_input = {"command": command, "description": f"Run {command}"}
        message_id = "msg_" + uuid.uuid4().hex[:24]
        message = {"id": message_id, "type": "message", "role": "assistant", "model": self.model,
                   "content": [{"type": "tool_use", "id": tool_id, "name": "Bash", "input": tool_input}],
                   "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": 10, "output_tokens": 1}}
        self.record("assistant", message, str(uuid.uuid4()))
        self.emit(self.tagged({"type": "assistant", "message": message, "parent_tool_use_id": None}))
        decision: dict = {"behavior": "deny", "message": f"Permission to use Bash with command {command} "
                                                          "has been denied."}
        if self.args.permission_prompt_tool == "stdio":
            request_id = str(uuid.uuid4())
            answers: queue.Queue = queue.Queue()
            self.permission_answers[request_id] = answers
            self.emit({"type": "control_request", "request_id": request_id, "request": {
                "subtype": "can_use_tool", "tool_name": "Bash", "display_name": "Bash", "input": tool_input,
                "description": tool_input["description"], "permission_suggestions": [],
                "tool_use_id": tool_id}})
            while True:
                try:
                    decision = answers.get(timeout=0.05)
                    break
                except queue.Empty:
                    if self.interrupt.is_set():
                        raise Interrupted from None
        else:
            self.emit(self.tagged({"type": "system", "subtype": "permission_denied", "tool_name": "Bash",
                                   "tool_use_id": tool_id, "message": decision["message"]}))
        allowed = decision.get("behavior") == "allow"
        content = f"ran: {command}" if allowed else decision.get("message", "denied")
        if not allowed:
            denials.append({"tool_name": "Bash", "tool_use_id": tool_id, "tool_input": tool_input})
        block = {"tool_use_id": tool_id, "type": "tool_result", "content": content, "is_error": not allowed}
        self.record("user", {"role": "user", "content": [block]}, str(uuid.uuid4()))
        self.emit(self.tagged({"type": "user", "message": {"role": "user", "content": [block]},
                               "parent_tool_use_id": None}))
        return content

    def result(self, started: float, text: str | None, denials: list[dict], aborted: bool = False) -> int:
        elapsed = int((time.monotonic() - started) * 1000)
        result = {"type": "result", "subtype": "error_during_execution" if aborted else "success",
                  "is_error": aborted, "num_turns": 1, "stop_reason": None if aborted else "end_turn",
                  "terminal_reason": "aborted_streaming" if aborted else "completed", "duration_ms": elapsed,
                  "duration_api_ms": elapsed, "total_cost_usd": 0.001,
                  "usage": {"input_tokens": 10, "output_tokens": 5}, "modelUsage": {},
                  "permission_denials": denials, "session_id": self.session_id, "uuid": str(uuid.uuid4())}
        if text is not None:
            result["result"] = text
        self.emit(result)
        return 0

    def fail_resume(self, error: str) -> int:
        sys.stderr.write(error + "\n")
        self.emit({"type": "result", "subtype": "error_during_execution", "is_error": True, "num_turns": 0,
                   "stop_reason": None, "duration_ms": 0, "total_cost_usd": 0, "errors": [error],
                   "permission_denials": [], "session_id": self.args.resume, "uuid": str(uuid.uuid4())})
        return 1

    def run(self) -> int:
        args = self.args
        if "!!exit-early" in os.environ.get("FAKE_CLAUDE_SCRIPT", ""):
            self.turn("")
        error = self.load()
        if error:
            return self.fail_resume(error)
        registry = self.register()
        try:
            if args.prompt is not None:
                return self.turn(args.prompt)
            threading.Thread(target=self.read_stdin, daemon=True).start()
            while True:
                try:
                    item = self.inbox.get(timeout=0.1)
                except queue.Empty:
                    if self.exit_after_turn:
                        return 0
                    continue
                if item is _EOF:
                    return 0
                content = (item.get("message") or {}).get("content", "(no content)")
                if isinstance(content, list):
                    content = "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
                self.turn(content)
                if self.exit_after_turn:
                    return 0
        finally:
            registry.unlink(missing_ok=True)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="claude", add_help=False)
    p.add_argument("-p", "--print", dest="print_mode", action="store_true")
    p.add_argument("prompt", nargs="?")
    for flag in ("--input-format", "--output-format", "--session-id", "--resume", "--resume-session-at",
                 "--model", "--permission-prompt-tool", "--permission-mode", "-n", "--name",
                 "--fallback-model", "--max-turns", "--max-budget-usd", "--append-system-prompt",
                 "--system-prompt", "--allowedTools", "--disallowedTools", "--add-dir", "--settings",
                 "--mcp-config", "--setting-sources"):
        p.add_argument(flag)
    for flag in ("--verbose", "--include-partial-messages", "--fork-session", "--version",
                 "--replay-user-messages"):
        p.add_argument(flag, action="store_true")
    args, _ = p.parse_known_args(argv)
    return args


def main(argv: list[str]) -> int:
    _log({"argv": argv})
    args = parse(argv)
    if args.version:
        print(f"{VERSION} (Claude Code)")
        return 0
    if args.output_format == "stream-json" and not args.verbose:
        sys.stderr.write("Error: When using --print, --output-format=stream-json requires --verbose\n")
        return 1
    if args.prompt is None and args.input_format != "stream-json":
        sys.stderr.write("Error: Input must be provided either through stdin or as a prompt argument "
                         "when using --print\n")
        return 1
    fake = Fake(args)

    def on_sigint(signum: int, frame: object) -> None:
        fake.interrupt.set()
        fake.exit_after_turn = True

    signal.signal(signal.SIGINT, on_sigint)
    code = fake.run()
    if sys.stdout.isatty():
        sys.stdout.buffer.write(b"\x1b[?25h")
        sys.stdout.buffer.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
