"""Shared helpers for the bench scripts: arguments, statistics, tables, data generation and PTY timing."""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
PEERS_DIR = BENCH_DIR / "peers"
if str(ROOT / "tui") not in sys.path:
    sys.path.insert(0, str(ROOT / "tui"))

MIB = 1024 * 1024
TERMINAL_SIZE = (40, 120)  # rows, columns
_ANSI = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])")


# Arguments and statistics ---------------------------------------------------------------------------------------

def parse_args(description: str, *, default_runs: int = 5,
               extend: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """``--small`` (tiny data, two runs; for the smoke test) and ``--runs N``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", action="store_true", help="tiny data and two runs (smoke test)")
    parser.add_argument("--runs", type=int, default=None, help=f"runs per figure (default {default_runs})")
    if extend is not None:
        extend(parser)
    args = parser.parse_args()
    if args.runs is None:
        args.runs = 2 if args.small else default_runs
    return args


@dataclass
class Series:
    """Repeated measurements of one figure."""

    name: str
    unit: str = "s"
    values: list[float] = field(default_factory=list)
    note: str = ""

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def show(self, value: float) -> str:
        return format_value(value, self.unit)

    @property
    def spread(self) -> str:
        if not self.values:
            return "-"
        return f"{self.show(self.low)} - {self.show(self.high)}"


def format_value(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:.3g} {unit}".strip()


def ratio(value: float, reference: float) -> str:
    if value != value or reference != reference or reference == 0:
        return "-"
    return f"{value / reference:.2f}x"


def print_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A Markdown table under a ``## title`` line; run_all.py collects these."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    sys.stdout.flush()


def measure(work: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median, min and max wall time of ``runs`` calls of ``work``, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def figure_row(label: str, figures: tuple[float, float, float] | str, note: str = "") -> list[str]:
    """A table row for ``measure``'s figures (or a reason they are missing), in milliseconds."""
    if isinstance(figures, str):
        return [label, "-", "-", figures]
    median, low, high = figures
    return [label, f"{median * 1000:.1f} ms", f"{low * 1000:.1f} - {high * 1000:.1f} ms", note]


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "-"
    return "ok" if ok else "MISSED"


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """Where peers are installed between runs (``CCSESS_BENCH_CACHE`` overrides)."""
    path = Path(os.environ.get("CCSESS_BENCH_CACHE") or Path.home() / ".cache" / "ccsess-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def venv_executable(name: str) -> Path:
    """A script installed next to the running interpreter (the project's venv)."""
    return Path(sys.executable).parent / name


# Data ---------------------------------------------------------------------------------------------------------

_VERBS = ["fix", "refactor", "explain", "review", "speed up", "document", "test", "port", "debug", "design"]
_THINGS = ["login flow", "parser", "CSV export", "cache layer", "retry logic", "config loader", "search index",
           "billing report", "CI pipeline", "websocket client", "date handling", "migration script",
           "error messages", "theme picker", "rate limiter", "sync job"]
_PROJECTS = ["webshop", "infra", "notes-app", "data-pipeline", "cli-tools", "blog", "ml-experiments",
             "payments", "mobile-api", "docs-site", "game-engine", "home-automation"]
_PARAGRAPH = ("The function reads the whole file before it checks the header, so a large input costs memory "
              "it does not need. Reading the first block, validating it and then streaming the rest keeps "
              "the footprint flat. ")


def session_name(rng: random.Random, n: int) -> str:
    return f"{rng.choice(_VERBS)} {rng.choice(_THINGS)} {n}"


@contextmanager
def fsync_skipped():
    """Data generation does not need durable writes; the figures measured afterwards read, not write."""
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real


def generate_store(data_dir: Path, sessions: int, *, messages_each: int = 4, seed: int = 7,
                   marker_name: str = "bench marker session") -> str | None:
    """Fill ``data_dir`` through the Store API; returns the name of the newest session (listed first)."""
    from ccsess.core.models import Message
    from ccsess.core.store.store import Store

    rng = random.Random(seed)
    newest = None
    with fsync_skipped():
        store = Store(data_dir)
        base = time.time() - sessions * 60
        for n in range(sessions):
            last = n == sessions - 1
            name = marker_name if last else session_name(rng, n)
            project = f"/home/dev/code/{rng.choice(_PROJECTS)}"
            session = store.create_session(name, project, model=rng.choice(["sonnet", "opus", "haiku"]),
                                           status="idle", created=base + n * 60, last_active=base + n * 60)
            messages = []
            for m in range(messages_each):
                role = "user" if m % 2 == 0 else "assistant"
                text = (f"Can you {name}? It fails on large inputs." if role == "user"
                        else _PARAGRAPH * rng.randint(1, 4))
                messages.append(Message(id=f"m{m:04d}", role=role, blocks=[{"type": "text", "text": text}],
                                        created=base + n * 60 + m))
            if messages:
                store.append_messages(session.id, messages)
            newest = name
    return newest


def ccsess_env(scratch: Path, data_dir: Path) -> dict[str, str]:
    """Environment for a ccsess process isolated in ``scratch``."""
    config = scratch / "config.toml"
    config.write_text("", encoding="utf-8")
    env = terminal_env(scratch)
    env.update(CCSESS_DATA_DIR=str(data_dir), CCSESS_CONFIG=str(config))
    return env


def terminal_env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "CCSESS_"))}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", LANG=env.get("LANG") or "C.UTF-8",
               COLUMNS=str(TERMINAL_SIZE[1]), LINES=str(TERMINAL_SIZE[0]))
    env.pop("NO_COLOR", None)
    if home is not None:
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
                   XDG_CACHE_HOME=str(home / ".cache"), XDG_STATE_HOME=str(home / ".local/state"))
    return env


