"""Streaming a 100 KB and a 300 KB Markdown reply at full speed into ccsess's conversation pane.

The reply is cut into 20-60 character deltas and posted from a thread through ``app.emit_engine_event`` (the
path the engine's reader threads use), followed by the finished message, as in a real turn. Measured against,
in the same run: the same text rendered once (a Textual ``Markdown`` widget updated with the full text, until
laid out), ccsess's own Markdown view drawing the whole finished text once, and, for reference, plain Textual
``Markdown.get_stream`` fed the same deltas. While ccsess streams,
a key is posted every 50 ms the way the terminal driver posts keys; its latency is the time until its binding
runs.

    .venv/bin/python bench/bench_stream.py [--runs 5] [--small]
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import Markdown  # noqa: E402

from ccsess.app.app import CcsessApp  # noqa: E402
from ccsess.app.themes import shipped_theme_dirs  # noqa: E402
from ccsess.app.widgets.chunked_markdown import ChunkedMarkdown  # noqa: E402
from ccsess.core.claude import events as ev  # noqa: E402
from ccsess.core.config import load_config  # noqa: E402
from ccsess.core.models import Message  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402

SIZE = (120, 40)
KEY_INTERVAL = 0.05
STREAM_TARGET = 1.5
LINEAR_TARGET = 3.5
KEY_TARGET_MS = 100.0


class OverCap(Exception):
    """A measurement ran past the time cap; the figure is reported as at least the cap."""

_WORDS = ("the parser reads each line once and keeps only what it needs so memory stays flat while the "
          "index grows with every session that is opened or searched later on").split()


def markdown_reply(size: int, seed: int = 3) -> str:
    """Realistic assistant Markdown of about ``size`` characters: headings, prose, lists, code, tables."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    section = 0
    while total < size:
        section += 1
        block = [f"## Step {section}: {' '.join(rng.choices(_WORDS, k=4))}\n\n"]
        for _ in range(rng.randint(1, 3)):
            words = rng.choices(_WORDS, k=rng.randint(30, 80))
            words[rng.randrange(len(words))] = f"`{rng.choice(_WORDS)}()`"
            words[rng.randrange(len(words))] = f"**{rng.choice(_WORDS)}**"
            block.append(" ".join(words).capitalize() + ".\n\n")
        kind = section % 4
        if section % 12 == 6:
            rows = "".join(f"| {rng.choice(_WORDS)} | {rng.randint(1, 999)} ms | {rng.choice(_WORDS)} |\n"
                           for _ in range(rng.randint(2, 4)))
            block.append("| name | time | note |\n|---|---|---|\n" + rows + "\n")
        elif kind == 0:
            block.append("".join(f"- {' '.join(rng.choices(_WORDS, k=rng.randint(5, 12)))}\n"
                                 for _ in range(rng.randint(3, 6))) + "\n")
        elif kind == 1:
            lines = [f"    value_{n} = compute({n}, cache=True)  # step {section}\n" for n in range(rng.randint(4, 10))]
            block.append("```python\ndef step_%d(data):\n%s    return data\n```\n\n" % (section, "".join(lines)))
        else:
            block.append("> " + " ".join(rng.choices(_WORDS, k=20)) + "\n\n")
        text = "".join(block)
        parts.append(text)
        total += len(text)
    return "".join(parts)[:size].rstrip() + "\n"


