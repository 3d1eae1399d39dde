"""The mock Messages API: SSE shape, prompt markers, errors, hang and stall."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from support.mock_api import MockAnthropic, prompt_text
from support.sse_client import post_messages, streamed_blocks, user_body

REMINDER = {"type": "text", "text": "<system-reminder>\nSome context. @@err500\n</system-reminder>"}


def test_echo_stream_has_the_full_event_sequence(mock_api):
    status, headers, events = post_messages(mock_api.url, user_body("hello there", model="claude-haiku-5-5"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/event-stream")
    names = [name for name, _ in events]
    assert names[0] == "message_start"
    assert names[1] == "content_block_start"
    assert set(names[2:-3]) == {"content_block_delta"}
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    start = events[0][1]["message"]
    assert start["model"] == "claude-haiku-5-5"
    assert start["id"].startswith("msg_")
    assert start["role"] == "assistant" and start["content"] == []
    assert start["usage"]["input_tokens"] > 0 and start["usage"]["output_tokens"] == 1
    delta = events[-2][1]
    assert delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert delta["usage"]["output_tokens"] > 1
    assert streamed_blocks(events) == [{"type": "text", "text": "Echo #1: hello there"}]


def test_requests_are_recorded_numbered_and_reset(mock_api):
    post_messages(mock_api.url, user_body("one"))
    _, _, events = post_messages(mock_api.url, user_body("two", model="claude-sonnet-5-5"))
    assert streamed_blocks(events)[0]["text"] == "Echo #2: two"
    assert [r["model"] for r in mock_api.requests] == ["claude-opus-5-5", "claude-sonnet-5-5"]
    assert mock_api.requests[1]["messages"][-1]["content"] == "two"
    mock_api.reset()
    assert mock_api.requests == []
    _, _, events = post_messages(mock_api.url, user_body("three"))
    assert streamed_blocks(events)[0]["text"] == "Echo #1: three"


def test_non_streaming_request_gets_one_json_message(mock_api):
    status, _, message = post_messages(mock_api.url, user_body("plain", stream=False))
    assert status == 200
    assert message["type"] == "message"
    assert message["content"] == [{"type": "text", "text": "Echo #1: plain"}]
    assert message["stop_reason"] == "end_turn"
    assert message["usage"]["output_tokens"] > 0


def test_prompt_is_the_last_own_text_block_not_the_reminders():
    body = user_body([REMINDER, {"type": "text", "text": "the prompt"}, REMINDER])
    assert prompt_text(body) == "the prompt"
    history = [{"role": "user", "content": "@@err401 old"}, {"role": "assistant", "content": "x"}]
    assert prompt_text(user_body("new", history=history)) == "new"


def test_markers_in_reminder_blocks_are_ignored(mock_api):
    status, _, events = post_messages(mock_api.url, user_body([REMINDER, {"type": "text", "text": "hi"}]))
    assert status == 200
    assert streamed_blocks(events)[0]["text"] == "Echo #1: hi"


def test_tool_marker_then_tool_result(mock_api):
    _, _, events = post_messages(mock_api.url, user_body("@@tool:touch f1.txt"))
    text, tool = streamed_blocks(events)
    assert text["type"] == "text"
    assert tool["type"] == "tool_use" and tool["name"] == "Bash" and tool["id"].startswith("toolu_")
    assert tool["input"] == {"command": "touch f1.txt", "description": "Run touch f1.txt"}
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    history = [{"role": "user", "content": "@@tool:touch f1.txt"},
               {"role": "assistant", "content": [{k: v for k, v in tool.items()}]}]
    result = [{"type": "tool_result", "tool_use_id": tool["id"],
               "content": [{"type": "text", "text": "done"}]}, REMINDER]
    _, _, events = post_messages(mock_api.url, user_body(result, history=history))
    assert streamed_blocks(events) == [{"type": "text", "text": "Tool said: done"}]


def test_thinking_block_comes_first_with_signature(mock_api):
    _, _, events = post_messages(mock_api.url, user_body("@@thinking why"))
    thinking, text = streamed_blocks(events)
    assert thinking["type"] == "thinking" and thinking["thinking"] and thinking["signature"]
    assert text == {"type": "text", "text": "Echo #1: @@thinking why"}


def test_long_markdown_has_the_size_and_the_parts(mock_api):
    _, _, events = post_messages(mock_api.url, user_body("@@long:20"))
    (block,) = streamed_blocks(events)
    text = block["text"]
    assert len(text) >= 20 * 1024
    for part in ("\n## Section 1\n", "\n- item", "\n1. first", "```python\n", "| key | value |"):
        assert part in text
    assert sum(1 for name, _ in events if name == "content_block_delta") > 50


def test_slow_sends_the_echo_then_twenty_ticks(mock_api):
    _, _, events = post_messages(mock_api.url, user_body("@@slow:0.2 go"))
    deltas = [d["delta"]["text"] for name, d in events if name == "content_block_delta"]
    assert len(deltas) == 21
    assert deltas[0] == "Echo #1: @@slow:0.2 go"
    assert deltas[-1] == " [20/20]"


@pytest.mark.parametrize(("status", "kind"), [(400, "invalid_request_error"), (401, "authentication_error"),
                                              (429, "rate_limit_error"), (500, "api_error"),
                                              (529, "overloaded_error")])
def test_error_markers_give_anthropic_error_bodies(mock_api, status, kind):
    for _ in range(2):
        got, headers, body = post_messages(mock_api.url, user_body(f"@@err{status} please"))
        assert got == status
        assert body["type"] == "error" and body["error"]["type"] == kind and body["error"]["message"]
        assert headers["request-id"].startswith("req_mock_")
    assert (headers.get("retry-after") == "1") == (status == 429)


def test_error_with_count_fails_k_times_per_prompt_then_answers(mock_api):
    statuses = [post_messages(mock_api.url, user_body("@@err500:2 a"))[0] for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert post_messages(mock_api.url, user_body("@@err500:2 b"))[0] == 500
    _, _, events = post_messages(mock_api.url, user_body("@@err529:1 c", stream=True))
    assert events == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
                      "request_id": events["request_id"]}
    _, _, events = post_messages(mock_api.url, user_body("@@err529:1 c"))
    assert streamed_blocks(events)[0]["text"] == "Echo #6: @@err529:1 c"


@pytest.mark.parametrize("path", ["/v1/messages/count_tokens?beta=true", "/api/hello"])
def test_other_endpoints_answer_404_json(mock_api, path):
    status, _, body = post_messages(mock_api.url, user_body("x"), path=path)
    assert status == 404 and body["error"]["type"] == "not_found_error"
    assert mock_api.requests == []


def _request_in_thread(url: str, prompt: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["reply"] = post_messages(url, user_body(prompt), timeout=30)
        except (OSError, http.client.HTTPException) as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_hang_never_answers_and_does_not_block_stop():
    mock = MockAnthropic().start()
    thread, outcome = _request_in_thread(mock.url, "@@hang")
    mock.wait_for_requests(1)
    thread.join(0.3)
    assert thread.is_alive() and not outcome
    mock.stop()
    thread.join(30)
    assert not thread.is_alive()
    assert "error" in outcome


def test_stall_sends_one_delta_then_nothing():
    with MockAnthropic() as mock:
        host, port = "127.0.0.1", mock.port
        sock = socket.create_connection((host, port), timeout=30)
        body = json.dumps(user_body("@@stall now")).encode()
        sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        received = b""
        while b"content_block_delta" not in received:
            received += sock.recv(65536)
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            received += sock.recv(65536)
    sock.settimeout(30)
    tail = sock.recv(65536)
    sock.close()
    assert tail == b""
    assert received.count(b"event: content_block_delta") == 1
    assert b"message_stop" not in received
