"""One claude process hosted on a PTY: stdout on the PTY, stdin a FIFO, stderr a log file.

The FIFO is opened by us ``O_RDWR`` before the spawn, so no open ever blocks, and by the child ``O_RDONLY`` in
``preexec_fn`` (ptyprocess closes inherited descriptors before it calls ``preexec_fn``, so ours does not leak).
Closing our end is then a real end of input: claude finishes what it has and exits 0. Writes go through a writer
thread so a 1 MB prompt never blocks the caller, and they give up when the process is gone (we hold a reader of
the FIFO ourselves, so a dead child would otherwise block a writer forever once the pipe is full).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import queue
import select
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pexpect

from ccsess.core.text import plain_text
from ccsess.core.claude.framing import LineFramer

log = logging.getLogger(__name__)

READ_SIZE = 65536
TICK_SECONDS = 0.25
_CLOSE = object()


FIFO_DIR_PREFIX = "ccsess-stdin-"
# A FIFO's dir lives only for the few milliseconds of a spawn; one older than this was left by a killed ccsess.
STALE_FIFO_SECONDS = 60.0


def _remove_stale_fifo_dirs() -> None:
    cutoff = time.time() - STALE_FIFO_SECONDS
    for path in Path(tempfile.gettempdir()).glob(FIFO_DIR_PREFIX + "*"):
        try:
            st = path.lstat()
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mtime > cutoff:
                continue
            for entry in path.iterdir():
                entry.unlink()
            path.rmdir()
        except OSError:
            continue


class SpawnError(Exception):
    """The process could not be started; str() is a user-facing line."""


class ClaudeProcess:
    """A running claude. ``on_line`` gets each decoded stdout object on the reader thread, ``on_tick`` is called
    about four times a second while it runs, ``on_exit(exit_code, stderr_tail)`` once at the end."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | Path,
        env: Mapping[str, str],
        stderr_path: Path,
        on_line: Callable[[dict[str, Any]], None],
        on_exit: Callable[[int | None, str], None],
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.cwd = str(cwd)
        self.env = dict(env)
        self.stderr_path = stderr_path
        self._on_line = on_line
        self._on_exit = on_exit
        self._on_tick = on_tick
        self._child: pexpect.spawn | None = None
        self._fifo_fd: int | None = None
        self._writes: queue.Queue[object] = queue.Queue()
        self._exited = threading.Event()
        self._stderr_offset = 0
        self.exit_code: int | None = None
        self.pid: int | None = None
        self.started_at = 0.0

    # Lifecycle

    def start(self) -> None:
        program = self.argv[0]
        resolved = shutil.which(program, path=self.env.get("PATH", os.defpath))
        if resolved is None:
            raise FileNotFoundError(program)
        self.stderr_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            self._stderr_offset = self.stderr_path.stat().st_size
        except FileNotFoundError:
            self._stderr_offset = 0
        _remove_stale_fifo_dirs()
        fifo_dir = tempfile.mkdtemp(prefix=FIFO_DIR_PREFIX)
        fifo_path = os.path.join(fifo_dir, "stdin")
        stderr_path = str(self.stderr_path)
        try:
            os.mkfifo(fifo_path, 0o600)
            self._fifo_fd = os.open(fifo_path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)

            def child_setup() -> None:
                stdin_fd = os.open(fifo_path, os.O_RDONLY)
                os.dup2(stdin_fd, 0)
                os.close(stdin_fd)
                err_fd = os.open(stderr_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                os.dup2(err_fd, 2)
                os.close(err_fd)

            self._child = pexpect.spawn(
                resolved, self.argv[1:], cwd=self.cwd, env=self.env, preexec_fn=child_setup,
                encoding=None, use_poll=True, dimensions=(40, 200), timeout=None,
            )
        except (OSError, pexpect.ExceptionPexpect) as exc:
            self._close_fifo()
            raise SpawnError(f"could not start {program}: {exc}") from exc
        finally:
            try:
                os.unlink(fifo_path)
            except FileNotFoundError:
                pass
            os.rmdir(fifo_dir)
        self.pid = self._child.pid
        self.started_at = time.monotonic()
        threading.Thread(target=self._read_loop, name=f"claude-read-{self.pid}", daemon=True).start()
        threading.Thread(target=self._write_loop, name=f"claude-write-{self.pid}", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self._child is not None and not self._exited.is_set()

    def write_json(self, obj: dict[str, Any]) -> None:
        """Queue one stdin line. Only JSON ever goes to stdin: a non-JSON line would kill the process."""
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._writes.put(line.encode("utf-8"))

    def close_stdin(self) -> None:
        """End of input after everything already queued is written."""
        self._writes.put(_CLOSE)

    def wait(self, timeout: float | None = None) -> bool:
        """True once the process has exited and its output is read."""
        return self._exited.wait(timeout)

    def close(self, timeout: float = 3.0) -> int | None:
        """End input, give claude ``timeout`` seconds to exit, then terminate it, then kill it."""
        if self._child is None:
            return None
        self.close_stdin()
        if not self.wait(timeout):
            self.send_signal(signal.SIGTERM)
            if not self.wait(1.0):
                self.kill()
                self.wait(2.0)
        return self.exit_code

    def send_signal(self, sig: int) -> None:
        if self._child is not None and not self._exited.is_set():
            try:
                self._child.kill(sig)
            except OSError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    # Threads

    def _read_loop(self) -> None:
        child = self._child
        assert child is not None
        framer = LineFramer()
        try:
            while True:
                try:
                    chunk = child.read_nonblocking(READ_SIZE, timeout=TICK_SECONDS)
                except pexpect.TIMEOUT:
                    self._tick()
                    continue
                except (pexpect.EOF, OSError, ValueError):
                    break
                for obj in framer.feed(chunk):
                    self._deliver(obj)
            for obj in framer.flush():
                self._deliver(obj)
        finally:
            code = self._reap()
            self.exit_code = code
            self._writes.put(_CLOSE)
            tail = self.stderr_tail()
            self._exited.set()
            try:
                self._on_exit(code, tail)
            except Exception:
                log.exception("exit handler failed")

    def _deliver(self, obj: dict[str, Any]) -> None:
        try:
            self._on_line(obj)
        except Exception:
            log.exception("line handler failed for a %s line", obj.get("type"))

    def _tick(self) -> None:
        if self._on_tick is not None:
            try:
                self._on_tick()
            except Exception:
                log.exception("tick handler failed")

    def _reap(self) -> int | None:
        child = self._child
        assert child is not None
        deadline = time.monotonic() + 5.0
        while True:
            try:
                alive = child.isalive()
            except pexpect.ExceptionPexpect:
                alive = False
            if not alive:
                break
            if time.monotonic() > deadline:
                self.kill()
                deadline = time.monotonic() + 5.0
            time.sleep(0.02)
        try:
            child.close(force=True)
        except (OSError, pexpect.ExceptionPexpect):
            pass
        if child.signalstatus is not None:
            return -int(child.signalstatus)
        return child.exitstatus

    def _write_loop(self) -> None:
        while True:
            item = self._writes.get()
            if item is _CLOSE:
                self._close_fifo()
                return
            assert isinstance(item, bytes)
            if not self._write_all(item):
                self._close_fifo()
                return

    def _write_all(self, data: bytes) -> bool:
        view = memoryview(data)
        poller = select.poll()
        fd = self._fifo_fd
        if fd is None:
            return False
        poller.register(fd, select.POLLOUT)
        while view:
            if self._exited.is_set():
                return False
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                poller.poll(200)
                continue
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                log.info("stdin write failed: %s", exc)
                return False
            view = view[written:]
        return True

    def _close_fifo(self) -> None:
        fd, self._fifo_fd = self._fifo_fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def stderr_tail(self, lines: int = 5, max_bytes: int = 8192) -> str:
        """The last lines claude wrote to stderr since this process started, safe to print."""
        try:
            with open(self.stderr_path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                start = max(self._stderr_offset, size - max_bytes)
                handle.seek(start)
                data = handle.read()
        except OSError:
            return ""
        text = plain_text(data.decode("utf-8", "replace"))
        kept = [line.strip() for line in text.splitlines() if line.strip()]
        return "\n".join(kept[-lines:])
