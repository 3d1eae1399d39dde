"""Shared fixtures: temporary data dir, the mock Messages API, the real and the fake `claude`."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from support.claude_cli import DEFAULT_VERSION, ClaudeInstallError, ensure_claude
from support.env import claude_env_for, write_fake_claude_wrapper
from support.mock_api import MockAnthropic

# A suite started in the background (`&` in a script, nohup) inherits SIGINT ignored, and so would every process it
# starts; the tests that press Ctrl-C in ccsess or claude need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", default=False,
                     help="also run the long fault-injection tests marked soak")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="soak test: run with --soak")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data dir (0700) set as CCSESS_DATA_DIR; CCSESS_CONFIG names a file that does not exist."""
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("CCSESS_DATA_DIR", str(path))
    monkeypatch.setenv("CCSESS_CONFIG", str(tmp_path / "config" / "config.toml"))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project directory for sessions to run in."""
    path = tmp_path / "work" / "project"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def mock_api():
    """A running MockAnthropic on a free 127.0.0.1 port, stopped after the test."""
    with MockAnthropic() as server:
        yield server


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """The real Claude Code CLI binary, installed into the test cache on first use (the pinned version, or
    $CCSESS_TEST_CLAUDE_VERSION to run the real-CLI tests against another one)."""
    try:
        return ensure_claude(os.environ.get("CCSESS_TEST_CLAUDE_VERSION") or DEFAULT_VERSION)
    except ClaudeInstallError as exc:
        pytest.fail(f"real Claude Code CLI unavailable: {exc}", pytrace=False)


@pytest.fixture
def claude_env(tmp_path: Path, mock_api: MockAnthropic) -> dict[str, str]:
    """Environment for running claude offline against `mock_api`, with a scratch HOME."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return claude_env_for(mock_api.url, home)


@pytest.fixture(scope="session")
def fake_claude(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An executable named `claude` that runs tests/fake_claude.py with this interpreter."""
    return write_fake_claude_wrapper(tmp_path_factory.mktemp("fake-claude"))
