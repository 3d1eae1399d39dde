"""Each bench script runs on tiny data (``--small``) and prints a table. Figures are not checked here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(BENCH_DIR.glob("bench_*.py"))


def run_small(script: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCSESS_")}
    return subprocess.run([sys.executable, str(script), "--small"], cwd=BENCH_DIR.parent, env=env,
                          capture_output=True, text=True, timeout=840)


def table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.lstrip().startswith("|") and line.count("|") >= 3]


def test_bench_scripts_found():
    names = {path.name for path in SCRIPTS}
    assert {"bench_first_frame.py", "bench_stream.py"} <= names


@pytest.mark.timeout(900)
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_bench_script_runs_small(script: Path):
    result = run_small(script)
    assert result.returncode == 0, f"{script.name} exited {result.returncode}:\n{result.stderr[-3000:]}"
    rows = table_lines(result.stdout)
    assert len(rows) >= 3, f"{script.name} printed no table:\n{result.stdout[-2000:]}"
    assert "Traceback" not in result.stdout


def test_run_all_small_summarises_every_script(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH_DIR / "run_all.py"), "--small", "--only", "bench_tui"],
                            cwd=BENCH_DIR.parent, capture_output=True, text=True, timeout=840)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = result.stdout.split("# Summary", 1)[1]
    assert "| bench_tui.py | 0 |" in summary
    assert "TUI open a session" in summary
