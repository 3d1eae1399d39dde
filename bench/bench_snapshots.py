"""File snapshots of a session's folder (the shadow repository) on generated projects of 500 and 5,000 files.

Figures: the snapshot taken when one file changed since the last one (what every turn costs), the first snapshot
of a folder, and a turn's diff; the reference, in the same run, is ``git status`` on a plain repository of the same
files (what any git tool pays to look at the folder).

    .venv/bin/python bench/bench_snapshots.py [--runs 5] [--small]
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "tui")]

import _common as common  # noqa: E402

from ccsess.core.code.snapshots import ShadowRepo  # noqa: E402

TARGET_MS = 150.0


def make_project(folder: Path, files: int, seed: int = 11) -> list[Path]:
    rng = random.Random(seed)
    made = []
    for n in range(files):
        place = folder / f"pkg{n % 40}" / f"mod{n % 7}" / f"file_{n}.py"
        place.parent.mkdir(parents=True, exist_ok=True)
        place.write_text("".join(f"value_{i} = {rng.randint(0, 10**6)}\n" for i in range(rng.randint(5, 60))))
        made.append(place)
    (folder / ".gitignore").write_text("*.log\n")
    return made


def timed(work) -> float:
    began = time.perf_counter()
    work()
    return (time.perf_counter() - began) * 1000


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    sizes = (100, 500) if args.small else (500, 5_000)
    rows, verdicts = [], []
    for size in sizes:
        snap, first, diff, status = (common.Series(name, "ms") for name in ("snapshot", "first", "diff", "status"))
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as scratch:
                root = Path(scratch)
                folder = root / "project"
                made = make_project(folder, size, seed=run)
                subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
                subprocess.run(["git", "add", "-A"], cwd=folder, check=True)
                repo = ShadowRepo(root / "data", folder)
                first.add(timed(repo.snapshot))
                before = repo.snapshot().tree
                made[run % len(made)].write_text("changed = True\n")
                snap.add(timed(lambda: setattr(repo, "last", repo.snapshot())))
                after = repo.last.tree  # type: ignore[attr-defined]
                diff.add(timed(lambda: repo.diff(before, after)))
                status.add(timed(lambda: subprocess.run(["git", "status", "--porcelain"], cwd=folder, check=True,
                                                        capture_output=True)))
        for series, label in ((snap, "snapshot, one file changed"), (first, "first snapshot of the folder"),
                              (diff, "diff of that turn"), (status, "git status, plain repo (reference)")):
            rows.append([f"{size:,} files", label, series.show(series.median), series.spread,
                         common.ratio(series.median, status.median)])
        verdicts.append([f"snapshot of {size:,} files, one changed (max over runs)", snap.show(snap.high),
                         f"<= {TARGET_MS:.0f} ms", common.verdict(snap.high <= TARGET_MS)])
    common.print_table(f"Snapshots of a project folder, median of {args.runs} (min-max)",
                       ["project", "what", "median", "min-max", "vs git status"], rows)
    common.print_table("Targets", ["figure", "value", "target", "verdict"], verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
