"""Exporting a whole archive: ``ccsess export --all`` of a 1,000-session store (``--small``: 40) as Markdown, beside
claude-code-log's ``--all-projects`` Markdown conversion of the same sessions' Claude Code files.

The Claude Code files (20 messages each, in 10 projects) are written in the CLI's record format and imported into
a ccsess store (not timed); both tools then run as commands, each writing into an empty folder every run. Also
timed: the JSON archive and restoring it into an empty data dir (``ccsess import DIR``).

    .venv/bin/python bench/bench_archive.py [--runs 5] [--small] [--claude-code-log PATH]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / "tui"), str(Path(__file__).resolve().parent)]

import _common as common  # noqa: E402
from bench_export import write_claude_session  # noqa: E402

from ccsess.core.store.store import Store  # noqa: E402
from ccsess.core.transfer.claude_import import import_sessions  # noqa: E402

PROJECTS = 10


def run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1800, env=env)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"{argv[0]} failed")


def timed_into(folder: Path, argv: list[str], runs: int, env: dict[str, str] | None = None):
    """Median, min, max of ``argv``, each run writing into an emptied ``folder``."""

    def once() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        run(argv, env)

    return common.measure(once, runs)


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0], extend=lambda p: p.add_argument(
        "--claude-code-log", help="path of the claude-code-log command (else found on PATH)"))
    runs = args.runs or (2 if args.small else 5)
    sessions = 40 if args.small else 1_000
    ccsess = str(common.venv_executable("ccsess"))
    peer = args.claude_code_log or shutil.which("claude-code-log")
    with tempfile.TemporaryDirectory(prefix="ccsess-bench-archive-") as scratch:
        root = Path(scratch)
        projects = root / "projects"
        common.say(f"writing {sessions:,} Claude Code session files ...")
        for n in range(sessions):
            folder = projects / f"-home-u-project-{n % PROJECTS}"
            folder.mkdir(parents=True, exist_ok=True)
            write_claude_session(folder / f"{uuid.uuid4()}.jsonl", 20)
        data = root / "data"
        with common.fsync_skipped():
            report = import_sessions(Store(data), projects)
        assert len(report.created) == sessions, report.summary()
        env = dict(os.environ, CCSESS_DATA_DIR=str(data))
        rows = []
        common.say("timing ccsess export --all ...")
        ours = timed_into(root / "md", [ccsess, "export", "--all", "-o", str(root / "md")], runs, env)
        rows.append(common.figure_row(f"ccsess export --all, Markdown ({sessions:,} sessions)", ours))
        if peer:
            common.say("timing claude-code-log --all-projects ...")
            try:
                theirs = timed_into(root / "cclog", [peer, str(projects), "--all-projects", "--format", "md",
                                                     "--no-cache", "-o", str(root / "cclog")], runs)
            except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
                theirs = f"not run: claude-code-log failed: {exc}"
        else:
            theirs = "not run: claude-code-log is not installed (run_all.py installs it; or --claude-code-log)"
        rows.append(common.figure_row("claude-code-log --all-projects, Markdown (reference)", theirs))
        json_dir = root / "json"
        archive = timed_into(json_dir, [ccsess, "export", "--all", "-o", str(json_dir), "--format", "json"], runs, env)
        rows.append(common.figure_row("ccsess export --all, JSON", archive))
        restored = timed_into(root / "restored", [ccsess, "import", str(json_dir)], runs,
                              dict(env, CCSESS_DATA_DIR=str(root / "restored")))
        rows.append(common.figure_row("ccsess import of that JSON folder into an empty data dir", restored))
        common.print_table(f"Whole archive, median of {runs} (min-max)", ["figure", "median", "min - max", "note"],
                           rows)
        if not isinstance(theirs, str):
            common.print_table("Target", ["figure", "value", "target", "verdict"], [[
                "ccsess export --all beside claude-code-log --all-projects", common.ratio(ours[0], theirs[0]),
                "< 1.00x", common.verdict(ours[0] < theirs[0])]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