def deltas(text: str, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    out, position = [], 0
    while position < len(text):
        step = rng.randint(20, 60)
        out.append(text[position:position + step])
        position += step
    return out


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


class KeyProbe:
    """Posts a key every ``interval`` seconds from a thread; the app records when its binding ran."""

    def __init__(self, app: App, interval: float = KEY_INTERVAL) -> None:
        self.app = app
        self.interval = interval
        self.posted: dict[int, float] = {}
        self.handled_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._count = 0

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._count += 1
            self.posted[self._count] = time.perf_counter()
            self.app.bench_pending.append(self._count)
            self.app.post_message(events.Key("f12", None))
            self._stop.wait(self.interval)

    def handled(self, number: int) -> None:
        self.handled_at[number] = time.perf_counter()
        self.latencies.append(self.handled_at[number] - self.posted[number])

    def stop(self) -> float:
        """Stop posting; the worst latency in ms (keys not yet handled count up to now)."""
        self._stop.set()
        self._thread.join()
        now = time.perf_counter()
        waiting = [now - self.posted[n] for n in self.app.bench_pending]
        return max([*self.latencies, *waiting], default=0.0) * 1000


class BenchCcsessApp(CcsessApp):
    CSS_PATH = Path(sys.modules[CcsessApp.__module__].__file__).with_name(CcsessApp.CSS_PATH)
    BINDINGS = [*CcsessApp.BINDINGS, Binding("f12", "bench_ping", show=False, priority=True)]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bench_pending: list[int] = []
        self.bench_probe: KeyProbe | None = None
        self.bench_stopping = False

    async def on_event(self, event: events.Event) -> None:
        if self.bench_stopping and isinstance(event, events.Key):
            return
        await super().on_event(event)

    def action_bench_ping(self) -> None:
        if self.bench_pending:
            number = self.bench_pending.pop(0)
            if self.bench_probe is not None:
                self.bench_probe.handled(number)


async def stream_into_ccsess(scratch: Path, text: str, chunks: list[str], cap: float) -> tuple[float, float]:
    """Seconds from the first delta to the finished reply laid out, and the worst key latency in ms."""
    data_dir = scratch / f"data-{len(text)}-{time.perf_counter_ns()}"
    store = Store(data_dir)
    session = store.create_session("stream bench", str(scratch))
    store.append_message(session.id, Message(id="u1", role="user",
                                             blocks=[{"type": "text", "text": "Write the long answer."}]))
    config = load_config(scratch / "config.toml", environ={})
    app = BenchCcsessApp(store, config, theme_dirs=shipped_theme_dirs(), system_clipboard=False,
                         default_project=str(scratch))
    final = Message(id="a1", role="assistant", blocks=[{"type": "text", "text": text}])
    stopped = False
    try:
        async with app.run_test(size=SIZE) as pilot:
            await app.open_session(session.id)
            await settle(pilot)
            # A reply starts streaming seconds after start-up at the earliest (a prompt is typed and sent first), by
            # when the background imports the app starts after its first frame are done; wait for them likewise.
            while any(thread.name == "ccsess-imports" for thread in threading.enumerate()):
                await asyncio.sleep(0.02)
            probe = KeyProbe(app)
            app.bench_probe = probe
            finished = asyncio.Event()

            def produce() -> None:
                for chunk in chunks:
                    app.emit_engine_event(ev.TextDelta(session_id=session.id, text=chunk))
                    time.sleep(0)
                app.emit_engine_event(ev.MessageCompleted(session_id=session.id, message=final))
                app.call_later(finished.set)

            began = time.perf_counter()
            probe.start()
            producer = threading.Thread(target=produce, daemon=True)
            producer.start()
            try:
                await asyncio.wait_for(finished.wait(), cap)
            except asyncio.TimeoutError:
                stopped = True
                probe.stop()
                app.bench_stopping = True
                app.exit()
                return 0.0, 0.0
            conversation = app.main_screen.conversation

            def drawn() -> bool:
                views = conversation.message_views
                return bool(views) and views[-1].message is not None and views[-1].message.id == "a1"

            while not drawn():
                if time.perf_counter() - began > cap:
                    stopped = True
                    probe.stop()
                    app.bench_stopping = True
                    app.exit()
                    return 0.0, 0.0
                await asyncio.sleep(0.005)
            await settle(pilot)
            elapsed = time.perf_counter() - began
            worst = probe.stop()
            producer.join()
            live_text = "".join(view.text for view in app.main_screen.conversation.message_views[-1:])
            if len(live_text) < len(text) * 0.9:
                raise RuntimeError(f"the pane shows {len(live_text)} of {len(text)} characters")
    except Exception:
        if not stopped:
            raise
    finally:
        if stopped:
            raise OverCap
    return elapsed, worst


class MarkdownApp(App):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown()


async def render_once(text: str, cap: float) -> float:
    app = MarkdownApp()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(Markdown)
        await settle(pilot)
        began = time.perf_counter()
        await widget.update(text)
        await settle(pilot)
        return time.perf_counter() - began


async def ccsess_view_once(text: str, cap: float) -> float:
    app = MarkdownApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(VerticalScroll)
        await pane.query_one(Markdown).remove()
        await settle(pilot)
        began = time.perf_counter()
        await pane.mount(ChunkedMarkdown(text, initial_chars=len(text)))
        pane.scroll_end(animate=False, immediate=True)
        await settle(pilot)
        return time.perf_counter() - began


async def textual_stream(chunks: list[str], cap: float) -> float:
    app = MarkdownApp()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(Markdown)
        await settle(pilot)
        began = time.perf_counter()
        stream = Markdown.get_stream(widget)
        for chunk in chunks:
            await stream.write(chunk)
            if time.perf_counter() - began > cap:
                raise OverCap
        await stream.stop()
        await settle(pilot)
        return time.perf_counter() - began


def main() -> int:
    def extend(parser) -> None:
        parser.add_argument("--no-textual-stream", action="store_true",
                            help="skip the plain Markdown.get_stream reference")
        parser.add_argument("--cap", type=float, default=120.0,
                            help="seconds after which a measurement is stopped and reported as at least that")

    args = common.parse_args(__doc__.splitlines()[0], extend=extend)
    sizes = [4_000, 12_000] if args.small else [100_000, 300_000]
    scratch = Path(tempfile.mkdtemp(prefix="ccsess-bench-stream-"))
    figures: dict[tuple[str, int], common.Series] = {}
    latency: dict[int, common.Series] = {}

    def series(kind: str, size: int, unit: str = "s") -> common.Series:
        return figures.setdefault((kind, size), common.Series(kind, unit))

    over: set[tuple[str, int]] = set()

    def measure(kind: str, size: int, run_one) -> float | None:
        if (kind, size) in over:
            return None
        try:
            value = run_one()
        except OverCap:
            over.add((kind, size))
            series(kind, size).note = f">= {common.format_value(args.cap, 's')} (stopped)"
            return None
        series(kind, size).add(value)
        return value

    try:
        with common.fsync_skipped():
            for run in range(args.runs):
                for size in sizes:
                    common.say(f"run {run + 1}/{args.runs}, {size // 1000} KB ...")
                    text = markdown_reply(size)
                    chunks = deltas(text)
                    worst: list[float] = []

                    def ccsess_run() -> float:
                        seconds, key_ms = asyncio.run(stream_into_ccsess(scratch, text, chunks, args.cap))
                        worst.append(key_ms)
                        return seconds

                    measure("ccsess stream", size, ccsess_run)
                    if worst:
                        latency.setdefault(size, common.Series("key", "ms")).add(worst[0])
                    measure("Markdown once", size, lambda: asyncio.run(render_once(text, args.cap)))
                    measure("ccsess view once", size, lambda: asyncio.run(ccsess_view_once(text, args.cap)))
                    if not args.no_textual_stream:
                        measure("Markdown.get_stream", size,
                                lambda: asyncio.run(textual_stream(chunks, args.cap)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(figures, latency, sizes, args.cap)
    return 0


def shown(values: common.Series) -> tuple[str, str]:
    if values.note and not values.values:
        return values.note, "-"
    return values.show(values.median), values.spread + (f" ({values.note})" if values.note else "")


def lower_bound(values: common.Series, cap: float) -> float:
    """The median, or the cap for a figure that was stopped at the cap."""
    return values.median if values.values else cap


def report(figures, latency, sizes, cap) -> None:
    small, large = sizes
    rows = []
    for (kind, size), values in figures.items():
        once = lower_bound(figures[("Markdown once", size)], cap)
        median, spread = shown(values)
        prefix = ">= " if not values.values else ""
        rows.append([f"{kind}, {size // 1000} KB", median, spread,
                     prefix + common.ratio(lower_bound(values, cap), once)])
    runs = max(len(v.values) for v in figures.values())
    common.print_table(f"Streaming a Markdown reply (median of {runs} runs; ratio vs the same text rendered once)",
                       ["figure", "median", "min - max", "vs once"], rows)
    checks = []
    for size in sizes:
        stream, once = figures[("ccsess stream", size)], figures[("Markdown once", size)]
        if stream.values and once.values:
            value = stream.median / once.median
            checks.append([f"ccsess stream / once, {size // 1000} KB", f"{value:.2f}x", f"<= {STREAM_TARGET}x",
                           common.verdict(value <= STREAM_TARGET)])
        elif once.values:
            value = cap / once.median
            checks.append([f"ccsess stream / once, {size // 1000} KB", f">= {value:.2f}x (stopped at the cap)",
                           f"<= {STREAM_TARGET}x", "MISSED" if value > STREAM_TARGET else "-"])
        else:
            checks.append([f"ccsess stream / once, {size // 1000} KB", "not measured", f"<= {STREAM_TARGET}x", "-"])
    for size in sizes:
        stream, own = figures[("ccsess stream", size)], figures.get(("ccsess view once", size))
        if stream.values and own is not None and own.values:
            checks.append([f"ccsess stream / ccsess view once, {size // 1000} KB (for information)",
                           f"{stream.median / own.median:.2f}x", "", ""])
    for kind in ("ccsess stream", "Markdown once", "Markdown.get_stream"):
        if (kind, small) in figures and figures[(kind, small)].values:
            big = figures[(kind, large)]
            value = lower_bound(big, cap) / figures[(kind, small)].median
            target = f"<= {LINEAR_TARGET}x" if kind == "ccsess stream" else ""
            checks.append([f"{kind}, {large // 1000} KB / {small // 1000} KB",
                           f"{'>= ' if not big.values else ''}{value:.2f}x", target,
                           "" if not target else common.verdict(value <= LINEAR_TARGET) if big.values
                           else "MISSED" if value > LINEAR_TARGET else "-"])
    for size in sizes:
        keys = latency.get(size)
        if keys is None:
            checks.append([f"worst key wait while streaming {size // 1000} KB", "not measured (stopped)",
                           f"<= {KEY_TARGET_MS:.0f} ms", "-"])
            continue
        checks.append([f"worst key wait while streaming {size // 1000} KB (max over runs {keys.show(keys.high)})",
                       keys.show(keys.median), f"<= {KEY_TARGET_MS:.0f} ms",
                       common.verdict(keys.high <= KEY_TARGET_MS)])
    common.print_table("Streaming targets", ["figure", "value", "target", "verdict"], checks)


if __name__ == "__main__":
    sys.exit(main())
