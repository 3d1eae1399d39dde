"""Keys pressed while the first prompt of a new session starts its claude: how long until each binding runs.

The real app, with the real engine and the real claude CLI against the local mock API, sends the first prompt of a
session that has no claude yet: the prompt is stored (with fsync) and claude is spawned. From the Enter that sends
it, a key is posted every 20 ms, the way the terminal driver posts keys, until claude has started (the session's
state on screen is past ``starting``); the figure is the worst wait of those keys. The keys posted after that, until the
reply's first text is drawn, are reported apart. Measured beside it in the same run: the same keys on the idle app, and
how long ``Engine.send`` itself takes for a new session (what every key would wait if the event loop sent the
prompt itself).

    .venv/bin/python bench/bench_send.py [--runs 5] [--small]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "tui"), str(ROOT / "tests")]

import _common as common  # noqa: E402
from bench_stream import SIZE, BenchCcsessApp, KeyProbe  # noqa: E402

from ccsess.app.app import default_engine_factory  # noqa: E402
from ccsess.app.themes import shipped_theme_dirs  # noqa: E402
from ccsess.core.config import Config  # noqa: E402
from ccsess.core.claude.engine import Engine  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402
from support.claude_cli import ensure_claude  # noqa: E402
from support.env import claude_env_for  # noqa: E402
from support.mock_api import MockAnthropic  # noqa: E402

KEY_INTERVAL = 0.02
IDLE_SECONDS = 0.5
KEY_TARGET_MS = 100.0
CAP_SECONDS = 30.0


async def keys_while_sending(root: Path, claude: Path, env: dict[str, str],
                             run: int) -> tuple[float, float, float]:
    """Worst key wait in ms on the idle app, while the first prompt of a new session starts claude, and then
    until the reply's first text is drawn."""
    store = Store(root / f"data-app-{run}")
    session = store.create_session(f"send bench {run}", str(root / "project"))
    app = BenchCcsessApp(store, Config(claude=str(claude)), claude_env=env, theme_dirs=shipped_theme_dirs(),
                         system_clipboard=False, default_project=str(root / "project"))
    app.engine_factory = default_engine_factory
    async with app.run_test(size=SIZE) as pilot:
        await app.open_session(session.id)
        while app.engine is None or any(t.name == "ccsess-imports" for t in threading.enumerate()):
            await asyncio.sleep(0.02)
        await pilot.pause()
        # One probe for the whole run; each phase's figure is the worst wait of the keys posted in it.
        probe = KeyProbe(app, KEY_INTERVAL)
        app.bench_probe = probe
        probe.start()
        await asyncio.sleep(IDLE_SECONDS)
        idle_worst, mark = phase_worst(probe, 1)
        await pilot.press(*"hello", "enter")
        began = time.perf_counter()
        screen = app.main_screen

        async def until(condition) -> None:
            while not condition():
                if time.perf_counter() - began > CAP_SECONDS:
                    probe.stop()
                    raise RuntimeError("claude did not answer within the cap")
                await asyncio.sleep(0.005)

        await until(lambda: screen.live_state(session.id).state in ("streaming", "warm"))
        sending_worst, mark = phase_worst(probe, mark)
        conversation = screen.conversation

        def reply_drawn() -> bool:
            live = conversation.live_view
            return (live is not None and "Echo" in live.text) or any(
                view.message is not None and "Echo" in view.message.text for view in conversation.message_views)

        await until(reply_drawn)
        await asyncio.sleep(KEY_INTERVAL * 3)
        probe.stop()
        drawing_worst, _ = phase_worst(probe, mark)
        app.bench_stopping = True
        await app.action_quit()
    return idle_worst, sending_worst, drawing_worst


def phase_worst(probe: KeyProbe, first: int) -> tuple[float, int]:
    """The worst wait in ms of the keys numbered ``first`` and up to now (one still unhandled counts until now),
    and the number the next phase starts at."""
    now = time.perf_counter()
    last = max(probe.posted, default=first - 1)
    waits = [(probe.handled_at.get(n, now) - probe.posted[n]) for n in range(first, last + 1) if n in probe.posted]
    return max(waits, default=0.0) * 1000, last + 1


def send_duration(root: Path, claude: Path, env: dict[str, str], run: int) -> float:
    """Seconds ``Engine.send`` takes for the first prompt of a new session (it stores it and spawns claude)."""
    store = Store(root / f"data-engine-{run}")
    session = store.create_session(f"engine bench {run}", str(root / "project"))
    engine = Engine(store, Config(claude=str(claude)), lambda event: None, env=env)
    try:
        began = time.perf_counter()
        engine.send(session.id, "hello")
        return time.perf_counter() - began
    finally:
        engine.shutdown()


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    claude = ensure_claude()
    idle = common.Series("idle app", "ms")
    sending = common.Series("while claude starts", "ms")
    drawing = common.Series("then until the reply's first text is drawn", "ms")
    blocking = common.Series("Engine.send of a new session", "ms")
    with tempfile.TemporaryDirectory() as scratch, MockAnthropic() as mock:
        root = Path(scratch)
        (root / "home").mkdir()
        (root / "project").mkdir()
        env = claude_env_for(mock.url, root / "home")
        for run in range(args.runs):
            common.say(f"run {run + 1}/{args.runs} ...")
            idle_ms, sending_ms, drawing_ms = asyncio.run(keys_while_sending(root, claude, env, run))
            idle.add(idle_ms)
            sending.add(sending_ms)
            drawing.add(drawing_ms)
            blocking.add(send_duration(root, claude, env, run) * 1000)
    rows = [
        [series.name, series.show(series.median), series.spread] for series in (sending, drawing, idle, blocking)
    ]
    common.print_table(f"Worst key wait while a new session's claude starts, median of {args.runs} (min-max)",
                       ["case", "worst key wait", "min-max"], rows)
    common.print_table("Targets", ["figure", "value", "target", "verdict"], [
        ["worst key wait while claude starts (max over runs)", sending.show(sending.high),
         f"<= {KEY_TARGET_MS:.0f} ms", common.verdict(sending.high <= KEY_TARGET_MS)],
        ["the same beside the idle app's", common.ratio(sending.median, idle.median), "", ""],
        ["the same beside what sending on the event loop would block", common.ratio(sending.median, blocking.median),
         "", ""],
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
