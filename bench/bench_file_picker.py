"""The @ file picker on generated trees of 5,000 and 50,000 files (``--small``: 300 and 2,000).

Each tree is written to disk twice: once as a git work tree (listed with git) and once as a plain folder (walked),
both beside a node_modules folder that the picker leaves out. Figures, each the median of the runs (min-max):
the first build of the list, beside the bare listing it starts from (``git ls-files``, or ``os.walk`` that keeps
everything); and the ranking on each keystroke while typing queries letter by letter, beside a plain substring
filter over the same list. The target is the keystroke: at most 50 ms for the slowest keystroke of a run.

    python bench/bench_file_picker.py [--small] [--runs N]
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tui"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

from ccsess.core.code.file_index import FileList, list_files  # noqa: E402

KEYSTROKE_TARGET_MS = 50.0
WORDS = ("src lib core app utils api models views components server client config docs scripts auth user session "
         "store engine parser render widget screen handler router schema migration fixture cache queue worker "
         "event payment invoice report export import search index").split()
QUERIES = ("sessionstore", "compmodel", "readme", "src/api/rout", "payinv", "testparser")


def tree_paths(count: int, rng: random.Random) -> list[str]:
    """``count`` files in about ``count / 12`` folders up to five deep, named from a small vocabulary."""
    folders = ["src", "tests", "docs"]
    while len(folders) < max(4, count // 12):
        parent = rng.choice(folders) if rng.random() < 0.8 else ""
        if parent.count("/") >= 4:
            continue
        name = rng.choice(WORDS) + (f"_{rng.choice(WORDS)}" if rng.random() < 0.25 else "")
        folders.append(f"{parent}/{name}".lstrip("/"))
    paths: set[str] = {"README.md", "pyproject.toml"}
    while len(paths) < count:
        name = rng.choice(WORDS) + (f"_{rng.choice(WORDS)}" if rng.random() < 0.5 else "")
        paths.add(f"{rng.choice(folders)}/{name}{rng.choice(('.py', '.ts', '.tsx', '.md', '.json', '.go'))}")
    return sorted(paths)


def write_tree(root: Path, paths: list[str], rng: random.Random) -> None:
    for path in paths:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path)
        when = time.time() - rng.randint(0, 60 * 86400)
        os.utime(target, (when, when))
    for n in range(len(paths) // 10):
        target = root / "node_modules" / f"pkg{n % 50}" / f"file{n}.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x")


def make_git(root: Path) -> None:
    (root / ".gitignore").write_text("node_modules/\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "tree"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def keystrokes(files: FileList) -> list[float]:
    """Seconds of each keystroke's ranking while every query is typed letter by letter."""
    times = []
    for query in QUERIES:
        for end in range(1, len(query) + 1):
            start = time.perf_counter()
            files.rank(query[:end])
            times.append(time.perf_counter() - start)
    return times


def substring_keystrokes(paths: list[str]) -> list[float]:
    times = []
    for query in QUERIES:
        for end in range(1, len(query) + 1):
            typed = query[:end]
            start = time.perf_counter()
            _ = [path for path in paths if typed in path.lower()][:50]
            times.append(time.perf_counter() - start)
    return times


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms ({min(values) * 1000:.1f}-{max(values) * 1000:.1f})"


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    sizes = [300, 2_000] if args.small else [5_000, 50_000]
    rows = []
    scratch = Path(tempfile.mkdtemp(prefix="ccsess-bench-files-"))
    try:
        for size in sizes:
            rng = random.Random(size)
            paths = tree_paths(size, rng)
            plain, work_tree = scratch / f"plain-{size}", scratch / f"git-{size}"
            common.say(f"writing {size:,} files twice ...")
            write_tree(plain, paths, random.Random(1))
            shutil.copytree(plain, work_tree)
            make_git(work_tree)
            built = {"git": [], "git ls-files": [], "walk": [], "os.walk": []}
            picked, slowest, median_key, substring = [], [], [], []
            for _ in range(args.runs):
                for label, work in (("git", lambda: list_files(work_tree)),
                                    ("git ls-files", lambda: subprocess.run(
                                        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                        cwd=work_tree, capture_output=True, check=True)),
                                    ("walk", lambda: list_files(plain)),
                                    ("os.walk", lambda: [n for _, _, names in os.walk(plain) for n in names])):
                    start = time.perf_counter()
                    result = work()
                    built[label].append(time.perf_counter() - start)
                    if label == "git":
                        listed = result
                picked.append(len(listed.paths))
                times = keystrokes(FileList(listed.root, listed.paths))
                slowest.append(max(times))
                median_key.append(statistics.median(times))
                substring.append(max(substring_keystrokes(listed.paths)))
            entries = statistics.median(picked)
            rows += [
                [f"{size:,} files: first list, git work tree", ms(built["git"]), f"git ls-files alone {ms(built['git ls-files'])}",
                 f"{entries:,.0f} files and folders"],
                [f"{size:,} files: first list, plain folder", ms(built["walk"]), f"os.walk keeping all {ms(built['os.walk'])}",
                 "node_modules left out"],
                [f"{size:,} files: slowest keystroke of a run", ms(slowest),
                 f"substring filter {ms(substring)}",
                 f"<= {KEYSTROKE_TARGET_MS:.0f} ms {common.verdict(statistics.median(slowest) * 1000 <= KEYSTROKE_TARGET_MS)}"],
                [f"{size:,} files: median keystroke", ms(median_key), "", ""],
            ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    common.print_table(f"@ file picker (median of {args.runs} runs, min-max; keystrokes: {sum(map(len, QUERIES))} "
                       f"per run)", ["figure", "ccsess", "reference (same run)", "note"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
