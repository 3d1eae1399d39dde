"""Opening long sessions in the Textual app (headless, 120x40): time from choosing a session until its last message
is on screen, for a 10-message session, a 1 MB transcript of 200 messages and a single 1 MB reply. (First-frame
figures come from bench_first_frame.py, which runs the real command on a PTY.)

    .venv/bin/python bench/bench_tui.py [--runs 5] [--small]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

SIZE = (120, 40)
LAST_MARKER = "the very last line"


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def build_long_sessions(data_dir: Path, small: bool) -> dict[str, str]:
    from ccsess.core.models import Message, new_id
    from ccsess.core.store.store import Store

    size = 64 * 1024 if small else 1024 * 1024
    store = Store(data_dir)
    ids = {}
    with common.fsync_skipped():
        short = store.create_session("ten messages", "/home/dev/code/app")
        for n in range(10):
            role = "user" if n % 2 == 0 else "assistant"
            body = LAST_MARKER if n == 9 else f"message {n}: " + common._PARAGRAPH
            store.append_message(short.id, Message(new_id(), role, [{"type": "text", "text": body}]))
        ids["10 messages"] = short.id
        many = store.create_session("1 MB in 200 messages", "/home/dev/code/app")
        per = size // 200
        for n in range(200):
            role = "user" if n % 2 == 0 else "assistant"
            body = (f"## Part {n}\n\n" + (common._PARAGRAPH * (per // len(common._PARAGRAPH) + 1))[:per])
            if n == 199:
                body += "\n\n" + LAST_MARKER
            store.append_message(many.id, Message(new_id(), role, [{"type": "text", "text": body}]))
        ids["1 MB, 200 messages"] = many.id
        single = store.create_session("one 1 MB reply", "/home/dev/code/app")
        paragraphs = []
        total = 0
        n = 0
        while total < size:
            chunk = f"Paragraph {n}. " + common._PARAGRAPH * 3
            paragraphs.append(chunk)
            total += len(chunk) + 2
            n += 1
        paragraphs.append(LAST_MARKER)
        store.append_message(single.id, Message(new_id(), "user", [{"type": "text", "text": "write a lot"}]))
        store.append_message(single.id, Message(new_id(), "assistant",
                                                [{"type": "text", "text": "\n\n".join(paragraphs)}]))
        ids["1 MB, one reply"] = single.id
    return ids


async def open_times(data_dir: Path, ids: dict[str, str], runs: int) -> dict[str, common.Series]:
    from ccsess.app import make_app
    from ccsess.core.config import Config
    from ccsess.core.store.store import Store

    series = {label: common.Series(label) for label in ids}
    app = make_app(Store(data_dir), Config(), engine_factory=None, system_clipboard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(runs):
            for label, session_id in ids.items():
                await app.main_screen.open_session(None)
                await pilot.pause()
                start = time.perf_counter()
                await app.main_screen.open_session(session_id)
                while LAST_MARKER not in screen_text(app):
                    await pilot.pause(0.005)
                series[label].add(time.perf_counter() - start)
    return series


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], default_runs=5)
    with tempfile.TemporaryDirectory(prefix="ccsess-bench-tui-") as scratch_name:
        scratch = Path(scratch_name)
        common.say("building long sessions ...")
        long_dir = scratch / "long"
        ids = build_long_sessions(long_dir, args.small)
        opened = asyncio.run(open_times(long_dir, ids, args.runs))
        short = opened["10 messages"].median
        common.print_table(
            "TUI open a session until its last message is on screen (headless, 120x40)",
            ["session", "median", "range", "vs 10 messages"],
            [[label, s.show(s.median), s.spread, common.ratio(s.median, short)] for label, s in opened.items()])


if __name__ == "__main__":
    main()
