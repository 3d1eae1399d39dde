"""A harness for engine tests: an Engine over a real Store, its events in a queue, and helpers to wait on them."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ccsess.core.claude import events as ev
from ccsess.core.config import Config
from ccsess.core.claude.engine import Engine
from ccsess.core.store.store import Store

WAIT = 60.0


class Kit:
    def __init__(self, store: Store, project: Path, claude: Path, env: dict[str, str]) -> None:
        self.store = store
        self.project = project
        self.claude = claude
        self.env = env
        self.events: queue.Queue[ev.EngineEvent] = queue.Queue()
        self.seen: list[ev.EngineEvent] = []
        self.engine: Engine | None = None

    def start(self, **config: Any) -> Engine:
        settings: dict[str, Any] = {"claude": str(self.claude), "max_live": 4, "idle_timeout": 600}
        settings.update(config)
        self.engine = Engine(self.store, Config(**settings), self.events.put, env=self.env)
        return self.engine

    def new_session(self, name: str = "test", **fields: Any) -> str:
        return self.store.create_session(name, str(self.project), **fields).id

    def wait_for(self, predicate: Callable[[ev.EngineEvent], bool], timeout: float = WAIT) -> ev.EngineEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds = [type(e).__name__ for e in self.seen[-20:]]
                raise AssertionError(f"event not seen within {timeout} s; last events: {kinds}")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(event)
            if predicate(event):
                return event

    def wait_type(self, kind: type, session_id: str | None = None, timeout: float = WAIT) -> Any:
        return self.wait_for(lambda e: isinstance(e, kind) and (session_id is None or e.session_id == session_id),
                             timeout)

    def turn(self, session_id: str, prompt: str, timeout: float = WAIT) -> ev.TurnFinished:
        assert self.engine is not None
        self.engine.send(session_id, prompt)
        return self.wait_type(ev.TurnFinished, session_id, timeout)

    def of_type(self, kind: type, session_id: str | None = None) -> list[Any]:
        return [e for e in self.seen if isinstance(e, kind) and (session_id is None or e.session_id == session_id)]

    def assistant_texts(self, session_id: str, **kwargs: Any) -> list[str]:
        return [m.text for m in self.store.messages(session_id, **kwargs) if m.role == "assistant"]


@pytest.fixture
def kit(tmp_path: Path, data_dir: Path, claude_bin: Path, claude_env: dict[str, str]):
    project = tmp_path / "project"
    project.mkdir()
    made = Kit(Store(data_dir), project, claude_bin, dict(claude_env))
    yield made
    if made.engine is not None:
        made.engine.shutdown(timeout=5)


@pytest.fixture
def fake_kit(tmp_path: Path, data_dir: Path, fake_claude: Path):
    project = tmp_path / "project"
    project.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", os.defpath), "NO_COLOR": "1"}
    made = Kit(Store(data_dir), project, fake_claude, env)
    yield made
    if made.engine is not None:
        made.engine.shutdown(timeout=5)
