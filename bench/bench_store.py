"""How much does appending one message cost as the index and the transcript grow?

Builds data dirs with 10 / 10,000 sessions in the index and 10 / 10,000 messages in the target transcript,
then times ``Store.append_message`` on an open store (the way the app uses it). Prints the median of several
interleaved runs: wall time (fsyncs included) and this process's CPU time.

    .venv/bin/python bench/bench_store.py [--runs 15] [--appends 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from ccsess.core.models import Message, Session  # noqa: E402
from ccsess.core.store.journal import JournaledStorage  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402
from _common import print_table  # noqa: E402


def message(n: int) -> Message:
    text = f"message {n}: " + "lorem ipsum dolor sit amet " * 12
    return Message(
        id=f"m{n:06d}", role="user" if n % 2 else "assistant", blocks=[{"type": "text", "text": text}]
    )


def build(root: Path, sessions: int, messages: int) -> tuple[Path, str]:
    """A data dir whose index holds ``sessions`` rows and whose target session holds ``messages`` messages."""
    data_dir = root / f"s{sessions}-m{messages}"
    store = Store(data_dir)
    target = store.create_session("target", "/bench")
    rows = {
        f"x{n:07d}": Session(id=f"x{n:07d}", name=f"session {n}", project=f"/bench/{n % 50}").to_dict()
        for n in range(sessions - 1)
    }
    index = JournaledStorage(data_dir / "index.json")
    tables = index.refresh()
    tables["sessions"].update(rows)
    tables["sessions"][target.id]["message_count"] = messages
    index.write(tables)
    transcript = JournaledStorage(data_dir / "sessions" / f"{target.id}.json")
    tables = transcript.refresh()
    tables["messages"] = {m.id: m.to_dict() for m in map(message, range(messages))}
    transcript.write(tables)
    return data_dir, target.id


class Case:
    def __init__(self, data_dir: Path, session_id: str, first: int) -> None:
        self.store = Store(data_dir)
        self.store.messages(session_id, last=1)  # open the session as the app does before appending
        self.session_id = session_id
        self.next = first
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, appends: int) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(appends):
            self.store.append_message(self.session_id, message(self.next))
            self.next += 1
        self.wall.append((time.perf_counter() - wall) / appends)
        self.cpu.append((time.process_time() - cpu) / appends)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--appends", type=int, default=20)
    parser.add_argument("--small", action="store_true", help="tiny data and one run, to check the script works")
    args = parser.parse_args()
    large = 100 if args.small else 10_000
    if args.small:
        args.runs, args.appends = 1, 2
    sizes = [(10, 10), (large, 10), (10, large), (large, large)]
    with tempfile.TemporaryDirectory() as tmp:
        cases = {size: Case(*build(Path(tmp), *size), first=100_000) for size in sizes}
        # Runs are interleaved so that load from other programs falls on every case alike.
        for _ in range(args.runs):
            for case in cases.values():
                case.run(args.appends)
    base = cases[sizes[0]]
    base_wall, base_cpu = statistics.median(base.wall), statistics.median(base.cpu)
    rows = []
    for size, case in cases.items():
        wall, cpu = statistics.median(case.wall), statistics.median(case.cpu)
        rows.append([f"{size[0]:,}", f"{size[1]:,}", f"{wall * 1e3:.3f} ms", f"{wall / base_wall:.2f}",
                     f"{min(case.wall) * 1e3:.3f}-{max(case.wall) * 1e3:.3f} ms",
                     f"{cpu * 1e3:.3f} ms", f"{cpu / base_cpu:.2f}"])
    print_table(
        f"append_message on an open store (median of {args.runs} interleaved runs x {args.appends} appends)",
        ["sessions", "messages", "wall", "ratio", "min-max", "cpu", "ratio"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