# First frame on a PTY -------------------------------------------------------------------------------------------

class FirstFrameError(RuntimeError):
    pass


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM (peak resident set) of a live process, in MiB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / MIB
    except (OSError, ValueError):
        return None
    return None


def screen_text(raw: bytes) -> str:
    return _ANSI.sub(b"", raw).decode("utf-8", errors="replace")


def first_frame(argv: Sequence[str], *, env: dict[str, str], markers: Sequence[str], cwd: Path | None = None,
                timeout: float = 120.0) -> tuple[float, float | None]:
    """Spawn ``argv`` on a 120x40 PTY; seconds until every marker is on screen, and peak memory then (MiB)."""
    import pexpect

    wanted = [m.encode() for m in markers]
    raw = bytearray()
    began = time.perf_counter()
    try:
        child = pexpect.spawn(argv[0], list(argv[1:]), env=env, cwd=str(cwd) if cwd else None,
                              dimensions=TERMINAL_SIZE, timeout=timeout)
    except pexpect.ExceptionPexpect as error:
        raise FirstFrameError(f"could not start {argv[0]}: {error}") from None
    peak = None
    try:
        while True:
            try:
                chunk = child.read_nonblocking(1 << 16, timeout=0.02)
                raw += chunk
            except pexpect.TIMEOUT:
                chunk = b""
            except pexpect.EOF:
                tail = screen_text(bytes(raw[-2000:])).strip()
                raise FirstFrameError(f"{argv[0]} exited before its first frame: {tail[-300:]!r}") from None
            sample = peak_rss_mib(child.pid)
            if sample is not None:
                peak = sample
            if chunk:
                plain = _ANSI.sub(b"", bytes(raw))
                if all(w in plain for w in wanted):
                    elapsed = time.perf_counter() - began
                    sample = peak_rss_mib(child.pid)
                    return elapsed, sample if sample is not None else peak
            if time.perf_counter() - began > timeout:
                tail = screen_text(bytes(raw[-3000:]))
                raise FirstFrameError(f"no {list(markers)} on screen after {timeout:.0f} s; screen ends {tail[-300:]!r}")
    finally:
        child.terminate(force=True)
        child.close(force=True)
