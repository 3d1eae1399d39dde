"""LineFramer and parse_line: claude's PTY output to typed items."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from ccsess.core.claude import protocol as st
from ccsess.core.claude.framing import LineFramer
from ccsess.core.claude.protocol import parse_line


def _frame(chunks: list[bytes]) -> tuple[list[dict], LineFramer]:
    noise: list[bytes] = []
    framer = LineFramer(on_noise=noise.append)
    out: list[dict] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    out.extend(framer.flush())
    return out, framer


def test_crlf_lines_and_the_trailing_cursor_escape():
    data = b'{"type":"system","subtype":"init"}\r\n{"type":"result"}\r\n\x1b[?25h'
    objects, framer = _frame([data])
    assert [o["type"] for o in objects] == ["system", "result"]
    assert framer.noise_lines == 1


def test_partial_reads_byte_by_byte():
    line = json.dumps({"type": "assistant", "text": "héllo ✓"}).encode() + b"\r\n"
    objects, _ = _frame([line[i:i + 1] for i in range(len(line))])
    assert objects == [{"type": "assistant", "text": "héllo ✓"}]


def test_noise_lines_are_dropped_and_reported():
    seen: list[bytes] = []
    framer = LineFramer(on_noise=seen.append)
    out = framer.feed(b"\x1b[31mError: boom\x1b[0m\r\n{not json}\r\n[1,2]\r\n{\"type\":\"user\"}\r\n\r\n")
    assert out == [{"type": "user"}]
    assert len(seen) == 3 and framer.noise_lines == 3


def test_a_cursor_escape_glued_before_a_line_is_stripped():
    objects, _ = _frame([b'\x1b[?25h{"type":"result"}\r\n'])
    assert objects == [{"type": "result"}]


def test_ten_megabyte_line_in_small_chunks():
    text = "y" * (10 * 1024 * 1024)
    line = json.dumps({"type": "assistant", "text": text}).encode() + b"\r\n"
    framer = LineFramer()
    out: list[dict] = []
    for i in range(0, len(line), 4096):
        out.extend(framer.feed(line[i:i + 4096]))
    assert len(out) == 1 and out[0]["text"] == text


_values = s.recursive(
    s.none() | s.booleans() | s.integers() | s.text(max_size=20),
    lambda inner: s.lists(inner, max_size=3) | s.dictionaries(s.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_objects = s.dictionaries(s.text(max_size=8), _values, max_size=4).map(lambda d: {"n": 0, **d})
_garbage = s.sampled_from([b"\x1b[?25h", b"plain noise", b"{broken", b"\x1b[31mred\x1b[0m", b"", b"[]"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=s.lists(s.one_of(_objects.map(lambda o: ("ok", o)), _garbage.map(lambda g: ("junk", g))), max_size=12),
    cuts=s.lists(s.integers(min_value=0, max_value=10_000), max_size=30),
    crlf=s.booleans(),
)
def test_any_chunking_delivers_every_valid_line_once(items, cuts, crlf):
    end = b"\r\n" if crlf else b"\n"
    expected = []
    data = b""
    for number, (kind, value) in enumerate(items):
        if kind == "ok":
            value = {**value, "n": number}
            expected.append(value)
            data += json.dumps(value, ensure_ascii=False).encode() + end
        else:
            data += value + end
    data += b"\x1b[?25h"
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]
    objects, _ = _frame(chunks)
    assert objects == expected


def test_parse_stream_events():
    def event(e):
        return parse_line({"type": "stream_event", "event": e, "parent_tool_use_id": None})

    assert event({"type": "message_start", "message": {"id": "msg_1", "model": "m"}}) == [
        st.MessageStart("msg_1", "m", None)]
    assert event({"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "hi"}}) == [
        st.TextChunk(2, "hi")]
    assert event({"type": "content_block_delta", "index": 0,
                  "delta": {"type": "thinking_delta", "thinking": "hmm"}}) == [st.ThinkingChunk(0, "hmm")]
    assert event({"type": "content_block_delta", "index": 1,
                  "delta": {"type": "input_json_delta", "partial_json": "{\"a\""}}) == [
        st.ToolInputChunk(1, "{\"a\"")]
    assert event({"type": "content_block_start", "index": 1,
                  "content_block": {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}}) == [
        st.BlockStart(1, "tool_use", "toolu_1", "Bash")]
    assert event({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}}) == [
        st.MessageDelta("end_turn", {"output_tokens": 3})]
    assert event({"type": "message_stop"}) == [st.MessageStop()]
    assert event({"type": "ping"}) == [st.Other("stream_event", "ping")]


def test_parse_assistant_blocks_share_the_message_id():
    items = parse_line({"type": "assistant", "uuid": "u1", "message": {
        "id": "msg_9", "model": "claude-opus-5-5", "content": [{"type": "text", "text": "a"},
                                                               {"type": "tool_use", "id": "t", "name": "Bash"}]}})
    assert [(i.message_id, i.uuid, i.block["type"]) for i in items] == [("msg_9", "u1", "text"),
                                                                        ("msg_9", "u1", "tool_use")]
    synthetic = parse_line({"type": "assistant", "uuid": "u2", "error": "authentication_failed",
                            "is_api_error_message": True, "api_error_status": 401,
                            "message": {"id": "x", "model": "<synthetic>",
                                        "content": [{"type": "text", "text": "Invalid API key"}]}})
    assert synthetic[0].synthetic and synthetic[0].error == "authentication_failed"
    assert synthetic[0].api_error_status == 401


def test_parse_user_lines():
    marker = parse_line({"type": "user", "uuid": "u", "message": {"role": "user", "content": [
        {"type": "text", "text": "[Request interrupted by user]"}]}})
    assert marker == [st.UserLine("u", "[Request interrupted by user]", True)]
    result = parse_line({"type": "user", "uuid": "v", "message": {"content": [
        {"type": "tool_result", "tool_use_id": "t", "content": "hi", "is_error": False}]}})
    assert isinstance(result[0], st.ToolResult) and result[0].block["content"] == "hi"
    local = parse_line({"type": "user", "uuid": "w", "message": {"content": "<local-command-stdout>x"}})
    assert local == [st.UserLine("w", "<local-command-stdout>x", False)]


def test_parse_system_control_and_result():
    assert parse_line({"type": "system", "subtype": "init", "session_id": "s", "model": "m",
                       "permissionMode": "default", "cwd": "/p"}) == [st.Init("s", "m", "default", "/p")]
    assert parse_line({"type": "system", "subtype": "api_retry", "attempt": 1, "max_retries": 10,
                       "retry_delay_ms": 532, "error_status": 401, "error": "authentication_failed"}) == [
        st.Retry(1, 10, 532, "authentication_failed", 401)]
    assert parse_line({"type": "system", "subtype": "permission_denied", "tool_name": "Bash",
                       "tool_use_id": "t", "message": "no"}) == [st.Denied("Bash", "t", "no")]
    ask = parse_line({"type": "control_request", "request_id": "r1", "request": {
        "subtype": "can_use_tool", "tool_name": "Bash", "input": {"command": "ls"}, "tool_use_id": "t"}})
    assert ask == [st.PermissionAsk("r1", "Bash", {"command": "ls"}, "", "t")]
    reply = parse_line({"type": "control_response", "response": {"subtype": "error", "request_id": "b",
                                                                 "error": "Unsupported"}})
    assert reply == [st.ControlReply("b", False, {}, "Unsupported")]
    result = parse_line({"type": "result", "subtype": "success", "is_error": True, "terminal_reason": "api_error",
                         "result": "Invalid API key", "total_cost_usd": 0, "api_error_status": 401})[0]
    assert result.is_error and result.terminal_reason == "api_error" and result.api_error_status == 401


def test_subagent_lines_and_malformed_lines_do_not_raise():
    assert parse_line({"type": "assistant", "parent_tool_use_id": "toolu_x", "message": {}}) == [
        st.Other("assistant", "subagent")]
    assert parse_line({"type": "assistant", "message": "not a dict"})[0] == st.Other("assistant", "malformed")
    assert parse_line({"type": "brand_new"}) == [st.Other("brand_new", "")]
