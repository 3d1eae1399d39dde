"""notify_command and webhooks: every event in order with its fields, a dead or slow receiver never blocks."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ccsess.core.claude import events as ev
from ccsess.core.hooks import Hooks
from ccsess.core.store.store import Store

RECORDER = """
import json, os, sys
event = json.load(sys.stdin)
keys = ("CCSESS_EVENT", "CCSESS_SESSION_ID", "CCSESS_SESSION_NAME", "CCSESS_PROJECT", "CCSESS_STATUS")
with open(sys.argv[1], "a") as out:
    out.write(json.dumps({"env": {k: os.environ.get(k) for k in keys}, "stdin": event}) + "\\n")
"""


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"type": self.headers["Content-Type"], "body": json.loads(body)})
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Receiver,), {"received": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, handler
    httpd.shutdown()


def session_events(sid: str) -> list[ev.EngineEvent]:
    return [ev.TurnStarted(sid, "p1"), ev.TextDelta(sid, "hi"),
            ev.PermissionRequested(sid, "r1", "Bash", {"command": "ls"}),
            ev.TurnFinished(sid, False, cost_usd=0.25), ev.SessionFailed(sid, "claude exited", kind="exited"),
            ev.LimitReached(sid, "reached its limit of 2 turns", "max_turns")]


def test_command_and_webhook_get_every_event_in_order(data_dir, tmp_path, server):
    httpd, handler = server
    store = Store(data_dir)
    session = store.create_session("hooked", str(tmp_path), model="opus")
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    out = tmp_path / "events.jsonl"
    hooks = Hooks(store, command=[sys.executable, str(script), str(out)],
                  webhook_url=f"http://127.0.0.1:{httpd.server_port}/hook")
    for event in session_events(session.id):
        hooks.engine_event(event)
    hooks.close(timeout=20)

    names = ["start", "waiting", "turn_finished", "error", "limit_reached"]
    posted = [item["body"] for item in handler.received]
    assert [body["event"] for body in posted] == names
    assert all(item["type"] == "application/json" for item in handler.received)
    first = posted[0]
    assert first["session"] == {"id": session.id, "name": "hooked", "status": "active", "project": str(tmp_path),
                                "model": "opus"}
    assert first["timestamp"].endswith("Z") and posted[1]["data"] == {"request": "permission", "tool_name": "Bash"}
    assert posted[2]["data"]["cost_usd"] == 0.25 and posted[4]["session"]["status"] == "limited"

    runs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [run["env"]["CCSESS_EVENT"] for run in runs] == names
    assert runs[1]["env"] == {"CCSESS_EVENT": "waiting", "CCSESS_SESSION_ID": session.id,
                              "CCSESS_SESSION_NAME": "hooked", "CCSESS_PROJECT": str(tmp_path),
                              "CCSESS_STATUS": "waiting"}
    assert [run["stdin"] for run in runs] == posted, "the command reads the same JSON on stdin"


def test_a_dead_endpoint_and_a_failing_command_never_block(data_dir, tmp_path):
    store = Store(data_dir)
    session = store.create_session("hooked", str(tmp_path))
    told: list[str] = []
    hooks = Hooks(store, command=[str(tmp_path / "missing-program")], webhook_url="http://127.0.0.1:9/dead",
                  on_failure=told.append)
    started = time.monotonic()
    for _ in range(500):
        hooks.engine_event(ev.TurnStarted(session.id, "p"))
    assert time.monotonic() - started < 2.0, "firing returns at once whatever the receivers do"
    hooks.close(timeout=10)
    assert hooks.failures["webhook"] >= 1 and hooks.failures["command"] >= 1
    assert sorted(line.split(" failed")[0] for line in told) == ["notify_command", "webhook"], "told once each"
    assert all("\n" not in line for line in told)
