"""Telling other programs what sessions do: ``notify_command`` (a program run per event) and ``webhook_url`` (a JSON
POST per event).

Both run on their own background thread behind a bounded queue, one event after another in the order they
happened, so a slow or dead receiver never holds up the app or a turn: when the queue is full the newest event is
dropped and counted. Failures are logged and reported once through ``on_failure`` as one line.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import queue
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ccsess.core.claude import events as ev
from ccsess.core.errors import StoreError
from ccsess.core.models import Session
from ccsess.core.store.api import SessionStore

log = logging.getLogger(__name__)

QUEUE_SIZE = 100
COMMAND_TIMEOUT = 10.0
WEBHOOK_TIMEOUT = 5.0


@dataclass(frozen=True)
class HookEvent:
    event: str
    session: dict[str, Any]
    timestamp: float = field(default_factory=time.time)
    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        moment = _dt.datetime.fromtimestamp(self.timestamp, _dt.UTC).isoformat(timespec="milliseconds")
        return {"event": self.event, "session": self.session, "timestamp": moment.replace("+00:00", "Z"),
                "data": self.data}

    def environment(self) -> dict[str, str]:
        return {"CCSESS_EVENT": self.event, "CCSESS_SESSION_ID": str(self.session.get("id") or ""),
                "CCSESS_SESSION_NAME": str(self.session.get("name") or ""),
                "CCSESS_PROJECT": str(self.session.get("project") or ""),
                "CCSESS_STATUS": str(self.session.get("status") or "")}


def session_fields(session: Session, status: str | None = None) -> dict[str, Any]:
    return {"id": session.id, "name": session.name, "status": status or session.status, "project": session.project,
            "model": session.model}


def hook_for(event: ev.EngineEvent) -> tuple[str, str | None, dict[str, Any]] | None:
    """The hook an engine event stands for: its name, the status to report and its data; None for the rest."""
    match event:
        case ev.TurnStarted():
            return "start", "active", {"prompt_message_id": event.prompt_message_id}
        case ev.TurnFinished(is_error=False, interrupted=False):
            return "turn_finished", None, {"cost_usd": event.cost_usd, "duration_ms": event.duration_ms}
        case ev.PermissionRequested():
            return "waiting", "waiting", {"request": "permission", "tool_name": event.tool_name}
        case ev.QuestionAsked():
            return "waiting", "waiting", {"request": "question",
                                          "questions": [q.question for q in event.questions]}
        case ev.PlanProposed():
            return "waiting", "waiting", {"request": "plan"}
        case ev.SessionFailed():
            return "error", "failed", {"reason": event.reason, "kind": event.kind}
        case ev.LimitReached():
            return "limit_reached", "limited", {"reason": event.reason, "limit": event.limit}
    return None


class _Worker:
    """One background thread handling items in order from a bounded queue."""

    def __init__(self, name: str, handle: Callable[[HookEvent], None]) -> None:
        self._handle = handle
        self._queue: queue.Queue[HookEvent | None] = queue.Queue(QUEUE_SIZE)
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, item: HookEvent) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            log.warning("hook queue full: dropped a %s event", item.event)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._handle(item)
            except Exception:
                log.exception("hook failed")

    def close(self, timeout: float) -> None:
        """Send what is queued, waiting at most ``timeout`` seconds."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)


class Hooks:
    """Sends each event to the configured command and webhook. ``fire`` never blocks and never raises."""

    def __init__(self, store: SessionStore, *, command: list[str] | None = None, webhook_url: str | None = None,
                 on_failure: Callable[[str], None] | None = None, env: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.command = list(command or [])
        self.webhook_url = webhook_url
        self.on_failure = on_failure
        self.env = dict(env if env is not None else os.environ)
        self.failures = {"command": 0, "webhook": 0}
        self._workers: list[_Worker] = []
        if self.command:
            self._workers.append(_Worker("ccsess-notify-command", self._run_command))
        if self.webhook_url:
            self._workers.append(_Worker("ccsess-webhook", self._post))

    @property
    def active(self) -> bool:
        return bool(self._workers)

    def engine_event(self, event: ev.EngineEvent,
                     hook: tuple[str, str | None, dict[str, Any]] | None = None) -> None:
        """Send the hook ``event`` stands for (``hook``, when the caller has already worked it out)."""
        if not self._workers:
            return
        hook = hook or hook_for(event)
        if hook is None:
            return
        name, status, data = hook
        try:
            session = self.store.get_session(event.session_id)
        except StoreError:
            return
        self.fire(HookEvent(name, session_fields(session, status), data=data))

    def fire(self, event: HookEvent) -> None:
        for worker in self._workers:
            worker.put(event)

    def close(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.close(max(0.0, deadline - time.monotonic()))

    def _failed(self, what: str, reason: str) -> None:
        self.failures[what] += 1
        log.warning("%s failed: %s", what, reason)
        if self.failures[what] == 1 and self.on_failure is not None:
            label = "notify_command" if what == "command" else "webhook"
            self.on_failure(f"{label} failed: {reason} (further failures are only logged)")

    def _run_command(self, event: HookEvent) -> None:
        body = json.dumps(event.payload()).encode()
        try:
            process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, env={**self.env, **event.environment()},
                                       start_new_session=True)
        except OSError as error:
            self._failed("command", f"cannot run {self.command[0]}: {error.strerror or error}")
            return
        try:
            _, stderr = process.communicate(body, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            self._failed("command", f"{self.command[0]} took longer than {COMMAND_TIMEOUT:g} s and was stopped")
            return
        if process.returncode != 0:
            tail = stderr.decode(errors="replace").strip().splitlines()[-1:] if stderr else []
            self._failed("command", f"{self.command[0]} exited with code {process.returncode}"
                         + (f": {tail[0][:200]}" if tail else ""))

    def _post(self, event: HookEvent) -> None:
        assert self.webhook_url is not None
        request = urllib.request.Request(self.webhook_url, data=json.dumps(event.payload()).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "User-Agent": "ccsess-webhook"})
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read(1024)
        except urllib.error.HTTPError as error:
            self._failed("webhook", f"{self.webhook_url} answered {error.code}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            self._failed("webhook", f"{self.webhook_url} could not be reached ({reason})")
