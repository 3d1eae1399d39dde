"""First frame in a real terminal (tmux, 120x40) with 10,000 sessions that `ccsess import` brought in from
generated Claude Code session files (``--small``: 200).

The clock runs from starting the tmux session until the newest session's name is on the screen tmux shows; the
reference is the bare Textual app (bench/peers/bare_app.py) started and watched the same way, in the same run,
the two taking turns. Needs tmux.

    .venv/bin/python bench/bench_first_frame_terminal.py [--small] [--runs N]
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
from peers.bare_app import MARKER  # noqa: E402

RATIO_TARGET = 1.3
SESSION = "ccsess-bench-first-frame"
WORDS = "fix the parser add tests update docs refactor store speed up search import export review branch".split()


def write_claude_files(root: Path, count: int) -> str:
    """``count`` Claude Code session files (a prompt and a reply each) in 20 project folders; returns the name
    the newest one gets."""
    rng = random.Random(5)
    newest = ""
    for n in range(count):
        folder = root / f"-home-u-work-proj{n % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        session_id = str(uuid.UUID(int=rng.getrandbits(128)))
        stamp = f"2026-11-{1 + n * 28 // count:02d}T10:{n % 60:02d}:{n % 50:02d}.000Z"
        prompt = " ".join(rng.choice(WORDS) for _ in range(4)) + f" {n}"
        user, reply = str(uuid.uuid4()), str(uuid.uuid4())
        common_fields = {"sessionId": session_id, "timestamp": stamp, "cwd": f"/home/u/work/proj{n % 20}"}
        lines = [{"type": "user", "uuid": user, "parentUuid": None, **common_fields,
                  "message": {"role": "user", "content": prompt}},
                 {"type": "assistant", "uuid": reply, "parentUuid": user, **common_fields,
                  "message": {"id": f"msg_{n}", "role": "assistant", "model": "claude-sonnet-4-5",
                              "content": [{"type": "text", "text": f"Done: {prompt}"}],
                              "usage": {"input_tokens": 10, "output_tokens": 5}}}]
        (folder / f"{session_id}.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
        newest = prompt
    return newest


def tmux(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", *args], capture_output=True, text=True)


def time_to_screen(argv: list[str], marker: str, timeout: float = 60.0) -> float:
    tmux("kill-session", "-t", SESSION)
    start = time.perf_counter()
    tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", SESSION, *argv)
    try:
        while time.perf_counter() - start < timeout:
            if marker in tmux("capture-pane", "-p", "-t", SESSION).stdout:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise SystemExit(f"{marker!r} not on screen after {timeout:.0f} s")
    finally:
        tmux("kill-session", "-t", SESSION)
        time.sleep(0.3)


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    if shutil.which("tmux") is None:
        print("tmux is not installed: nothing measured")
        return 1
    count = 200 if args.small else 10_000
    scratch = Path(tempfile.mkdtemp(prefix="ccsess-bench-terminal-"))
    try:
        common.say(f"writing {count:,} Claude Code session files and importing them ...")
        newest = write_claude_files(scratch / "claude", count)
        data_dir = scratch / "data"
        ccsess = str(common.venv_executable("ccsess"))
        environment = ["env", f"CCSESS_DATA_DIR={data_dir}", f"CCSESS_CONFIG={scratch / 'none.toml'}",
                       f"HOME={scratch}"]
        started = time.perf_counter()
        subprocess.run([*environment, ccsess, "import", "--from", str(scratch / "claude")], check=True,
                       capture_output=True, timeout=1800)
        imported = time.perf_counter() - started
        cases = {"bare Textual app": ([sys.executable, str(common.PEERS_DIR / "bare_app.py")], MARKER),
                 # The sidebar shows the start of a name; 20 characters fit at any width.
                 f"ccsess, {count:,} imported sessions": ([*environment, ccsess], newest[:20])}
        times: dict[str, list[float]] = {label: [] for label in cases}
        for run in range(args.runs + 1):  # the first round warms the caches and is not counted
            for label, (argv, marker) in cases.items():
                seconds = time_to_screen(argv, marker)
                if run:
                    times[label].append(seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    bare = statistics.median(times["bare Textual app"])
    rows = []
    for label, values in times.items():
        median = statistics.median(values)
        ratio = median / bare
        target = "" if label.startswith("bare") else f"<= {RATIO_TARGET}x {common.verdict(ratio <= RATIO_TARGET)}"
        rows.append([label, f"{median * 1000:.0f} ms", f"{min(values) * 1000:.0f} - {max(values) * 1000:.0f} ms",
                     f"{ratio:.2f}x", target])
    rows.append([f"ccsess import of the {count:,} files", f"{imported:.1f} s", "1 run", "", ""])
    common.print_table(f"First frame in tmux (median of {args.runs} runs)",
                       ["figure", "median", "min - max", "vs bare", "target"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
