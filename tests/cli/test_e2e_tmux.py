"""End to end: the installed ``ccsess`` in a real terminal (tmux), the real claude CLI behind the mock API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.real_cli

CCSESS = Path(sys.executable).parent / "ccsess"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Terminal:
    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.env = env
        self.cwd = cwd

    def start(self) -> None:
        exports = [f"{key}={value}" for key, value in self.env.items()]
        tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", self.name, "-c", str(self.cwd),
             "env", *exports, str(CCSESS))

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            try:
                shown = self.screen()
            except subprocess.CalledProcessError:
                shown = ""
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{shown}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True).returncode == 0

    def wait_closed(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive():
            time.sleep(0.2)
        assert not self.alive(), self.screen()

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def test_installed_ccsess_in_tmux(tmp_path, claude_bin, claude_env, mock_api):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed; this end-to-end test needs it (apt-get install tmux)")
    if not CCSESS.exists():
        pytest.fail(f"the ccsess command is not installed at {CCSESS}; `make test` installs it")
    project = tmp_path / "project"
    project.mkdir()
    editor = tmp_path / "editor"
    editor.write_text(f"#!{sys.executable}\nimport sys\np = sys.argv[1]\n"
                      "text = open(p).read()\nopen(p, 'w').write(text.upper() + ' (EDITED)')\n")
    editor.chmod(0o700)
    env = {
        **claude_env,
        "TERM": "xterm-256color",
        "CCSESS_DATA_DIR": str(tmp_path / "data"),
        "CCSESS_CONFIG": str(tmp_path / "config" / "config.toml"),
        "CCSESS_CLAUDE": str(claude_bin),
        "PATH": os.environ.get("PATH", ""),
        "VISUAL": str(editor),
    }
    terminal = Terminal(f"ccsess-e2e-{uuid.uuid4().hex[:8]}", env, project)
    try:
        terminal.start()
        terminal.wait_for("No session open")
        terminal.keys("hello from tmux", literal=True)
        terminal.keys("Enter")
        shown = terminal.wait_for("Echo #1: hello from tmux")
        assert "\x1b" not in shown
        terminal.wait_for("warm")

        # A question: the card opens, the digit 2 answers it at once, claude receives the answer.
        terminal.keys("@@ask pick a colour", literal=True)
        terminal.keys("Enter")
        terminal.wait_for("2. Orange")
        terminal.keys("2")
        terminal.wait_for('="Orange"')
        terminal.wait_for("warm")

        # A plan: shift+tab twice reaches plan mode, the review opens, `a` approves it.
        terminal.keys("BTab")
        terminal.wait_for("mode acceptEdits")
        terminal.keys("BTab")
        terminal.wait_for("mode plan")
        terminal.keys("@@plan the button", literal=True)
        terminal.keys("Enter")
        terminal.wait_for("Wire it to save()")
        terminal.keys("a")
        terminal.wait_for("Tool said: User has approved")
        terminal.wait_for("warm")
        terminal.keys("C-q")
        terminal.wait_closed()

        terminal.start()
        terminal.wait_for("hello from tmux")
        terminal.wait_for(f"/{project.name}")
        # ctrl+e: the app gives the terminal to $VISUAL and takes the edited prompt back.
        terminal.keys("a draft", literal=True)
        terminal.keys("C-e")
        terminal.wait_for("A DRAFT (EDITED)")
        terminal.keys("C-q")
        terminal.wait_closed()
    finally:
        terminal.kill()
