"""Run every bench/bench_*.py, one after another, each in its own process, and print their tables together.

    .venv/bin/python bench/run_all.py [--small] [--only NAME ...]     (``make bench``)

Each script's progress goes to the terminal as it runs; its tables (the lines it prints) are collected and
printed again at the end, under a summary of exit codes and durations.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def scripts(only: list[str] | None = None) -> list[Path]:
    found = sorted(BENCH_DIR.glob("bench_*.py"))
    if only:
        found = [path for path in found if any(name in path.stem for name in only)]
    return found


def peer_path(small: bool) -> dict[str, str]:
    """The environment for the scripts: peers that run as commands (claude-code-log) put on PATH."""
    env = dict(os.environ)
    sys.path.insert(0, str(BENCH_DIR))
    from peers import claude_code_log

    executable, problem = claude_code_log.ensure_installed(install=not small)
    if executable is None:
        if not small:
            print(f"claude-code-log peer: {problem}", flush=True)
    else:
        env["PATH"] = os.pathsep.join([env.get("PATH", ""), str(executable.parent)])
    return env


def run(script: Path, small: bool, timeout: float, env: dict[str, str]) -> tuple[int, float, str]:
    """Exit code, seconds and stdout of one script; its stdout is also echoed as it arrives."""
    argv = [sys.executable, str(script)] + (["--small"] if small else [])
    began = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=BENCH_DIR.parent, env=env) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                lines.append(line)
                print(line, end="", flush=True)
                if time.perf_counter() - began > timeout:
                    raise subprocess.TimeoutExpired(argv, timeout)
            code = process.wait(timeout=max(1.0, timeout - (time.perf_counter() - began)))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            lines.append(f"\n{script.name}: stopped after {timeout:.0f} s\n")
            code = -9
    return code, time.perf_counter() - began, "".join(lines)


def has_table(output: str) -> bool:
    return any(line.lstrip().startswith("|") for line in output.splitlines())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny data and few runs (what the smoke test uses)")
    parser.add_argument("--only", nargs="*", help="run only scripts whose name contains one of these words")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per script")
    args = parser.parse_args()
    env = peer_path(args.small)
    results = []
    for script in scripts(args.only):
        print(f"\n# {script.name}{' --small' if args.small else ''}\n", flush=True)
        code, seconds, output = run(script, args.small, args.timeout, env)
        results.append((script.name, code, seconds, output))
    print("\n\n# Summary\n")
    print("| script | exit | time | tables |")
    print("|---|---|---|---|")
    for name, code, seconds, output in results:
        tables = sum(1 for line in output.splitlines() if line.startswith("## ")) or int(has_table(output))
        print(f"| {name} | {code} | {seconds:.0f} s | {tables} |")
    for name, _code, _seconds, output in results:
        print(f"\n# {name}\n")
        print(output.strip() or "(no output)")
    return 0 if all(code == 0 for _name, code, _s, _o in results) else 1


if __name__ == "__main__":
    sys.exit(main())
