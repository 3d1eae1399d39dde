"""claude-code-log (the export peer) installed into its own venv in the bench cache.

    .venv/bin/python bench/peers/claude_code_log.py      prints the path of its executable (installs on first use)
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common  # noqa: E402

PACKAGE = "claude-code-log"


def ensure_installed(*, install: bool = True) -> tuple[Path | None, str]:
    """The ``claude-code-log`` executable, installing it on first use; or None and why not."""
    root = common.cache_dir() / "claude-code-log-venv"
    executable = root / "bin" / "claude-code-log"
    if executable.exists():
        return executable, ""
    if not install:
        return None, f"not installed in {root}"
    common.say(f"installing {PACKAGE} into {root} ...")
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        result = subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", PACKAGE],
                                capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"could not install {PACKAGE}: {error}"
    if result.returncode != 0 or not executable.exists():
        output = (result.stderr or result.stdout).strip().splitlines()
        lines = [line for line in output if "ERROR" in line] or output[-1:]
        return None, f"could not install {PACKAGE}: {' / '.join(lines)[:300] or 'pip failed'}"
    return executable, ""


if __name__ == "__main__":
    path, problem = ensure_installed()
    if path is None:
        print(problem, file=sys.stderr)
        sys.exit(1)
    print(path)
