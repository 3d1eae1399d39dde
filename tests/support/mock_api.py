"""A local mock of the Anthropic Messages API for driving the real `claude` CLI offline.

`POST /v1/messages` answers with SSE when the body has `"stream": true` and with one JSON message
otherwise. Every other path answers 404 with an Anthropic-style error body. The behaviour is chosen by
markers in the prompt: the last text block of the last user message that is not a `<system-reminder>`-style
block the CLI adds (see mock_scenarios.py):

    plain text          "Echo #<n>: <prompt>", n = number of /v1/messages requests received since start/reset
    @@slow:<sec>        the echo, then 20 more deltas spread over <sec> seconds
    @@long:<KB>         about <KB> KiB of markdown (headings, lists, code fences, a table)
    @@tool:<command>    a text block and a Bash tool_use {"command", "description"}; when the next
                        request's last user message holds the tool_result: "Tool said: <result text>"
    @@thinking          a thinking block (with signature), then the echo
    @@err400|401|429|500|529   that HTTP error with a real-looking error body, every time
    @@errNNN:<k>        that error for the first k requests carrying this prompt, then the normal answer
    @@hang              accepts the request and never sends headers (until stop() or the hang cap)
    @@stall             sends message_start and one delta, then nothing more (until stop() or the cap)

Use `MockAnthropic` as a context manager, or run `python tests/support/mock_api.py --port N`.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.mock_scenarios import (  # noqa: E402
    ERRORS,
    Plan,
    build_plan,
    hex_id,
    last_user_message,
    prompt_text,
    tool_results,
)

__all__ = ["MockAnthropic", "last_user_message", "prompt_text", "tool_results"]


class MockAnthropic:
    """The mock server. `requests` holds every /v1/messages body received, in order."""

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", hang_cap: float = 900.0) -> None:
        self.host = host
        self._wanted_port = port
        self.hang_cap = hang_cap
        self._lock = threading.Lock()
        self._requests: list[dict] = []
        self._failures: dict[tuple[int, str], int] = {}
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> MockAnthropic:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((self.host, self._wanted_port), _Handler)
        server.daemon_threads = True
        server.mock = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="mock-anthropic", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("mock API is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # recorded traffic
    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._failures.clear()

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> list[dict]:
        """Block until at least `count` requests arrived; return them. Raises TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.requests
            if len(current) >= count:
                return current
            if time.monotonic() > deadline:
                raise TimeoutError(f"mock API got {len(current)} requests, expected {count}")
            time.sleep(0.02)

    # used by the handler
    def _record(self, body: dict) -> int:
        with self._lock:
            self._requests.append(body)
            return len(self._requests)

    def _should_fail(self, status: int, times: int | None, prompt: str) -> bool:
        if times is None:
            return True
        with self._lock:
            seen = self._failures.get((status, prompt), 0)
            if seen >= times:
                return False
            self._failures[(status, prompt)] = seen + 1
            return True

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def plan(self, body: dict, number: int) -> Plan:
        return build_plan(body, number, self._should_fail)


def _usage(input_tokens: int, output_tokens: int) -> dict:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


class _ClientGone(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-anthropic/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def mock(self) -> MockAnthropic:
        return self.server.mock  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        self.mock._track(self.connection, True)

    def finish(self) -> None:
        self.mock._track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    # helpers
    def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req_mock_" + hex_id())
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _not_found(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                         "message": f"Not found: {self.path}"}})

    do_GET = do_HEAD = do_PUT = do_DELETE = _not_found

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.split("?", 1)[0] != "/v1/messages":
            self._send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                             "message": f"Not found: {self.path}"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "body is not JSON"}})
            return
        number = self.mock._record(body)
        plan = self.mock.plan(body, number)
        try:
            self._answer(body, plan)
        except (_ClientGone, BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _answer(self, body: dict, plan: Plan) -> None:
        if plan.hang:
            self.mock._stopping.wait(self.mock.hang_cap)
            self.close_connection = True
            return
        if plan.error is not None:
            kind, message = ERRORS[plan.error]
            headers = {"retry-after": "1"} if plan.error == 429 else {}
            payload = {"type": "error", "error": {"type": kind, "message": message},
                       "request_id": "req_mock_" + hex_id()}
            self._send_json(plan.error, payload, headers)
            return
        message_id = "msg_" + hex_id()
        model = body.get("model") or "claude-mock"
        input_tokens = max(1, len(json.dumps(body.get("messages", []))) // 4)
        if not body.get("stream"):
            self._send_json(200, {
                "id": message_id, "type": "message", "role": "assistant", "model": model,
                "content": plan.content(), "stop_reason": plan.stop_reason, "stop_sequence": None,
                "usage": _usage(input_tokens, plan.output_tokens()),
            })
            return
        self._stream(plan, message_id, model, input_tokens)

    def _event(self, name: str, data: dict) -> None:
        payload = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
        self.wfile.flush()

    def _pause(self, seconds: float) -> None:
        if seconds > 0 and self.mock._stopping.wait(seconds):
            raise _ClientGone()

    def _stream(self, plan: Plan, message_id: str, model: str, input_tokens: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("request-id", "req_mock_" + hex_id())
        self.end_headers()
        self._event("message_start", {"type": "message_start", "message": {
            "id": message_id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": _usage(input_tokens, 1)}})
        total_pieces = sum(len(b["pieces"]) for b in plan.blocks)
        gap = plan.slow_seconds / max(1, total_pieces - 1) if plan.slow_seconds else 0.0
        sent = 0
        for index, block in enumerate(plan.blocks):
            self._event("content_block_start", {"type": "content_block_start", "index": index,
                                                "content_block": _empty_block(block)})
            for piece in block["pieces"]:
                if sent:
                    self._pause(gap)
                self._event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                    "delta": _delta(block, piece)})
                sent += 1
                if plan.stall:
                    self.mock._stopping.wait(self.mock.hang_cap)
                    self.close_connection = True
                    return
            if block["type"] == "thinking":
                self._event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                    "delta": {"type": "signature_delta",
                                                              "signature": block["signature"]}})
            self._event("content_block_stop", {"type": "content_block_stop", "index": index})
        usage = _usage(input_tokens, plan.output_tokens())
        usage.pop("service_tier")
        usage.pop("cache_creation")
        self._event("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": plan.stop_reason, "stop_sequence": None},
                                      "usage": usage})
        self._event("message_stop", {"type": "message_stop"})
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _empty_block(block: dict) -> dict:
    if block["type"] == "text":
        return {"type": "text", "text": ""}
    if block["type"] == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    return {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}


def _delta(block: dict, piece: str) -> dict:
    if block["type"] == "text":
        return {"type": "text_delta", "text": piece}
    if block["type"] == "thinking":
        return {"type": "thinking_delta", "thinking": piece}
    return {"type": "input_json_delta", "partial_json": piece}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the mock Anthropic Messages API.")
    parser.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (default: a free one)")
    parser.add_argument("--verbose", action="store_true", help="print a line per request")
    args = parser.parse_args(argv)
    with MockAnthropic(args.port) as mock:
        print(f"ANTHROPIC_BASE_URL={mock.url}", flush=True)
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                if args.verbose:
                    current = mock.requests
                    for body in current[seen:]:
                        prompt = prompt_text(body)[:60]
                        print(f"{body.get('model')} stream={body.get('stream')} prompt={prompt!r}",
                              flush=True)
                    seen = len(current)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
