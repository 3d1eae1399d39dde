"""Time to first frame and peak memory of `ccsess` with 0, 1,000 and 10,000 stored sessions.

Two more cases start ccsess with the 10,000 sessions in the state a user meets after working outside the app:
right after a command-line change to the list (``ccsess rename`` here, on a store that holds the importer's record
of 10,000 files, as one filled by ``ccsess import`` does), and with no saved first screen at all (``recent.json``
removed before each run, the worst case).

Each app runs as a real process on a 120x40 PTY; the clock runs from spawn until the marker text is on screen,
and peak memory is the process's VmHWM at that moment. The reference, measured in the same run, is a bare
Textual app (bench/peers/bare_app.py); the peer is Elia at 1,000 and 10,000 conversations. Runs are interleaved
so that a machine getting busier affects every figure alike.

    .venv/bin/python bench/bench_first_frame.py [--runs 5] [--small] [--no-elia]
"""

from __future__ import annotations

import compileall
import shutil
import sys
import tempfile
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
from peers import elia  # noqa: E402

EMPTY_MARKER = "No session open"
RATIO_TARGET = 1.3
MEMORY_TARGET_MIB = 60.0


@dataclass
class Case:
    label: str
    argv: list[str]
    env: dict[str, str]
    markers: list[str]
    sessions: int | None = None
    cwd: Path | None = None
    time: common.Series = field(default_factory=lambda: common.Series("time"))
    memory: common.Series = field(default_factory=lambda: common.Series("memory", "MiB"))
    failure: str = ""
    prepare: Callable[[], None] | None = None  # run before each measured start, not timed


def ccsess_case(scratch: Path, sessions: int) -> Case:
    folder = scratch / f"ccsess-{sessions}"
    folder.mkdir()
    data_dir = folder / "data"
    common.say(f"generating {sessions:,} ccsess sessions ...")
    newest = common.generate_store(data_dir, sessions)
    markers = [EMPTY_MARKER] + ([newest] if newest else [])
    argv = [str(common.venv_executable("ccsess"))]
    return Case(f"ccsess, {sessions:,} sessions", argv, common.ccsess_env(folder, data_dir), markers,
                sessions=sessions, cwd=folder)


def after_change_cases(scratch: Path, sessions: int) -> list[Case]:
    """The 10,000 sessions copied twice: started after a command-line rename, and with no saved first screen."""
    from ccsess.core.store.recent import RECENT_FILE
    from ccsess.core.store.store import Store

    source = scratch / f"ccsess-{sessions}"
    cases = []
    for label, kind in (("after a command-line change", "change"), ("no saved first screen", "cold")):
        folder = scratch / f"ccsess-{sessions}-{kind}"
        shutil.copytree(source, folder)
        data_dir = folder / "data"
        env = common.ccsess_env(folder, data_dir)
        newest = Store(data_dir).list_summaries()[0].name
        if kind == "change":
            # As a store filled by `ccsess import` is: with the importer's record of every file it read.
            Store(data_dir).set_setting("import.files", {
                f"/home/u/.claude/projects/-home-u-work/{n:08d}.jsonl": [1_700_000_000.0 + n, 4096 + n, 2]
                for n in range(sessions)})
            oldest = Store(data_dir).list_summaries()[-1].id
            names = iter(range(1_000_000))

            def prepare(env=env, oldest=oldest, names=names) -> None:
                subprocess.run([str(common.venv_executable("ccsess")), "rename", oldest, f"renamed {next(names)}"],
                               env=env, check=True, capture_output=True, timeout=120)
        else:
            def prepare(recent=data_dir / RECENT_FILE) -> None:
                recent.unlink(missing_ok=True)
        cases.append(Case(f"ccsess, {sessions:,} sessions, {label}", [str(common.venv_executable("ccsess"))], env,
                          [EMPTY_MARKER, newest], sessions=sessions, cwd=folder, prepare=prepare))
    return cases


