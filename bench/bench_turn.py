"""Per-turn overhead of the engine: a fresh claude process (first turn) against a warm one (a later turn).

Runs the real claude CLI against the local mock API. For each case it measures, from ``Engine.send``: the first
TextDelta and the TurnFinished event, and prints the medians next to the CLI's own ``ttft_ms`` from the result
line, so what ccsess adds can be told apart from what claude spends.

    python bench/bench_turn.py [--small] [--runs 5]
"""

from __future__ import annotations

import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tui"), str(ROOT / "tests")]

from _common import parse_args, print_table  # noqa: E402
from ccsess.core.claude import events as ev  # noqa: E402
from ccsess.core.config import Config  # noqa: E402
from ccsess.core.claude.engine import Engine  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402
from support.claude_cli import ensure_claude  # noqa: E402
from support.env import claude_env_for  # noqa: E402
from support.mock_api import MockAnthropic  # noqa: E402


def timed_turn(engine: Engine, events: queue.Queue, session_id: str, prompt: str) -> tuple[float, float, int | None]:
    while not events.empty():
        events.get_nowait()
    started = time.perf_counter()
    engine.send(session_id, prompt)
    first = None
    while True:
        event = events.get(timeout=60)
        if event.session_id != session_id:
            continue
        if isinstance(event, ev.TextDelta) and first is None:
            first = time.perf_counter() - started
        if isinstance(event, ev.TurnFinished):
            if event.is_error:
                raise RuntimeError(f"turn failed: {event.result_text}")
            return first or 0.0, time.perf_counter() - started, event.ttft_ms


def main() -> int:
    runs = parse_args(__doc__.splitlines()[0]).runs
    claude = ensure_claude()
    with tempfile.TemporaryDirectory() as scratch, MockAnthropic() as mock:
        root = Path(scratch)
        (root / "home").mkdir()
        (root / "project").mkdir()
        events: queue.Queue = queue.Queue()
        store = Store(root / "data")
        engine = Engine(store, Config(claude=str(claude)), events.put, env=claude_env_for(mock.url, root / "home"))
        fresh, warm = [], []
        try:
            for run in range(runs):
                session = store.create_session(f"bench {run}", str(root / "project"))
                fresh.append(timed_turn(engine, events, session.id, "first turn"))
                warm.append(timed_turn(engine, events, session.id, "second turn"))
                engine.release(session.id)
        finally:
            engine.shutdown()
    rows = []
    for name, samples in (("fresh process (first turn)", fresh), ("warm process (later turn)", warm)):
        first = statistics.median(s[0] for s in samples)
        total = statistics.median(s[1] for s in samples)
        ttft = statistics.median(s[2] or 0 for s in samples) / 1000
        rows.append([name, f"{first:.3f} s", f"{total:.3f} s", f"{ttft:.3f} s", f"{first - ttft:.3f} s"])
    gap = statistics.median(s[0] for s in fresh) - statistics.median(s[0] for s in warm)
    rows.append(["fresh minus warm", f"{gap:.3f} s", "", "", ""])
    print_table(f"Per-turn overhead, median of {runs} (mock API)",
                ["case", "send -> first token", "send -> finished", "claude ttft_ms", "beyond claude ttft"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
