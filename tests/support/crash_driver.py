"""Drive `ccsess` as a user's shell would, and kill it the hard way: helpers for the reliability tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ccsess.core.atomic import TEMP_PREFIX

TUI_ROOT = Path(__file__).resolve().parent.parent.parent / "tui"


def ccsess_env(data_dir: Path, claude: Path, home: Path, config: Path, extra: Mapping[str, str] | None = None,
               ) -> dict[str, str]:
    """Environment for a `ccsess` subprocess: its data dir, config file, claude binary and a scratch HOME."""
    env = {
        **os.environ,
        "CCSESS_DATA_DIR": str(data_dir),
        "CCSESS_CONFIG": str(config),
        "CCSESS_CLAUDE": str(claude),
        "HOME": str(home),
        "NO_COLOR": "1",
        "PYTHONPATH": str(TUI_ROOT),
    }
    env.pop("FAKE_CLAUDE_SCRIPT", None)
    env.update(extra or {})
    return env


def ccsess(env: Mapping[str, str], cwd: Path, *args: str, stdin: str | bytes | None = None,
           timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run `ccsess ARGS` to completion, text mode."""
    return subprocess.run(
        [sys.executable, "-m", "ccsess", *args], env=dict(env), cwd=cwd, input=stdin,
        capture_output=True, text=not isinstance(stdin, bytes), timeout=timeout, check=False,
    )


def descendants(pid: int) -> list[int]:
    """Live (non-zombie) processes below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("utf-8", "replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


class RunningCcsess:
    """A `ccsess` subprocess whose stdout is collected as it arrives, so a test knows what was shown when it
    killed the process."""

    def __init__(self, env: Mapping[str, str], cwd: Path, args: Sequence[str]) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ccsess", *args], env=dict(env), cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self._out = bytearray()
        self._err = bytearray()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _pump(self, stream, sink: bytearray) -> None:
        while True:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                return
            with self._lock:
                sink.extend(chunk)

    @property
    def stdout(self) -> str:
        with self._lock:
            return self._out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        with self._lock:
            return self._err.decode("utf-8", "replace")

    def wait_output(self, needle: str, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.stdout:
                return True
            if self.proc.poll() is not None:
                return needle in self.stdout
            time.sleep(0.02)
        return False

    def kill9(self) -> list[int]:
        """SIGKILL ccsess itself (not its children, as a crash would), wait for it, then return the children
        it left; the caller decides what to do with them."""
        children = descendants(self.proc.pid)
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        for thread in self._threads:
            thread.join(timeout=5)
        return children

    def wait(self, timeout: float = 60.0) -> int:
        code = self.proc.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=5)
        return code


def reap_orphans(pids: Sequence[int], grace: float = 3.0) -> list[int]:
    """Wait up to ``grace`` seconds for orphaned children to go away by themselves; SIGKILL any left and
    return their pids (so a test can report that they outlived their parent)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    stubborn = [p for p in pids if alive(p)]
    for pid in stubborn:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stubborn


def temp_files(data_dir: Path) -> list[Path]:
    """Temp files of atomic writes left anywhere under the data dir."""
    return [p for p in data_dir.rglob(f"{TEMP_PREFIX}*")]


def age_files(paths: Sequence[Path], seconds: float) -> None:
    """Move mtimes back, as if the files had not been touched for ``seconds``."""
    past = time.time() - seconds
    for path in paths:
        try:
            os.utime(path, (past, past))
        except FileNotFoundError:
            pass


def tree_snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``root`` (lock files aside) with its mode and bytes: to prove nothing was written."""
    snap: dict[str, tuple[int, bytes]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(".lock"):
            snap[str(path.relative_to(root))] = (path.stat().st_mode, path.read_bytes())
    return snap


# Writers run as separate processes: `python crash_driver.py store-writer|engine-writer ...` -------------------


def store_writer(data_dir: Path, own_session: str, shared: list[str], count: int, pace: float, seed: int) -> None:
    """The second writer: appends to its own session and to the shared ones, bumps their totals, renames them
    and writes a setting, ``count`` times, through the Store API."""
    import random

    from ccsess.core.models import Message, new_id
    from ccsess.core.store.store import Store

    rng = random.Random(seed)
    store = Store(data_dir)
    for i in range(count):
        target = shared[i % len(shared)]
        store.append_message(own_session, Message(id=new_id(), role="user", blocks=[{"type": "text", "text": f"B{i}"}]))
        store.append_message(target, Message(id=new_id(), role="user", blocks=[{"type": "text", "text": f"side {i}"}]))
        store.add_totals(target, cost_usd=1.0, input_tokens=1000)
        store.update_session(target, name=f"renamed {i}")
        store.set_setting("writer_b", i)
        if pace:
            time.sleep(rng.uniform(0, 2 * pace))


def engine_writer(data_dir: Path, session_id: str, claude: Path, count: int) -> None:
    """The first writer without the CLI's start-up cost: one Engine (one persistent claude) sending ``count``
    prompts to a session, one after the other."""
    import queue

    from ccsess.core.claude import events as ev
    from ccsess.core.config import Config
    from ccsess.core.claude.engine import Engine
    from ccsess.core.store.store import Store

    store = Store(data_dir)
    events: queue.Queue = queue.Queue()
    engine = Engine(store, Config(claude=str(claude)), events.put)
    try:
        for i in range(count):
            engine.send(session_id, f"turn {i}")
            while True:
                event = events.get(timeout=60)
                if isinstance(event, ev.TurnFinished):
                    if event.is_error:
                        raise SystemExit(f"turn {i} failed")
                    break
    finally:
        engine.shutdown(timeout=5)


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "store-writer":
        store_writer(Path(rest[0]), rest[1], rest[2].split(","), int(rest[3]), float(rest[4]), int(rest[5]))
    elif command == "engine-writer":
        engine_writer(Path(rest[0]), rest[1], Path(rest[2]), int(rest[3]))
    else:
        raise SystemExit(f"unknown command {command}")
