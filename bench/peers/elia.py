"""Elia (the ``elia-chat`` package) as a first-frame peer, installed into its own venv in the bench cache."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _common as common  # noqa: E402

PACKAGE = "elia-chat"
MARKER = "bench marker chat"


class PeerError(RuntimeError):
    pass


def venv_dir() -> Path:
    return common.cache_dir() / "elia-venv"


def ensure_installed(*, install: bool = True) -> tuple[Path | None, str]:
    """The interpreter of a venv with Elia in it, installing it on first use; or None and why not."""
    root = venv_dir()
    python = root / "bin" / "python"
    if python.exists() and (root / "bin" / "elia").exists():
        return python, ""
    if not install:
        return None, f"not installed in {root} (a full run installs it)"
    common.say(f"installing {PACKAGE} into {root} ...")
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", PACKAGE],
                                capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"could not install {PACKAGE}: {error}"
    if result.returncode != 0 or not (root / "bin" / "elia").exists():
        lines = [line for line in (result.stderr or result.stdout).splitlines() if "ERROR" in line] or \
            (result.stderr or result.stdout).strip().splitlines()[-1:]
        return None, f"could not install {PACKAGE}: {' / '.join(lines)[:300] or 'pip failed'}"
    return python, ""


def prepare(python: Path, home: Path, conversations: int) -> tuple[list[str], str]:
    """Elia's database with ``conversations`` chats under ``home``'s XDG dirs; returns (argv, marker)."""
    env = environment(home)
    result = subprocess.run([str(python), str(Path(__file__).with_name("elia_make_db.py")),
                             str(conversations), MARKER], env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PeerError(f"could not build Elia's database: {tail[0][:300]}")
    return [str(python.parent / "elia")], MARKER


def environment(home: Path) -> dict[str, str]:
    env = common.terminal_env(home)
    env.setdefault("OPENAI_API_KEY", os.environ.get("OPENAI_API_KEY", "sk-bench-not-used"))
    return env
