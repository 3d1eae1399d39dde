"""Many sessions at once: four sessions stream long replies at full speed while the user types into a fifth, and
switching between two sessions with 1 MB transcripts while both stream (until the session's last stored message
is laid out on screen).

The real app and the real engine drive four fake claude processes (tests/fake_claude.py, ``!!stream:<KB>``:
Markdown in 40-character deltas, written as fast as the pipe takes them). While they stream, a key is posted every
20 ms the way the terminal driver posts keys, with the fifth session on screen; figures: the worst key wait, the
median time between two frames the app draws, and the app's CPU time per stream. References in the same run: the
idle app's worst key wait, and the CPU time of one stream alone. Then sessions A and B, each with a 1 MB
transcript, stream again while the app switches A -> B and B -> A; the reference is the same switch while nothing
streams.

    .venv/bin/python bench/bench_parallel.py [--runs 5] [--small]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "tui"), str(ROOT / "tests")]

import _common as common  # noqa: E402
from bench_stream import SIZE, BenchCcsessApp, KeyProbe, markdown_reply  # noqa: E402

from ccsess.app.app import default_engine_factory  # noqa: E402
from ccsess.app.themes import shipped_theme_dirs  # noqa: E402
from ccsess.core.config import Config  # noqa: E402
from ccsess.core.models import Message, new_id  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402
from support.env import write_fake_claude_wrapper  # noqa: E402

KEY_INTERVAL = 0.02
KEY_TARGET_MS = 100.0
SWITCH_TARGET_MS = 150.0
CAP_SECONDS = 120.0


class FrameClock:
    """Times between the frames the app hands to its driver."""

    def __init__(self, app: BenchCcsessApp) -> None:
        self.stamps: list[float] = []
        display = app._display

        def timed(screen, renderable) -> None:
            if renderable is not None:
                self.stamps.append(time.perf_counter())
            display(screen, renderable)

        app._display = timed  # type: ignore[method-assign]

    def median_ms(self, since: float) -> float:
        stamps = [t for t in self.stamps if t >= since]
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        return statistics.median(gaps) * 1000 if gaps else 0.0


def fill(store: Store, session_id: str, size: int) -> None:
    """A transcript of about ``size`` characters: prompts and long Markdown replies."""
    written, n = 0, 0
    while written < size:
        n += 1
        reply = markdown_reply(8_000, seed=n)
        for role, text in (("user", f"question {n}"), ("assistant", reply)):
            store.append_message(session_id, Message(id=new_id(), role=role,  # type: ignore[arg-type]
                                                     blocks=[{"type": "text", "text": text}]))
        written += len(reply)


def make_store(root: Path, transcript_size: int) -> tuple[Store, dict[str, str]]:
    store = Store(root / "data")
    project = root / "project"
    project.mkdir(exist_ok=True)
    ids = {name: store.create_session(name, str(project)).id for name in ("A", "B", "C", "D", "typing")}
    with common.fsync_skipped():
        for name in ("A", "B"):
            fill(store, ids[name], transcript_size)
    return store, ids


async def one_run(store: Store, ids: dict[str, str], claude: Path, stream_kb: int, idle_seconds: float):
    app = BenchCcsessApp(store, Config(claude=str(claude), max_live=6), theme_dirs=shipped_theme_dirs(),
                         system_clipboard=False, default_project=str(store.data_dir))
    app.engine_factory = default_engine_factory
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        frames = FrameClock(app)
        screen = app.main_screen
        await screen.open_session(ids["typing"])
        while app.engine is None:
            await asyncio.sleep(0.02)
        engine = app.engine
        await pilot.pause()

        async def streams_done(names: list[str], began: float) -> None:
            await asyncio.sleep(0.2)
            while any(screen.is_busy(ids[name]) for name in names):
                if time.perf_counter() - began > CAP_SECONDS:
                    raise RuntimeError("the streams did not end within the cap")
                await asyncio.sleep(0.02)

        probe = KeyProbe(app, KEY_INTERVAL)
        app.bench_probe = probe
        probe.start()
        await asyncio.sleep(idle_seconds)
        figures["idle_keys"] = probe.stop()

        for label, names in (("one", ["C"]), ("four", ["A", "B", "C", "D"])):
            app.bench_pending.clear()
            probe = KeyProbe(app, KEY_INTERVAL)
            app.bench_probe = probe
            cpu, began = time.process_time(), time.perf_counter()
            probe.start()
            for name in names:
                engine.submit(ids[name], f"!!stream:{stream_kb} {label}-{name}")
            await streams_done(names, began)
            figures[f"{label}_keys"] = probe.stop()
            figures[f"{label}_cpu"] = (time.process_time() - cpu) / len(names)
            figures[f"{label}_frame"] = frames.median_ms(began)

        def on_screen(message_id: str) -> bool:
            return any(view.message_id == message_id and view.region.height > 0
                       for view in screen.conversation.message_views)

        async def switch(name: str) -> float:
            """From the switch until the session's last stored message is laid out on screen."""
            last = store.messages(ids[name])[-1].id
            began = time.perf_counter()
            await screen.open_session(ids[name])
            while not on_screen(last):
                if time.perf_counter() - began > CAP_SECONDS:
                    raise RuntimeError("the switch did not show the session within the cap")
                await asyncio.sleep(0.005)
            return (time.perf_counter() - began) * 1000

        await screen.open_session(ids["A"])
        figures["switch_idle_ab"] = await switch("B")
        figures["switch_idle_ba"] = await switch("A")
        began = time.perf_counter()
        for name in ("A", "B"):
            engine.submit(ids[name], f"!!stream:{stream_kb * 4} switching-{name}")
        await asyncio.sleep(0.3)
        figures["switch_ab"] = await switch("B")
        figures["switch_ba"] = await switch("A")
        await streams_done(["A", "B"], began)
        app.bench_stopping = True
        await app.action_quit()
    engine.shutdown(5.0)
    return figures


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    stream_kb = 30 if args.small else 300
    transcript = 100_000 if args.small else 1_000_000
    series = {key: common.Series(key, unit) for key, unit in (
        ("idle_keys", "ms"), ("one_keys", "ms"), ("four_keys", "ms"), ("one_cpu", "s"), ("four_cpu", "s"),
        ("one_frame", "ms"), ("four_frame", "ms"), ("switch_idle_ab", "ms"), ("switch_idle_ba", "ms"),
        ("switch_ab", "ms"), ("switch_ba", "ms"))}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        claude = write_fake_claude_wrapper(root)
        common.say(f"writing two transcripts of {transcript / 1e6:g} MB ...")
        store, ids = make_store(root, transcript)
        for run in range(args.runs):
            common.say(f"run {run + 1}/{args.runs} ...")
            for key, value in asyncio.run(one_run(store, ids, claude, stream_kb, 1.0)).items():
                series[key].add(value)

    def row(label: str, key: str) -> list[str]:
        s = series[key]
        return [label, s.show(s.median), s.spread]

    common.print_table(f"Four sessions streaming {stream_kb} KB each while typing into a fifth, median of "
                       f"{args.runs} (min-max)", ["figure", "median", "min-max"], [
        row("worst key wait, four streams", "four_keys"),
        row("worst key wait, one stream", "one_keys"),
        row("worst key wait, idle app (reference)", "idle_keys"),
        row("time between frames, four streams", "four_frame"),
        row("time between frames, one stream", "one_frame"),
        row("app CPU per stream, four at once", "four_cpu"),
        row("app CPU of one stream alone (reference)", "one_cpu"),
    ])
    common.print_table(f"Switching between two sessions with {transcript / 1e6:g} MB transcripts, median of "
                       f"{args.runs} (min-max)", ["switch", "median", "min-max"], [
        row("A -> B while both stream", "switch_ab"),
        row("B -> A while both stream", "switch_ba"),
        row("A -> B, nothing streaming (reference)", "switch_idle_ab"),
        row("B -> A, nothing streaming (reference)", "switch_idle_ba"),
    ])
    worst_switch = max(series["switch_ab"].high, series["switch_ba"].high)
    common.print_table("Targets", ["figure", "value", "target", "verdict"], [
        ["worst key wait, four streams (max over runs)", series["four_keys"].show(series["four_keys"].high),
         f"<= {KEY_TARGET_MS:.0f} ms", common.verdict(series["four_keys"].high <= KEY_TARGET_MS)],
        *([f"switch {label} while both stream (median)", series[key].show(series[key].median),
           f"<= {SWITCH_TARGET_MS:.0f} ms", common.verdict(series[key].median <= SWITCH_TARGET_MS)]
          for label, key in (("A -> B", "switch_ab"), ("B -> A", "switch_ba"))),
        ["slowest single switch while streaming (max over runs)", series["switch_ab"].show(worst_switch),
         "", ""],
        ["CPU per stream, four at once beside one alone",
         common.ratio(series["four_cpu"].median, series["one_cpu"].median), "", ""],
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
