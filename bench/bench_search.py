"""Search speed on a store of 10,000 sessions (``--small``: 200), next to listing them and scanning them.

Each session has four messages drawn from a fixed vocabulary (so common words match most sessions) and a few
rare words. Prints a table: median and min-max of 5 runs; the fill, the rebuild and the full scan run once.

    python bench/bench_search.py [--small]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tui"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
from _common import fsync_skipped, print_table  # noqa: E402

from ccsess.core.models import Message, new_id  # noqa: E402
from ccsess.core.search import SearchIndex, open_index  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402

RUNS = 5
COMMON = ("python parser error test function value return import module class config file data list "
          "string number result change update build deploy server client request response cache index").split()


def fill(store: Store, sessions: int, rng: random.Random) -> None:
    for n in range(sessions):
        session = store.create_session(f"session {n}", "/home/u/work")
        messages = []
        for turn in range(4):
            words = rng.choices(COMMON, k=rng.randint(20, 80))
            if n % 1000 == 7 and turn == 1:
                words.append("zanzibar")
            words.append(f"ticket{n}")
            messages.append(Message(id=new_id(), role="user" if turn % 2 == 0 else "assistant",
                                    blocks=[{"type": "text", "text": " ".join(words)}]))
        store.append_messages(session.id, messages)


def measure(work: Callable[[], object], runs: int = RUNS) -> tuple[float, float, float]:
    return _common.measure(work, runs)


ROWS: list[list[str]] = []


def row(label: str, figures: tuple[float, float, float] | str, note: str = "") -> None:
    ROWS.append(_common.figure_row(label, figures, note))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 sessions, for a quick smoke run")
    args = parser.parse_args(argv)
    count = 200 if args.small else 10_000
    with tempfile.TemporaryDirectory(prefix="ccsess-bench-") as scratch:
        with fsync_skipped():
            store = Store(Path(scratch))
            start = time.perf_counter()
            fill(store, count, random.Random(7))
            filled = time.perf_counter() - start
            start = time.perf_counter()
            open_index(store)
        row("fill the store, index fed on write (fsync off)", (filled,) * 3, "1 run")
        row("rebuild the whole index from the store (fsync off)", (time.perf_counter() - start,) * 3, "1 run")
        index = SearchIndex(store.data_dir)
        for label, query in [("common word, top 50", "python"), ("two common words, top 50", "parser error"),
                             ("rare word", "zanzibar"), ("one session's unique word", f"ticket{count // 2}"),
                             ("prefix of a common word (prefix=True)", "pars")]:
            prefix = "prefix" in label
            hits = index.search(query, 50, prefix=prefix)
            row(f"search: {label}", measure(lambda q=query, p=prefix: index.search(q, 50, prefix=p)),
                f"{len(hits)} hits")
        hits = index.search("python", 20, per_session=3)
        row("search: common word, top 20, <=3 per session",
            measure(lambda: index.search("python", 20, per_session=3)), f"{len(hits)} hits")
        row("list all sessions (index only, no transcripts)", measure(store.list_sessions))

        def scan() -> int:
            found = 0
            for session in store.list_sessions():
                found += sum("zanzibar" in m.text for m in store.messages(session.id))
            return found

        start = time.perf_counter()
        found = scan()
        row("scan every transcript for a word (no index)", (time.perf_counter() - start,) * 3,
            f"1 run, {found} hits")
        print_table(f"Search over {count:,} sessions ({count * 4:,} messages); median of {RUNS}",
                    ["figure", "median", "min - max", "note"], ROWS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
