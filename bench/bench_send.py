"""Keys pressed while the first prompt of a new session starts its claude: how long until each binding runs.

The real app, with the real engine and the real claude CLI against the local mock API, sends the first prompt of a
session that has no claude yet: the prompt is stored (with fsync) and claude is spawned. From the Enter that sends
it, a key is posted every 20 ms, the way the terminal driver posts keys, until claude has started (the session's
state on screen is ``streaming``); the figure is the worst wait of those keys. The keys posted after that, until the
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
        idle = KeyProbe(app, KEY_INTERVAL)
        app.bench_probe = idle
        idle.start()
        await asyncio.sleep(IDLE_SECONDS)
        idle_worst = idle.stop()

        await pilot.press(*"hello", "enter")
        probe = KeyProbe(app, KEY_INTERVAL)
        app.bench_probe = probe
        probe.start()
        began = time.perf_counter()
        screen = app.main_screen

        async def until(condition) -> None:
            while not condition():
                if time.perf_counter() - began > CAP_SECONDS:
                    probe.stop()
                    raise RuntimeError("claude did not answer within the cap")
                await asyncio.sleep(0.005)

        await until(lambda: screen.live_state(session.id).state == "streaming")
        sending_worst = probe.stop()
        probe = KeyProbe(app, KEY_INTERVAL)
        app.bench_probe = probe
        probe.start()
        live = screen.conversation
        await until(lambda: live.live_view is not None and "Echo" in live.live_view.text)
        drawing_worst = probe.stop()
        app.bench_stopping = True
        await app.action_quit()
    return idle_worst, sending_worst, drawing_worst


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
