"""Run a `claude` (real or fake) under a PTY the way ccsess does, and read its stream-json lines.

`run_print` runs one `-p` turn. `PersistentClaude` runs the persistent stream-json mode with stdin on a
FIFO that the parent opens O_RDWR before spawning and the child opens O_RDONLY, so closing the parent's end
is EOF for the child; stderr goes to a file so stdout stays pure JSON.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pexpect

CURSOR_SHOW = "\x1b[?25h"


class LineReader:
    """Buffers PTY output and splits it into lines; JSON lines go to `messages`, the rest to `junk`."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.buffer = ""
        self.raw = ""
        self.messages: list[dict] = []
        self.junk: list[str] = []
        self.eof = False
        self.unread = 0

    def _feed(self, data: str) -> list[dict]:
        self.raw += data
        self.buffer += data
        new = []
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            line = line.rstrip("\r")
            if line.startswith("{"):
                try:
                    new.append(json.loads(line))
                    continue
                except json.JSONDecodeError:
                    pass
            if line:
                self.junk.append(line)
        self.messages.extend(new)
        return new

    def pump(self, timeout: float) -> list[dict]:
        if self.eof:
            return []
        try:
            data = self.child.read_nonblocking(1 << 20, timeout=timeout)
        except pexpect.TIMEOUT:
            return []
        except pexpect.EOF:
            self.eof = True
            return []
        return self._feed(data)

    def until(self, predicate: Callable[[dict], bool], timeout: float = 60.0) -> dict:
        """Read until a message after the last one returned (already buffered or still to come) matches."""
        deadline = time.monotonic() + timeout
        checked = self.unread
        while True:
            for position in range(checked, len(self.messages)):
                if predicate(self.messages[position]):
                    self.unread = position + 1
                    return self.messages[position]
            checked = len(self.messages)
            if self.eof:
                raise EOFError(f"process ended before the expected line; last lines: {self._tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no matching line within {timeout} s; last lines: {self._tail()}")
            self.pump(min(0.5, max(0.01, deadline - time.monotonic())))

    def drain(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.pump(0.5)

    def _tail(self) -> list[str]:
        return [json.dumps(m)[:200] for m in self.messages[-5:]] + self.junk[-3:]


def spawn_env(env: Mapping[str, str]) -> dict[str, str]:
    return {"TERM": "xterm-256color", **env}


def run_print(binary: Path | str, args: Sequence[str], env: Mapping[str, str], cwd: Path | str,
              timeout: float = 120.0) -> tuple[LineReader, int | None]:
    """Run one `claude -p ...` turn under a PTY; returns its reader (all lines) and exit status."""
    child = pexpect.spawn(str(binary), list(args), env=spawn_env(env), cwd=str(cwd), encoding="utf-8",
                          codec_errors="replace", dimensions=(24, 200), timeout=timeout)
    reader = LineReader(child)
    try:
        reader.drain(timeout)
        child.expect(pexpect.EOF, timeout=10)
    finally:
        child.close(force=True)
    return reader, child.exitstatus


class PersistentClaude:
    """`claude -p --input-format stream-json ...` with stdin on a FIFO and stderr in a file."""

    def __init__(self, binary: Path | str, args: Sequence[str], env: Mapping[str, str], cwd: Path | str,
                 workdir: Path | str | None = None) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="claude-pty-"))
        self.fifo = self.workdir / f"stdin-{uuid.uuid4().hex[:8]}.fifo"
        self.stderr_path = self.workdir / f"stderr-{uuid.uuid4().hex[:8]}.log"
        os.mkfifo(self.fifo, 0o600)
        self._fd: int | None = os.open(self.fifo, os.O_RDWR)
        fifo, stderr_path = str(self.fifo), str(self.stderr_path)

        def redirect() -> None:
            stdin = os.open(fifo, os.O_RDONLY)
            os.dup2(stdin, 0)
            os.close(stdin)
            err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(err, 2)
            os.close(err)

        argv = ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose", *args]
        self.child = pexpect.spawn(str(binary), argv, env=spawn_env(env), cwd=str(cwd), encoding="utf-8",
                                   codec_errors="replace", dimensions=(24, 200), preexec_fn=redirect)
        self.reader = LineReader(self.child)

    @property
    def messages(self) -> list[dict]:
        return self.reader.messages

    def send(self, obj: dict | str) -> None:
        line = obj if isinstance(obj, str) else json.dumps(obj)
        assert self._fd is not None, "stdin already closed"
        os.write(self._fd, line.encode() + b"\n")

    def send_user(self, text: str) -> None:
        self.send({"type": "user", "message": {"role": "user", "content": text}})

    def control(self, request: dict, request_id: str | None = None) -> str:
        request_id = request_id or f"req-{uuid.uuid4().hex[:8]}"
        self.send({"type": "control_request", "request_id": request_id, "request": request})
        return request_id

    def until(self, predicate: Callable[[dict], bool], timeout: float = 60.0) -> dict:
        return self.reader.until(predicate, timeout)

    def until_result(self, timeout: float = 60.0) -> dict:
        return self.until(lambda m: m.get("type") == "result", timeout)

    def until_control_response(self, request_id: str, timeout: float = 30.0) -> dict:
        return self.until(lambda m: m.get("type") == "control_response"
                          and m["response"].get("request_id") == request_id, timeout)

    def close_stdin(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def wait(self, timeout: float = 30.0) -> int | None:
        """Read until the process exits; returns its exit status (or -signal via signalstatus)."""
        self.reader.drain(timeout)
        if not self.reader.eof:
            raise TimeoutError(f"process still running after {timeout} s")
        self.child.expect(pexpect.EOF, timeout=10)
        self.child.close()
        return self.child.exitstatus

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def kill(self) -> None:
        self.close_stdin()
        if self.child.isalive():
            self.child.close(force=True)

    def __enter__(self) -> PersistentClaude:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
        self.fifo.unlink(missing_ok=True)
