"""Export and import speed on one long session (10,000 messages; ``--small``: 200).

A Claude Code session file of that size is written in the CLI's record format, imported, then exported as
Markdown and JSON. For comparison, claude-code-log converts the same file to Markdown when it is installed
(``--claude-code-log PATH`` or on PATH). Prints a table: median and min-max of 5 runs.

    python bench/bench_export.py [--small] [--claude-code-log PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tui"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
from _common import fsync_skipped, print_table  # noqa: E402

from ccsess.core.transfer.export import export_session, render_markdown  # noqa: E402
from ccsess.core.transfer.claude_import import import_sessions  # noqa: E402
from ccsess.core.store.store import Store  # noqa: E402

RUNS = 5
REPLY = (
    "Here is a change to consider:\n\n```python\ndef total(items):\n    return sum(i.price for i in items)\n```\n\n"
    "| case | result |\n|---|---|\n| empty | 0 |\n| one | price |\n\n- keep it small\n- test it\n"
)


def record(kind: str, parent: str | None, session_id: str, at: float, message: dict) -> dict:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at * 1000) % 1000:03d}Z"
    return {"parentUuid": parent, "isSidechain": False, "type": kind, "message": message, "uuid": str(uuid.uuid4()),
            "timestamp": stamp, "userType": "external", "entrypoint": "sdk-cli", "cwd": "/home/u/work",
            "sessionId": session_id, "version": "2.1.328", "gitBranch": "HEAD"}


def write_claude_session(path: Path, messages: int) -> None:
    """A session file with ``messages`` ccsess messages: prompts, replies, and every fifth turn a tool call."""
    session_id = path.stem
    lines: list[str] = [json.dumps({"type": "custom-title", "customTitle": "bench session", "sessionId": session_id})]
    parent, at, made, turn = None, 1_790_000_000.0, 0, 0
    while made < messages:
        turn += 1
        user = record("user", parent, session_id, at, {"role": "user", "content": f"Question {turn}: how to sum?"})
        lines.append(json.dumps(user))
        parent, made, at = user["uuid"], made + 1, at + 1
        msg_id = f"msg_{uuid.uuid4().hex[:24]}"
        usage = {"input_tokens": 100, "output_tokens": 50}
        if turn % 5 == 0 and made + 3 <= messages:
            call = {"type": "tool_use", "id": f"toolu_{turn}", "name": "Bash", "input": {"command": f"echo {turn}"}}
            reply = record("assistant", parent, session_id, at, {"id": msg_id, "role": "assistant",
                           "model": "claude-opus-5-5", "content": [call], "usage": usage})
            result = record("user", reply["uuid"], session_id, at + 1, {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": f"toolu_{turn}", "content": str(turn), "is_error": False}]})
            lines += [json.dumps(reply), json.dumps(result)]
            parent, made, at, msg_id = result["uuid"], made + 2, at + 2, f"msg_{uuid.uuid4().hex[:24]}"
        reply = record("assistant", parent, session_id, at, {"id": msg_id, "role": "assistant",
                       "model": "claude-opus-5-5", "content": [{"type": "text", "text": REPLY}], "usage": usage})
        lines.append(json.dumps(reply))
        parent, made, at = reply["uuid"], made + 1, at + 1
    path.write_text("\n".join(lines) + "\n")


def measure(work: Callable[[], object], runs: int = RUNS) -> tuple[float, float, float]:
    return _common.measure(work, runs)


ROWS: list[list[str]] = []


def row(label: str, figures: tuple[float, float, float] | str, note: str = "") -> None:
    ROWS.append(_common.figure_row(label, figures, note))


def claude_code_log(binary: str | None, source: Path, out: Path) -> tuple[float, float, float] | str:
    if not binary:
        return ("not run: claude-code-log is not installed "
                "(put it on PATH or pass --claude-code-log; e.g. pip install claude-code-log in a venv)")

    def convert() -> None:
        done = subprocess.run([binary, str(source), "-o", str(out), "--format", "md", "--no-cache"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")

    try:
        return measure(convert)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        return f"not run: claude-code-log failed: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 messages, for a quick smoke run")
    parser.add_argument("--claude-code-log", help="path of the claude-code-log command")
    args = parser.parse_args(argv)
    count = 200 if args.small else 10_000
    with tempfile.TemporaryDirectory(prefix="ccsess-bench-") as scratch:
        root = Path(scratch)
        project = root / "projects" / "-home-u-work"
        project.mkdir(parents=True)
        source = project / f"{uuid.uuid4()}.jsonl"
        write_claude_session(source, count)
        store = Store(root / "data")

        start = time.perf_counter()
        with fsync_skipped():
            report = import_sessions(store, root / "projects")
        first_import = time.perf_counter() - start
        session = store.list_sessions()[0]
        assert report.created and session.message_count == count, (report.summary(), session.message_count)
        messages = store.messages(session.id)

        row("import the session file, first time (fsync off)", (first_import,) * 3, "1 run")
        row("import again, file unchanged", measure(lambda: import_sessions(store, root / "projects")))
        row("read the transcript from the store", measure(lambda: store.messages(session.id)))
        row("render Markdown (no store access)", measure(lambda: render_markdown(session, messages)))
        row("export Markdown (store + render)", measure(lambda: export_session(store, session.id)))
        row("export JSON (store + render)", measure(lambda: export_session(store, session.id, fmt="json")))
        size = len(export_session(store, session.id).encode())

        many = root / "many" / "-home-u-work"
        many.mkdir(parents=True)
        files = 20 if args.small else 300
        for _ in range(files):
            write_claude_session(many / f"{uuid.uuid4()}.jsonl", 20)
        many_store = Store(root / "data-many")
        with fsync_skipped():
            import_sessions(many_store, many.parent)
        row(f"import again, {files} unchanged files", measure(lambda: import_sessions(many_store, many.parent)))
        binary = args.claude_code_log or shutil.which("claude-code-log")
        row("claude-code-log convert --format md --no-cache", claude_code_log(binary, source, root / "out.md"))
        print_table(
            f"Export and import, one session of {count:,} messages (Claude file {source.stat().st_size / 1e6:.1f} MB, "
            f"Markdown {size / 1e6:.2f} MB); median of {RUNS}",
            ["figure", "median", "min - max", "note"], ROWS,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