def bare_case(scratch: Path) -> Case:
    from peers.bare_app import MARKER

    home = scratch / "bare"
    home.mkdir()
    argv = [sys.executable, str(common.PEERS_DIR / "bare_app.py")]
    return Case("bare Textual app", argv, common.terminal_env(home), [MARKER], cwd=home)


def elia_cases(scratch: Path, sizes: list[int], *, install: bool) -> tuple[list[Case], str]:
    python, problem = elia.ensure_installed(install=install)
    if python is None:
        return [], problem
    cases = []
    for size in sizes:
        home = scratch / f"elia-{size}"
        home.mkdir()
        common.say(f"generating {size:,} Elia conversations ...")
        try:
            argv, marker = elia.prepare(python, home, size)
        except elia.PeerError as error:
            return cases, str(error)
        cases.append(Case(f"Elia, {size:,} chats", argv, elia.environment(home), [marker], sessions=size,
                          cwd=home))
    return cases, ""


def measure(case: Case, timeout: float) -> None:
    if case.failure:
        return
    if case.prepare is not None:
        case.prepare()
    try:
        seconds, peak = common.first_frame(case.argv, env=case.env, markers=case.markers, cwd=case.cwd,
                                           timeout=timeout)
    except common.FirstFrameError as error:
        case.failure = str(error)
        common.say(f"{case.label}: {error}")
        return
    case.time.add(seconds)
    if peak is not None:
        case.memory.add(peak)


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0], extend=lambda p: p.add_argument(
        "--no-elia", action="store_true", help="skip the Elia peer"))
    sizes = [0, 20, 50] if args.small else [0, 1_000, 10_000]
    elia_sizes = [20] if args.small else [1_000, 10_000]
    timeout = 60.0 if args.small else 180.0
    scratch = Path(tempfile.mkdtemp(prefix="ccsess-bench-ff-"))
    # Installed packages (textual, Elia) start from compiled bytecode; give ccsess's editable source the same.
    compileall.compile_dir(str(common.ROOT / "tui"), quiet=1)
    try:
        bare = bare_case(scratch)
        cases = [bare] + [ccsess_case(scratch, size) for size in sizes]
        cases += after_change_cases(scratch, sizes[-1])
        elia_problem = "skipped (--no-elia)"
        if not args.no_elia:
            peers, elia_problem = elia_cases(scratch, elia_sizes, install=not args.small)
            cases += peers
        if elia_problem:
            print(f"Elia peer: {elia_problem}")
        common.say("warming up (one run of each, not counted) ...")
        for case in cases:
            measure(case, timeout)
            case.time.values.clear()
            case.memory.values.clear()
        for run in range(args.runs):
            common.say(f"run {run + 1}/{args.runs} ...")
            for case in cases:
                measure(case, timeout)
        report(bare, cases)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if not bare.failure else 1


def report(bare: Case, cases: list[Case]) -> None:
    rows = []
    for case in cases:
        is_ccsess = case.label.startswith("ccsess")
        if case.failure:
            rows.append([case.label, "failed", case.failure[:60], "-", "-", "-", "-"])
            continue
        time_ratio = case.time.median / bare.time.median if bare.time.values else float("nan")
        extra_memory = case.memory.median - bare.memory.median if bare.memory.values else float("nan")
        target = ""
        if is_ccsess:
            target = f"time <= {RATIO_TARGET}x {common.verdict(time_ratio <= RATIO_TARGET)}"
            if case.sessions and case.sessions >= 10_000:
                target += (f"; memory <= bare + {MEMORY_TARGET_MIB:.0f} MiB "
                           f"{common.verdict(extra_memory <= MEMORY_TARGET_MIB)}")
        rows.append([case.label, case.time.show(case.time.median), case.time.spread,
                     common.ratio(case.time.median, bare.time.median),
                     case.memory.show(case.memory.median),
                     "" if case is bare else f"{extra_memory:+.1f} MiB", target])
    runs = len(bare.time.values)
    common.print_table(f"First frame on a 120x40 PTY (median of {runs} runs)",
                       ["figure", "median", "min - max", "vs bare", "peak memory", "vs bare", "target"], rows)


if __name__ == "__main__":
    sys.exit(main())
